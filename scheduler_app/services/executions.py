"""Execution writes: claim a slot, run the bot, record how it ended.

``execution_claim`` is where "once" is decided: the (job, scheduled_for) unique constraint
turns a second delivery of the same slot (two beats, a redelivered message, a retried task)
into an IntegrityError, and the job row lock makes the max_instances count and the move to
``running`` one step.
"""
import logging
from datetime import datetime
from uuid import UUID

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.timezone import now as utc_now

from bots.runner import BotError, BotOutcome, BotRun, run_bot
from scheduler_app.models import ExecutionStatus, JobExecution, ScheduledJob, Trigger
from scheduler_app.schedules import job_next_run_at
from scheduler_app.selectors import job_interval_anchor

logger = logging.getLogger(__name__)


def _refusal(job: ScheduledJob, scheduled_for: datetime | None, now: datetime) -> tuple[str, str] | None:
    """Why this run must not start, as (final status, reason), or None when it may."""
    if scheduled_for is not None:
        if not job.enabled:
            return ExecutionStatus.CANCELLED, "the job was disabled before this run started"
        late = (now - scheduled_for).total_seconds()
        if late > job.misfire_grace_time:
            return ExecutionStatus.MISSED, (
                f"started {late:.0f}s after its slot, past misfire_grace_time ({job.misfire_grace_time}s)"
            )
    running = JobExecution.objects.filter(job=job, status=ExecutionStatus.RUNNING).count()
    if running >= job.max_instances:
        return ExecutionStatus.SKIPPED, f"max_instances reached: {running} run(s) of this job already running"
    return None


def execution_claim(
    *, job_id: UUID | str, scheduled_for: datetime | None = None, execution_id: UUID | str | None = None
) -> JobExecution | None:
    """Turn one delivery of ``run_job`` into a running execution, or into nothing.

    Scheduled runs (``scheduled_for`` set) create their row here; manual runs pick up the
    queued row ``job_run_now`` made. Returns None when there is nothing to run: the job is gone,
    the slot was already claimed, the manual run already started, or the run was recorded as
    skipped / missed / cancelled.
    """
    now = utc_now()
    with transaction.atomic():
        job = ScheduledJob.objects.select_for_update(of=("self",)).select_related("periodic_task").filter(
            pk=job_id
        ).first()
        if job is None:
            logger.info("job %s no longer exists; nothing to run", job_id)
            return None
        if execution_id is not None:
            execution = JobExecution.objects.filter(pk=execution_id, job=job).first()
            if execution is None or execution.status != ExecutionStatus.QUEUED:
                return None  # redelivered message of a run that already started
        else:
            execution = JobExecution(
                job=job,
                trigger=Trigger.SCHEDULED,
                scheduled_for=scheduled_for,
                queued_at=now,
                dry_run=job.bot_config.get("dry_run", False),
            )
        refusal = _refusal(job, scheduled_for if execution_id is None else None, now)
        if refusal is None:
            execution.status, execution.started_at = ExecutionStatus.RUNNING, now
        else:
            execution.status, execution.error = refusal
            execution.finished_at = now
        try:
            with transaction.atomic():
                execution.save()
        except IntegrityError:
            logger.info("slot %s of job %s was already claimed", scheduled_for, job_id)
            return None
        _record_on_job(job, execution)
    return execution if refusal is None else None


def _record_on_job(job: ScheduledJob, execution: JobExecution) -> None:
    """Mirror the newest execution on the job (last_run_*), and move next_run_at on.

    Skipped runs are left out of last_run_*: the run that caused the skip is the news. The
    conditional update keeps an older run that ends late from overwriting a newer one.
    """
    at = execution.started_at or execution.finished_at or execution.queued_at
    # A scheduled run is beat's latest fire (its row's last_run_at may not be synced yet); a
    # manual run does not move beat's count at all.
    anchor = execution.scheduled_for or job_interval_anchor(job=job)
    updates = {"next_run_at": job_next_run_at(job, after=utc_now(), anchor=anchor)}
    if execution.status != ExecutionStatus.SKIPPED:
        updates.update(last_run_at=at, last_run_status=execution.status, last_run_error=execution.error)
    ScheduledJob.objects.filter(pk=job.pk).filter(Q(last_run_at__isnull=True) | Q(last_run_at__lte=at)).update(
        **updates
    )


def execution_finish(
    *,
    execution: JobExecution,
    status: str,
    error: str | None = None,
    outcome: BotOutcome | None = None,
) -> JobExecution:
    now = utc_now()
    outcome = outcome or BotOutcome()
    execution.status = status
    execution.error = error
    execution.finished_at = now
    execution.duration_seconds = (now - execution.started_at).total_seconds() if execution.started_at else None
    execution.messages_sent = outcome.messages_sent
    execution.profiles_visited = outcome.profiles_visited
    execution.result = outcome.result
    with transaction.atomic():
        job = ScheduledJob.objects.select_related("periodic_task").filter(pk=execution.job_id).first()
        if job is None:
            # Deleted while it ran: its history went with it, nothing is left to record on.
            logger.info("job %s was deleted during execution %s (%s)", execution.job_id, execution.pk, status)
            return execution
        execution.save(force_update=True)
        _record_on_job(job, execution)
    return execution


def execution_run(
    *, job_id: UUID | str, scheduled_for: datetime | None = None, execution_id: UUID | str | None = None
) -> JobExecution | None:
    """Claim, run the job's bot, finish. Every claimed execution ends in a final status."""
    execution = execution_claim(job_id=job_id, scheduled_for=scheduled_for, execution_id=execution_id)
    if execution is None:
        return None
    job = execution.job
    bot_config = {**job.bot_config, "dry_run": execution.dry_run}
    run = BotRun(
        execution_id=execution.pk,
        job_id=job.pk,
        bot_type=job.bot_type,
        config=bot_config,
        timezone=job.timezone,
        dry_run=execution.dry_run,
    )
    try:
        outcome = run_bot(run)
    except BotError as exc:
        return execution_finish(execution=execution, status=ExecutionStatus.FAILED, error=str(exc))
    except BaseException as exc:
        # Time limits and crashes included: the row must not stay "running".
        logger.exception("execution %s of job %s crashed", execution.pk, job.pk)
        execution_finish(execution=execution, status=ExecutionStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
        if not isinstance(exc, Exception):
            raise
        return execution
    return execution_finish(execution=execution, status=ExecutionStatus.SUCCESS, outcome=outcome)
