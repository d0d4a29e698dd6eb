"""Scheduled jobs and their execution history (docs/contract.md "Job" and "Execution").

Rows are written only by ``scheduler_app.services``; these classes hold shape and the
database-level guarantees (the once-per-slot constraint above all), not behaviour.
"""
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.timezone import now as utc_now
from django.utils.translation import gettext_lazy as _

from scheduler_app.spec import (
    DEFAULT_JITTER_SECONDS,
    DEFAULT_MAX_INSTANCES,
    DEFAULT_MISFIRE_GRACE_TIME,
    DEFAULT_RETRY_BACKOFF_MAX_SECONDS,
    DEFAULT_RETRY_BACKOFF_SECONDS,
    MAX_JITTER_SECONDS,
    MAX_MAX_RUN_SECONDS,
    MAX_RETRY_MAX,
    MIN_MAX_RUN_SECONDS,
)


class BotType(models.TextChoices):
    BIRTHDAY = "birthday", _("Birthday bot")
    VISITOR = "visitor", _("Visitor bot")


class ScheduleType(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    INTERVAL = "interval", _("Interval")
    CRON = "cron", _("Cron")
    MANUAL = "manual", _("Manual")


class ExecutionStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCESS = "success", _("Success")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")
    MISSED = "missed", _("Missed")
    CANCELLED = "cancelled", _("Cancelled")


FINAL_STATUSES = frozenset(
    {
        ExecutionStatus.SUCCESS,
        ExecutionStatus.FAILED,
        ExecutionStatus.SKIPPED,
        ExecutionStatus.MISSED,
        ExecutionStatus.CANCELLED,
    }
)


class Trigger(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    MANUAL = "manual", _("Manual")
    # Started by the final run of an upstream job (JobLink); keyed on that run (triggered_by).
    CHAINED = "chained", _("After another job")


class ChainWhen(models.TextChoices):
    SUCCESS = "success", _("After a successful run")
    COMPLETION = "completion", _("After any final run")


def default_timezone() -> str:
    return settings.TIME_ZONE


class ScheduledJob(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    description = models.CharField(max_length=500, null=True, blank=True)
    bot_type = models.CharField(max_length=16, choices=BotType.choices)
    # The LinkedIn account the bot acts on (bots/models.py): its session, quotas and brakes.
    account = models.ForeignKey("bots.LinkedInAccount", on_delete=models.PROTECT, related_name="jobs")
    enabled = models.BooleanField(default=True)
    schedule_type = models.CharField(max_length=16, choices=ScheduleType.choices)
    schedule_config = models.JSONField(default=dict, blank=True)
    bot_config = models.JSONField(default=dict, blank=True)
    timezone = models.CharField(max_length=64, default=default_timezone, help_text=_("IANA name, e.g. Europe/Paris"))
    max_instances = models.PositiveIntegerField(default=DEFAULT_MAX_INSTANCES)
    misfire_grace_time = models.PositiveIntegerField(default=DEFAULT_MISFIRE_GRACE_TIME)
    coalesce = models.BooleanField(default=True)
    # Seconds each slot's fire time may be delayed by (scheduler_app/jitter.py); the slot itself,
    # scheduled_for, stays the nominal time.
    jitter_seconds = models.PositiveIntegerField(default=DEFAULT_JITTER_SECONDS)
    # Retries of a transient failure (scheduler_app/services/retries.py): further attempts of the
    # same row, never past the next slot.
    # Database defaults too (db_default), as for every column added since: a writer that does not
    # know the column yet (a worker of the previous release during an upgrade, a raw INSERT)
    # still writes a valid row.
    retry_max = models.PositiveSmallIntegerField(default=0, db_default=0)
    retry_backoff_seconds = models.PositiveIntegerField(default=DEFAULT_RETRY_BACKOFF_SECONDS,
                                                        db_default=DEFAULT_RETRY_BACKOFF_SECONDS)
    retry_backoff_max_seconds = models.PositiveIntegerField(default=DEFAULT_RETRY_BACKOFF_MAX_SECONDS,
                                                            db_default=DEFAULT_RETRY_BACKOFF_MAX_SECONDS)
    retry_jitter = models.BooleanField(default=True, db_default=True)
    # The run's time limit; null: the bot type's default (settings.BOT_MAX_RUN_SECONDS).
    max_run_seconds = models.PositiveIntegerField(null=True, blank=True)
    # A run still going after this long raises one long_running event; null: never.
    warn_after_seconds = models.PositiveIntegerField(null=True, blank=True)
    # Jobs whose final runs each start one run of this one (JobLink), and which of them count.
    run_after = models.ManyToManyField("self", symmetrical=False, through="JobLink",
                                       through_fields=("downstream", "upstream"), related_name="run_before",
                                       blank=True)
    run_after_when = models.CharField(max_length=16, choices=ChainWhen.choices, default=ChainWhen.SUCCESS,
                                      db_default=ChainWhen.SUCCESS)
    created_at = models.DateTimeField(default=utc_now, editable=False)
    updated_at = models.DateTimeField(default=utc_now)
    created_by = models.CharField(max_length=200, default="system")
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_run_status = models.CharField(max_length=16, choices=ExecutionStatus.choices, null=True, blank=True)
    last_run_error = models.TextField(null=True, blank=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    # The slot (or, for a manual run, the start) of the newest successful run: the dead-man's
    # switch (scheduler_app/notify/watch.py) measures silence from it.
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When this job counts as silent if nothing succeeds before: the first slot after the last
    # success (or after the schedule was last changed) plus misfire_grace_time. Null means "to
    # be computed" (a schedule change clears it); the watchdog reads the due ones by this index.
    silent_after = models.DateTimeField(null=True, blank=True, editable=False)
    # The django-celery-beat row that makes beat fire this job; written only by scheduler_app.sync.
    periodic_task = models.OneToOneField(
        "django_celery_beat.PeriodicTask",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="scheduled_job",
        editable=False,
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["-created_at"], name="job_newest_first"),
            # Keyset paging of the job list (scheduler_app.selectors.job_page): its exact order.
            models.Index(fields=["-created_at", "-id"], name="job_page_order"),
            models.Index(fields=["bot_type", "enabled"], name="job_bot_type_enabled"),
            models.Index(fields=["silent_after"], name="job_silent_after"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(max_instances__gte=1), name="job_max_instances_gte_1"),
            models.CheckConstraint(condition=Q(misfire_grace_time__gte=1), name="job_misfire_grace_gte_1"),
            models.CheckConstraint(condition=Q(jitter_seconds__lte=MAX_JITTER_SECONDS), name="job_jitter_in_range"),
            models.CheckConstraint(condition=Q(bot_type__in=BotType.values), name="job_bot_type_valid"),
            models.CheckConstraint(condition=Q(schedule_type__in=ScheduleType.values), name="job_schedule_type_valid"),
            models.CheckConstraint(condition=Q(retry_max__lte=MAX_RETRY_MAX), name="job_retry_max_in_range"),
            models.CheckConstraint(
                condition=Q(max_run_seconds__isnull=True)
                | Q(max_run_seconds__gte=MIN_MAX_RUN_SECONDS, max_run_seconds__lte=MAX_MAX_RUN_SECONDS),
                name="job_max_run_seconds_in_range"),
            models.CheckConstraint(condition=Q(run_after_when__in=ChainWhen.values), name="job_run_after_when_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class JobLink(models.Model):
    """``downstream`` runs once after each final run of ``upstream`` that matches the
    downstream's ``run_after_when`` (scheduler_app/services/chains.py)."""

    id = models.BigAutoField(primary_key=True)
    upstream = models.ForeignKey(ScheduledJob, on_delete=models.CASCADE, related_name="downstream_links")
    downstream = models.ForeignKey(ScheduledJob, on_delete=models.CASCADE, related_name="upstream_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["upstream", "downstream"], name="job_link_once"),
            models.CheckConstraint(condition=~Q(upstream=models.F("downstream")), name="job_link_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.upstream_id} -> {self.downstream_id}"


class JobExecution(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    job = models.ForeignKey(ScheduledJob, on_delete=models.CASCADE, related_name="executions")
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    # The nominal fire time beat ran this for; null for manual runs.
    scheduled_for = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField(default=utc_now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=ExecutionStatus.choices, default=ExecutionStatus.QUEUED)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(null=True, blank=True)
    messages_sent = models.PositiveIntegerField(default=0)
    profiles_visited = models.PositiveIntegerField(default=0)
    dry_run = models.BooleanField(default=False)
    # While running: the worker renews this; once it has passed, the run's worker is taken as lost
    # and the reaper (services.executions.executions_reap) ends the run failed.
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # Retries (scheduler_app/services/retries.py): this row's attempt number, the earlier
    # attempts' times, status, reason and counts, and when the next attempt is due while one is.
    attempt = models.PositiveSmallIntegerField(default=1, db_default=1)
    attempts = models.JSONField(default=list, blank=True, null=True)  # null: a row written without it
    retry_at = models.DateTimeField(null=True, blank=True)
    # While running: what the bot is doing now and its counts so far (bots report it, the lease
    # keeper writes it); kept as the last step once the run ends.
    progress = models.JSONField(null=True, blank=True)
    # The long_running event went out for this run (once).
    warned_at = models.DateTimeField(null=True, blank=True)
    # A chained run: the upstream run that started it; unique per downstream job, so a
    # redelivered finish or two workers cannot start it twice.
    triggered_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="chained_runs")

    class Meta:
        ordering = ["-queued_at"]
        indexes = [
            models.Index(fields=["job", "-queued_at"], name="execution_job_history"),
            models.Index(fields=["job", "status"], name="execution_job_status"),
            models.Index(fields=["status", "lease_expires_at"], name="execution_status_lease"),
            # The retention prune walks history oldest first (services.executions.executions_prune).
            models.Index(fields=["queued_at"], name="execution_queued_at"),
            # Runs not finished yet, which the counters below do not hold: /stats reads them live.
            models.Index(fields=["queued_at"], condition=Q(status__in=["queued", "running"]),
                         name="execution_in_flight"),
        ]
        constraints = [
            # docs/contract.md "Semantics": one execution per (job, scheduled_for). Two beats, a redelivered
            # message or a retried task all collide here instead of running a slot twice.
            models.UniqueConstraint(
                fields=["job", "scheduled_for"],
                condition=Q(scheduled_for__isnull=False),
                name="execution_once_per_slot",
            ),
            models.UniqueConstraint(
                fields=["job", "triggered_by"],
                condition=Q(triggered_by__isnull=False),
                name="execution_once_per_trigger",
            ),
            models.CheckConstraint(condition=Q(status__in=ExecutionStatus.values), name="execution_status_valid"),
            models.CheckConstraint(
                condition=Q(trigger__in=["manual", "chained"], scheduled_for__isnull=True)
                | Q(trigger="scheduled", scheduled_for__isnull=False),
                name="execution_slot_matches_trigger",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.job_id} {self.trigger} {self.status}"


class ExecutionDayCount(models.Model):
    """Finished runs of one job queued on one calendar day (settings.TIME_ZONE), by final status,
    with the messages sent and profiles visited they recorded.

    Written by ``scheduler_app.services.counters`` in the same transaction as every move of an
    execution into (or between) final statuses, so ``/stats`` reads a few rows per job and day
    instead of grouping the history. Runs still queued or running are not here: they are few
    and read live. The retention prune leaves these rows alone, so counts outlive the history
    they summarise.
    """

    id = models.BigAutoField(primary_key=True)
    job = models.ForeignKey(ScheduledJob, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    status = models.CharField(max_length=16, choices=ExecutionStatus.choices)
    runs = models.BigIntegerField(default=0)
    messages_sent = models.BigIntegerField(default=0)
    profiles_visited = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "day", "status"], name="execution_day_count_once"),
        ]

    def __str__(self) -> str:
        return f"{self.job_id} {self.day} {self.status} {self.runs}"


class FleetDayCount(models.Model):
    """The same counts for the whole fleet, per day and status, spread over a few ``shard`` rows
    (by job id) so concurrent finishes do not all wait on one row; readers add the shards up. A
    shard may hold a negative part (a deleted job's runs are taken off its shard); only sums
    mean anything.
    """

    id = models.BigAutoField(primary_key=True)
    day = models.DateField()
    status = models.CharField(max_length=16, choices=ExecutionStatus.choices)
    shard = models.PositiveSmallIntegerField(default=0)
    runs = models.BigIntegerField(default=0)
    messages_sent = models.BigIntegerField(default=0)
    profiles_visited = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "status", "shard"], name="fleet_day_count_once"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.status} #{self.shard} {self.runs}"


class BeatChange(models.Model):
    """The change feed beat follows: one row per write that matters to beat (schedule, enabled,
    misfire_grace_time, coalesce, jitter, delete), written by ``scheduler_app.sync`` in the job's own
    transaction, so a change and its notice commit together or not at all. Beat reloads only the
    jobs named here (scheduler_app.beat), and prunes rows it no longer needs.
    """

    id = models.BigAutoField(primary_key=True)
    job_id = models.UUIDField()
    at = models.DateTimeField(default=utc_now)

    def __str__(self) -> str:
        return f"{self.id} {self.job_id}"


# Notification rows live with their code (scheduler_app/notify/models.py); importing them here
# registers them with this app.
from scheduler_app.audit.models import AuditEvent  # noqa: E402, F401
from scheduler_app.brakes.models import Blackout, JobPause  # noqa: E402, F401
from scheduler_app.notify.models import (  # noqa: E402, F401
    Incident,
    NotificationChannel,
    NotificationDelivery,
    NotificationRule,
)


class ReadOnlyApiKey(models.Model):
    """Marks a djangorestframework-api-key ``APIKey`` as read-only: it may call every GET of the
    API but nothing that writes or runs (scheduler_app/api/auth.py ``WritesNeedWriteKey``). A key
    without this row is a write key; the bootstrap key (``SCHEDULER_API_KEY``) never has one."""

    api_key = models.OneToOneField(
        "rest_framework_api_key.APIKey", on_delete=models.CASCADE, primary_key=True, related_name="read_only"
    )
    created_at = models.DateTimeField(default=utc_now)

    class Meta:
        verbose_name = _("read-only API key")

    def __str__(self) -> str:
        return f"{self.api_key.name} (read-only)"
