"""Chains through the API: run_after on jobs, a cycle is a 400 naming it, deleting an upstream is
a 409 naming its dependents unless ?force=true, and a chained run shows what triggered it."""
import pytest

from scheduler_app.models import ExecutionStatus, JobExecution

pytestmark = pytest.mark.django_db

JOBS = "/scheduler/jobs"


def _job(client, name, **fields):
    body = {"name": name, "bot_type": "birthday", "schedule_type": "daily", "schedule_config": {"hour": 8},
            **fields}
    response = client.post(JOBS, body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_run_after_round_trips_and_a_cycle_is_a_400_naming_it(client):
    a = _job(client, "A")
    b = _job(client, "B", run_after=[a["id"]], run_after_when="completion")
    assert (b["run_after"], b["run_after_when"]) == ([a["id"]], "completion")

    response = client.patch(f"{JOBS}/{a['id']}", {"run_after": ["B"]}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"run_after": ["this would make a cycle: A → B → A"]}
    assert client.get(f"{JOBS}/{a['id']}").json()["run_after"] == []


def test_bad_run_after_values_are_400s_on_the_field(client):
    assert client.post(JOBS, {"name": "X", "bot_type": "birthday", "schedule_type": "manual",
                               "run_after": "A"}, format="json").json()["errors"].keys() == {"run_after"}
    response = client.post(JOBS, {"name": "X", "bot_type": "birthday", "schedule_type": "manual",
                                  "run_after_when": "sometimes"}, format="json")
    assert response.status_code == 400 and "run_after_when" in response.json()["errors"]


def test_deleting_an_upstream_is_a_409_naming_its_dependents_unless_forced(client):
    a = _job(client, "A")
    b = _job(client, "B", run_after=[a["id"]])

    response = client.delete(f"{JOBS}/{a['id']}")
    assert response.status_code == 409
    assert response.json()["dependents"] == [{"id": b["id"], "name": "B"}]
    assert client.get(f"{JOBS}/{a['id']}").status_code == 200

    assert client.delete(f"{JOBS}/{a['id']}?force=true").status_code == 204
    assert client.get(f"{JOBS}/{b['id']}").json()["run_after"] == []


def test_a_chained_run_says_which_run_triggered_it(client, django_capture_on_commit_callbacks):
    a = _job(client, "A", schedule_type="manual", schedule_config={})
    b = _job(client, "B", schedule_type="manual", schedule_config={}, run_after=[a["id"]])
    from scheduler_app.services.executions import execution_run

    upstream = client.post(f"{JOBS}/{a['id']}/run", {}, format="json").json()["execution_id"]
    with django_capture_on_commit_callbacks(execute=True):
        execution_run(job_id=a["id"], execution_id=upstream)
    chained = JobExecution.objects.get(job_id=b["id"])
    assert chained.status == ExecutionStatus.QUEUED

    detail = client.get(f"/scheduler/executions/{chained.pk}").json()
    assert detail["trigger"] == "chained"
    assert detail["triggered_by"] == {"execution_id": upstream, "job_id": a["id"], "job_name": "A",
                                      "label": "after A"}
    history = client.get(f"{JOBS}/{b['id']}/history").json()
    rows = history["results"] if isinstance(history, dict) else history
    assert rows[0]["triggered_by"] == upstream
