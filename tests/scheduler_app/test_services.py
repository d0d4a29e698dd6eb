"""Job services: the plan's four tests, validation before any write, and the beat row sync."""
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django_celery_beat.models import PeriodicTask

from scheduler_app.models import ScheduledJob
from scheduler_app.services import job_create, job_delete, job_toggle, job_update
from scheduler_app.validation import JobValidationError
from tests.factories import job_data, make_job

pytestmark = pytest.mark.django_db


def test_create_daily_job_has_id_enabled_and_next_run():
    job = make_job(name="Test Daily Birthday")
    assert job.id is not None
    assert job.enabled is True
    assert job.next_run_at is not None
    local = job.next_run_at.astimezone(ZoneInfo("Europe/Paris"))
    assert (local.hour, local.minute) == (8, 0)


def test_update_job_changes_name():
    job = make_job(name="Test Job")
    updated = job_update(job=job, changes={"name": "Updated Job"})
    assert updated.name == "Updated Job"
    assert ScheduledJob.objects.get(pk=job.pk).name == "Updated Job"


def test_toggle_job_disables_and_enables_with_beat_row():
    job = make_job(bot_type="visitor", schedule_type="weekly",
                   schedule_config={"day_of_week": "mon", "hour": 10, "minute": 0}, bot_config={})
    disabled = job_toggle(job=job, enabled=False)
    assert disabled.enabled is False
    assert disabled.next_run_at is None
    assert PeriodicTask.objects.get(pk=job.periodic_task_id).enabled is False
    enabled = job_toggle(job=job, enabled=True)
    assert enabled.enabled is True
    assert enabled.next_run_at is not None
    assert PeriodicTask.objects.get(pk=job.periodic_task_id).enabled is True


def test_toggle_without_value_flips():
    job = make_job()
    assert job_toggle(job=job).enabled is False
    assert job_toggle(job=job).enabled is True


def test_delete_job_removes_job_and_beat_row():
    job = make_job(name="Test Delete")
    task_id = job.periodic_task_id
    job_delete(job=job)
    assert not ScheduledJob.objects.filter(pk=job.pk).exists()
    assert not PeriodicTask.objects.filter(pk=task_id).exists()


def test_daily_job_becomes_crontab_in_job_timezone():
    job = make_job(schedule_config={"hour": 7, "minute": 45}, timezone="America/New_York")
    task = PeriodicTask.objects.get(pk=job.periodic_task_id)
    assert task.task == "scheduler_app.tasks.run_job"
    assert json.loads(task.kwargs) == {"job_id": str(job.pk)}
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_week) == ("45", "7", "*")
    assert str(task.crontab.timezone) == "America/New_York"
    assert task.interval is None


def test_cron_weekdays_one_to_five_are_monday_to_friday():
    job = make_job(schedule_type="cron", schedule_config={"cron_expression": "0 8-18 * * 1-5"})
    crontab = PeriodicTask.objects.get(pk=job.periodic_task_id).crontab
    assert crontab.day_of_week == "1,2,3,4,5"
    schedule = crontab.schedule
    assert schedule.day_of_week == {1, 2, 3, 4, 5}  # celery: 0 = Sunday, so Monday..Friday
    local = job.next_run_at.astimezone(ZoneInfo("Europe/Paris"))
    assert local.isoweekday() in range(1, 6) and 8 <= local.hour <= 18


def test_cron_seven_is_sunday():
    job = make_job(schedule_type="cron", schedule_config={"cron_expression": "30 9 * * 7"})
    assert PeriodicTask.objects.get(pk=job.periodic_task_id).crontab.day_of_week == "0"
    assert job.next_run_at.astimezone(ZoneInfo("Europe/Paris")).isoweekday() == 7


def test_weekly_names_become_cron_day_numbers():
    job = make_job(schedule_type="weekly", schedule_config={"day_of_week": "mon,wed,fri", "hour": 14, "minute": 30})
    assert PeriodicTask.objects.get(pk=job.periodic_task_id).crontab.day_of_week == "1,3,5"


def test_interval_job_becomes_interval_schedule():
    job = make_job(schedule_type="interval", schedule_config={"hours": 2, "minutes": 0})
    task = PeriodicTask.objects.get(pk=job.periodic_task_id)
    assert (task.interval.every, task.interval.period) == (7200, "seconds")
    assert task.crontab is None
    assert timedelta(hours=1, minutes=59) < job.next_run_at - job.updated_at <= timedelta(hours=2, seconds=1)


def test_manual_job_has_no_periodic_task_and_no_next_run():
    job = make_job(schedule_type="manual", schedule_config={})
    assert job.periodic_task_id is None
    assert job.next_run_at is None
    assert PeriodicTask.objects.count() == 0


def test_switching_to_manual_removes_the_beat_row():
    job = make_job()
    task_id = job.periodic_task_id
    job = job_update(job=job, changes={"schedule_type": "manual"})
    assert job.schedule_config == {}
    assert job.periodic_task_id is None
    assert not PeriodicTask.objects.filter(pk=task_id).exists()


def test_schedule_change_updates_beat_row_and_next_run():
    job = make_job()
    job = job_update(job=job, changes={"schedule_config": {"hour": 21, "minute": 15}})
    crontab = PeriodicTask.objects.get(pk=job.periodic_task_id).crontab
    assert (crontab.hour, crontab.minute) == ("21", "15")
    assert job.next_run_at.astimezone(ZoneInfo("Europe/Paris")).strftime("%H:%M") == "21:15"


def test_disabled_job_created_with_disabled_beat_row():
    job = make_job(enabled=False)
    assert job.next_run_at is None
    assert PeriodicTask.objects.get(pk=job.periodic_task_id).enabled is False


def test_created_by_recorded():
    assert job_create(data=job_data(), created_by="ci-key").created_by == "ci-key"


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"schedule_config": {"hour": 8, "minute": 0, "second": 3}}, "schedule_config.second"),
        ({"schedule_config": {"hour": "8"}}, "schedule_config.hour"),
        ({"schedule_config": {"hour": 24}}, "schedule_config.hour"),
        ({"schedule_type": "cron", "schedule_config": {"cron_expression": "not a cron"}},
         "schedule_config.cron_expression"),
        ({"schedule_type": "cron", "schedule_config": {}}, "schedule_config.cron_expression"),
        ({"schedule_type": "weekly", "schedule_config": {"day_of_week": "funday"}}, "schedule_config.day_of_week"),
        ({"schedule_type": "interval", "schedule_config": {"hours": 0}}, "schedule_config"),
        ({"schedule_type": "interval", "schedule_config": {"hours": -1}}, "schedule_config.hours"),
        ({"bot_config": {"dry_run": True, "speed": 3}}, "bot_config.speed"),
        ({"bot_config": {"max_messages_per_run": 0}}, "bot_config.max_messages_per_run"),
        ({"bot_config": {"process_late": True, "max_days_late": 400}}, "bot_config.max_days_late"),
        ({"bot_type": "visitor", "bot_config": {"limit": 501}}, "bot_config.limit"),
        ({"bot_type": "visitor", "bot_config": {"limit": "50"}}, "bot_config.limit"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"timezone": ""}, "timezone"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"description": "x" * 501}, "description"),
        ({"bot_type": "spammer"}, "bot_type"),
        ({"schedule_type": "hourly"}, "schedule_type"),
        ({"max_instances": 0}, "max_instances"),
        ({"misfire_grace_time": 0}, "misfire_grace_time"),
        ({"enabled": "yes"}, "enabled"),
    ],
)
def test_invalid_job_refused_naming_the_field_and_nothing_stored(overrides, field):
    with pytest.raises(JobValidationError) as caught:
        job_create(data=job_data(**overrides))
    assert field in caught.value.errors, caught.value.errors
    assert ScheduledJob.objects.count() == 0
    assert PeriodicTask.objects.count() == 0


def test_every_bad_field_reported_at_once():
    with pytest.raises(JobValidationError) as caught:
        job_create(data=job_data(name="", schedule_config={"hour": 99}, bot_config={"nope": 1}))
    assert {"name", "schedule_config.hour", "bot_config.nope"} <= set(caught.value.errors)


def test_invalid_update_refused_and_job_unchanged():
    job = make_job()
    before = ScheduledJob.objects.values().get(pk=job.pk)
    with pytest.raises(JobValidationError) as caught:
        job_update(job=job, changes={"schedule_config": {"hour": 8, "minute": 75}, "name": "changed"})
    assert "schedule_config.minute" in caught.value.errors
    assert ScheduledJob.objects.values().get(pk=job.pk) == before


def test_bot_type_is_immutable():
    job = make_job()
    with pytest.raises(JobValidationError) as caught:
        job_update(job=job, changes={"bot_type": "visitor"})
    assert "bot_type" in caught.value.errors
    assert ScheduledJob.objects.get(pk=job.pk).bot_type == "birthday"


def test_unknown_field_in_update_refused():
    job = make_job()
    with pytest.raises(JobValidationError) as caught:
        job_update(job=job, changes={"id": "00000000-0000-0000-0000-000000000000"})
    assert "id" in caught.value.errors


def test_next_run_at_is_strictly_in_the_future():
    before = datetime.now(tz=ZoneInfo("UTC"))
    job = make_job(schedule_type="cron", schedule_config={"cron_expression": "* * * * *"})
    assert before < job.next_run_at <= before + timedelta(minutes=1, seconds=1)


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"schedule_type": "interval", "schedule_config": {"weeks": 2147483647}}, "schedule_config"),
        ({"schedule_type": "interval", "schedule_config": {"days": 367}}, "schedule_config"),
        ({"schedule_type": "interval", "schedule_config": {"seconds": 2**40}}, "schedule_config.seconds"),
        ({"max_instances": 101}, "max_instances"),
        ({"misfire_grace_time": 32 * 86400}, "misfire_grace_time"),
        ({"name": "nul\x00byte"}, "name"),
        ({"description": "lone \ud800 surrogate"}, "description"),
        ({"bot_type": "visitor", "bot_config": {"keywords": "a\x00b"}}, "bot_config.keywords"),
    ],
)
def test_values_no_column_or_schedule_can_hold_are_refused(overrides, field):
    with pytest.raises(JobValidationError) as caught:
        job_create(data=job_data(**overrides))
    assert field in caught.value.errors, caught.value.errors
    assert ScheduledJob.objects.count() == 0


def test_longest_interval_accepted():
    job = make_job(schedule_type="interval", schedule_config={"days": 366})
    assert job.next_run_at is not None


def test_reenabled_job_counts_from_now_not_from_before_it_was_disabled():
    job = make_job(schedule_type="interval", schedule_config={"minutes": 10})
    PeriodicTask.objects.filter(pk=job.periodic_task_id).update(
        last_run_at=datetime.now(tz=ZoneInfo("UTC")) - timedelta(hours=5))
    job_toggle(job=job, enabled=False)
    job = job_toggle(job=job, enabled=True)
    task = PeriodicTask.objects.get(pk=job.periodic_task_id)
    now = datetime.now(tz=ZoneInfo("UTC"))
    # The cursor moves to the moment it was enabled: slots while disabled never came due...
    assert abs((task.last_run_at - now).total_seconds()) < 2
    # ...and the slots stay on the job's own lattice (anchor + k x interval).
    assert now < job.next_run_at <= now + timedelta(minutes=10)
    assert (job.next_run_at - task.start_time).total_seconds() % 600 == 0
