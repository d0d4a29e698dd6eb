"""Pause, resume and jitter through a real beat, a real worker and a real Redis: paused slots
become one skipped row each with the reason, a pause set while beat runs counts at once, resume
sends nothing old, and a jittered job still runs each slot once, at its fire time."""
import time
from datetime import timedelta

import pytest
from django.utils.timezone import now as utc_now

from scheduler_app.brakes.services import job_pause, job_resume
from scheduler_app.models import JobExecution
from scheduler_app.schedules import job_slot_fire_time
from scheduler_app.selectors import job_get, job_interval_anchor
from scheduler_app.stack import wait_until
from tests.factories import make_job

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


def rows(job):
    return list(JobExecution.objects.filter(job=job).order_by("scheduled_for"))


def finished(job):
    return [row for row in rows(job) if row.status not in ("queued", "running")]


def test_pause_while_beat_runs_skips_each_slot_once_and_resume_sends_no_backlog(stack):
    job = make_job(name="every 2s", schedule_type="interval", schedule_config={"seconds": 2})
    wait_until(lambda: sum(row.status == "success" for row in rows(job)) >= 2, timeout=60, interval=0.2,
               what="two runs before the pause")

    job_pause(job=job, note="on holiday", actor="alice")
    paused_at = utc_now()
    wait_until(lambda: sum(row.status == "skipped" and row.scheduled_for > paused_at for row in rows(job)) >= 3,
               timeout=30, interval=0.2, what="three skipped slots")
    job_resume(job=job, actor="alice")
    resumed_at = utc_now()
    wait_until(lambda: sum(row.status == "success" and row.scheduled_for > resumed_at for row in finished(job)) >= 2,
               timeout=30, interval=0.2, what="two runs after the resume")
    time.sleep(2)  # let late claims of anything old land, if there were any

    history = finished(job)
    slots = [row.scheduled_for for row in rows(job)]
    assert len(slots) == len(set(slots)), "one row per slot"
    # Every slot on the lattice between the first and the last has its row: none is silent.
    step = timedelta(seconds=2)
    assert all(later - earlier == step for earlier, later in zip(slots, slots[1:], strict=False)), slots
    # The pause counts from the moment it was set (claims read it): every slot due a second
    # after is skipped with the reason, and nothing due during the pause ran, before or after resume.
    during = [row for row in history if paused_at + timedelta(seconds=1) <= row.scheduled_for < resumed_at]
    assert during and all(row.status == "skipped" and row.error == "paused by alice: on holiday" for row in during)
    assert not [row for row in history if row.status == "success" and paused_at < row.scheduled_for < resumed_at]
    after = [row for row in history if row.scheduled_for >= resumed_at + timedelta(seconds=1)]
    assert after and all(row.status == "success" for row in after)
    job.refresh_from_db()
    assert job.enabled


def test_jittered_job_runs_each_slot_once_at_its_fire_time(stack):
    job = make_job(name="every 4s, jitter 3", schedule_type="interval", schedule_config={"seconds": 4},
                   jitter_seconds=3)
    wait_until(lambda: sum(row.status == "success" for row in rows(job)) >= 5, timeout=90, interval=0.5,
               what="five jittered runs")
    job = job_get(job_id=job.pk)
    anchor = job_interval_anchor(job=job)
    runs = finished(job)
    slots = [row.scheduled_for for row in runs]
    assert len(slots) == len(set(slots))
    assert all(row.status == "success" for row in runs), [(row.status, row.error) for row in runs]
    offsets = []
    for row in runs:
        assert (row.scheduled_for - anchor).total_seconds() % 4 == 0, "the slot stays the nominal time"
        # Beat and this process read the same BOT_WORKING_HOURS, so they compute the same fire time.
        fired = job_slot_fire_time(job, row.scheduled_for, anchor=anchor)
        offsets.append((fired - row.scheduled_for).total_seconds())
        assert fired - timedelta(seconds=0.2) <= row.started_at < fired + timedelta(seconds=3), (row.started_at, fired)
    assert any(offset > 0 for offset in offsets), offsets
