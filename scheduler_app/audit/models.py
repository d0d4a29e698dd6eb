"""Audit events: append-only rows, written only by scheduler_app.audit.services.

An event is never changed once written: ``save`` of a stored row, ``delete`` of a row and
``update`` / ``delete`` of a queryset raise ``AuditImmutable``. The only way rows leave is the
retention prune (``AuditEventQuerySet.prune``, called by ``services.audit_prune``).
"""
import uuid

from django.db import models
from django.utils.timezone import now as utc_now
from django.utils.translation import gettext_lazy as _


class AuditImmutable(Exception):
    """An attempt to change or delete an audit event (they are append-only)."""


class AuditSource(models.TextChoices):
    API = "api", _("API")
    DASHBOARD = "dashboard", _("Dashboard")
    ADMIN = "admin", _("Admin")
    CLI = "cli", _("Command line")
    SYSTEM = "system", _("System")


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditImmutable("audit events cannot be changed")

    def delete(self):
        raise AuditImmutable("audit events cannot be deleted (only the retention prune removes them)")

    def prune(self) -> int:
        """Delete these rows: for the retention prune only."""
        count, _ = models.QuerySet.delete(self)
        return count


class AuditEvent(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The event's time (named as the keyset pager, scheduler_app.paging, expects).
    created_at = models.DateTimeField(default=utc_now)
    # A user name, an API key's name, or "system".
    actor = models.CharField(max_length=200)
    source = models.CharField(max_length=16, choices=AuditSource.choices)
    # create, update, delete, toggle, pause, resume, run_now, key_created, session_saved, ...
    action = models.CharField(max_length=32)
    object_type = models.CharField(max_length=32)
    object_id = models.CharField(max_length=64, blank=True, default="")
    object_label = models.CharField(max_length=200, blank=True, default="")
    # The job the event is about (its own change, its pause, its run), kept after the job is
    # deleted: not a foreign key.
    job_id = models.UUIDField(null=True, blank=True)
    # {field: {"old": ..., "new": ...}}, secrets redacted.
    changes = models.JSONField(default=dict, blank=True)
    note = models.CharField(max_length=500, blank=True, default="")
    request_id = models.CharField(max_length=64, blank=True, default="")
    client_address = models.CharField(max_length=64, blank=True, default="")

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit event")
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="audit_newest_first"),
            models.Index(fields=["job_id", "-created_at"], name="audit_job_newest_first"),
            models.Index(fields=["actor", "-created_at"], name="audit_actor_newest_first"),
            # The retention prune walks events oldest first.
            models.Index(fields=["created_at"], name="audit_created_at"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(source__in=AuditSource.values), name="audit_source_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor} {self.action} {self.object_type} {self.object_label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditImmutable("audit events cannot be changed")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditImmutable("audit events cannot be deleted (only the retention prune removes them)")
