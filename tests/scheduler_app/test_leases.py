"""Leases and the reaper: a run whose worker died ends failed "worker lost" and frees its place;
finish always records a final status; a bot's own skip and partial counts are kept."""
import time
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils.timezone import now

from bots.runner import BotError, BotOutcome, BotSkipped
from scheduler_app.models import JobExecution, ScheduledJob
from scheduler_app.services import execution_claim, execution_finish, execution_run, job_run_now
from scheduler_app.services import executions as executions_service
from scheduler_app.services.executions import execution_lease_renew, executions_reap
from tests.factories import make_job

pytestmark = pytest.mark.django_db


def slot(minutes_ago: int = 0):
    return (now() - timedelta(minutes=minutes_ago)).replace(second=0, microsecond=0)


def test_a_claimed_run_holds_a_lease_that_renewal_pushes_forward(settings):
    settings.SCHEDULER_LEASE_SECONDS = 30
    job = make_job()
    execution = execution_claim(job_id=job.pk, scheduled_for=slot())
    assert now() + timedelta(seconds=25) < execution.lease_expires_at <= now() + timedelta(seconds=30)
    JobExecution.objects.filter(pk=execution.pk).update(lease_expires_at=now())
    assert execution_lease_renew(execution_id=execution.pk)
    execution.refresh_from_db()
    assert execution.lease_expires_at > now() + timedelta(seconds=25)


def test_reaper_ends_an_expired_run_worker_lost_and_frees_max_instances():
    job = make_job(max_instances=1)
    lost = execution_claim(job_id=job.pk, scheduled_for=slot(2))
    JobExecution.objects.filter(pk=lost.pk).update(lease_expires_at=now() - timedelta(seconds=1))
    assert executions_reap() == 1
    lost.refresh_from_db()
    assert lost.status == "failed" and lost.error.startswith("worker lost")
    assert lost.finished_at is not None and lost.duration_seconds is not None
    job.refresh_from_db()
    assert job.last_run_status == "failed"
    assert execution_claim(job_id=job.pk, scheduled_for=slot()).status == "running"


def test_a_live_lease_is_left_alone_and_blocks_a_second_run():
    job = make_job(max_instances=1)
    running = execution_claim(job_id=job.pk, scheduled_for=slot(1))
    assert executions_reap() == 0
    assert execution_run(job_id=job.pk, scheduled_for=slot()) is None
    assert JobExecution.objects.get(job=job, scheduled_for=slot()).status == "skipped"
    running.refresh_from_db()
    assert running.status == "running"


def test_the_next_claim_reaps_the_lost_run_itself():
    # No reaper task ran (beat down, say): the next slot's claim must not be skipped behind a dead run.
    job = make_job(max_instances=1)
    lost = execution_claim(job_id=job.pk, scheduled_for=slot(1))
    JobExecution.objects.filter(pk=lost.pk).update(lease_expires_at=now() - timedelta(seconds=1))
    assert execution_claim(job_id=job.pk, scheduled_for=slot()).status == "running"
    lost.refresh_from_db()
    assert lost.status == "failed" and lost.error.startswith("worker lost")


def test_a_running_row_from_before_leases_expires_after_one_lease(settings):
    settings.SCHEDULER_LEASE_SECONDS = 30
    job = make_job()
    old = JobExecution.objects.create(job=job, trigger="manual", status="running",
                                      started_at=now() - timedelta(seconds=31))
    fresh = JobExecution.objects.create(job=job, trigger="manual", status="running", started_at=now())
    assert executions_reap() == 1
    assert JobExecution.objects.get(pk=old.pk).status == "failed"
    assert JobExecution.objects.get(pk=fresh.pk).status == "running"


def test_a_manual_run_whose_message_never_arrived_ends_failed_after_the_bound(settings, monkeypatch):
    settings.SCHEDULER_QUEUED_TIMEOUT_SECONDS = 600
    monkeypatch.setattr("scheduler_app.services.jobs.celery_app.send_task", lambda *a, **k: None)  # message lost
    job = make_job(schedule_type="manual", schedule_config={})
    stale = job_run_now(job=job)
    recent = job_run_now(job=job)
    JobExecution.objects.filter(pk=stale.pk).update(queued_at=now() - timedelta(seconds=601))
    assert executions_reap() == 1
    stale.refresh_from_db()
    assert stale.status == "failed" and "never reached a worker" in stale.error
    assert JobExecution.objects.get(pk=recent.pk).status == "queued"
    # The message turning up after all does not run it.
    assert execution_claim(job_id=job.pk, execution_id=stale.pk) is None


@pytest.mark.django_db(transaction=True)
def test_the_worker_renews_the_lease_while_the_bot_runs(settings):
    settings.SCHEDULER_LEASE_SECONDS = 0.6  # renewed every 0.2 s
    settings.BOT_RUNNERS = {"birthday": "tests.support.runners.slow", "visitor": "tests.support.runners.slow"}
    job = make_job()
    seen = []

    def watch():
        for _ in range(12):
            time.sleep(0.2)
            seen.extend(JobExecution.objects.filter(job=job, status="running").values_list("lease_expires_at",
                                                                                         flat=True))

    import threading

    watcher = threading.Thread(target=watch)
    watcher.start()
    execution = execution_run(job_id=job.pk, scheduled_for=slot())  # the slow runner takes 3 s
    watcher.join()
    assert execution.status == "success"
    assert len(set(seen)) >= 3, "the lease moved while the bot ran"
    # Without renewal a 0.6 s lease would have expired during a 3 s run: the run is not reaped.
    assert JobExecution.objects.get(pk=execution.pk).lease_expires_at is None


def test_finish_retries_a_transaction_the_database_aborted(monkeypatch):
    job = make_job()
    execution = execution_claim(job_id=job.pk, scheduled_for=slot())
    real = executions_service._record_on_job
    calls = []

    def deadlock_once(job, execution, tally):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("deadlock detected")
        return real(job, execution, tally)

    monkeypatch.setattr(executions_service, "_record_on_job", deadlock_once)
    execution_finish(execution=execution, status="success", outcome=BotOutcome(messages_sent=2))
    execution.refresh_from_db()
    assert execution.status == "success" and execution.messages_sent == 2 and len(calls) == 2
    assert ScheduledJob.objects.get(pk=job.pk).last_run_status == "success"


def test_finish_records_the_status_even_when_every_attempt_aborts(monkeypatch):
    job = make_job()
    execution = execution_claim(job_id=job.pk, scheduled_for=slot())

    def always_abort(job, execution, tally):
        raise OperationalError("could not serialize access")

    monkeypatch.setattr(executions_service, "_record_on_job", always_abort)
    monkeypatch.setattr(executions_service.time, "sleep", lambda seconds: None)
    execution_finish(execution=execution, status="failed", error="the bot failed")
    execution.refresh_from_db()
    assert execution.status == "failed" and execution.error == "the bot failed" and execution.finished_at


def skipping_runner(run):
    raise BotSkipped("outside working hours (09:00-18:00 Europe/Paris)", outcome=BotOutcome(result={"why": "hours"}))


def partial_runner(run):
    raise BotError("time limit reached", outcome=BotOutcome(messages_sent=1, result={"contacts": ["Ann"]}))


def test_a_bot_that_declines_to_start_is_recorded_skipped_with_its_reason(settings):
    settings.BOT_RUNNERS = {"birthday": "tests.scheduler_app.test_leases.skipping_runner"}
    job = make_job()
    execution = execution_run(job_id=job.pk, scheduled_for=slot())
    assert execution.status == "skipped" and "working hours" in execution.error
    assert execution.result == {"why": "hours"}


def test_a_bot_that_fails_part_way_keeps_its_counts(settings):
    settings.BOT_RUNNERS = {"birthday": "tests.scheduler_app.test_leases.partial_runner"}
    job = make_job()
    execution = execution_run(job_id=job.pk, scheduled_for=slot())
    execution.refresh_from_db()
    assert execution.status == "failed" and execution.error == "time limit reached"
    assert execution.messages_sent == 1 and execution.result == {"contacts": ["Ann"]}


def test_a_worker_claims_the_queued_row_beat_recorded_for_its_slot():
    from scheduler_app.services.executions import executions_record_dispatch

    job = make_job()
    executions_record_dispatch(sent=[(str(job.pk), slot())])
    queued = JobExecution.objects.get(job=job, scheduled_for=slot())
    assert queued.status == "queued" and queued.trigger == "scheduled"
    claimed = execution_claim(job_id=job.pk, scheduled_for=slot())
    assert claimed.pk == queued.pk and claimed.status == "running"
    assert execution_claim(job_id=job.pk, scheduled_for=slot()) is None  # a second delivery
    assert JobExecution.objects.filter(job=job).count() == 1


def test_a_claim_racing_beats_row_takes_that_row(monkeypatch):
    # The claim looked before beat's queued row was committed, then its insert collides with it.
    from scheduler_app.services.executions import executions_record_dispatch

    job = make_job()
    executions_record_dispatch(sent=[(str(job.pk), slot())])
    real = executions_service._slot_execution
    looks = []

    def looked_too_early(job, scheduled_for, now):
        looks.append(1)
        if len(looks) == 1:
            return JobExecution(job=job, trigger="scheduled", scheduled_for=scheduled_for, queued_at=now)
        return real(job, scheduled_for, now)

    monkeypatch.setattr(executions_service, "_slot_execution", looked_too_early)
    claimed = execution_claim(job_id=job.pk, scheduled_for=slot())
    assert claimed is not None and claimed.status == "running" and len(looks) == 2
    assert JobExecution.objects.filter(job=job).count() == 1


def test_a_slot_whose_message_was_lost_ends_missed_once_no_claim_can_come():
    from scheduler_app.services.executions import UNCLAIMED_MARGIN_SECONDS, executions_record_dispatch

    job = make_job(misfire_grace_time=300)
    lost, recent = slot(10), slot(2)
    executions_record_dispatch(sent=[(str(job.pk), lost), (str(job.pk), recent)])
    JobExecution.objects.filter(job=job).update(queued_at=now() - timedelta(seconds=UNCLAIMED_MARGIN_SECONDS + 1))
    assert executions_reap() == 1
    row = JobExecution.objects.get(job=job, scheduled_for=lost)
    assert row.status == "missed" and "never reached a worker" in row.error
    assert JobExecution.objects.get(job=job, scheduled_for=recent).status == "queued"  # still within grace
    assert execution_claim(job_id=job.pk, scheduled_for=lost) is None  # the message turning up late
    assert execution_claim(job_id=job.pk, scheduled_for=recent).status == "running"
