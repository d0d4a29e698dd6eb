"""The only writer of audit events.

``audit_record`` runs inside the transaction of the change it records (it refuses to run
outside one), so a change and its event commit together or roll back together: a change without
its event cannot exist. Callers pass the object's writable fields before and after the change
(``None`` before a create, after a delete); only the fields that differ are kept, secrets
redacted: a secret's value never reaches an event, only whether it was set, changed or cleared.
"""
import datetime
import decimal
import enum
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils.timezone import now as utc_now

from scheduler_app.audit.actors import NOTE_MAX, SYSTEM, Actor, actor_of
from scheduler_app.audit.models import AuditEvent

logger = logging.getLogger(__name__)

# Fields whose values are secrets, wherever they appear (top level or nested in a JSON field):
# a notification channel's ``secret`` (webhook signing secret, bot token, ntfy token, SMTP
# password: scheduler_app/notify/configs.py SECRET_NAMES), an account's session
# (``storage_state`` as sent, ``session_encrypted`` as stored), an API key and its hash.
SECRET_FIELDS = frozenset({"secret", "storage_state", "session_encrypted", "session", "hashed_key", "key",
                           "api_key", "token", "password", "smtp_password"})
REDACTED = "[redacted]"
PRUNE_BATCH = 1000
PRUNE_BATCHES_PER_RUN = 20


class Action:
    """The actions the code records (the column takes any short word; these are the known ones)."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    TOGGLE = "toggle"
    PAUSE = "pause"
    RESUME = "resume"
    RUN_NOW = "run_now"
    KEY_CREATED = "key_created"
    KEY_REVOKED = "key_revoked"
    SESSION_SAVED = "session_saved"
    IMPORT = "import"


def _is_secret(name: object) -> bool:
    return isinstance(name, str) and name.lower() in SECRET_FIELDS


def _plain(value: Any) -> Any:
    """``value`` as JSON can hold it: times as ISO text, ids and decimals as text, secrets nested
    in objects redacted."""
    if isinstance(value, Mapping):
        return {str(k): (REDACTED if _is_secret(k) and v not in (None, "") else _plain(v)) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(item) for item in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def audit_changes(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """``{field: {"old": ..., "new": ...}}`` for each field whose value differs; a secret field
    shows ``[redacted]`` for a value that is set and null/"" for one that is not."""
    before, after = before or {}, after or {}
    changes: dict[str, dict[str, Any]] = {}
    for name in [*before, *(name for name in after if name not in before)]:
        raw_old, raw_new = before.get(name), after.get(name)
        # Compared before redaction: a secret (or a secret nested in a config) that changed is a
        # change, shown as [redacted] on both sides.
        if raw_old == raw_new:
            continue
        if _is_secret(name):
            changes[str(name)] = {"old": REDACTED if raw_old not in (None, "") else raw_old,
                                  "new": REDACTED if raw_new not in (None, "") else raw_new}
        else:
            changes[str(name)] = {"old": _plain(raw_old), "new": _plain(raw_new)}
    return changes


def audit_record(*, actor: Actor = SYSTEM, action: str, object_type: str, object_id: Any = "", label: str = "",
                 before: Mapping[str, Any] | None = None, after: Mapping[str, Any] | None = None,
                 changes: Mapping[str, Mapping[str, Any]] | None = None, job_id: Any = None,
                 note: str | None = None) -> AuditEvent:
    """Record one change, in the caller's transaction.

    ``before`` / ``after``: the object's fields before and after (``None`` before a create and
    after a delete); the event keeps those that differ (``audit_changes``). ``changes`` instead
    gives them ready-made (``{field: {"old", "new"}}``; redacted here too). ``job_id``: the job the
    event concerns, for ``GET /audit?job_id=`` and the job's Changes tab. ``note`` defaults to
    the actor's.

    Raises RuntimeError outside a transaction: an event written on its own could outlive a
    change that then failed, or a change could commit without its event.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change it records")
    if changes is not None:
        recorded = {str(name): {"old": _redacted(name, change.get("old")), "new": _redacted(name, change.get("new"))}
                    for name, change in changes.items()}
    else:
        recorded = audit_changes(before, after)
    return AuditEvent.objects.create(
        created_at=utc_now(), actor=(actor.name or "system")[:200], source=actor.source, action=action[:32],
        object_type=object_type[:32], object_id=str(object_id or "")[:64], object_label=str(label or "")[:200],
        job_id=job_id, changes=recorded, note=(actor.note if note is None else note or "")[:NOTE_MAX],
        request_id=actor.request_id[:64], client_address=actor.address[:64],
    )


@dataclass(frozen=True)
class AuditEntry:
    """One object's part of a change that touches many at once (the holiday button)."""

    object_id: Any
    label: str = ""
    job_id: Any = None
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None


def audit_record_many(*, actor: Actor = SYSTEM, action: str, object_type: str, entries: list[AuditEntry],
                      note: str | None = None) -> int:
    """``audit_record`` for many objects of one change, written in batches; same rules."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record_many must run inside the transaction of the change it records")
    now = utc_now()
    rows = [AuditEvent(created_at=now, actor=(actor.name or "system")[:200], source=actor.source, action=action[:32],
                       object_type=object_type[:32], object_id=str(entry.object_id or "")[:64],
                       object_label=str(entry.label or "")[:200], job_id=entry.job_id,
                       changes=audit_changes(entry.before, entry.after),
                       note=(actor.note if note is None else note or "")[:NOTE_MAX],
                       request_id=actor.request_id[:64], client_address=actor.address[:64])
            for entry in entries]
    AuditEvent.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def audit_record_for_bots(*, actor: object, **fields: Any) -> AuditEvent:
    """The recorder the bots report their changes to (bots/audit.py; plugged in by
    scheduler_app/apps.py): ``audit_record`` with the bots' actor read as an ``Actor``."""
    return audit_record(actor=actor_of(actor), **fields)


def _redacted(name: object, value: Any) -> Any:
    if _is_secret(name):
        return REDACTED if value not in (None, "") else value
    return _plain(value)


def audit_prune(*, now: datetime.datetime | None = None, batch_size: int = PRUNE_BATCH,
                max_batches: int = PRUNE_BATCHES_PER_RUN) -> int:
    """Delete events older than AUDIT_RETENTION_DAYS (0 keeps everything), oldest first,
    ``batch_size`` rows per transaction, at most ``max_batches`` per call (the history prune task
    calls it; the next call goes on). The one way an event leaves. Returns the rows deleted."""
    days = settings.AUDIT_RETENTION_DAYS
    if days <= 0:
        return 0
    cutoff = (now or utc_now()) - datetime.timedelta(days=days)
    deleted = 0
    for _ in range(max_batches):
        ids = list(AuditEvent.objects.filter(created_at__lt=cutoff).order_by("created_at", "id")
                   .values_list("pk", flat=True)[:batch_size])
        if not ids:
            break
        with transaction.atomic():
            deleted += AuditEvent.objects.filter(pk__in=ids).prune()
        if len(ids) < batch_size:
            break
    if deleted:
        logger.info("pruned %d audit event(s) older than %s", deleted, cutoff.isoformat())
    return deleted
