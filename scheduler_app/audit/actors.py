"""Who makes a change, and from where: the ``Actor`` every write service takes as ``actor=``.

Each interface builds its actor in one place: the API (scheduler_app/api/auth.py ``api_actor``),
the dashboard and the admin (``request_actor`` with their source), the management commands
(``cli_actor``). Code that changes things on its own (a pushback pause, a cool-down's end) uses
``SYSTEM``, which is also every service's default.
"""
import getpass
import re
import uuid
from dataclasses import dataclass, replace

from scheduler_app.audit.models import AuditSource

REQUEST_ID_HEADER = "HTTP_X_REQUEST_ID"
REQUEST_ID_MAX = 64
NOTE_MAX = 500
_REQUEST_ID_SHAPE = re.compile(r"^[\w.:/+=@-]{1,64}$")


@dataclass(frozen=True)
class Actor:
    name: str = "system"
    source: str = AuditSource.SYSTEM
    request_id: str = ""
    address: str = ""
    # The user's reason for this change (toggle, pause, delete, run now), kept on its event.
    note: str = ""

    def with_note(self, note: str | None) -> "Actor":
        return replace(self, note=(note or "")[:NOTE_MAX])


SYSTEM = Actor()


def as_actor(actor: "Actor | str | None") -> Actor:
    """An ``Actor``; a bare name (what services took before the audit trail) is that name acting
    as the system; None is the system."""
    if actor is None:
        return SYSTEM
    return actor if isinstance(actor, Actor) else Actor(name=str(actor or "system"))


def _request_id(request) -> str:
    """The client's X-Request-ID when it is a sane token, else one generated for this request
    (kept on the request, so every event of one request carries the same id)."""
    raw = getattr(request, "_request", request)
    known = getattr(raw, "audit_request_id", None)
    if known:
        return known
    given = (raw.META.get(REQUEST_ID_HEADER) or "").strip()
    request_id = given if _REQUEST_ID_SHAPE.match(given) else uuid.uuid4().hex
    raw.audit_request_id = request_id
    return request_id


def request_actor(request, *, source: str, note: str | None = "") -> Actor:
    """The actor of an HTTP request: its user (or API key) name, the request id and the client's
    address (REMOTE_ADDR: what the server saw; a proxy's forwarded header is not trusted here)."""
    user = getattr(request, "user", None)
    name = user.get_username() if user is not None and user.is_authenticated else "anonymous"
    return Actor(name=name or "anonymous", source=source, request_id=_request_id(request),
                 address=(request.META.get("REMOTE_ADDR") or "")[:64], note=(note or "")[:NOTE_MAX])


def cli_actor(note: str | None = "") -> Actor:
    """A management command's actor: "cli:<OS user>"."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (a container's arbitrary uid)
        user = "unknown"
    return Actor(name=f"cli:{user}", source=AuditSource.CLI, request_id=uuid.uuid4().hex, note=(note or "")[:NOTE_MAX])


def actor_of(actor: object) -> Actor:
    """The actor of a change the bots report (bots/audit.py): the scheduler's own ``Actor`` as
    given, a name or None as ``as_actor`` reads them, or the bots' ``ActorRef`` (a source and,
    from a web interface, its request)."""
    if actor is None or isinstance(actor, Actor | str):
        return as_actor(actor)
    source, request = getattr(actor, "source", None), getattr(actor, "request", None)
    if source in AuditSource.values and request is not None:
        return request_actor(request, source=source)
    if source == AuditSource.CLI:
        return cli_actor()
    raise TypeError(f"not an audit actor: {actor!r}")
