"""Pause and blackout rows; written only by scheduler_app.brakes.services."""
import uuid

from django.db import models
from django.db.models import Q
from django.utils.timezone import now as utc_now
from django.utils.translation import gettext_lazy as _

USER_CAUSE = "user"


class PauseKind(models.TextChoices):
    USER = "user", _("User")
    SYSTEM = "system", _("System")


class JobPause(models.Model):
    """One reason a job is paused. A user pause has the cause ``user``; a system pause names its
    cause (``needs_reauth``, ``cooling_down``, ...), so the code that set it can lift exactly it.

    A lifted pause is kept (``lifted_at``) for a while rather than deleted: a slot whose nominal
    time fell before the lift but whose message is claimed after it (a late worker, beat's
    catch-up after downtime) is still refused, which is what makes "resume fires no backlog" hold.
    """

    id = models.BigAutoField(primary_key=True)
    job = models.ForeignKey("scheduler_app.ScheduledJob", on_delete=models.CASCADE, related_name="pauses")
    kind = models.CharField(max_length=8, choices=PauseKind.choices)
    cause = models.CharField(max_length=64)
    note = models.CharField(max_length=500, blank=True, default="")
    until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=utc_now)
    created_by = models.CharField(max_length=200, default="system")
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["job", "lifted_at"], name="pause_job_lifted")]
        constraints = [
            # At most one standing pause per cause: pausing again changes it, never stacks a second.
            models.UniqueConstraint(fields=["job", "cause"], condition=Q(lifted_at__isnull=True),
                                    name="pause_once_per_cause"),
            models.CheckConstraint(condition=Q(kind__in=PauseKind.values), name="pause_kind_valid"),
            models.CheckConstraint(condition=~Q(kind="user") | Q(cause=USER_CAUSE), name="pause_user_cause"),
        ]

    def __str__(self) -> str:
        return f"{self.job_id} {self.kind} {self.cause}"


class BlackoutScope(models.TextChoices):
    ALL = "all", _("All jobs")
    BOT_TYPE = "bot_type", _("One bot type")
    JOBS = "jobs", _("Listed jobs")
    ACCOUNT = "account", _("One LinkedIn account")


class Blackout(models.Model):
    """A window of local wall-clock time (in each job's own zone) in which slots do not run, once
    or every year, and/or the public holidays of ``country``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    start_date = models.DateField(null=True, blank=True)
    start_time = models.TimeField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)
    yearly = models.BooleanField(default=False)
    country = models.CharField(max_length=8, blank=True, default="")
    scope = models.CharField(max_length=16, choices=BlackoutScope.choices, default=BlackoutScope.ALL)
    bot_type = models.CharField(max_length=16, blank=True, default="")
    account = models.ForeignKey("bots.LinkedInAccount", on_delete=models.CASCADE, null=True, blank=True,
                                related_name="blackouts")
    jobs = models.ManyToManyField("scheduler_app.ScheduledJob", blank=True, related_name="blackouts")
    created_at = models.DateTimeField(default=utc_now)
    created_by = models.CharField(max_length=200, default="system")

    class Meta:
        ordering = ["name", "created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(scope__in=BlackoutScope.values), name="blackout_scope_valid"),
        ]

    def __str__(self) -> str:
        return self.name
