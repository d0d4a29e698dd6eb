"""The bots' door to the audit trail. Account and template writes report each change here, inside
their own transaction; the scheduler plugs its recorder in when it starts
(scheduler_app/apps.py: ``scheduler_app.audit``), so the bots never import the scheduler and a
change and its event still commit together. A write with no recorder plugged in is refused:
a change without its event must not exist.

``actor`` is passed through as the caller gave it: the scheduler's own ``Actor``, or an
``ActorRef`` the bots' own interfaces (their admin, their commands) make.
"""
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ActorRef:
    """Who acts, as the bots' own interfaces know it: ``source`` (``admin``, ``cli``) and, for a
    web interface, its request (the recorder reads the user, request id and address off it)."""

    source: str
    request: Any = None


_recorder: Callable[..., Any] | None = None


def audit_recorder_set(recorder: Callable[..., Any] | None) -> None:
    global _recorder
    _recorder = recorder


def audit_change(*, actor: object = None, action: str, object_type: str, object_id: Any = "", label: str = "",
                 before: dict | None = None, after: dict | None = None, changes: dict | None = None) -> None:
    """Record one change, in the caller's transaction (the recorder refuses to run outside one)."""
    if _recorder is None:
        raise RuntimeError("no audit recorder: the scheduler app must be installed for the bots' writes")
    _recorder(actor=actor, action=action, object_type=object_type, object_id=object_id, label=label, before=before,
              after=after, changes=changes)
