"""The audit trail in the admin: read-only (no add, change or delete), and ``admin_actor``, the
one place an admin write gets its actor."""
from django.contrib import admin

from scheduler_app.admin_readonly import ReadOnlyAdmin
from scheduler_app.audit.actors import Actor, request_actor
from scheduler_app.audit.models import AuditEvent, AuditSource


def admin_actor(request) -> Actor:
    """The signed-in staff user, source ``admin``."""
    return request_actor(request, source=AuditSource.ADMIN)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor", "source", "action", "object_type", "object_label", "note")
    list_filter = ("source", "action", "object_type")
    search_fields = ("actor", "object_label", "object_id", "note", "request_id")
    ordering = ("-created_at", "-id")
    readonly_fields = ("id", "created_at", "actor", "source", "action", "object_type", "object_id", "object_label",
                       "job_id", "changes", "note", "request_id", "client_address")
    fields = readonly_fields
