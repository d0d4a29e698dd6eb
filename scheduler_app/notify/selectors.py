"""Read queries for notifications; views, the admin and the services read through these."""
from django.db.models import Q, QuerySet

from scheduler_app.notify.models import (
    Incident,
    IncidentState,
    NotificationChannel,
    NotificationDelivery,
    NotificationRule,
)


def rules_for_job(*, job, event: str | None = None, active_only: bool = True) -> list[NotificationRule]:
    """The rules that cover ``job`` (every job, its bot type, or the job itself), optionally only
    those subscribed to ``event``; ``active_only`` keeps enabled rules of enabled channels. The
    event filter runs in Python: ``events`` is a short JSON list, and SQLite and PostgreSQL
    disagree on JSON containment."""
    rules = NotificationRule.objects.select_related("channel").filter(
        (Q(job__isnull=True) & (Q(bot_type__isnull=True) | Q(bot_type=job.bot_type))) | Q(job_id=job.pk)
    )
    if active_only:
        rules = rules.filter(enabled=True, channel__enabled=True)
    return [rule for rule in rules if event is None or event in rule.events]


def rules_for_event(*, event: str) -> list[NotificationRule]:
    """Active rules subscribed to ``event``, whatever their scope."""
    rules = NotificationRule.objects.select_related("channel", "job").filter(enabled=True, channel__enabled=True)
    return [rule for rule in rules if event in rule.events]


def incidents_open() -> QuerySet[Incident]:
    return Incident.objects.filter(state=IncidentState.FAILING).select_related("job", "rule__channel").order_by(
        "-opened_at")


def channels_disabled() -> QuerySet[NotificationChannel]:
    return NotificationChannel.objects.filter(enabled=False).exclude(disabled_reason__isnull=True).exclude(
        disabled_reason="")


def delivery_list(*, job_id=None, status: str | None = None, channel_id=None,
                  limit: int = 50) -> QuerySet[NotificationDelivery]:
    deliveries = NotificationDelivery.objects.select_related("channel").order_by("-created_at")
    if job_id is not None:
        deliveries = deliveries.filter(job_id=job_id)
    if status:
        deliveries = deliveries.filter(status=status)
    if channel_id is not None:
        deliveries = deliveries.filter(channel_id=channel_id)
    return deliveries[:limit]


def channel_list() -> QuerySet[NotificationChannel]:
    return NotificationChannel.objects.order_by("name", "id")


def channel_get(*, channel_id) -> NotificationChannel | None:
    return NotificationChannel.objects.filter(pk=channel_id).first()


def rule_list(*, channel_id=None, job_id=None) -> QuerySet[NotificationRule]:
    """Rules oldest first; ``job_id`` keeps the rules scoped to that one job (``rules_for_job``
    answers which rules cover a job)."""
    rules = NotificationRule.objects.select_related("channel").order_by("created_at", "id")
    if channel_id is not None:
        rules = rules.filter(channel_id=channel_id)
    if job_id is not None:
        rules = rules.filter(job_id=job_id)
    return rules


def rule_get(*, rule_id) -> NotificationRule | None:
    return NotificationRule.objects.select_related("channel").filter(pk=rule_id).first()
