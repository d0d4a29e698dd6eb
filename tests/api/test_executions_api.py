"""GET /scheduler/executions/{id}: one execution with what its bot is doing now (issue 22 item 5)."""
import uuid

import pytest
from django.utils.timezone import now as utc_now

from bots.runner import BotOutcome, BotRun
from scheduler_app.services import execution_claim, execution_run, job_run_now
from scheduler_app.services.api_keys import api_key_create
from scheduler_app.services.executions import execution_lease_renew
from tests.factories import make_job

pytestmark = pytest.mark.django_db


def reporting(run: BotRun) -> BotOutcome:
    """A runner that reports two steps and sends two messages."""
    run.report("reading the birthday list", messages_sent=0, planned=2)
    run.report("writing to Ann Lee 2/2", messages_sent=2)
    return BotOutcome(messages_sent=2, result={"runner": "reporting"})


def test_execution_get_shows_a_running_runs_step_and_counts(client):
    job = make_job(timezone="America/New_York")
    queued = job_run_now(job=job)
    running = execution_claim(job_id=job.pk, execution_id=queued.pk)
    progress = {"step": "writing to Ann Lee 3/9", "counts": {"messages_sent": 2, "planned": 9},
                "at": utc_now().isoformat(), "elapsed_seconds": 12.5}
    assert execution_lease_renew(execution_id=running.pk, progress=progress)

    answer = client.get(f"/scheduler/executions/{running.pk}")

    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["id"] == str(running.pk) and body["job_id"] == str(job.pk) and body["job_name"] == job.name
    assert body["status"] == "running" and body["trigger"] == "manual"
    assert body["progress"] == progress
    assert body["attempt"] == 1 and body["attempts"] == [] and body["retry_at"] is None
    assert body["finished_at"] is None and body["error"] is None and body["dry_run"] is True
    assert body["started_at"].endswith(("-05:00", "-04:00")), "times in the job's own zone, as its history"


def test_execution_get_keeps_the_last_step_and_the_counts_once_final(client, settings):
    settings.BOT_RUNNERS = {"birthday": f"{__name__}.reporting", "visitor": f"{__name__}.reporting"}
    job = make_job()

    execution = execution_run(job_id=job.pk, execution_id=job_run_now(job=job).pk)

    body = client.get(f"/scheduler/executions/{execution.pk}").json()
    assert body["status"] == "success" and body["messages_sent"] == 2
    assert body["progress"]["step"] == "writing to Ann Lee 2/2"
    assert body["progress"]["counts"] == {"messages_sent": 2, "planned": 2}
    assert body["result"] == {"runner": "reporting"} and body["duration_seconds"] is not None


@pytest.mark.parametrize("bad_id", [str(uuid.uuid4()), "not-a-uuid", "42", "%00"])
def test_execution_get_of_an_unknown_or_malformed_id_is_404(client, bad_id):
    answer = client.get(f"/scheduler/executions/{bad_id}")

    assert answer.status_code == 404
    assert answer.json()["detail"].startswith("Execution ")


def test_execution_get_needs_a_key_and_a_read_only_key_will_do(anon):
    job = make_job()
    execution = job_run_now(job=job)
    assert anon.get(f"/scheduler/executions/{execution.pk}").status_code == 401
    _, key = api_key_create(name="wallboard", read_only=True)
    anon.credentials(HTTP_X_API_KEY=key)
    assert anon.get(f"/scheduler/executions/{execution.pk}").json()["status"] == "queued"
    assert anon.delete(f"/scheduler/executions/{execution.pk}").status_code in (403, 405)


def test_the_openapi_document_lists_the_execution_endpoint_and_its_progress(anon):
    document = anon.get("/scheduler/schema").json()
    path = document["paths"]["/scheduler/executions/{execution_id}"]
    assert set(path) - {"parameters"} == {"get"}
    name = path["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    properties = document["components"]["schemas"][name]["properties"]
    assert {"status", "attempt", "attempts", "progress", "messages_sent", "profiles_visited", "result",
            "error"} <= set(properties)
