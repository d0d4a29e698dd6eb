"""The dashboard's side of the audit trail: who acts (``dashboard_actor``, the one place a
dashboard write gets its actor) and a job's Changes section on its history page."""
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.http import HttpRequest

from scheduler_app.audit.actors import Actor, request_actor
from scheduler_app.audit.models import AuditEvent, AuditSource
from scheduler_app.audit.selectors import audit_for_job
from scheduler_app.dashboard.display import local

CHANGES_SHOWN = 100
VALUE_MAX = 200


def dashboard_actor(request: HttpRequest, *, note: str | None = None) -> Actor:
    """The signed-in user, source ``dashboard``; ``note`` is the form's ``note`` field when not given."""
    return request_actor(request, source=AuditSource.DASHBOARD,
                         note=request.POST.get("note", "") if note is None else note)


@dataclass(frozen=True)
class ChangeRow:
    at: datetime
    actor: str
    source: str
    action: str
    note: str
    request_id: str
    fields: list[tuple[str, str, str]]  # (field, old, new), values as short text


def _text(value: Any) -> str:
    if value is None:
        return "—"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= VALUE_MAX else text[: VALUE_MAX - 1] + "…"


def change_row(event: AuditEvent, timezone: str) -> ChangeRow:
    fields = [(name, _text(change.get("old")), _text(change.get("new")))
              for name, change in sorted(event.changes.items())]
    return ChangeRow(at=local(event.created_at, timezone), actor=event.actor, source=event.get_source_display(),
                     action=event.action, note=event.note, request_id=event.request_id, fields=fields)


def job_change_rows(*, job_id, timezone: str) -> list[ChangeRow]:
    """The job's audit events, newest first, for its Changes section."""
    return [change_row(event, timezone) for event in audit_for_job(job_id=job_id, limit=CHANGES_SHOWN)]
