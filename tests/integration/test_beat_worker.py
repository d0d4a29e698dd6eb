"""Jobs fire through a real beat, run on a real worker, and leave executions in the database."""
import time

import pytest

from scheduler_app.models import JobExecution
from scheduler_app.services import job_run_now, job_toggle
from scheduler_app.stack import wait_until
from tests.factories import make_job

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


def successes(job):
    return list(JobExecution.objects.filter(job=job, status="success").order_by("scheduled_for"))


def test_interval_job_fires_through_beat_and_runs_on_worker(stack):
    # Created while beat is already running: it must pick the job up without a restart.
    job = make_job(name="every 4s", schedule_type="interval", schedule_config={"seconds": 4},
                   bot_config={"max_messages_per_run": 3})
    manual = make_job(name="manual only", schedule_type="manual", schedule_config={})

    wait_until(lambda: len(successes(job)) >= 2, timeout=90, interval=0.5, what="two scheduled runs")

    runs = successes(job)
    assert all(r.trigger == "scheduled" and r.messages_sent == 3 for r in runs)
    slots = [r.scheduled_for for r in runs]
    assert len(set(slots)) == len(slots), "each slot runs once"
    # Each message carries the slot it was sent for, not the one before it.
    lags = [(r.started_at - r.scheduled_for).total_seconds() for r in runs]
    assert all(0 <= lag < 3 for lag in lags), lags
    job.refresh_from_db()
    assert job.last_run_status == "success" and job.next_run_at is not None
    assert not JobExecution.objects.filter(job=manual).exists(), "a manual job never fires by itself"

    # Disabling reaches beat without a restart: once a message already in flight has landed,
    # no new execution appears.
    job_toggle(job=job, enabled=False)
    time.sleep(3)
    settled = JobExecution.objects.filter(job=job).count()
    time.sleep(5)
    assert JobExecution.objects.filter(job=job).count() == settled


def test_run_now_goes_through_the_broker_to_the_worker(stack):
    job = make_job(name="manual", schedule_type="manual", schedule_config={}, bot_config={"dry_run": False})
    execution = job_run_now(job=job, dry_run=True)
    assert execution.status == "queued"

    def finished():
        execution.refresh_from_db()
        return execution.status not in ("queued", "running")

    wait_until(finished, timeout=60, interval=0.5, what="the manual run to finish")
    assert execution.status == "success"
    assert execution.trigger == "manual" and execution.dry_run is True
    assert execution.result == {"runner": "tests.support.runners.succeed", "dry_run": True}


def test_cron_job_fires_on_its_minute_through_beat(stack):
    job = make_job(name="every minute", schedule_type="cron", schedule_config={"cron_expression": "* * * * *"},
                   timezone="America/New_York")
    wait_until(lambda: successes(job), timeout=100, interval=0.5, what="a run of the every-minute cron job")
    run = successes(job)[0]
    assert run.scheduled_for.second == 0 and run.scheduled_for.microsecond == 0
    assert 0 <= (run.started_at - run.scheduled_for).total_seconds() < 10
