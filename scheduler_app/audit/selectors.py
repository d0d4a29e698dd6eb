"""Reading the audit trail: newest first, keyset-paged like the job list (scheduler_app.paging)."""
from datetime import datetime
from uuid import UUID

from django.db.models import QuerySet

from scheduler_app.audit.models import AuditEvent
from scheduler_app.paging import JOB_PAGE_DEFAULT, Cursor, Page, keyset_page


def audit_list(*, job_id: UUID | str | None = None, since: datetime | None = None,
               actor: str | None = None) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.all()
    if job_id is not None:
        events = events.filter(job_id=job_id)
    if since is not None:
        events = events.filter(created_at__gte=since)
    if actor is not None:
        events = events.filter(actor=actor)
    return events.order_by("-created_at", "-id")


def audit_page(*, job_id: UUID | str | None = None, since: datetime | None = None, actor: str | None = None,
               cursor: Cursor | None = None, limit: int = JOB_PAGE_DEFAULT) -> Page:
    return keyset_page(audit_list(job_id=job_id, since=since, actor=actor), cursor=cursor, limit=limit)


def audit_for_job(*, job_id: UUID | str, limit: int = 200) -> list[AuditEvent]:
    """A job's events, newest first (the dashboard's Changes section)."""
    return list(audit_list(job_id=job_id)[:limit])
