"""Job writes: validate first, then write the job and its beat row in one transaction."""
import logging
from typing import Any

from django.db import transaction
from django.utils.timezone import now as utc_now

from config.celery import app as celery_app
from scheduler_app.audit.actors import SYSTEM, Actor
from scheduler_app.audit.services import Action, audit_record
from scheduler_app.audit.snapshots import job_snapshot
from scheduler_app.models import ExecutionStatus, JobExecution, ScheduledJob, Trigger
from scheduler_app.schedules import job_next_run_at
from scheduler_app.selectors import job_interval_anchor
from scheduler_app.services.chains import JobHasDependents, job_dependents, job_links_set
from scheduler_app.services.counters import counts_forgotten
from scheduler_app.services.executions import execution_dry_run, execution_finish, hard_limit_seconds
from scheduler_app.sync import RUN_JOB_TASK, BeatView, beat_view, periodic_task_delete, periodic_task_upsert
from scheduler_app.validation import job_validate

logger = logging.getLogger(__name__)


def _locked(job: ScheduledJob) -> ScheduledJob:
    """The job re-read under a row lock, so concurrent writers of one job take turns.

    ``of=("self",)``: PostgreSQL cannot lock the nullable side of the periodic_task join.
    """
    return ScheduledJob.objects.select_for_update(of=("self",)).select_related("periodic_task").get(pk=job.pk)


def _save_and_sync(job: ScheduledJob, *, before: BeatView | None) -> ScheduledJob:
    now = utc_now()
    job.updated_at = now
    job.save()
    periodic_task_upsert(job, before=before)
    job.next_run_at = job_next_run_at(job, after=now, anchor=job_interval_anchor(job=job))
    updates = {"next_run_at": job.next_run_at}
    if before is None or beat_view(job) != before:
        # A new schedule: the dead-man's switch measures silence from now (notify/watch.py).
        job.silent_after = updates["silent_after"] = None
    ScheduledJob.objects.filter(pk=job.pk).update(**updates)
    return job


def _audit(job: ScheduledJob, *, actor: Actor, action: str, before: dict | None, after: dict | None) -> None:
    audit_record(actor=actor, action=action, object_type="job", object_id=job.pk, label=job.name, job_id=job.pk,
                 before=before, after=after)


def job_create(*, data: dict[str, Any], created_by: str = "system", actor: Actor | None = None) -> ScheduledJob:
    """``actor`` (scheduler_app/audit) is who creates it; without one, ``created_by`` as the system."""
    actor = actor or Actor(name=created_by)
    spec = job_validate(data=data)
    with transaction.atomic():
        job = ScheduledJob(**spec.columns(), created_by=actor.name)
        job.created_at = utc_now()
        job = _save_and_sync(job, before=None)
        job_links_set(job=job, upstream_ids=spec.run_after)
        _audit(job, actor=actor, action=Action.CREATE, before=None, after=job_snapshot(job))
        return job


def job_update(*, job: ScheduledJob, changes: dict[str, Any], merge_bot_config: bool = False,
               actor: Actor = SYSTEM) -> ScheduledJob:
    """Partial update: only the given fields change; bot_type never does. ``merge_bot_config``
    (PATCH) merges the given bot_config keys into the stored ones (JSON merge patch) instead of
    replacing the whole config (PUT), so a change of one key never turns real sends back on."""
    with transaction.atomic():
        job = _locked(job)
        spec = job_validate(data=changes, job=job, merge_bot_config=merge_bot_config)
        before, old = beat_view(job), job_snapshot(job)
        for name, value in spec.columns().items():
            setattr(job, name, value)
        job = _save_and_sync(job, before=before)
        job_links_set(job=job, upstream_ids=spec.run_after)
        _audit(job, actor=actor, action=Action.UPDATE, before=old, after=job_snapshot(job))
        return job


def job_toggle(*, job: ScheduledJob, enabled: bool | None = None, actor: Actor = SYSTEM) -> ScheduledJob:
    """Set ``enabled``; with no value, flip it."""
    with transaction.atomic():
        job = _locked(job)
        before, was = beat_view(job), job.enabled
        job.enabled = (not job.enabled) if enabled is None else enabled
        job = _save_and_sync(job, before=before)
        _audit(job, actor=actor, action=Action.TOGGLE, before={"enabled": was}, after={"enabled": job.enabled})
        return job


def job_delete(*, job: ScheduledJob, actor: Actor = SYSTEM, force: bool = False) -> None:
    """Delete a job and its history. A job others run after (run_after) raises JobHasDependents
    naming them unless ``force``: then their links to it go with it."""
    with transaction.atomic():
        job = _locked(job)
        if not force and (dependents := job_dependents(job=job)):
            raise JobHasDependents(dependents)
        _audit(job, actor=actor, action=Action.DELETE, before=job_snapshot(job), after=None)
        periodic_task_delete(job)
        with counts_forgotten(job_id=job.pk):
            job.delete()


def job_run_now(*, job: ScheduledJob, dry_run: bool | None = None, actor: Actor = SYSTEM) -> JobExecution:
    """Queue a manual run. The execution exists (queued) before the message is sent, so the
    caller gets its id at once; a broker that refuses the message fails it instead of leaving it
    queued forever.
    """
    with transaction.atomic():
        execution = JobExecution.objects.create(
            job=job, trigger=Trigger.MANUAL, status=ExecutionStatus.QUEUED, dry_run=execution_dry_run(job, dry_run)
        )
        _audit(job, actor=actor, action=Action.RUN_NOW, before=None,
               after={"execution_id": execution.pk, "dry_run": execution.dry_run})
    try:
        celery_app.send_task(RUN_JOB_TASK, kwargs={"job_id": str(job.pk), "execution_id": str(execution.pk)},
                             time_limit=hard_limit_seconds(job.bot_type, job.max_run_seconds))
    except Exception as exc:  # broker down: say so on the execution rather than lose it
        logger.exception("could not queue manual run of job %s", job.pk)
        execution_finish(execution=execution, status=ExecutionStatus.FAILED, error=f"could not queue the run: {exc}")
    execution.refresh_from_db()
    return execution
