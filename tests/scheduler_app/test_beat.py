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
def test_scheduler_adds_scheduled_for_to_job_messages(settings):
    from django_celery_beat.models import PeriodicTask

    from config.celery import app
    from scheduler_app.beat import SlotScheduler
    from tests.factories import make_job

    job = make_job(schedule_type="interval", schedule_config={"seconds": 5})
    PeriodicTask.objects.filter(pk=job.periodic_task_id).update(
        last_run_at=datetime.now(tz=PARIS) - timedelta(seconds=7))
    scheduler = SlotScheduler(app=app, lazy=True)
    try:
        scheduler.setup_schedule()
        entry = scheduler.schedule[f"job:{job.pk}"]
        expected = nominal_slot(entry)
        new_entry = scheduler.reserve(entry)
        assert new_entry.kwargs == {"job_id": str(job.pk), "scheduled_for": expected.isoformat()}
    finally:
        scheduler._finalize.cancel()  # its exit-time sync would run after the test database is gone
