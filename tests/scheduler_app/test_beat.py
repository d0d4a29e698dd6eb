"""The beat scheduler sends the nominal slot time with each job message."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import schedule

from scheduler_app.beat import nominal_slot

PARIS = ZoneInfo("Europe/Paris")


class FakeEntry:
    def __init__(self, sched, last_run_at):
        self.schedule, self.last_run_at = sched, last_run_at


def test_crontab_slot_is_the_fire_time_not_the_wakeup_time():
    from scheduler_app.beat import JobCrontab

    woke = datetime(2026, 11, 23, 8, 0, 4, 120000, tzinfo=PARIS)
    schedule = JobCrontab("0 8 * * *", "Europe/Paris", nowfun=lambda: woke)
    entry = FakeEntry(schedule, datetime(2026, 11, 22, 8, 0, 3, tzinfo=PARIS))
    assert nominal_slot(entry) == datetime(2026, 11, 23, 8, 0, tzinfo=PARIS)


def test_interval_slot_is_last_run_plus_interval():
    woke = datetime(2026, 11, 23, 8, 0, 31, tzinfo=PARIS)
    last = datetime(2026, 11, 23, 8, 0, 20, tzinfo=PARIS)
    entry = FakeEntry(schedule(timedelta(seconds=10), nowfun=lambda: woke), last)
    assert nominal_slot(entry) == datetime(2026, 11, 23, 8, 0, 30, tzinfo=PARIS)


@pytest.mark.django_db(transaction=True)
def test_scheduler_sends_each_message_with_its_own_slot(monkeypatch):
    from django_celery_beat.models import PeriodicTask

    import scheduler_app.tasks  # noqa: F401  (registers run_job with the app)
    from config.celery import app
    from scheduler_app.beat import SlotScheduler
    from scheduler_app.sync import RUN_JOB_TASK
    from tests.factories import make_job

    job = make_job(schedule_type="interval", schedule_config={"seconds": 5})
    PeriodicTask.objects.filter(pk=job.periodic_task_id).update(
        last_run_at=datetime.now(tz=PARIS) - timedelta(seconds=7))
    scheduler = SlotScheduler(app=app, lazy=True)
    sent = []
    monkeypatch.setattr(app.tasks[RUN_JOB_TASK], "apply_async", lambda args, kwargs, **options: sent.append(kwargs))
    try:
        scheduler.setup_schedule()
        entry = scheduler.schedule[f"job:{job.pk}"]
        for _ in range(2):
            expected = nominal_slot(entry)
            # What celery's Scheduler.tick does with a due entry: reserve it, then send the old entry.
            next_entry = scheduler.reserve(entry)
            scheduler.apply_entry(entry)
            entry = next_entry
            assert sent[-1] == {"job_id": str(job.pk), "scheduled_for": expected.isoformat()}
        assert sent[0]["scheduled_for"] != sent[1]["scheduled_for"]
    finally:
        scheduler._finalize.cancel()  # its exit-time sync would run after the test database is gone


def job_crontab(expression, timezone, now):
    from scheduler_app.beat import JobCrontab

    return JobCrontab(expression, timezone, nowfun=lambda: now)


def test_beat_fires_a_time_in_the_spring_forward_gap_at_the_end_of_the_gap():
    # 02:30 does not exist in Paris on 2026-03-29; DESIGN.md: first instant after the gap, 03:00.
    last = datetime(2026, 3, 28, 2, 30, 1, tzinfo=PARIS)
    at_three = datetime(2026, 3, 29, 3, 0, 2, tzinfo=PARIS)
    schedule = job_crontab("30 2 * * *", "Europe/Paris", at_three)
    assert schedule.is_due(last).is_due
    assert nominal_slot(FakeEntry(schedule, last)) == datetime(2026, 3, 29, 3, 0, tzinfo=PARIS)
    before = job_crontab("30 2 * * *", "Europe/Paris", datetime(2026, 3, 29, 1, 59, tzinfo=PARIS))
    assert not before.is_due(last).is_due


def test_beat_fires_an_ambiguous_fall_back_time_once():
    first = datetime(2026, 10, 25, 2, 30, 1, tzinfo=PARIS)  # CEST, first occurrence (fold=0)
    second = datetime(2026, 10, 25, 2, 30, 5, fold=1, tzinfo=PARIS)  # CET, an hour later
    schedule = job_crontab("30 2 * * *", "Europe/Paris", second)
    assert not schedule.is_due(first).is_due
    assert nominal_slot(FakeEntry(schedule, first)) == datetime(2026, 10, 26, 2, 30, tzinfo=PARIS)


def test_beat_evaluates_in_the_jobs_timezone_not_the_servers():
    last = datetime(2026, 11, 22, 14, 0, 5, tzinfo=ZoneInfo("UTC"))  # 09:00 in New York
    now = datetime(2026, 11, 23, 14, 0, 3, tzinfo=ZoneInfo("UTC"))
    schedule = job_crontab("0 9 * * *", "America/New_York", now)
    assert schedule.is_due(last).is_due
    assert nominal_slot(FakeEntry(schedule, last)) == datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("America/New_York"))


@pytest.mark.django_db(transaction=True)
def test_scheduler_entries_for_job_crontabs_use_the_job_schedule_math():
    from django_celery_beat.models import PeriodicTask

    from config.celery import app
    from scheduler_app.beat import JobCrontab, SlotEntry
    from tests.factories import make_job

    job = make_job(schedule_type="cron", schedule_config={"cron_expression": "15 7 * * 1-5"},
                   timezone="Asia/Tokyo")
    entry = SlotEntry(PeriodicTask.objects.get(pk=job.periodic_task_id), app=app)
    assert entry.schedule == JobCrontab("15 7 * * 1,2,3,4,5", "Asia/Tokyo")
    assert next(entry).schedule == entry.schedule  # advancing keeps the job's schedule math
