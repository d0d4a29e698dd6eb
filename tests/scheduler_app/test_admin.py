"""The admin writes jobs through the services: same validation, same beat-row sync."""
import json

import pytest
from django_celery_beat.models import PeriodicTask

from scheduler_app.models import JobExecution, ScheduledJob
from tests.factories import make_job

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/scheduler_app/scheduledjob/add/"


def form(**overrides):
    data = {
        "name": "From the admin",
        "description": "",
        "bot_type": "birthday",
        "enabled": "on",
        "schedule_type": "daily",
        "schedule_config": json.dumps({"hour": 9, "minute": 30}),
        "bot_config": json.dumps({"dry_run": True}),
        "timezone": "Europe/Paris",
        "max_instances": "1",
        "misfire_grace_time": "3600",
        "coalesce": "on",
        "jitter_seconds": "0",
        "retry_max": "0",
        "retry_backoff_seconds": "60",
        "retry_backoff_max_seconds": "1800",
        "retry_jitter": "on",
        "max_run_seconds": "",
        "warn_after_seconds": "",
        "run_after_when": "success",
        "executions-TOTAL_FORMS": "0",
        "executions-INITIAL_FORMS": "0",
        "executions-MIN_NUM_FORMS": "0",
        "executions-MAX_NUM_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_admin_add_creates_job_with_beat_row(admin_client, admin_user):
    response = admin_client.post(ADD_URL, form())
    assert response.status_code == 302, response.content.decode()[:2000]
    job = ScheduledJob.objects.get()
    assert job.created_by == admin_user.username
    assert job.bot_config["max_messages_per_run"] == 10  # defaults filled by the services
    task = PeriodicTask.objects.get(pk=job.periodic_task_id)
    assert (task.crontab.hour, task.crontab.minute) == ("9", "30")
    assert job.next_run_at is not None


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"schedule_config": json.dumps({"hour": 9, "minute": 30, "sec": 1})}, "sec: Extra inputs are not permitted"),
        ({"schedule_type": "cron", "schedule_config": json.dumps({"cron_expression": "bad"})}, "cron_expression"),
        ({"bot_config": json.dumps({"max_messages_per_run": 1000})}, "max_messages_per_run"),
        ({"timezone": "Nowhere/Land"}, "IANA"),
    ],
)
def test_admin_refuses_invalid_job_and_stores_nothing(admin_client, overrides, message):
    response = admin_client.post(ADD_URL, form(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert ScheduledJob.objects.count() == 0
    assert PeriodicTask.objects.count() == 0


def test_admin_change_goes_through_update_and_syncs(admin_client):
    job = make_job()
    url = f"/admin/scheduler_app/scheduledjob/{job.pk}/change/"
    assert admin_client.get(url).status_code == 200
    data = form(schedule_config=json.dumps({"hour": 20, "minute": 5}))
    data.pop("bot_type")  # read-only once created
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    job.refresh_from_db()
    assert job.schedule_config == {"hour": 20, "minute": 5}
    assert PeriodicTask.objects.get(pk=job.periodic_task_id).crontab.hour == "20"


def test_admin_delete_removes_beat_row(admin_client):
    job = make_job()
    task_id = job.periodic_task_id
    response = admin_client.post(f"/admin/scheduler_app/scheduledjob/{job.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not ScheduledJob.objects.exists()
    assert not PeriodicTask.objects.filter(pk=task_id).exists()


def test_admin_shows_history_read_only(admin_client):
    job = make_job()
    execution = JobExecution.objects.create(job=job, trigger="manual", status="success", messages_sent=3)
    page = admin_client.get(f"/admin/scheduler_app/scheduledjob/{job.pk}/change/").content.decode()
    assert "success" in page.lower()
    assert admin_client.get("/admin/scheduler_app/jobexecution/").status_code == 200
    response = admin_client.post(f"/admin/scheduler_app/jobexecution/{execution.pk}/change/", {"status": "failed"})
    assert response.status_code == 403
    execution.refresh_from_db()
    assert execution.status == "success"
