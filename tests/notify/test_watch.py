"""The watchdog's checks on the database (scheduler_app/notify/watch.py): when a job counts as
silent, and how no_leader waits, alerts once and recovers. The real processes (beats killed,
workers' watchdog threads) are in tests/notify/test_notify_processes.py."""
from datetime import timedelta
from unittest import mock

import pytest
from django.utils.timezone import now as utc_now

from scheduler_app.models import ScheduledJob
from scheduler_app.notify import watch
from scheduler_app.notify.models import Incident, NotificationChannel, NotificationDelivery, NotificationRule
from tests.factories import make_job, record_run

pytestmark = pytest.mark.django_db

EVERY_MINUTE = {"schedule_type": "interval", "schedule_config": {"minutes": 1}, "misfire_grace_time": 30}


def rule(events, **fields):
    channel = NotificationChannel.objects.create(name="hook", kind="webhook", config={"url": "http://127.0.0.1:9/"})
    return NotificationRule.objects.create(channel=channel, events=events, **fields)


def backdate(job, **fields):
    ScheduledJob.objects.filter(pk=job.pk).update(**fields)
    job.refresh_from_db()


def events():
    return list(NotificationDelivery.objects.order_by("created_at").values_list("event", flat=True))


def test_silent_waits_for_the_next_slot_plus_grace_after_the_last_success():
    job = make_job(**EVERY_MINUTE)
    made = rule(["silent", "recovered"])
    NotificationRule.objects.filter(pk=made.pk).update(created_at=utc_now() - timedelta(minutes=10))
    first_slot = job.next_run_at  # on the job's own lattice (anchor + k x 60 s)
    record_run(job, "success", at=first_slot)
    job.refresh_from_db()
    deadline = job.silent_after
    # the next slot plus the grace (record_run moves its slot by a few microseconds)
    assert abs(deadline - (first_slot + timedelta(seconds=60 + 30))) < timedelta(milliseconds=1)
    assert watch.silent_check(now=deadline - timedelta(seconds=1)) == 0
    assert watch.silent_check(now=deadline + timedelta(seconds=1)) == 1
    assert watch.silent_check(now=deadline + timedelta(seconds=30)) == 0  # once per incident
    assert events() == ["silent"]
    record_run(job, "success", at=deadline + timedelta(seconds=60))
    assert events() == ["silent", "recovered"]


def test_skipped_runs_do_not_keep_a_job_from_being_silent():
    job = make_job(**EVERY_MINUTE)
    rule(["silent"])
    for _ in range(3):
        record_run(job, "skipped")
    later = utc_now() + timedelta(minutes=3)
    assert watch.silent_check(now=later) == 1


def test_a_running_run_postpones_silent():
    job = make_job(**EVERY_MINUTE)
    rule(["silent"])
    from scheduler_app.services.executions import execution_claim

    execution_claim(job_id=job.pk, scheduled_for=utc_now().replace(microsecond=0))
    assert watch.silent_check(now=utc_now() + timedelta(minutes=3)) == 0


def test_a_schedule_change_measures_silence_from_the_change():
    from scheduler_app.services import job_update

    job = make_job(**EVERY_MINUTE)
    rule(["silent"])
    record_run(job, "success")
    job.refresh_from_db()
    assert job.silent_after is not None
    job = job_update(job=job, changes={"schedule_config": {"minutes": 30}})
    assert ScheduledJob.objects.get(pk=job.pk).silent_after is None
    assert watch.silent_check(now=utc_now() + timedelta(minutes=5)) == 0  # the old deadline is gone
    job.refresh_from_db()
    assert job.silent_after > utc_now() + timedelta(minutes=29)


def test_disabled_and_manual_jobs_are_never_silent():
    make_job(enabled=False, **EVERY_MINUTE)
    make_job(schedule_type="manual", schedule_config={})
    rule(["silent"])
    assert watch.silent_check(now=utc_now() + timedelta(days=2)) == 0


def test_no_leader_waits_then_alerts_once_then_recovers(settings):
    settings.NOTIFY_NO_LEADER_AFTER_SECONDS = 60
    rule(["no_leader", "recovered"])
    start = utc_now()
    with mock.patch.object(watch, "beat_status_read", return_value=None):
        assert watch.no_leader_check(now=start) == 0  # first seen: starts the wait
        assert watch.no_leader_check(now=start + timedelta(seconds=59)) == 0
        assert watch.no_leader_check(now=start + timedelta(seconds=61)) == 1
        assert watch.no_leader_check(now=start + timedelta(seconds=90)) == 0
    assert events() == ["no_leader"]
    with mock.patch.object(watch, "beat_status_read", return_value={"leader": {"id": "b"}}):
        assert watch.no_leader_check(now=start + timedelta(seconds=100)) == 1
        assert watch.no_leader_check(now=start + timedelta(seconds=110)) == 0
    assert events() == ["no_leader", "recovered"]
    assert Incident.objects.get(kind="no_leader").state == "ok"


def test_a_leader_back_within_the_wait_says_nothing(settings):
    settings.NOTIFY_NO_LEADER_AFTER_SECONDS = 60
    rule(["no_leader", "recovered"])
    start = utc_now()
    with mock.patch.object(watch, "beat_status_read", return_value=None):
        watch.no_leader_check(now=start)
    with mock.patch.object(watch, "beat_status_read", return_value={"leader": {"id": "b"}}):
        watch.no_leader_check(now=start + timedelta(seconds=30))
    with mock.patch.object(watch, "beat_status_read", return_value=None):
        assert watch.no_leader_check(now=start + timedelta(seconds=70)) == 0  # the wait started again
    assert events() == []


def test_a_paused_job_is_not_silent_and_resume_restarts_the_count():
    from scheduler_app.brakes.services import job_pause, job_resume

    job = make_job(**EVERY_MINUTE)
    made = rule(["silent"])
    NotificationRule.objects.filter(pk=made.pk).update(created_at=utc_now() - timedelta(minutes=10))
    job_pause(job=job, note="holiday", actor="alice")
    later = utc_now() + timedelta(minutes=5)
    assert watch.silent_check(now=later) == 0
    job_resume(job=job, actor="alice")
    job.refresh_from_db()
    assert job.silent_after is None  # counted again from the resume
    assert watch.silent_check(now=utc_now() + timedelta(seconds=10)) == 0
    assert watch.silent_check(now=utc_now() + timedelta(minutes=5)) == 1


def test_a_job_whose_newest_slot_was_blacked_out_is_not_silent():
    from scheduler_app.brakes.services import blackout_create
    from scheduler_app.services import execution_claim

    job = make_job(**EVERY_MINUTE)
    made = rule(["silent"])
    NotificationRule.objects.filter(pk=made.pk).update(created_at=utc_now() - timedelta(minutes=10))
    today = utc_now().date()
    blackout_create(data={"name": "quiet", "start_date": today - timedelta(days=1),
                          "end_date": today + timedelta(days=2)})
    assert execution_claim(job_id=job.pk, scheduled_for=job.next_run_at - timedelta(minutes=1)) is None
    assert watch.silent_check(now=utc_now() + timedelta(minutes=5)) == 0
