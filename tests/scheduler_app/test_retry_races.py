"""Retries against a worker that outlived its lease, a disabled job, an interval's own grid, the
Celery hard limit and an unconfirmed send: the row stays one row with the right attempt, counted
once (found by review; each failed before its fix)."""
from datetime import timedelta
from unittest import mock

import pytest
from django.utils.timezone import now as utc_now

from bots.models import BirthdayMessage, Contact, MessageStatus
from bots.runner import BotOutcome, TransientBotError
from scheduler_app.models import ExecutionDayCount, ExecutionStatus, JobExecution, Trigger
from scheduler_app.selectors import job_interval_anchor
from scheduler_app.services.executions import (
    execution_claim,
    execution_finish,
    execution_retry,
    executions_reap,
    hard_limit_seconds,
)
from scheduler_app.services.jobs import job_update
from scheduler_app.services.retries import retry_plan
from tests.factories import make_job

pytestmark = pytest.mark.django_db



def _counts(job):
    return {status: runs for status, runs in
            ExecutionDayCount.objects.filter(job=job).values_list("status", "runs") if runs}


def test_a_manual_runs_retry_is_bounded_by_the_jobs_real_next_slot_not_queued_at_plus_interval():
    job = make_job(schedule_type="interval", schedule_config={"hours": 1}, retry_max=2,
                   retry_backoff_seconds=600, retry_backoff_max_seconds=600, retry_jitter=False)
    anchor = job_interval_anchor(job=job)
    now = utc_now()
    next_slot = anchor + timedelta(hours=1) * ((now - anchor) // timedelta(hours=1) + 1)
    queued = next_slot - timedelta(minutes=5)  # a run-now 5 minutes before the job's next slot
    row = JobExecution.objects.create(job=job, trigger=Trigger.MANUAL, status=ExecutionStatus.RUNNING,
                                      queued_at=queued, started_at=queued)

    plan = retry_plan(job, row, queued + timedelta(seconds=1))  # attempt 2 at next_slot + ~5 min

    # Fails: next_slot() uses anchor=None, i.e. queued_at + 1 h, so the retry is planned after the slot.
    assert plan.at is None, (plan.at, next_slot)


def test_a_retry_of_a_slot_does_not_start_once_the_job_is_disabled(sent, django_capture_on_commit_callbacks):
    job = make_job(schedule_type="interval", schedule_config={"days": 1}, retry_max=1,
                   retry_backoff_seconds=30, retry_jitter=False)
    first = execution_claim(job_id=job.pk, scheduled_for=utc_now().replace(microsecond=0) - timedelta(seconds=5))
    with django_capture_on_commit_callbacks(execute=True):
        execution_retry(execution=first, error=TransientBotError("browser error: Target closed"))
    job_update(job=job, changes={"enabled": False})  # the user switches the job off during the backoff
    retry_at = JobExecution.objects.get(pk=first.pk).retry_at

    with mock.patch("scheduler_app.services.executions.utc_now", return_value=retry_at):
        claimed = execution_claim(job_id=job.pk, execution_id=first.pk)

    # Fails: the retry's claim passes scheduled_for=None to _refusal, so enabled is never read.
    assert claimed is None
    assert JobExecution.objects.get(pk=first.pk).status == ExecutionStatus.CANCELLED


def _reaped_while_alive(job):
    """Worker 1 claims the slot; its lease runs out while it is still alive (a stall); the reaper
    requeues attempt 2 and worker 2 claims it. Returns (worker 1's object, worker 2's object)."""
    first = execution_claim(job_id=job.pk, scheduled_for=utc_now().replace(microsecond=0) - timedelta(seconds=5))
    JobExecution.objects.filter(pk=first.pk).update(lease_expires_at=utc_now() - timedelta(seconds=1))
    assert executions_reap() == 1
    retry_at = JobExecution.objects.get(pk=first.pk).retry_at
    with mock.patch("scheduler_app.services.executions.utc_now", return_value=retry_at):
        second = execution_claim(job_id=job.pk, execution_id=first.pk)
    assert second is not None and second.attempt == 2
    return first, second


def test_a_stale_attempts_transient_error_does_not_requeue_a_row_already_final(sent):
    job = make_job(schedule_type="interval", schedule_config={"days": 1}, retry_max=2,
                   retry_backoff_seconds=30, retry_jitter=False)
    first, second = _reaped_while_alive(job)
    execution_finish(execution=second, status=ExecutionStatus.FAILED, error="selector gone")  # attempt 2 final
    assert _counts(job) == {"failed": 1}

    # Worker 1 (attempt 1, still alive) now hits a transient error.
    execution_retry(execution=first, error=TransientBotError("browser error: Target closed"))
    row = JobExecution.objects.get(pk=first.pk)

    # Fails: the final row went back to queued (attempt 2 again, attempt 2's record dropped) while
    # its failed run stays counted; when it ends again it is counted a second time.
    assert row.status == ExecutionStatus.FAILED, (row.status, row.attempt, row.attempts)
    assert _counts(job) == {"failed": 1}


def test_a_late_end_of_attempt_1_does_not_overwrite_the_running_attempt_2(sent):
    job = make_job(schedule_type="interval", schedule_config={"days": 1}, retry_max=2,
                   retry_backoff_seconds=30, retry_jitter=False)
    first, second = _reaped_while_alive(job)

    execution_finish(execution=first, status=ExecutionStatus.SUCCESS, outcome=BotOutcome(messages_sent=1))
    row = JobExecution.objects.get(pk=first.pk)

    # Fails: the row is final while attempt 2 still runs, and it says attempt 1 with no attempts kept.
    assert (row.status, row.attempt, len(row.attempts)) == (ExecutionStatus.RUNNING, 2, 1), (
        row.status, row.attempt, row.attempts)


def test_a_stale_attempts_end_leaves_the_row_and_its_count_to_the_later_attempt(sent):
    job = make_job(schedule_type="interval", schedule_config={"days": 1}, retry_max=2,
                   retry_backoff_seconds=30, retry_jitter=False)
    first, second = _reaped_while_alive(job)
    execution_finish(execution=second, status=ExecutionStatus.FAILED, error="selector gone")

    # Worker 1 comes back: its transient error retries nothing, its end records nothing.
    assert execution_retry(execution=first, error=TransientBotError("browser error: Target closed")) is None
    execution_finish(execution=first, status=ExecutionStatus.FAILED, error="browser error: Target closed")

    row = JobExecution.objects.get(pk=first.pk)
    assert (row.status, row.attempt, row.error) == ("failed", 2, "selector gone")
    assert JobExecution.objects.filter(job=job).count() == 1
    assert _counts(job) == {"failed": 1}

def test_a_run_killed_by_the_celery_hard_limit_is_not_retried_as_a_lost_worker(sent, settings):
    job = make_job(schedule_type="interval", schedule_config={"days": 1}, retry_max=2, max_run_seconds=60,
                   retry_backoff_seconds=30, retry_jitter=False)
    hard = hard_limit_seconds(job.bot_type, job.max_run_seconds)
    started = utc_now().replace(microsecond=0) - timedelta(seconds=hard + 60)
    with mock.patch("scheduler_app.services.executions.utc_now", return_value=started):
        first = execution_claim(job_id=job.pk, scheduled_for=started)
    # The bot ignored its 60 s deadline (a call stuck past the backstop); Celery SIGKILLed the child at `hard`.
    JobExecution.objects.filter(pk=first.pk).update(lease_expires_at=started + timedelta(seconds=hard + 10))

    executions_reap()

    row = JobExecution.objects.get(pk=first.pk)
    # Fails: requeued as attempt 2 "worker lost" (a time limit is never retried, services/retries.py).
    assert (row.status, row.attempt) == (ExecutionStatus.FAILED, 1), (row.status, row.attempt, row.error)


def test_a_lost_worker_that_left_an_unconfirmed_send_is_not_retried(sent):
    job = make_job(schedule_type="interval", schedule_config={"days": 1}, retry_max=2, retry_jitter=False)
    first = execution_claim(job_id=job.pk, scheduled_for=utc_now().replace(microsecond=0) - timedelta(seconds=5))
    contact = Contact.objects.create(slug="ann-lee", name="Ann Lee")
    BirthdayMessage.objects.create(contact=contact, birthday=utc_now().date(), status=MessageStatus.CLAIMED,
                                   execution_id=first.pk)
    JobExecution.objects.filter(pk=first.pk).update(lease_expires_at=utc_now() - timedelta(seconds=1))

    executions_reap()

    row = JobExecution.objects.get(pk=first.pk)
    assert (row.status, row.attempt) == ("failed", 1) and row.error.startswith("worker lost")
    assert sent == []


@pytest.mark.parametrize("message, transient", [
    ("Page.goto: net::ERR_CONNECTION_REFUSED at https://www.linkedin.com/feed/", True),
    ("Page.goto: net::ERR_EMPTY_RESPONSE at https://www.linkedin.com/feed/", True),
    ("Page.goto: Target page, context or browser has been closed", True),
    ("Page.goto: net::ERR_TOO_MANY_REDIRECTS at https://www.linkedin.com/feed/", False),
    ("Page.goto: net::ERR_NAME_NOT_RESOLVED at https://www.linkedn.com/feed/", False),
    ("Page.goto: net::ERR_HTTP_RESPONSE_CODE_FAILURE at https://www.linkedin.com/feed/", False),
    ("Page.goto: net::ERR_CERT_AUTHORITY_INVALID at https://www.linkedin.com/feed/", False),
])
def test_only_connection_level_browser_errors_are_transient(message, transient):
    from bots.browser import TRANSIENT_BROWSER_ERRORS

    assert bool(TRANSIENT_BROWSER_ERRORS.search(message)) is transient
