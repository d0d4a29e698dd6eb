"""Celery tasks: thin shells over the execution service."""
import logging

from celery import shared_task
from django.utils.dateparse import parse_datetime

from scheduler_app.audit.services import audit_prune
from scheduler_app.brakes.accounts import account_probe
from scheduler_app.notify.services.deliveries import delivery_run
from scheduler_app.services.executions import execution_run, executions_prune, executions_reap

logger = logging.getLogger(__name__)


@shared_task(name="scheduler_app.tasks.run_job", ignore_result=True)
def run_job(job_id: str, scheduled_for: str | None = None, execution_id: str | None = None) -> str | None:
    """Run one job once: for the slot beat fired (``scheduled_for``, ISO 8601) or for a queued
    manual execution (``execution_id``)."""
    if not scheduled_for and not execution_id:
        logger.error("run_job for job %s carries neither a slot nor an execution; ignored", job_id)
        return None
    slot = parse_datetime(scheduled_for) if scheduled_for else None
    if scheduled_for and (slot is None or slot.tzinfo is None):
        logger.error("run_job for job %s carries an unreadable slot %r; ignored", job_id, scheduled_for)
        return None
    execution = execution_run(job_id=job_id, scheduled_for=slot, execution_id=execution_id)
    return str(execution.pk) if execution else None


@shared_task(name="scheduler_app.tasks.reap_executions", ignore_result=True)
def reap_executions() -> int:
    """End runs whose worker was lost (expired lease) or whose message never arrived; the leading
    beat sends this every SCHEDULER_REAP_EVERY_SECONDS (scheduler_app.beat)."""
    return executions_reap()


@shared_task(name="scheduler_app.tasks.prune_executions", ignore_result=True)
def prune_executions() -> int:
    """Delete history older than EXECUTION_RETENTION_DAYS and audit events older than
    AUDIT_RETENTION_DAYS, a few small batches each per run; the leading beat sends this every
    EXECUTION_PRUNE_EVERY_SECONDS (scheduler_app.beat)."""
    return executions_prune() + audit_prune()


@shared_task(name="scheduler_app.tasks.notify_deliver", ignore_result=True)
def notify_deliver(delivery_id: str) -> None:
    """One attempt of a notification delivery, and the message for the next one if it must be
    retried (scheduler_app/notify/services/deliveries.py)."""
    delivery_run(delivery_id=delivery_id)


@shared_task(name="scheduler_app.tasks.probe_account", ignore_result=True)
def probe_account(account_id: str) -> str:
    """Check a newly saved session on LinkedIn's feed and lift the account's needs_reauth pauses
    when it works (scheduler_app/brakes/accounts.py)."""
    return account_probe(account_id=account_id)
