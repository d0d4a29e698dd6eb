"""Notification rows (docs/notifications.md). Written only by ``scheduler_app.notify.services``.

One ``Incident`` per (rule, job, kind) holds the Healthchecks-style flip state, so "one incident,
one alert per channel" is one row moving ok -> failing under the job's lock, and a
``NotificationDelivery`` is unique per (incident, opening, event): a redelivered finish or two
workers cannot alert twice.
"""
import uuid

from django.db import models
from django.db.models import Q
from django.utils.timezone import now as utc_now
from django.utils.translation import gettext_lazy as _


class ChannelKind(models.TextChoices):
    WEBHOOK = "webhook", _("Webhook")
    EMAIL = "email", _("Email")
    NTFY = "ntfy", _("ntfy")
    TELEGRAM = "telegram", _("Telegram")


class Event(models.TextChoices):
    FAILED = "failed", _("A run failed")
    MISSED = "missed", _("A slot was missed")
    NEEDS_ATTENTION = "needs_attention", _("The account needs attention")
    RECOVERED = "recovered", _("Recovered")
    SILENT = "silent", _("No success for a period + grace")
    NO_LEADER = "no_leader", _("No beat leads")
    LONG_RUNNING = "long_running", _("A run takes longer than its warn_after_seconds")
    TEST = "test", _("Test")


class NotificationChannel(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=ChannelKind.choices)
    # Everything but the secret: url, addresses, topic, chat id, smtp host... (notify.configs).
    config = models.JSONField(default=dict, blank=True)
    # Webhook signing secret, Telegram bot token, ntfy token or SMTP password. Never returned.
    secret = models.TextField(blank=True, default="")
    enabled = models.BooleanField(default=True)
    disabled_reason = models.TextField(null=True, blank=True)
    last_notified_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(default=utc_now, editable=False)
    updated_at = models.DateTimeField(default=utc_now)
    created_by = models.CharField(max_length=200, default="system")

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ChannelKind.values), name="channel_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"


class NotificationRule(models.Model):
    """Which events of which jobs go to one channel. Scope: every job (no bot_type, no job), one
    bot type, or one job."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    channel = models.ForeignKey(NotificationChannel, on_delete=models.CASCADE, related_name="rules")
    events = models.JSONField(default=list)
    bot_type = models.CharField(max_length=16, null=True, blank=True)
    job = models.ForeignKey("scheduler_app.ScheduledJob", null=True, blank=True, on_delete=models.CASCADE,
                            related_name="notification_rules")
    min_consecutive_failures = models.PositiveSmallIntegerField(default=1)
    realert_every_seconds = models.PositiveIntegerField(null=True, blank=True)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=utc_now, editable=False)
    updated_at = models.DateTimeField(default=utc_now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(min_consecutive_failures__gte=1, min_consecutive_failures__lte=20),
                                   name="rule_min_failures_1_20"),
            models.CheckConstraint(condition=Q(realert_every_seconds__isnull=True)
                                   | Q(realert_every_seconds__gte=3600), name="rule_realert_gte_1h"),
            models.CheckConstraint(condition=Q(bot_type__isnull=True) | Q(job__isnull=True),
                                   name="rule_one_scope"),
        ]

    def __str__(self) -> str:
        return f"{','.join(self.events)} -> {self.channel_id}"


class IncidentKind(models.TextChoices):
    FAILING = "failing", _("Runs failing")
    SILENT = "silent", _("No success")
    NO_LEADER = "no_leader", _("No beat leads")
    ATTENTION = "attention", _("The account needs attention")


class IncidentState(models.TextChoices):
    OK = "ok", _("OK")
    FAILING = "failing", _("Failing")


class Incident(models.Model):
    """The flip state of one (rule, job, kind); ``job`` is null for the fleet-wide no_leader.
    ``opened`` counts the openings, so each opening's alert has its own dedupe key."""

    id = models.BigAutoField(primary_key=True)
    rule = models.ForeignKey(NotificationRule, on_delete=models.CASCADE, related_name="incidents")
    job = models.ForeignKey("scheduler_app.ScheduledJob", null=True, blank=True, on_delete=models.CASCADE,
                            related_name="incidents")
    kind = models.CharField(max_length=16, choices=IncidentKind.choices)
    state = models.CharField(max_length=16, choices=IncidentState.choices, default=IncidentState.OK)
    consecutive_failures = models.PositiveIntegerField(default=0)
    opened = models.PositiveIntegerField(default=0)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    last_alert_at = models.DateTimeField(null=True, blank=True)
    # no_leader: when the watchdog first saw no leader (the alert waits NO_LEADER_AFTER_SECONDS).
    suspect_since = models.DateTimeField(null=True, blank=True)
    execution = models.ForeignKey("scheduler_app.JobExecution", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    reason = models.TextField(null=True, blank=True)
    updated_at = models.DateTimeField(default=utc_now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "job", "kind"], condition=Q(job__isnull=False),
                                    name="incident_once_per_rule_job_kind"),
            models.UniqueConstraint(fields=["rule", "kind"], condition=Q(job__isnull=True),
                                    name="incident_once_per_rule_fleet_kind"),
            models.CheckConstraint(condition=Q(state__in=IncidentState.values), name="incident_state_valid"),
        ]
        indexes = [models.Index(fields=["state"], name="incident_state")]

    def __str__(self) -> str:
        return f"{self.kind} {self.job_id} {self.state}"


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class NotificationDelivery(models.Model):
    """One event for one channel and its chain of attempts. ``id`` is the X-Scheduler-Delivery
    header a receiver deduplicates on; ``dedupe_key`` makes the same alert impossible to queue twice."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    channel = models.ForeignKey(NotificationChannel, on_delete=models.CASCADE, related_name="deliveries")
    rule = models.ForeignKey(NotificationRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    event = models.CharField(max_length=32, choices=Event.choices)
    job = models.ForeignKey("scheduler_app.ScheduledJob", null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="+")
    execution = models.ForeignKey("scheduler_app.JobExecution", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=utc_now)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(null=True, blank=True)
    attempt_log = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=utc_now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["job", "-created_at"], name="delivery_job_newest"),
            models.Index(fields=["-created_at"], name="delivery_newest"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=DeliveryStatus.values), name="delivery_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.event} -> {self.channel_id} {self.status}"
