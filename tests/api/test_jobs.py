"""Job endpoints: every row of the HTTP API table in docs/contract.md, with its answers and status codes."""
from datetime import datetime

import pytest
from django_celery_beat.models import PeriodicTask

from scheduler_app.models import JobExecution, ScheduledJob
from tests.factories import job_data, make_job, record_run

pytestmark = pytest.mark.django_db


def test_create_job_answers_201_with_defaults_filled_in(client):
    response = client.post("/scheduler/jobs", job_data(), format="json")
    assert response.status_code == 201
    job = response.json()
    assert job["enabled"] is True and job["created_by"] == "tests"
    assert job["bot_config"] == {"dry_run": True, "process_late": False, "max_days_late": 7, "max_messages_per_run": 10}
    assert job["timezone"] == "Europe/Paris" and job["max_instances"] == 1 and job["misfire_grace_time"] == 3600
    assert job["next_run_at"].endswith(("+01:00", "+02:00"))
    assert datetime.fromisoformat(job["created_at"]).utcoffset() is not None
    assert ScheduledJob.objects.filter(pk=job["id"]).exists()


def test_list_is_newest_first_and_filters(client):
    old = make_job(name="old")
    visitor = make_job(name="visitor", bot_type="visitor", bot_config={}, enabled=False)
    new = make_job(name="new")
    assert [j["name"] for j in client.get("/scheduler/jobs").json()] == ["new", "visitor", "old"]
    assert [j["id"] for j in client.get("/scheduler/jobs?enabled_only=true").json()] == [str(new.pk), str(old.pk)]
    assert [j["id"] for j in client.get("/scheduler/jobs?bot_type=visitor").json()] == [str(visitor.pk)]
    assert client.get("/scheduler/jobs?enabled_only=true&bot_type=visitor").json() == []
    assert len(client.get("/scheduler/jobs?enabled_only=false").json()) == 3


def test_list_empty_is_an_empty_array(client):
    response = client.get("/scheduler/jobs")
    assert response.status_code == 200 and response.json() == []


def test_get_job_and_404s(client):
    job = make_job()
    assert client.get(f"/scheduler/jobs/{job.pk}").json()["id"] == str(job.pk)
    missing = client.get("/scheduler/jobs/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404 and "detail" in missing.json()
    assert client.get("/scheduler/jobs/not-a-uuid").status_code == 404


@pytest.mark.parametrize("method", ["put", "patch"])
def test_put_and_patch_are_partial(client, method):
    job = make_job(description="keep me")
    response = getattr(client, method)(f"/scheduler/jobs/{job.pk}", {"name": "renamed"}, format="json")
    assert response.status_code == 200
    assert response.json()["name"] == "renamed" and response.json()["description"] == "keep me"
    assert response.json()["schedule_config"] == {"hour": 8, "minute": 0}


def test_update_reaches_the_beat_row(client):
    job = make_job()
    client.put(f"/scheduler/jobs/{job.pk}", {"schedule_config": {"hour": 6, "minute": 30}}, format="json")
    task = PeriodicTask.objects.get(pk=job.periodic_task_id)
    assert (task.crontab.hour, task.crontab.minute) == ("6", "30")


def test_bot_type_is_immutable(client):
    job = make_job()
    response = client.put(f"/scheduler/jobs/{job.pk}", {"bot_type": "visitor"}, format="json")
    assert response.status_code == 400 and "bot_type" in response.json()["errors"]
    same = client.put(f"/scheduler/jobs/{job.pk}", {"bot_type": "birthday"}, format="json")
    assert same.status_code == 200


def test_a_job_read_can_be_written_back(client):
    """The seed dashboard edits the object it read: read-only fields are accepted and ignored."""
    job = client.get(f"/scheduler/jobs/{make_job().pk}").json()
    job["name"] = "edited"
    job["created_by"] = "someone else"
    response = client.put(f"/scheduler/jobs/{job['id']}", job, format="json")
    assert response.status_code == 200
    assert response.json()["name"] == "edited" and response.json()["created_by"] == "system"


def test_an_id_in_the_body_must_match_the_url(client):
    job, other = make_job(), make_job()
    response = client.put(f"/scheduler/jobs/{job.pk}", {"id": str(other.pk), "name": "x"}, format="json")
    assert response.status_code == 400 and "id" in response.json()["errors"]


def test_delete_answers_204_then_404(client):
    job = make_job()
    assert client.delete(f"/scheduler/jobs/{job.pk}").status_code == 204
    assert not ScheduledJob.objects.filter(pk=job.pk).exists()
    assert client.delete(f"/scheduler/jobs/{job.pk}").status_code == 404


def test_toggle_from_body_query_or_flip(client):
    job = make_job()
    url = f"/scheduler/jobs/{job.pk}/toggle"
    assert client.post(url, {"enabled": False}, format="json").json()["enabled"] is False
    assert client.post(url, {"enabled": False}, format="json").json()["enabled"] is False
    assert client.post(f"{url}?enabled=true").json()["enabled"] is True
    assert client.post(f"{url}?enabled=false").json()["enabled"] is False
    flipped = client.post(url)
    assert flipped.status_code == 200 and flipped.json()["enabled"] is True
    assert client.post(url, {}, format="json").json()["enabled"] is False
    assert client.post(url, {"enabled": True}, format="json").json()["next_run_at"] is not None


def test_toggle_body_and_query_must_agree(client):
    job = make_job()
    response = client.post(f"/scheduler/jobs/{job.pk}/toggle?enabled=true", {"enabled": False}, format="json")
    assert response.status_code == 400
    agree = client.post(f"/scheduler/jobs/{job.pk}/toggle?enabled=true", {"enabled": True}, format="json")
    assert agree.status_code == 200


def test_run_now_answers_202_with_the_execution(client, sent_tasks):
    job = make_job(bot_config={"dry_run": False})
    response = client.post(f"/scheduler/jobs/{job.pk}/run")
    assert response.status_code == 202
    body = response.json()
    assert set(body) == {"message", "job_id", "execution_id"} and body["job_id"] == str(job.pk)
    execution = JobExecution.objects.get(pk=body["execution_id"])
    assert execution.trigger == "manual" and execution.status == "queued" and execution.dry_run is False
    message = {"job_id": str(job.pk), "execution_id": body["execution_id"]}
    assert sent_tasks == [("scheduler_app.tasks.run_job", message)]


def test_run_now_dry_run_override_is_recorded(client):
    job = make_job(bot_config={"dry_run": False})
    response = client.post(f"/scheduler/jobs/{job.pk}/run", {"dry_run": True}, format="json")
    assert response.status_code == 202
    assert JobExecution.objects.get(pk=response.json()["execution_id"]).dry_run is True


def test_run_now_when_the_broker_is_down_is_503_and_recorded(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr("scheduler_app.services.jobs.celery_app.send_task", refuse)
    job = make_job()
    response = client.post(f"/scheduler/jobs/{job.pk}/run")
    assert response.status_code == 503 and "detail" in response.json()
    assert JobExecution.objects.get(job=job).status == "failed"


def _executions(job, n):
    return [JobExecution.objects.create(job=job, trigger="manual", status="success") for _ in range(n)]


def test_history_newest_first_with_limit(client):
    job = make_job()
    made = _executions(job, 60)
    default = client.get(f"/scheduler/jobs/{job.pk}/history")
    assert default.status_code == 200 and len(default.json()) == 50
    assert default.json()[0]["id"] == str(made[-1].pk)
    row = default.json()[0]
    assert set(row) == {
        "id", "job_id", "trigger", "triggered_by", "attempt", "scheduled_for", "queued_at", "started_at", "finished_at",
        "duration_seconds",
        "status", "result", "error", "messages_sent", "profiles_visited", "dry_run",
    }
    assert len(client.get(f"/scheduler/jobs/{job.pk}/history?limit=1").json()) == 1
    assert len(client.get(f"/scheduler/jobs/{job.pk}/history?limit=200").json()) == 60
    assert client.get("/scheduler/jobs/nope/history").status_code == 404


@pytest.mark.parametrize("limit", ["0", "201", "-1", "ten", "1.5", "1e3"])
def test_history_limit_out_of_range_is_400(client, limit):
    job = make_job()
    response = client.get(f"/scheduler/jobs/{job.pk}/history?limit={limit}")
    assert response.status_code == 400 and "limit" in response.json()["errors"]


def test_next_runs_default_count_and_after(client):
    job = make_job(schedule_config={"hour": 8, "minute": 0})
    runs = client.get(f"/scheduler/jobs/{job.pk}/next-runs").json()
    assert len(runs) == 10
    after = client.get(f"/scheduler/jobs/{job.pk}/next-runs?count=2&after=2025-01-01T00:00:00%2B01:00").json()
    assert after == ["2025-01-01T08:00:00+01:00", "2025-01-02T08:00:00+01:00"]


def test_next_runs_show_the_dst_change(client):
    """Clocks go forward on 2025-03-30 in Paris: 02:30 does not exist and fires once at 03:00."""
    job = make_job(schedule_config={"hour": 2, "minute": 30})
    runs = client.get(f"/scheduler/jobs/{job.pk}/next-runs?count=3&after=2025-03-28T12:00:00").json()
    assert runs == ["2025-03-29T02:30:00+01:00", "2025-03-30T03:00:00+02:00", "2025-03-31T02:30:00+02:00"]


def test_next_runs_accept_an_unencoded_plus_and_dates(client):
    job = make_job(schedule_config={"hour": 8, "minute": 0})
    assert client.get(f"/scheduler/jobs/{job.pk}/next-runs?count=1&after=2025-01-01T00:00:00+01:00").json() == [
        "2025-01-01T08:00:00+01:00"
    ]
    assert client.get(f"/scheduler/jobs/{job.pk}/next-runs?count=1&after=2025-01-01").json() == [
        "2025-01-01T08:00:00+01:00"
    ]


def test_next_runs_of_a_manual_job_is_empty(client):
    job = make_job(schedule_type="manual", schedule_config={})
    assert client.get(f"/scheduler/jobs/{job.pk}/next-runs").json() == []


def test_next_runs_of_an_interval_job_step_from_the_last_change(client):
    job = make_job(schedule_type="interval", schedule_config={"hours": 2})
    runs = [datetime.fromisoformat(t) for t in client.get(f"/scheduler/jobs/{job.pk}/next-runs?count=3").json()]
    assert [(b - a).total_seconds() for a, b in zip(runs, runs[1:], strict=False)] == [7200, 7200]
    assert runs[0] == ScheduledJob.objects.get(pk=job.pk).next_run_at


@pytest.mark.parametrize("query", ["count=0", "count=101", "count=x", "after=yesterday", "after=2025-13-01",
                                   "after=0001-01-01T00:00:00", "count=5&after=9999-12-31T23:59:59"])
def test_next_runs_bad_query_is_400(client, query):
    job = make_job()
    assert client.get(f"/scheduler/jobs/{job.pk}/next-runs?{query}").status_code == 400


def test_stats_endpoint(client):
    job = make_job()
    record_run(job, "success", messages=4)
    record_run(job, "failed")
    stats = client.get("/scheduler/stats").json()
    assert stats["total_jobs"] == 1 and stats["total_executions"] == 2
    assert stats["success_rate"] == 50.0 and stats["total_messages_sent"] == 4
    assert stats["jobs"][0]["job_id"] == str(job.pk) and stats["jobs"][0]["messages_sent"] == 4


def test_strings_are_stored_verbatim(client):
    name = "<script>alert('x')</script>'; DROP TABLE jobs; -- émoji 🎂 &amp;"
    response = client.post("/scheduler/jobs", job_data(name=name, description="  spaced  "), format="json")
    assert response.status_code == 201
    stored = ScheduledJob.objects.get(pk=response.json()["id"])
    assert stored.name == name and stored.description == "  spaced  "
    assert client.get(f"/scheduler/jobs/{stored.pk}").json()["name"] == name


def test_trailing_slash_is_tolerated(client):
    job = make_job()
    assert client.get("/scheduler/jobs/").status_code == 200
    assert client.get(f"/scheduler/jobs/{job.pk}/").status_code == 200


def test_unknown_paths_and_methods_are_json(client):
    missing = client.get("/scheduler/nothing/here")
    assert missing.status_code == 404 and missing.json() == {"detail": "No such endpoint."}
    wrong_method = client.delete("/scheduler/jobs")
    assert wrong_method.status_code == 405 and "detail" in wrong_method.json()


def test_list_rows_match_the_detail_answer(client):
    """The list's fast path (plain rows) must say exactly what the detail endpoint says."""
    job = make_job(description=None)
    client.post(f"/scheduler/jobs/{job.pk}/run")
    JobExecution.objects.create(job=job, trigger="manual", status="failed", error="boom")
    from scheduler_app.services import execution_finish

    execution_finish(execution=JobExecution.objects.filter(job=job).first(), status="failed", error="boom")
    make_job(bot_type="visitor", bot_config={"keywords": "python"}, schedule_type="manual", schedule_config={})
    listed = {row["id"]: row for row in client.get("/scheduler/jobs").json()}
    for job_id, row in listed.items():
        assert row == client.get(f"/scheduler/jobs/{job_id}").json()
    assert listed[str(job.pk)]["last_run_status"] == "failed"
