"""Execution writes: claim a slot, run the bot, record how it ended, reap lost runs.

``execution_claim`` is where "once" is decided: the (job, scheduled_for) unique constraint
turns a second delivery of the same slot (two beats, a redelivered message, a retried task)
into an IntegrityError, and the job row lock makes the max_instances count and the move to
``running`` one step.

One lock order everywhere: the job row first, then its execution rows, then the run counters
(scheduler_app/services/counters.py). Claim, finish and the reaper all lock the job before they
touch an execution, so two of them can never wait on each other in a cycle (PostgreSQL would
abort one as a deadlock). Each of them notes on a ``Tally`` the moves it makes into final
statuses and writes the counters last, in the same transaction.

History older than EXECUTION_RETENTION_DAYS is pruned in small batches (``executions_prune``);
the counters, and the bots' per-contact records (bots/models.py, which keep an execution's id,
not a foreign key), are left as they are.
"""
import logging
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db import DatabaseError, IntegrityError, close_old_connections, connection, transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils.timezone import now as utc_now

from bots.runner import (
    AccountPushback,
    BotError,
    BotOutcome,
    BotRun,
    BotSkipped,
    PeriodicRenewal,
    run_bot,
    run_time_limit,
    unconfirmed_sends,
)
from config.celery import app as celery_app
from scheduler_app.brakes.accounts import account_pushback
from scheduler_app.brakes.selectors import job_slot_brake
from scheduler_app.catchup import COALESCED_PREFIX
from scheduler_app.models import FINAL_STATUSES, ExecutionStatus, JobExecution, ScheduledJob, Trigger
from scheduler_app.notify.models import Event
from scheduler_app.notify.selectors import rules_for_event, rules_for_job
from scheduler_app.notify.services.deliveries import Alert, deliveries_queue
from scheduler_app.notify.services.incidents import incidents_on_final
from scheduler_app.schedules import job_next_run_at, job_slot_fire_time, silent_deadline
from scheduler_app.selectors import job_interval_anchor
from scheduler_app.services.chains import chains_on_final
from scheduler_app.services.counters import Tally
from scheduler_app.services.progress import RunProgress
from scheduler_app.services.retries import (
    attempt_refusal,
    earlier_counts,
    execution_requeue,
    retry_plan,
    retryable,
)
from scheduler_app.spec import job_bot_config
from scheduler_app.sync import RUN_JOB_TASK

logger = logging.getLogger(__name__)

WORKER_LOST = "worker lost"
FINISH_ATTEMPTS = 5
# A slot's queued row with no claim this long past its misfire_grace_time is ended missed by the
# reaper: by then a late message would have been recorded missed by its claim anyway.
UNCLAIMED_MARGIN_SECONDS = 60
# The retention prune: rows per transaction, and transactions per run of the task.
PRUNE_BATCH = 1000
PRUNE_BATCHES_PER_RUN = 20


def execution_dry_run(job: ScheduledJob, requested: bool | None = None) -> bool:
    """Whether a run of ``job`` is a dry run: the one place it is decided. A run-now may ask for
    either (``requested``); otherwise the job's bot_config says. The run's bot gets this value
    (``execution_run``), whatever the job says by the time the run starts."""
    return job_bot_config(job).dry_run if requested is None else requested


def _lease_seconds() -> int:
    return settings.SCHEDULER_LEASE_SECONDS


def _state(execution: JobExecution) -> tuple[str, int, int]:
    """What the counters need of an execution: (status, messages_sent, profiles_visited)."""
    return execution.status, execution.messages_sent, execution.profiles_visited


def _stored_state(execution_pk, *, lock: bool = False) -> tuple[str, int, int] | None:
    rows = JobExecution.objects.filter(pk=execution_pk)
    if lock:
        rows = rows.select_for_update()
    return rows.values_list("status", "messages_sent", "profiles_visited").first()


def _stored_attempt(execution_pk) -> int:
    return JobExecution.objects.filter(pk=execution_pk).values_list("attempt", flat=True).first() or 0


def _lock_job(job_id: UUID | str) -> ScheduledJob | None:
    """The job row, locked for this transaction. ``of=("self",)``: PostgreSQL cannot lock the
    nullable side of the periodic_task join. ``no_key``: FOR NO KEY UPDATE keeps claims, finishes
    and the reaper apart as FOR UPDATE would, but lets another transaction insert a row that
    refers to the job (the foreign-key check's KEY SHARE): a finish that starts a chained run of
    another job (services/chains.py) never waits on that job's lock, so no cycle can form."""
    return ScheduledJob.objects.select_for_update(of=("self",), no_key=True).select_related("periodic_task").filter(
        pk=job_id
    ).first()


def _refusal(job: ScheduledJob, scheduled_for: datetime | None, now: datetime,
             *, chained: bool = False) -> tuple[str, str] | None:
    """Why this run must not start, as (final status, reason), or None when it may. A chained
    run (services/chains.py) obeys the job's switch and its brakes as of now, as a slot would."""
    if chained:
        if not job.enabled:
            return ExecutionStatus.CANCELLED, "the job was disabled before this run started"
        if (brake := job_slot_brake(job=job, slot=now)) is not None:
            return ExecutionStatus.SKIPPED, brake
    if scheduled_for is not None:
        if not job.enabled:
            return ExecutionStatus.CANCELLED, "the job was disabled before this run started"
        # A pause or blackout over the slot's nominal time (scheduler_app/brakes): read here, at
        # the claim, so a pause set or lifted while beat runs counts from the next claim on.
        brake = job_slot_brake(job=job, slot=scheduled_for)
        if brake is not None:
            return ExecutionStatus.SKIPPED, brake
        # Late from the fire time: a jittered slot fires after its nominal time on purpose.
        fired = job_slot_fire_time(job, scheduled_for, anchor=job_interval_anchor(job=job))
        late = (now - fired).total_seconds()
        if late > job.misfire_grace_time:
            after = "its slot" if fired == scheduled_for else f"its fire time {fired.isoformat()}"
            return ExecutionStatus.MISSED, (
                f"started {late:.0f}s after {after}, past misfire_grace_time ({job.misfire_grace_time}s)"
            )
    running = JobExecution.objects.filter(job=job, status=ExecutionStatus.RUNNING).count()
    if running >= job.max_instances:
        return ExecutionStatus.SKIPPED, f"max_instances reached: {running} run(s) of this job already running"
    return None


def execution_claim(
    *, job_id: UUID | str, scheduled_for: datetime | None = None, execution_id: UUID | str | None = None
) -> JobExecution | None:
    """Turn one delivery of ``run_job`` into a running execution, or into nothing.

    Scheduled runs (``scheduled_for`` set) take the queued row beat recorded for the slot, or
    create it when the message outran beat's write; manual runs pick up the queued row
    ``job_run_now`` made. Returns None when there is nothing to run: the job is gone,
    the slot was already claimed, the manual run already started, or the run was recorded as
    skipped / missed / cancelled.
    """
    now = utc_now()
    with transaction.atomic():
        tally = Tally()
        claimed = _claim_locked(job_id, scheduled_for, execution_id, now, tally)
        tally.apply()
    return claimed


def _claim_locked(job_id, scheduled_for, execution_id, now: datetime, tally: Tally) -> JobExecution | None:
    """``execution_claim``'s transaction, but for the counters its caller writes last."""
    job = _lock_job(job_id)
    if job is None:
        logger.info("job %s no longer exists; nothing to run", job_id)
        return None
    # A run whose worker died must not hold a max_instances place against this one.
    _reap_locked(job, now, tally)
    for attempt in range(2):
        if execution_id is not None:
            execution = JobExecution.objects.filter(pk=execution_id, job=job).first()
            if execution is None or execution.status != ExecutionStatus.QUEUED:
                return None  # redelivered message of a run that already started
        else:
            execution = _slot_execution(job, scheduled_for, now)
            if execution is None:
                logger.info("slot %s of job %s was already claimed", scheduled_for, job_id)
                return None
            execution.dry_run = execution_dry_run(job)
        before = None if execution._state.adding else _state(execution)
        refusal = _refusal(job, scheduled_for if execution_id is None else None, now,
                           chained=execution.trigger == Trigger.CHAINED)
        if refusal is None and execution.attempt > 1 and not job.enabled:
            refusal = ExecutionStatus.CANCELLED, (f"{_last_attempt_error(execution)} (attempt {execution.attempt} "
                                                  "not started: the job was disabled)")
        if refusal is None and execution.attempt > 1 and (late := attempt_refusal(job, execution, now)):
            # A retry whose message came too late: the last attempt's reason stays the row's.
            refusal = ExecutionStatus.FAILED, f"{_last_attempt_error(execution)} (attempt {execution.attempt} " \
                                              f"not started: {late})"
        execution.retry_at = None
        if refusal is None:
            execution.status, execution.started_at = ExecutionStatus.RUNNING, now
            execution.lease_expires_at = now + timedelta(seconds=_lease_seconds())
        else:
            execution.status, execution.error = refusal
            execution.finished_at = now
        try:
            with transaction.atomic():
                execution.save()
            break
        except IntegrityError:
            if execution_id is not None or attempt:
                logger.info("slot %s of job %s was already claimed", scheduled_for, job_id)
                return None
            # Beat's queued row for this slot landed between the look and the insert: take it.
    tally.move(job_id=job.pk, queued_at=execution.queued_at, old=before, new=_state(execution))
    _record_on_job(job, execution, tally)
    return execution if refusal is None else None


def _last_attempt_error(execution: JobExecution) -> str:
    return (execution.attempts or [{}])[-1].get("error") or "failed"


def _slot_execution(job: ScheduledJob, scheduled_for: datetime, now: datetime) -> JobExecution | None:
    """The row to claim for a slot: beat's queued row, or a new one; None when the slot's row is
    no longer queued (claimed by another delivery, or ended by the reaper) or waits for a retry."""
    existing = JobExecution.objects.filter(job=job, scheduled_for=scheduled_for).first()
    if existing is not None:
        # A queued row past its first attempt waits for its retry's own message (services/retries.py):
        # a late copy of the slot's message must neither start it early nor record it missed.
        return existing if existing.status == ExecutionStatus.QUEUED and existing.attempt == 1 else None
    return JobExecution(job=job, trigger=Trigger.SCHEDULED, scheduled_for=scheduled_for, queued_at=now)


def _record_on_job(job: ScheduledJob, execution: JobExecution, tally: Tally) -> None:
    """Mirror the newest execution on the job (last_run_*), and move next_run_at on; for a final
    run, flip the job's notification incidents in the same transaction (notify/services/incidents.py).

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
    if execution.status == ExecutionStatus.SUCCESS:
        # The dead-man's switch counts silence from the newest successful slot (notify/watch.py).
        success_at = execution.scheduled_for or execution.started_at or at
        ScheduledJob.objects.filter(pk=job.pk).filter(
            Q(last_success_at__isnull=True) | Q(last_success_at__lt=success_at)
        ).update(last_success_at=success_at, silent_after=silent_deadline(job, since=success_at, anchor=anchor))
    if execution.status in FINAL_STATUSES:
        incidents_on_final(job=job, execution=execution)
        chains_on_final(job=job, execution=execution, tally=tally)


def execution_finish(
    *,
    execution: JobExecution,
    status: str,
    error: str | None = None,
    outcome: BotOutcome | None = None,
    progress: dict | None = None,
) -> JobExecution:
    """Record how a run ended; always leaves a final status when the database lets it.

    A transaction the database aborts (a deadlock victim, a serialization failure, a dropped
    connection) is retried; if every attempt fails, the status is written on the execution alone,
    without the job's last_run_* bookkeeping; if even that fails, the lease runs out and the reaper
    ends the run "worker lost".
    """
    now = utc_now()
    outcome = outcome or BotOutcome()
    execution.status = status
    execution.error = error
    execution.finished_at = now
    execution.duration_seconds = (now - execution.started_at).total_seconds() if execution.started_at else None
    earlier_sent, earlier_visited = earlier_counts(execution)
    execution.messages_sent = outcome.messages_sent + earlier_sent
    execution.profiles_visited = outcome.profiles_visited + earlier_visited
    execution.result = outcome.result
    execution.lease_expires_at = None
    if progress is not None:
        execution.progress = progress
    for attempt in range(FINISH_ATTEMPTS):
        try:
            with transaction.atomic():
                job = _lock_job(execution.job_id)
                before = _stored_state(execution.pk) if job is not None else None
                if before is None:
                    # Deleted while it ran: its history went with it, nothing is left to record on.
                    logger.info("job %s was deleted during execution %s (%s)", execution.job_id, execution.pk,
                                status)
                    return execution
                if _stored_attempt(execution.pk) > execution.attempt:
                    # This worker's attempt was given up (its lease ran out) and a later one took
                    # the row: the row is that attempt's now.
                    logger.warning("attempt %d of execution %s ended %s after a later attempt started; not recorded",
                                   execution.attempt, execution.pk, status)
                    return execution
                execution.save(force_update=True)
                tally = Tally()
                _record_on_job(job, execution, tally)
                tally.move(job_id=job.pk, queued_at=execution.queued_at, old=before, new=_state(execution))
                tally.apply()
            return execution
        except JobExecution.DoesNotExist:
            return execution
        except DatabaseError:
            logger.warning("recording the end of execution %s failed (attempt %d)", execution.pk, attempt + 1,
                           exc_info=True)
            if not connection.in_atomic_block:
                close_old_connections()
            time.sleep(0.05 * 2**attempt)
    try:
        with transaction.atomic():  # the same lock order, without the job's bookkeeping
            before = _stored_state(execution.pk, lock=True) if _lock_job(execution.job_id) is not None else None
            if before is not None:
                JobExecution.objects.filter(pk=execution.pk).update(
                    status=status, error=error, finished_at=now, duration_seconds=execution.duration_seconds,
                    messages_sent=execution.messages_sent, profiles_visited=execution.profiles_visited,
                    result=outcome.result, lease_expires_at=None,
                )
                tally = Tally()
                tally.move(job_id=execution.job_id, queued_at=execution.queued_at, old=before,
                           new=_state(execution))
                tally.apply()
    except DatabaseError:
        logger.exception("execution %s could not be recorded as %s; its lease will expire", execution.pk, status)
    return execution


def _lost_runs(now: datetime) -> Q:
    """Runs whose worker is gone: running past their lease (or, for rows older than leases,
    started over a lease ago); manual runs queued longer than SCHEDULER_QUEUED_TIMEOUT_SECONDS
    whose message never reached a worker (chained runs and retries alike); and, as candidates
    that ``_reap_locked`` checks against each job's misfire_grace_time, scheduled slots beat sent
    that no worker claimed."""
    lease = timedelta(seconds=_lease_seconds())
    queued_bound = timedelta(seconds=settings.SCHEDULER_QUEUED_TIMEOUT_SECONDS)
    return (
        Q(status=ExecutionStatus.RUNNING, lease_expires_at__lt=now)
        | Q(status=ExecutionStatus.RUNNING, lease_expires_at__isnull=True, started_at__lt=now - lease)
        | Q(status=ExecutionStatus.QUEUED, retry_at__isnull=True, trigger__in=[Trigger.MANUAL, Trigger.CHAINED],
            queued_at__lt=now - queued_bound)
        | Q(status=ExecutionStatus.QUEUED, retry_at__isnull=True, trigger=Trigger.SCHEDULED,
            queued_at__lt=now - timedelta(seconds=UNCLAIMED_MARGIN_SECONDS))
        # A retry whose message never came (services/retries.py).
        | Q(status=ExecutionStatus.QUEUED, retry_at__lt=now - queued_bound)
    )


def _reap_locked(job: ScheduledJob, now: datetime, tally: Tally) -> int:
    """End this job's lost runs (``_lost_runs``) failed "worker lost"; the caller holds the job
    row lock and applies ``tally`` before it commits. Returns how many were ended."""
    lease = timedelta(seconds=_lease_seconds())
    ended = 0
    lost = JobExecution.objects.filter(job=job).filter(_lost_runs(now))
    # From the slot: its message went out at the fire time, up to jitter_seconds after it.
    unclaimed_after = timedelta(seconds=job.misfire_grace_time + job.jitter_seconds + UNCLAIMED_MARGIN_SECONDS)
    for execution in lost:
        before = _state(execution)
        if execution.status == ExecutionStatus.RUNNING and execution.attempt <= job.retry_max \
                and _lost_worker_retryable(job, execution, now):
            # A lost worker is transient: another attempt of the same row, when one may start.
            plan = retry_plan(job, execution, now)
            if plan.at is not None:
                expired = execution.lease_expires_at or (execution.started_at + lease)
                execution_requeue(execution, plan=plan, now=now,
                                  error=f"{WORKER_LOST}: no sign of life since its lease expired at "
                                        f"{expired.isoformat()}")
                execution_send(execution, eta=plan.at)
                tally.move(job_id=job.pk, queued_at=execution.queued_at, old=before, new=_state(execution))
                ended += 1
                continue
        if execution.trigger == Trigger.SCHEDULED and execution.status == ExecutionStatus.QUEUED \
                and execution.retry_at is None:
            if now - execution.scheduled_for <= unclaimed_after:
                continue  # its message may still come: a claim then runs it or records it missed
            execution.status, execution.finished_at = ExecutionStatus.MISSED, now
            execution.error = (f"its message never reached a worker within misfire_grace_time "
                               f"({job.misfire_grace_time}s); lost with a worker or with Redis")
            execution.save(update_fields=["status", "error", "finished_at"])
            tally.move(job_id=job.pk, queued_at=execution.queued_at, old=before, new=_state(execution))
            _record_on_job(job, execution, tally)
            ended += 1
            continue
        if execution.status == ExecutionStatus.RUNNING:
            expired = execution.lease_expires_at or (execution.started_at + lease)
            execution.error = f"{WORKER_LOST}: no sign of life since its lease expired at {expired.isoformat()}"
            execution.duration_seconds = (now - execution.started_at).total_seconds()
        elif execution.retry_at is not None:
            execution.error = (f"{_last_attempt_error(execution)} (attempt {execution.attempt} lost: its message "
                               f"never reached a worker within {settings.SCHEDULER_QUEUED_TIMEOUT_SECONDS}s)")
        else:
            execution.error = (f"{WORKER_LOST}: the run's message never reached a worker within "
                               f"{settings.SCHEDULER_QUEUED_TIMEOUT_SECONDS}s")
        execution.status, execution.finished_at, execution.lease_expires_at = ExecutionStatus.FAILED, now, None
        execution.retry_at = None
        execution.save(update_fields=["status", "error", "finished_at", "duration_seconds", "lease_expires_at",
                                      "retry_at"])
        tally.move(job_id=job.pk, queued_at=execution.queued_at, old=before, new=_state(execution))
        _record_on_job(job, execution, tally)
        ended += 1
    if ended:
        logger.warning("ended %d lost run(s) of job %s: failed \"%s\", or missed when never claimed", ended, job.pk,
                       WORKER_LOST)
    return ended


def _lost_worker_retryable(job: ScheduledJob, execution: JobExecution, now: datetime) -> bool:
    """Whether a run whose worker was lost may get another attempt: not when it had run past
    its own time limit (the Celery hard limit killed it: a time limit is never retried), and not
    when it left a send clicked but unconfirmed (a person reads that first)."""
    if execution.started_at and (now - execution.started_at).total_seconds() >= execution_time_limit(job):
        return False
    return not unconfirmed_sends(execution_id=execution.pk)


def executions_reap(*, now: datetime | None = None) -> int:
    """The periodic reaper (scheduler_app.tasks.reap_executions, sent by the leading beat): end
    every lost run in the fleet, job by job under each job's lock."""
    now = now or utc_now()
    job_ids = set(JobExecution.objects.filter(_lost_runs(now)).values_list("job_id", flat=True))
    ended = 0
    for job_id in job_ids:
        with transaction.atomic():
            job = _lock_job(job_id)
            if job is not None:
                tally = Tally()
                ended += _reap_locked(job, now, tally)
                tally.apply()
    return ended


def execution_lease_renew(*, execution_id: UUID | str, progress: dict | None = None) -> bool:
    """Push a running execution's lease forward, with what it is doing now when that changed;
    False once it is no longer running."""
    expires = utc_now() + timedelta(seconds=_lease_seconds())
    updates = {"lease_expires_at": expires}
    if progress is not None:
        updates["progress"] = progress
    return bool(JobExecution.objects.filter(pk=execution_id, status=ExecutionStatus.RUNNING).update(**updates))


def execution_long_running(*, execution_id: UUID | str, now: datetime | None = None) -> int:
    """A run still going past its job's warn_after_seconds: mark it warned (once, by a conditional
    update, so two keepers or a restarted one cannot warn twice) and queue one ``long_running``
    alert per channel of the rules covering the job. Returns the alerts queued."""
    now = now or utc_now()
    with transaction.atomic():
        if not JobExecution.objects.filter(pk=execution_id, status=ExecutionStatus.RUNNING,
                                           warned_at__isnull=True).update(warned_at=now):
            return 0
        execution = JobExecution.objects.select_related("job").get(pk=execution_id)
        job = execution.job
        reason = (f"running for {(now - execution.started_at).total_seconds():.0f}s, past warn_after_seconds "
                  f"({job.warn_after_seconds}s); its time limit is {execution_time_limit(job):.0f}s")
        alerts, channels = [], set()
        for rule in rules_for_job(job=job, event=Event.LONG_RUNNING):
            if rule.channel_id not in channels:
                channels.add(rule.channel_id)
                alerts.append(Alert(channel_id=rule.channel_id, event=Event.LONG_RUNNING, job=job, execution=execution,
                                    rule_id=rule.pk, reason=reason,
                                    dedupe_key=f"long_running:{execution.pk}:{rule.channel_id}"))
        return len(deliveries_queue(alerts=alerts, now=now))


def _lease_keeper(execution_id: UUID, progress: RunProgress, *, warn_after: float | None = None) -> PeriodicRenewal:
    """Renews one execution's lease from a thread of the worker process while its bot runs (when
    the process dies, renewals stop and the lease runs out), and carries the run's progress: at
    least every SCHEDULER_PROGRESS_SECONDS, never less often than a third of the lease. Past
    ``warn_after`` seconds it raises the run's long_running alert (``execution_long_running``)."""
    lease_every = _lease_seconds() / 3
    renewed = started = time.monotonic()
    warned = warn_after is None

    def renew() -> bool:
        nonlocal renewed, warned
        if not warned and time.monotonic() - started >= warn_after:
            warned = True
            execution_long_running(execution_id=execution_id)
        step = progress.take()
        if step is None and time.monotonic() - renewed < lease_every:
            return True  # nothing new to show, and the lease is young: no write this round
        renewed = time.monotonic()
        return execution_lease_renew(execution_id=execution_id, progress=step)

    every = min(lease_every, settings.SCHEDULER_PROGRESS_SECONDS)
    return PeriodicRenewal(renew, every=every, what=f"the lease of execution {execution_id}")


def execution_send(execution: JobExecution, *, eta: datetime | None = None) -> None:
    """Send ``run_job`` for a queued row once the caller's transaction commits (a retry, a
    chained run), with the Celery hard limit of its job's run. A message the broker refuses is
    logged; the reaper ends the row when its time has passed (``_lost_runs``)."""
    job_id, execution_id = str(execution.job_id), str(execution.pk)
    hard_limit = hard_limit_seconds(execution.job.bot_type, execution.job.max_run_seconds)

    def send() -> None:
        try:
            celery_app.send_task(RUN_JOB_TASK, kwargs={"job_id": job_id, "execution_id": execution_id}, eta=eta,
                                 time_limit=hard_limit)
        except Exception:
            logger.exception("could not queue execution %s of job %s; the reaper will end it", execution_id, job_id)

    transaction.on_commit(send)


def execution_time_limit(job: ScheduledJob) -> float:
    """The run's own time limit (the bot stops at it): the job's max_run_seconds or its bot's default."""
    return run_time_limit(job.bot_type, job.max_run_seconds)


def hard_limit_seconds(bot_type: str, max_run_seconds: int | None) -> float:
    """The Celery hard limit of a job's runs (beat's messages and ours carry it): the run's own
    limit, plus the longest wait for its account before the run's clock starts, plus
    BOT_HARD_LIMIT_GRACE_SECONDS. Past it Celery kills the worker child; the lease runs out and
    the reaper ends the row."""
    return (run_time_limit(bot_type, max_run_seconds) + settings.ACCOUNT_WAIT_SECONDS
            + settings.BOT_HARD_LIMIT_GRACE_SECONDS)


def executions_record_dispatch(
    *, sent: Iterable[tuple[UUID | str, datetime]] = (), missed: Iterable[tuple[UUID | str, datetime, str]] = ()
) -> int:
    """Record what beat did with due slots (scheduler_app.beat), after Redis took the messages:
    a ``queued`` row for each slot sent (the worker's claim takes it over; the reaper ends it
    ``missed`` if no worker ever claims it, so a message lost with a worker or with Redis still
    leaves its row), and a ``missed`` row with its reason for each slot that will not run
    (scheduler_app.catchup). A slot that already has a row keeps it.

    Each job with missed rows shows its newest one in last_run_* until a run of it starts.
    Returns the number of rows asked for (of jobs that still exist).
    """
    now = utc_now()
    rows = [
        JobExecution(job_id=job_id, trigger=Trigger.SCHEDULED, scheduled_for=slot, queued_at=now)
        for job_id, slot in sent
    ]
    missed_rows = [
        JobExecution(job_id=job_id, trigger=Trigger.SCHEDULED, scheduled_for=slot, queued_at=now, finished_at=now,
                     status=ExecutionStatus.MISSED, error=reason)
        for job_id, slot, reason in missed
    ]
    if not rows and not missed_rows:
        return 0
    job_ids = sorted({str(row.job_id) for row in rows + missed_rows})
    existing = set()
    for start in range(0, len(job_ids), 500):
        chunk = job_ids[start:start + 500]
        existing.update(str(pk) for pk in ScheduledJob.objects.filter(pk__in=chunk).values_list("pk", flat=True))
    rows = [row for row in rows if str(row.job_id) in existing]
    missed_rows = [row for row in missed_rows if str(row.job_id) in existing]
    # One statement per 500 jobs, not one per job: a catch-up of the whole fleet must not hold
    # the leading beat for longer than its lock lives.
    newest_error = Subquery(
        JobExecution.objects.filter(job=OuterRef("pk"), status=ExecutionStatus.MISSED)
        .order_by("-scheduled_for").values("error")[:1]
    )
    missed_jobs = sorted({str(row.job_id) for row in missed_rows})
    with transaction.atomic():
        # The module's lock order: the job rows first (in one order, so two writers of many jobs
        # cannot cross), then their executions. Without it, PostgreSQL's foreign-key check would
        # take each job row after the new execution rows are in, and a claim that holds a job row
        # while its own insert waits on one of ours is a deadlock.
        locked = sorted(existing)
        for start in range(0, len(locked), 500):
            list(ScheduledJob.objects.select_for_update(of=("self",), no_key=True)
                 .filter(pk__in=locked[start:start + 500])
                 .order_by("pk").values_list("pk", flat=True))
        JobExecution.objects.bulk_create(rows + missed_rows, batch_size=500, ignore_conflicts=True)
        # Missed rows are final: count the ones that went in (a slot that had a row kept it).
        tally = Tally()
        missed_stored = []
        for start in range(0, len(missed_rows), 500):
            chunk = missed_rows[start:start + 500]
            stored = set(JobExecution.objects.filter(pk__in=[row.pk for row in chunk]).values_list("pk", flat=True))
            missed_stored.extend(row for row in chunk if row.pk in stored)
        tally.add_rows(missed_stored)
        for start in range(0, len(missed_jobs), 500):
            # A run sent for the same job starts later and takes last_run_* over from this.
            ScheduledJob.objects.filter(pk__in=missed_jobs[start:start + 500]).filter(
                Q(last_run_at__isnull=True) | Q(last_run_at__lte=now)
            ).update(last_run_at=now, last_run_status=ExecutionStatus.MISSED, last_run_error=newest_error)
        tally.apply()
        _missed_incidents(missed_stored)
    return len(rows) + len(missed_rows)


def _missed_incidents(rows: list[JobExecution]) -> None:
    """Beat's missed rows count as failures for the rules subscribed to ``missed``, in slot
    order; a slot coalesced into a later run is not a failure (that run is its outcome). Nothing
    is read when no rule subscribes (one small query; beat's hot path stays as it was)."""
    rows = [row for row in rows if not (row.error or "").startswith(COALESCED_PREFIX)]
    if not rows or not rules_for_event(event=Event.MISSED):
        return
    jobs = {str(job.pk): job for job in ScheduledJob.objects.filter(pk__in={row.job_id for row in rows})}
    for row in sorted(rows, key=lambda row: row.scheduled_for):
        job = jobs.get(str(row.job_id))
        if job is not None:  # locked above, in this transaction
            incidents_on_final(job=job, execution=row)


def execution_run(
    *, job_id: UUID | str, scheduled_for: datetime | None = None, execution_id: UUID | str | None = None
) -> JobExecution | None:
    """Claim, run the job's bot, finish. Every claimed execution ends in a final status."""
    execution = execution_claim(job_id=job_id, scheduled_for=scheduled_for, execution_id=execution_id)
    if execution is None:
        return None
    job = execution.job
    progress = RunProgress()
    run = BotRun(
        execution_id=execution.pk,
        job_id=job.pk,
        bot_type=job.bot_type,
        config=job_bot_config(job).model_copy(update={"dry_run": execution.dry_run}),
        timezone=job.timezone,
        account_id=job.account_id,
        job_name=job.name,
        time_limit=execution_time_limit(job),
        progress=progress.report,
    )
    try:
        with _lease_keeper(execution.pk, progress, warn_after=job.warn_after_seconds):
            outcome = run_bot(run)
    except BotSkipped as exc:
        return execution_finish(execution=execution, status=ExecutionStatus.SKIPPED, error=str(exc),
                                outcome=exc.outcome)
    except AccountPushback as exc:
        # LinkedIn wants a person (or time): brake the whole account before the run is final, so
        # no slot of its other jobs starts a browser meanwhile (scheduler_app/brakes/accounts.py).
        account_pushback(account_id=job.account_id, execution_id=execution.pk, error=exc)
        return execution_finish(execution=execution, status=ExecutionStatus.FAILED, error=str(exc),
                                outcome=exc.outcome)
    except BotError as exc:
        if retryable(exc) and (retried := execution_retry(execution=execution, error=exc)):
            return retried
        return execution_finish(execution=execution, status=ExecutionStatus.FAILED, error=str(exc),
                                outcome=exc.outcome, progress=progress.last())
    except BaseException as exc:
        # Time limits and crashes included: the row must not stay "running".
        logger.exception("execution %s of job %s crashed", execution.pk, job.pk)
        execution_finish(execution=execution, status=ExecutionStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
        if not isinstance(exc, Exception):
            raise
        return execution
    return execution_finish(execution=execution, status=ExecutionStatus.SUCCESS, outcome=outcome,
                            progress=progress.last())


def execution_retry(*, execution: JobExecution, error: BotError) -> JobExecution | None:
    """Queue the next attempt of a transiently failed run when the job allows one; None when it
    does not (no retry left, the next slot first, outside working hours): the caller finishes
    the run failed, and the reason a retry was not made is added to its error."""
    now = utc_now()
    outcome = error.outcome or BotOutcome()
    with transaction.atomic():
        job = _lock_job(execution.job_id)
        stored = JobExecution.objects.filter(pk=execution.pk).values_list("status", "attempt").first()
        if job is None or stored != (ExecutionStatus.RUNNING, execution.attempt):
            # Gone, or no longer this attempt's (given up when its lease ran out): nothing to retry.
            # The caller's finish then leaves the row alone too.
            return None
        plan = retry_plan(job, execution, now)
        if plan.at is None:
            if plan.why_not:
                error.args = (f"{error} ({plan.why_not})",)
            return None
        # Running to queued: neither is counted (services/counters.py), so no tally.
        execution_requeue(execution, plan=plan, error=str(error), now=now, messages_sent=outcome.messages_sent,
                          profiles_visited=outcome.profiles_visited)
        execution_send(execution, eta=plan.at)
    return execution


def executions_prune(*, now: datetime | None = None, batch_size: int = PRUNE_BATCH,
                     max_batches: int = PRUNE_BATCHES_PER_RUN) -> int:
    """Delete history queued more than EXECUTION_RETENTION_DAYS ago (0 keeps everything), oldest
    first, ``batch_size`` rows per transaction and at most ``max_batches`` transactions per call
    (scheduler_app.tasks.prune_executions, sent by the leading beat; the next call goes on).

    Kept whatever their age: queued and running rows, and each job's newest row (a row goes only
    when a newer row of its job exists; rows tied for newest all stay). The run counters keep the
    pruned runs' counts; the bots' per-contact records (bots/models.py) hold an execution's id,
    not a foreign key, and stay too. Returns the number of rows deleted.
    """
    days = settings.EXECUTION_RETENTION_DAYS
    if days <= 0:
        return 0
    cutoff = (now or utc_now()) - timedelta(days=days)
    newer = JobExecution.objects.filter(job_id=OuterRef("job_id"), queued_at__gt=OuterRef("queued_at"))
    candidates = (
        JobExecution.objects.filter(queued_at__lt=cutoff, status__in=list(FINAL_STATUSES))
        .filter(Exists(newer))
        .order_by("queued_at", "pk")
    )
    deleted = 0
    after: tuple[datetime, UUID] | None = None
    for _ in range(max_batches):
        # Keyset: each batch goes on from the last row the previous one looked at, so rows that
        # stay (a job's newest, rows still open) are walked past once per call, not once a batch.
        window = candidates if after is None else candidates.filter(
            Q(queued_at__gt=after[0]) | Q(queued_at=after[0], pk__gt=after[1])
        )
        batch = list(window.values_list("queued_at", "pk", "job_id")[:batch_size])
        if not batch:
            break
        after = batch[-1][:2]
        with transaction.atomic():
            # The module's lock order: the jobs' rows first (sorted), then their executions; a
            # claim, finish or job delete running meanwhile waits for this batch, never a cycle.
            job_ids = sorted({job_id for _, _, job_id in batch})
            list(ScheduledJob.objects.select_for_update(of=("self",), no_key=True).filter(pk__in=job_ids)
                 .order_by("pk")
                 .values_list("pk", flat=True))
            # The status is checked again. Nothing cascades from an execution; a chained run it
            # started only loses its triggered_by (SET NULL): it stays unique per (job, upstream
            # run), and the upstream run is final, so no finish can start it again.
            count, _ = JobExecution.objects.filter(pk__in=[pk for _, pk, _ in batch],
                                                   status__in=list(FINAL_STATUSES)).delete()
        deleted += count
        if len(batch) < batch_size:
            break
    if deleted:
        logger.info("pruned %d execution(s) queued before %s", deleted, cutoff.isoformat())
    return deleted
