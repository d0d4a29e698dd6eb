"""The seeds' examples, as JSON over HTTP: the README's curl commands, its Usage Examples
(daily birthday, weekly visitor, interval job), and the calls the seed dashboard and FastAPI
routes make."""
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from scheduler_app.models import JobExecution
from tests.factories import DAILY_BIRTHDAY, HOURLY_INTERVAL, WEEKLY_VISITOR

pytestmark = pytest.mark.django_db

CRON_WORKDAYS = {
    "name": "Workday visits",
    "bot_type": "visitor",
    "schedule_type": "cron",
    "schedule_config": {"cron_expression": "0 8-18 * * 1-5"},
    "bot_config": {"dry_run": True, "limit": 50},
}


def curl_post_job_json(client, job: dict):
    """curl -X POST -H "X-API-Key: …" -H "Content-Type: application/json" -d @job.json …/scheduler/jobs"""
    return client.generic("POST", "/scheduler/jobs", json.dumps(job).encode(), content_type="application/json")


def test_readme_curl_examples(client):
    created = curl_post_job_json(client, DAILY_BIRTHDAY)
    assert created.status_code == 201
    job_id = created.json()["id"]
    listed = client.get("/scheduler/jobs")  # curl -H "X-API-Key: …" …/scheduler/jobs
    assert listed.status_code == 200 and [j["id"] for j in listed.json()] == [job_id]
    one = client.get(f"/scheduler/jobs/{job_id}")  # curl -H "X-API-Key: …" …/scheduler/jobs/{job_id}
    assert one.status_code == 200 and one.json()["name"] == "Daily Birthday Messages"


def test_daily_birthday_job(client):
    job = curl_post_job_json(client, DAILY_BIRTHDAY).json()
    # The seed's keys as given (message_language, added since, is unset: the contact's, account's or fr).
    assert job["bot_config"] == DAILY_BIRTHDAY["bot_config"]
    assert job["enabled"] is True and job["max_instances"] == 1 and job["coalesce"] is True
    next_run = datetime.fromisoformat(job["next_run_at"]).astimezone(ZoneInfo("Europe/Paris"))
    assert (next_run.hour, next_run.minute) == (8, 0)


def test_weekly_visitor_job(client):
    job = curl_post_job_json(client, WEEKLY_VISITOR).json()
    runs = client.get(f"/scheduler/jobs/{job['id']}/next-runs?count=6").json()
    days = {datetime.fromisoformat(t).strftime("%a") for t in runs}
    assert days == {"Mon", "Wed", "Fri"}
    assert all(datetime.fromisoformat(t).hour == 14 for t in runs)


def test_interval_job(client):
    job = curl_post_job_json(client, HOURLY_INTERVAL).json()
    assert job["schedule_config"] == {"weeks": 0, "days": 0, "hours": 1, "minutes": 0, "seconds": 0}
    assert job["bot_config"]["max_days_late"] == 7  # reset: process_late is false
    runs = [datetime.fromisoformat(t) for t in client.get(f"/scheduler/jobs/{job['id']}/next-runs?count=3").json()]
    assert [(b - a).total_seconds() for a, b in zip(runs, runs[1:], strict=False)] == [3600, 3600]


def test_cron_example_runs_monday_to_friday(client):
    job = curl_post_job_json(client, CRON_WORKDAYS).json()
    runs = client.get(f"/scheduler/jobs/{job['id']}/next-runs?count=100").json()
    assert {datetime.fromisoformat(t).strftime("%a") for t in runs} == {"Mon", "Tue", "Wed", "Thu", "Fri"}
    assert {datetime.fromisoformat(t).hour for t in runs} == set(range(8, 19))


def test_seed_route_and_dashboard_calls(client, sent_tasks):
    job_id = curl_post_job_json(client, WEEKLY_VISITOR).json()["id"]
    # FastAPI route: POST /jobs/{id}/toggle?enabled=false
    assert client.post(f"/scheduler/jobs/{job_id}/toggle?enabled=false").json()["enabled"] is False
    # Next.js dashboard: JSON body {"enabled": true}
    toggled = client.post(f"/scheduler/jobs/{job_id}/toggle", {"enabled": True}, format="json")
    assert toggled.json()["enabled"] is True
    # Dashboard edit dialog: PUT with a subset (UpdateJobRequest)
    updated = client.put(f"/scheduler/jobs/{job_id}", {"name": "Visits", "bot_config": {"limit": 20}}, format="json")
    assert updated.status_code == 200 and updated.json()["bot_config"]["limit"] == 20
    # Run now: POST without a body -> 202 and the seed's message
    run = client.post(f"/scheduler/jobs/{job_id}/run")
    assert run.status_code == 202
    assert run.json()["message"] == f"Job {job_id} queued for immediate execution"
    assert JobExecution.objects.filter(pk=run.json()["execution_id"]).exists()
    history = client.get(f"/scheduler/jobs/{job_id}/history?limit=50")
    assert [row["id"] for row in history.json()] == [run.json()["execution_id"]]
    assert client.delete(f"/scheduler/jobs/{job_id}").status_code == 204
    assert client.get(f"/scheduler/jobs/{job_id}").status_code == 404
