"""The beat scheduler sends the nominal slot time with each job message."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab, schedule

from scheduler_app.beat import nominal_slot

PARIS = ZoneInfo("Europe/Paris")


class FakeEntry:
    def __init__(self, sched, last_run_at):
        self.schedule, self.last_run_at = sched, last_run_at


def test_crontab_slot_is_the_fire_time_not_the_wakeup_time():
    woke = datetime(2026, 11, 23, 8, 0, 4, 120000, tzinfo=PARIS)
    entry = FakeEntry(crontab(minute="0", hour="8", nowfun=lambda: woke), datetime(2026, 11, 22, 8, 0, 3, tzinfo=PARIS))
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
