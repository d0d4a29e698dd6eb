"""Retries (scheduler_app/services/retries.py): which failures retry, the delays, the bounds, and a
lost worker's run tried again on its own row. The real-Chromium crash is tests/bots/test_retries.py."""
import random
from datetime import timedelta
from unittest import mock

import pytest
from django.utils.timezone import now as utc_now

from bots.deadline import TimeLimitReached
from bots.runner import BotError, BotOutcome, BotSkipped, RateLimited, SessionLost, TransientBotError
from scheduler_app.models import ExecutionStatus, JobExecution
from scheduler_app.services.executions import execution_claim, executions_reap
from scheduler_app.services.retries import retry_delay, retry_plan, retryable
from tests.factories import make_job

pytestmark = pytest.mark.django_db


def test_without_jitter_the_delays_double_from_the_backoff_up_to_its_maximum():
    job = make_job(retry_max=5, retry_jitter=False)
    assert [retry_delay(job, attempt) for attempt in (1, 2, 3, 4, 5, 6)] == [60, 120, 240, 480, 960, 1800]


def test_with_jitter_each_delay_falls_in_the_second_half_of_its_backoff_and_varies():
    job = make_job(retry_max=3, retry_backoff_seconds=100, retry_backoff_max_seconds=10_000)
    rng = random.Random(7)
    delays = [retry_delay(job, 2, rng=rng) for _ in range(200)]
    assert all(100 <= delay <= 200 for delay in delays)
    assert max(delays) - min(delays) > 50


@pytest.mark.parametrize("error, retries", [
    (TransientBotError("browser error while loading the birthdays page: Target page, context or browser has "
                       "been closed"), True),
    (TransientBotError("the feed page did not load within 30000 ms"), True),
    (SessionLost("checkpoint: LinkedIn asks to verify"), False),
    (RateLimited("rate limited: LinkedIn says 'slow down'"), False),
    (BotSkipped("daily quota of 3 messages (warm-up week 1)"), False),
    (TimeLimitReached("time limit of 60s reached while sending; the browser was closed"), False),
    (BotError("selector birthday list (ul.gone) not found on the birthday page"), False),
    (None, False),
])
def test_only_transient_failures_retry(error, retries):
    assert retryable(error) is retries


def test_a_transient_failure_after_an_unconfirmed_send_does_not_retry():
    outcome = BotOutcome(result={"summary": {"sent": 1, "unknown": 1}})
    assert not retryable(TransientBotError("browser error: Target closed", outcome=outcome))
    assert retryable(TransientBotError("browser error: Target closed",
                                       outcome=BotOutcome(result={"summary": {"sent": 1}})))


def test_no_retry_past_the_next_slot():
    job = make_job(schedule_type="interval", schedule_config={"hours": 1}, retry_max=2,
                   retry_backoff_seconds=7200, retry_backoff_max_seconds=7200, retry_jitter=False)
    slot = utc_now().replace(microsecond=0)
    execution = execution_claim(job_id=job.pk, scheduled_for=slot)

    plan = retry_plan(job, execution, slot + timedelta(seconds=5))

    assert plan.at is None and "next slot" in plan.why_not


def test_no_retry_outside_working_hours(settings):
    settings.BOT_WORKING_HOURS = "09:00-10:00"
    job = make_job(timezone="UTC", retry_max=2, retry_backoff_seconds=600, retry_jitter=False,
                   schedule_config={"hour": 9, "minute": 55})
    slot = utc_now().replace(hour=9, minute=55, second=0, microsecond=0)
    with mock.patch("scheduler_app.services.executions.utc_now", return_value=slot):
        execution = execution_claim(job_id=job.pk, scheduled_for=slot)
    assert retry_plan(job, execution, slot - timedelta(minutes=20)).at is not None  # 09:45 + 10 min: inside

    plan = retry_plan(job, execution, slot + timedelta(seconds=10))

    assert plan.at is None and "outside working hours" in plan.why_not


def test_no_retry_once_the_attempts_are_used_up():
    job = make_job(retry_max=1, retry_jitter=False)
    execution = execution_claim(job_id=job.pk, scheduled_for=utc_now())
    assert retry_plan(job, execution, utc_now()).at is not None
    execution.attempt = 2
    assert retry_plan(job, execution, utc_now()).why_not == "no retry left (1 allowed)"


def _lost(job, *, retry_max):
    job.retry_max = retry_max
    job.save(update_fields=["retry_max"])
    slot = utc_now().replace(microsecond=0) - timedelta(seconds=5)
    execution = execution_claim(job_id=job.pk, scheduled_for=slot)
    JobExecution.objects.filter(pk=execution.pk).update(lease_expires_at=utc_now() - timedelta(seconds=1))
    return execution


def test_a_lost_worker_is_retried_on_the_same_row(monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr("scheduler_app.services.executions.celery_app.send_task",
                        lambda name, kwargs, **options: sent.append((kwargs, options)))
    job = make_job(schedule_type="interval", schedule_config={"days": 1},
                   retry_backoff_seconds=30, retry_jitter=False)
    execution = _lost(job, retry_max=1)

    with django_capture_on_commit_callbacks(execute=True):
        assert executions_reap() == 1

    row = JobExecution.objects.get(pk=execution.pk)
    assert (row.status, row.attempt, len(row.attempts)) == (ExecutionStatus.QUEUED, 2, 1)
    assert row.attempts[0]["error"].startswith("worker lost")
    assert 25 <= (row.retry_at - utc_now()).total_seconds() <= 31
    assert sent == [({"job_id": str(job.pk), "execution_id": str(execution.pk)},
                     {"eta": row.retry_at, "time_limit": mock.ANY})]
    assert JobExecution.objects.filter(job=job).count() == 1

    # A late copy of the slot's own message (a redelivery) neither starts the retry early nor ends it.
    assert execution_claim(job_id=job.pk, scheduled_for=execution.scheduled_for) is None
    assert JobExecution.objects.get(pk=execution.pk).status == ExecutionStatus.QUEUED

    # The retry's message is claimed like a manual run, on the same row.
    with mock.patch("scheduler_app.services.executions.utc_now", return_value=row.retry_at):
        claimed = execution_claim(job_id=job.pk, execution_id=execution.pk)
    assert claimed is not None and (claimed.status, claimed.attempt, claimed.retry_at) == ("running", 2, None)


def test_a_lost_worker_without_retries_ends_failed():
    job = make_job()
    execution = _lost(job, retry_max=0)

    executions_reap()

    row = JobExecution.objects.get(pk=execution.pk)
    assert (row.status, row.attempt) == (ExecutionStatus.FAILED, 1) and row.error.startswith("worker lost")


def test_a_retry_whose_message_never_came_is_ended_by_the_reaper(settings, monkeypatch,
                                                                   django_capture_on_commit_callbacks):
    monkeypatch.setattr("scheduler_app.services.executions.celery_app.send_task", lambda *a, **k: None)  # lost
    job = make_job(schedule_type="interval", schedule_config={"days": 1}, retry_jitter=False)
    execution = _lost(job, retry_max=1)
    with django_capture_on_commit_callbacks(execute=True):
        executions_reap()
    row = JobExecution.objects.get(pk=execution.pk)

    # Not before its retry time plus the queued timeout...
    assert executions_reap(now=row.retry_at + timedelta(seconds=10)) == 0
    # ...then failed, with the attempt's own reason.
    later = row.retry_at + timedelta(seconds=settings.SCHEDULER_QUEUED_TIMEOUT_SECONDS + 1)
    assert executions_reap(now=later) == 1
    row.refresh_from_db()
    assert row.status == ExecutionStatus.FAILED and "attempt 2 lost" in row.error and row.attempt == 2


def test_a_retry_claimed_after_the_next_slot_does_not_start(monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr("scheduler_app.services.executions.celery_app.send_task", lambda *a, **k: None)
    job = make_job(schedule_type="interval", schedule_config={"hours": 1}, retry_jitter=False)
    execution = _lost(job, retry_max=1)
    with django_capture_on_commit_callbacks(execute=True):
        executions_reap()

    late = execution.scheduled_for + timedelta(hours=1, seconds=1)
    with mock.patch("scheduler_app.services.executions.utc_now", return_value=late):
        assert execution_claim(job_id=job.pk, execution_id=execution.pk) is None

    row = JobExecution.objects.get(pk=execution.pk)
    assert row.status == ExecutionStatus.FAILED and "attempt 2 not started: the next slot" in row.error
