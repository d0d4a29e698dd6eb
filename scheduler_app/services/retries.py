"""Retries: another attempt of the same row after a transient failure.

A slot stays one row (docs/contract.md "Semantics"): a retry moves the row back to ``queued``
with ``attempt`` n + 1 and ``retry_at``, keeps the attempt that failed in ``attempts`` (times,
reason, counts), and sends ``run_job`` for the row once the transaction commits. The claim takes
the row by its id like a manual run.

Only a failure another attempt may not meet is retried (``retryable``): a browser crash, a
navigation timeout, a network error (``bots.runner.TransientBotError``) and a lost worker. What a
person must fix never is (../shared/DESIGN.md "Never retry what a person must fix"): a
checkpoint, an expired session, a rate limit, a used-up quota, an unconfirmed send, a time limit.

No attempt starts after the next slot or outside the account's working hours: ``retry_plan``
refuses such a retry when it decides, and the claim checks again when the attempt starts (a
late message). Notifications follow the row's final status, so they go after the last attempt.
"""
import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from bots.runner import BotError, TransientBotError, outside_working_hours
from scheduler_app.models import ExecutionStatus, JobExecution, ScheduledJob
from scheduler_app.schedules import job_next_run_at
from scheduler_app.selectors import job_interval_anchor

logger = logging.getLogger(__name__)


def retry_delay(job: ScheduledJob, attempt: int, *, rng: random.Random | None = None) -> float:
    """Seconds before attempt ``attempt + 1``, after attempt ``attempt`` failed: the backoff
    doubled per attempt up to its maximum (60, 120, 240 s by default), spread at random over
    its second half when jitter is on."""
    delay = min(job.retry_backoff_seconds * 2 ** (attempt - 1), job.retry_backoff_max_seconds)
    if job.retry_jitter:
        delay = (rng or random).uniform(delay / 2, delay)
    return float(delay)


def retryable(error: BotError | None) -> bool:
    """Whether an attempt that failed with ``error`` may be tried again: a transient error, and no
    send clicked without its confirmation (the bots never send twice, but a person should read an
    unconfirmed send before anything else happens on the account). A lost worker has no error:
    the reaper decides (services/executions.py ``_lost_worker_retryable``)."""
    if not isinstance(error, TransientBotError):
        return False
    summary = ((error.outcome.result or {}).get("summary") or {}) if error.outcome is not None else {}
    return not summary.get("unknown")


@dataclass(frozen=True)
class RetryPlan:
    at: datetime | None  # when the next attempt is due; None: no further attempt
    why_not: str = ""  # when there is none, why (said on the final row)


def next_slot(job: ScheduledJob, execution: JobExecution) -> datetime | None:
    """The slot after this row's: no attempt of it may start then or later. Manual and chained
    runs have no slot of their own and are bounded by the job's next slot from now."""
    after = execution.scheduled_for or execution.queued_at
    anchor = execution.scheduled_for or job_interval_anchor(job=job)  # an interval's own grid
    return job_next_run_at(job, after=after, anchor=anchor)


def attempt_refusal(job: ScheduledJob, execution: JobExecution, at: datetime) -> str:
    """Why a further attempt of ``execution`` may not start at ``at`` ("" when it may)."""
    following = next_slot(job, execution)
    if following is not None and at >= following:
        return f"the next slot ({following.isoformat()}) comes first"
    hours = outside_working_hours(account_id=job.account_id, timezone=job.timezone, moment=at)
    return hours or ""


def retry_plan(job: ScheduledJob, execution: JobExecution, now: datetime, *, rng=None) -> RetryPlan:
    """When the next attempt of a failed attempt is due, or why there is none."""
    if execution.attempt > job.retry_max:
        if job.retry_max:
            return RetryPlan(None, f"no retry left ({job.retry_max} allowed)")
        return RetryPlan(None)
    at = now + timedelta(seconds=retry_delay(job, execution.attempt, rng=rng))
    refusal = attempt_refusal(job, execution, at)
    return RetryPlan(None, f"not retried: {refusal}") if refusal else RetryPlan(at)


def attempt_record(execution: JobExecution, *, status: str, error: str | None, now: datetime,
                   messages_sent: int, profiles_visited: int) -> dict:
    """One finished attempt as ``attempts`` keeps it."""
    return {
        "attempt": execution.attempt,
        "started_at": execution.started_at.isoformat() if execution.started_at else None,
        "finished_at": now.isoformat(),
        "status": status,
        "error": error,
        "messages_sent": messages_sent,
        "profiles_visited": profiles_visited,
    }


def earlier_counts(execution: JobExecution) -> tuple[int, int]:
    """Messages sent and profiles visited by the row's earlier attempts: the row's counts add
    them to the last attempt's, so a retried run still counts every send."""
    return (sum(a.get("messages_sent") or 0 for a in execution.attempts or ()),
            sum(a.get("profiles_visited") or 0 for a in execution.attempts or ()))


def execution_requeue(execution: JobExecution, *, plan: RetryPlan, error: str | None, now: datetime,
                      messages_sent: int = 0, profiles_visited: int = 0) -> None:
    """Turn a failed attempt into the next one (in the caller's transaction, the job row
    locked): the attempt kept, the row queued again for ``plan.at``."""
    execution.attempts = [*(execution.attempts or []), attempt_record(
        execution, status=ExecutionStatus.FAILED, error=error, now=now, messages_sent=messages_sent,
        profiles_visited=profiles_visited)]
    execution.attempt += 1
    execution.status = ExecutionStatus.QUEUED
    execution.retry_at = plan.at
    execution.error = (f"attempt {execution.attempt - 1} failed: {error}; "
                       f"attempt {execution.attempt} at {plan.at.isoformat()}")
    execution.started_at = execution.finished_at = execution.lease_expires_at = None
    execution.duration_seconds = None
    execution.messages_sent, execution.profiles_visited = earlier_counts(execution)
    execution.save(update_fields=["attempts", "attempt", "status", "retry_at", "error", "started_at", "finished_at",
                                  "lease_expires_at", "duration_seconds", "messages_sent", "profiles_visited"])
    logger.info("execution %s failed transiently; attempt %d at %s", execution.pk, execution.attempt,
                plan.at.isoformat())
