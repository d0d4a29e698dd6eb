"""Inputs that were accepted and then misread (issue 15, part 2), each answered as the contract
(docs/contract.md) says: PATCH merges bot_config, PUT replaces it; only IANA zones; an empty
``?enabled=`` is an error; a 400's ``detail`` names the fields; a job's times are in its zone."""
from datetime import datetime

import pytest

from scheduler_app.models import ScheduledJob
from tests.factories import job_data, make_job

pytestmark = pytest.mark.django_db


def _offset(text: str) -> str:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).strftime("%z")


def test_patch_of_one_bot_config_key_keeps_dry_run_on(client):
    job = make_job(bot_config={"dry_run": True, "max_messages_per_run": 3})

    answer = client.patch(f"/scheduler/jobs/{job.pk}", {"bot_config": {"max_messages_per_run": 5}}, format="json")

    assert answer.status_code == 200, answer.json()
    assert answer.json()["bot_config"]["dry_run"] is True
    assert answer.json()["bot_config"]["max_messages_per_run"] == 5
    job.refresh_from_db()
    assert job.bot_config["dry_run"] is True and job.bot_config["max_messages_per_run"] == 5


def test_patch_null_removes_a_key_back_to_its_default(client):
    job = make_job(bot_config={"dry_run": True, "max_messages_per_run": 3})

    answer = client.patch(f"/scheduler/jobs/{job.pk}", {"bot_config": {"max_messages_per_run": None}}, format="json")

    assert answer.status_code == 200, answer.json()
    assert answer.json()["bot_config"] == {"dry_run": True, "process_late": False, "max_days_late": 7,
                                           "max_messages_per_run": 10}


def test_patch_merge_still_validates_the_merged_config(client):
    job = make_job(bot_config={"dry_run": True})

    answer = client.patch(f"/scheduler/jobs/{job.pk}", {"bot_config": {"max_messages_per_run": 0}}, format="json")

    assert answer.status_code == 400
    assert "bot_config.max_messages_per_run" in answer.json()["errors"]
    job.refresh_from_db()
    assert job.bot_config["max_messages_per_run"] == 10


def test_put_replaces_bot_config(client):
    job = make_job(bot_config={"dry_run": True, "max_messages_per_run": 3})

    answer = client.put(f"/scheduler/jobs/{job.pk}", {"bot_config": {"max_messages_per_run": 5}}, format="json")

    assert answer.status_code == 200, answer.json()
    assert answer.json()["bot_config"]["dry_run"] is False  # replaced: the default
    assert answer.json()["bot_config"]["max_messages_per_run"] == 5


@pytest.mark.parametrize("zone", ["localtime", "Factory", "posixrules", "posix/Europe/Paris", "right/UTC"])
def test_timezone_must_be_an_iana_name(client, zone):
    answer = client.post("/scheduler/jobs", job_data(timezone=zone), format="json")

    assert answer.status_code == 400
    assert "timezone" in answer.json()["errors"]
    assert ScheduledJob.objects.count() == 0


def test_toggle_with_an_empty_enabled_is_a_400_and_changes_nothing(client):
    job = make_job()

    answer = client.post(f"/scheduler/jobs/{job.pk}/toggle?enabled=")

    assert answer.status_code == 400
    assert "enabled" in answer.json()["errors"]
    job.refresh_from_db()
    assert job.enabled is True


def test_toggle_query_values_still_work(client):
    job = make_job()
    assert client.post(f"/scheduler/jobs/{job.pk}/toggle?enabled=false").json()["enabled"] is False
    assert client.post(f"/scheduler/jobs/{job.pk}/toggle?enabled=true").json()["enabled"] is True
    assert client.post(f"/scheduler/jobs/{job.pk}/toggle").json()["enabled"] is False


def test_400_detail_is_one_line_naming_every_bad_field(client):
    answer = client.post("/scheduler/jobs", job_data(name="", schedule_config={"hour": 24}), format="json")

    assert answer.status_code == 400
    detail = answer.json()["detail"]
    assert "\n" not in detail
    assert "name" in detail and "schedule_config.hour" in detail
    assert "23" in detail  # the message, not only the field


def test_400_detail_of_a_query_parameter_names_it(client):
    job = make_job()
    detail = client.get(f"/scheduler/jobs/{job.pk}/history?limit=0").json()["detail"]
    assert "limit" in detail


def test_job_times_are_written_in_the_jobs_own_zone(client, settings):
    settings.TIME_ZONE = "Europe/Paris"
    answer = client.post("/scheduler/jobs", job_data(timezone="Asia/Tokyo"), format="json").json()

    tokyo = "+0900"
    assert _offset(answer["next_run_at"]) == tokyo
    assert _offset(answer["created_at"]) == _offset(answer["updated_at"]) == tokyo
    listed = client.get("/scheduler/jobs").json()[0]
    assert _offset(listed["next_run_at"]) == tokyo
    next_runs = client.get(f"/scheduler/jobs/{answer['id']}/next-runs?count=1").json()
    assert datetime.fromisoformat(next_runs[0]) == datetime.fromisoformat(answer["next_run_at"])
    assert _offset(next_runs[0]) == tokyo
    run = client.post(f"/scheduler/jobs/{answer['id']}/run", {}, format="json")
    assert run.status_code == 202
    history = client.get(f"/scheduler/jobs/{answer['id']}/history").json()
    assert _offset(history[0]["queued_at"]) == tokyo


@pytest.mark.parametrize("query", ["enabled=&enabled=true", "enabled=true&enabled=", "enabled=true&enabled=false"])
def test_toggle_with_a_repeated_enabled_is_a_400(client, query):
    job = make_job()

    answer = client.post(f"/scheduler/jobs/{job.pk}/toggle?{query}")

    assert answer.status_code == 400 and "enabled" in answer.json()["errors"]
    job.refresh_from_db()
    assert job.enabled is True


def test_400_detail_stays_one_line_with_a_field_name_the_client_chose(client):
    answer = client.post("/scheduler/jobs", {**job_data(), "a\nb" + "x" * 500: 1}, format="json")

    assert answer.status_code == 400
    assert "\n" not in answer.json()["detail"] and len(answer.json()["detail"]) < 400
