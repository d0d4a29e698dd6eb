"""Account writes: create and change accounts, save their sessions, record what LinkedIn said of
them, and the browser lease that lets one run at a time drive an account, fleet-wide.

Every write validates first and stores nothing invalid: a bad field raises
``AccountValidationError`` naming it (the API turns it into a 400).

The lease is a conditional UPDATE on the account row (take it when free, expired, or already
ours), so it holds across workers and hosts on any database; the run renews it while it drives
Chromium (bots/account_run.py), and a SIGKILLed worker's lease simply runs out
(SCHEDULER_LEASE_SECONDS), which frees the account for the next run.
"""
import json
import zoneinfo
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.timezone import now as utc_now
from django.utils.translation import gettext as _

from bots.audit import audit_change
from bots.crypto import session_encrypt
from bots.models import (
    COOLDOWN_HOURS_MAX,
    COOLDOWN_HOURS_MIN,
    DEFAULT_ACCOUNT_LABEL,
    AccountStatus,
    LinkedInAccount,
)
from bots.pacing import parse_window
from bots.runner import BotError
from bots.selectors import cookie_for_linkedin, linkedin_host
from bots.services import InvalidInput
from bots.services.templates import language_clean

LABEL_MAX = 100
CAP_MAX = 10_000
SESSION_MAX_BYTES = 2_000_000
SESSION_COOKIE = "li_at"
ACCOUNT_FIELDS = ("label", "timezone", "working_hours", "messages_per_day", "messages_per_week", "visits_per_day",
                  "cooldown_hours", "message_language")


def _audit(account: LinkedInAccount, *, actor: object, action: str, before: dict | None, after: dict | None) -> None:
    """The account's audit event, in the caller's transaction (bots/audit.py); its session shows
    only as set or not (``session`` is a secret field to the recorder: never its value)."""
    audit_change(actor=actor, action=action, object_type="account", object_id=account.pk, label=account.label,
                 before=before, after=after)


def _audit_view(account: LinkedInAccount) -> dict[str, Any]:
    return {**{name: getattr(account, name) for name in ACCOUNT_FIELDS},
            "session": account.session_encrypted or None}


class AccountValidationError(Exception):
    """Bad account input; ``errors`` maps each bad field to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


class AccountInUse(Exception):
    """The account still has jobs: it cannot be deleted."""


# --- fields ----------------------------------------------------------------------------------

def _checked_fields(values: dict[str, Any], *, account: LinkedInAccount | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(values) - set(ACCOUNT_FIELDS) - {"storage_state"})
    for name in unknown:
        errors[name] = [_("is not an account field")]
    clean: dict[str, Any] = {}
    if "label" in values or account is None:
        label = values.get("label")
        if not isinstance(label, str) or not label.strip() or len(label) > LABEL_MAX:
            errors["label"] = [_("1..%(max)s characters") % {"max": LABEL_MAX}]
        elif LinkedInAccount.objects.filter(label=label.strip()).exclude(pk=getattr(account, "pk", None)).exists():
            errors["label"] = [_("an account labelled %(label)r exists already") % {"label": label.strip()}]
        else:
            clean["label"] = label.strip()
    if "timezone" in values:
        zone = values["timezone"] or ""
        if not isinstance(zone, str) or (zone and zone not in zoneinfo.available_timezones()):
            errors["timezone"] = [_("%(zone)r is not an IANA time zone name (e.g. Europe/Paris), or empty")
                                  % {"zone": zone}]
        else:
            clean["timezone"] = zone
    if "working_hours" in values:
        window = values["working_hours"] or ""
        try:
            if not isinstance(window, str):
                raise ValueError
            if window.strip():
                parse_window(window)
            clean["working_hours"] = window.strip()
        except (ValueError, BotError):
            errors["working_hours"] = [_("a window like '09:00-19:00' (it may span midnight), or empty")]
    for name in ("messages_per_day", "messages_per_week", "visits_per_day"):
        if name in values:
            value = values[name]
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or not 1 <= value <= CAP_MAX):
                errors[name] = [_("an integer 1..%(max)s, or null for the BOT_* setting") % {"max": CAP_MAX}]
            else:
                clean[name] = value
    if "cooldown_hours" in values:
        value = values["cooldown_hours"]
        in_range = isinstance(value, int) and COOLDOWN_HOURS_MIN <= value <= COOLDOWN_HOURS_MAX
        if isinstance(value, bool) or not in_range:
            errors["cooldown_hours"] = [_("an integer %(min)s..%(max)s")
                                        % {"min": COOLDOWN_HOURS_MIN, "max": COOLDOWN_HOURS_MAX}]
        else:
            clean["cooldown_hours"] = value
    if "message_language" in values:
        language = values["message_language"] or ""
        try:
            if not isinstance(language, str):
                raise InvalidInput("not text")
            clean["message_language"] = language_clean(language) if language.strip() else ""
        except InvalidInput:
            errors["message_language"] = [_("a BCP-47 language tag (fr, en, fr-CA), or empty for fr")]
    session = None
    if values.get("storage_state") not in (None, ""):
        try:
            session = storage_state_parse(values["storage_state"])
        except AccountValidationError as exc:
            errors.update(exc.errors)
    if errors:
        raise AccountValidationError(errors)
    if session is not None:
        clean["storage_state"] = session
    return clean


def storage_state_parse(raw: Any) -> dict[str, Any]:
    """A Playwright storage state as a client sends it (JSON text, bytes or an object), checked:
    an object with a ``cookies`` list whose items name, value and domain, holding a ``li_at``
    cookie for LinkedIn's domain. Raises AccountValidationError on ``storage_state``."""
    def bad(message: str) -> AccountValidationError:
        return AccountValidationError({"storage_state": [message]})

    if isinstance(raw, bytes):
        if len(raw) > SESSION_MAX_BYTES:
            raise bad(_("at most %(count)s bytes") % {"count": SESSION_MAX_BYTES})
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise bad(_("is not UTF-8 text")) from None
    if isinstance(raw, str):
        if len(raw) > SESSION_MAX_BYTES:
            raise bad(_("at most %(count)s bytes") % {"count": SESSION_MAX_BYTES})
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise bad(_("is not JSON (%(error)s)") % {"error": exc}) from None
    if not isinstance(raw, dict):
        raise bad(_("must be a JSON object (a Playwright storage state: {\"cookies\": [...], \"origins\": [...]})"))
    cookies = raw.get("cookies")
    if not isinstance(cookies, list):
        raise bad(_("has no 'cookies' list: not a Playwright storage state"))
    for index, cookie in enumerate(cookies):
        if not isinstance(cookie, dict) or not all(isinstance(cookie.get(k), str) for k in ("name", "value",
                                                                                           "domain")):
            raise bad(_("cookie %(index)s needs string name, value and domain") % {"index": index})
    if not isinstance(raw.get("origins", []), list):
        raise bad(_("'origins' must be a list"))
    session = [c for c in cookies if c["name"] == SESSION_COOKIE and c["value"] and cookie_for_linkedin(c["domain"])]
    if not session:
        raise bad(_("holds no %(cookie)s cookie for %(host)s: log in and save again")
                  % {"cookie": SESSION_COOKIE, "host": linkedin_host() or "linkedin.com"})
    return {"cookies": cookies, "origins": raw.get("origins", [])}


def session_expiry(state: dict[str, Any]) -> datetime | None:
    """When the state's li_at cookie expires (None: a session cookie, or no expiry given)."""
    for cookie in state.get("cookies", []):
        if cookie.get("name") == SESSION_COOKIE:
            expires = cookie.get("expires")
            if isinstance(expires, int | float) and not isinstance(expires, bool) and expires > 0:
                return datetime.fromtimestamp(expires, tz=UTC)
    return None


# --- account rows -----------------------------------------------------------------------------

def account_create(*, data: dict[str, Any], actor: object = None) -> LinkedInAccount:
    """A new account; without a session it is ``needs_reauth`` (no browser starts for it until
    one is saved). Its warm-up starts now."""
    clean = _checked_fields(dict(data), account=None)
    session = clean.pop("storage_state", None)
    now = utc_now()
    try:
        with transaction.atomic():
            account = LinkedInAccount.objects.create(
                **clean, created_at=now, updated_at=now, warmup_started_at=now,
                status=AccountStatus.ACTIVE if session else AccountStatus.NEEDS_REAUTH,
                status_reason="" if session else "no session saved yet", status_changed_at=now,
            )
            if session:
                _store_session(account, session, now)
            _audit(account, actor=actor, action="create", before=None, after=_audit_view(account))
    except IntegrityError:
        taken = f"an account labelled {clean.get('label')!r} exists already"
        raise AccountValidationError({"label": [taken]}) from None
    return account


def account_default_ensure() -> LinkedInAccount | None:
    """The account a job written without one goes to (bots.selectors.account_default); when no
    account exists at all, the ``default`` account is made for it, with no stored session (so it
    reads LINKEDIN_STORAGE_STATE, as every run did before accounts) and, like the one the migration
    makes, warmed up: it stands for the account people used before accounts existed."""
    from bots.selectors import account_default

    found = account_default()
    if found is None and not LinkedInAccount.objects.exists():
        now = utc_now()
        found, _ = LinkedInAccount.objects.get_or_create(
            label=DEFAULT_ACCOUNT_LABEL,
            defaults={"created_at": now, "updated_at": now, "warmup_started_at": now - timedelta(days=3650)})
    return found


def account_update(*, account: LinkedInAccount, changes: dict[str, Any], actor: object = None
                   ) -> LinkedInAccount:
    """Change an account's settings; its session goes through ``account_session_save`` only."""
    if "storage_state" in changes:
        raise AccountValidationError({"storage_state": ["write it with PUT /accounts/{id}/session"]})
    clean = _checked_fields(dict(changes), account=account)
    with transaction.atomic():
        before = _audit_view(account)
        for name, value in clean.items():
            setattr(account, name, value)
        account.updated_at = utc_now()
        account.save(update_fields=[*clean, "updated_at"])
        _audit(account, actor=actor, action="update", before=before, after=_audit_view(account))
    return account


def account_delete(*, account: LinkedInAccount, actor: object = None) -> None:
    if account.jobs.exists():
        names = ", ".join(account.jobs.order_by("name").values_list("name", flat=True)[:5])
        raise AccountInUse(f"account {account.label!r} still has jobs ({names}); move or delete them first")
    with transaction.atomic():
        _audit(account, actor=actor, action="delete", before=_audit_view(account), after=None)
        account.delete()


def _store_session(account: LinkedInAccount, state: dict[str, Any], now: datetime) -> None:
    account.session_encrypted = session_encrypt(json.dumps(state))
    account.session_saved_at = now
    account.li_at_expires_at = session_expiry(state)
    account.li_at_warned = []
    account.updated_at = now
    account.save(update_fields=["session_encrypted", "session_saved_at", "li_at_expires_at", "li_at_warned",
                                "updated_at"])


def account_session_save(*, account: LinkedInAccount, storage_state: Any, actor: object = None
                         ) -> LinkedInAccount:
    """Store a new session (validated, encrypted). The account's status is left to the probe
    that checks the session loads the feed (scheduler_app/brakes/accounts.py)."""
    state = storage_state_parse(storage_state)
    with transaction.atomic():
        before = {"session": account.session_encrypted or None, "li_at_expires_at": account.li_at_expires_at}
        _store_session(account, state, utc_now())
        _audit(account, actor=actor, action="session_saved", before=before,
               after={"session": account.session_encrypted, "li_at_expires_at": account.li_at_expires_at})
    return account


def account_status_set(*, account_id: UUID | str, status: str, reason: str = "", execution_id=None,
                       cooldown_until: datetime | None = None, restart_warmup_at: datetime | None = None) -> int:
    """Record what LinkedIn said of the account (or that it is fine again)."""
    now = utc_now()
    fields: dict[str, Any] = {"status": status, "status_reason": reason, "status_execution_id": execution_id,
                              "status_changed_at": now, "cooldown_until": cooldown_until, "updated_at": now}
    if restart_warmup_at is not None:
        fields["warmup_started_at"] = restart_warmup_at
    return LinkedInAccount.objects.filter(pk=account_id).update(**fields)


def account_ok(*, account_id: UUID | str) -> None:
    """A run (or a probe) found the session working."""
    LinkedInAccount.objects.filter(pk=account_id).update(last_ok_at=utc_now())


def accounts_cooldown_end(*, now: datetime | None = None) -> list[UUID]:
    """Cool-downs whose time is over: back to active. Returns the accounts moved."""
    now = now or utc_now()
    due = list(LinkedInAccount.objects.filter(status=AccountStatus.COOLING_DOWN, cooldown_until__lte=now)
               .values_list("pk", flat=True))
    if due:
        LinkedInAccount.objects.filter(pk__in=due, status=AccountStatus.COOLING_DOWN, cooldown_until__lte=now).update(
            status=AccountStatus.ACTIVE, status_reason="", status_changed_at=now, updated_at=now)
    return due


def account_expiry_warned(*, account_id, days: int) -> bool:
    """Note that the ``days``-before warning went out for the current session; False when it
    had already (so a warning goes once per session and threshold)."""
    with transaction.atomic():
        account = LinkedInAccount.objects.select_for_update().filter(pk=account_id).first()
        if account is None or str(days) in account.li_at_warned:
            return False
        account.li_at_warned = [*account.li_at_warned, str(days)]
        account.save(update_fields=["li_at_warned"])
    return True


# --- the browser lease ------------------------------------------------------------------------

def account_browser_acquire(*, account_id, execution_id, job_id, lease_seconds: float, holder: str = "",
                            now: datetime | None = None) -> bool:
    """Take the account's browser for ``execution_id`` when nobody holds it, the holder's lease
    ran out, or it is ours already. One conditional UPDATE: two workers cannot both win."""
    now = now or utc_now()
    return bool(
        LinkedInAccount.objects.filter(pk=account_id)
        .filter(Q(browser_execution_id__isnull=True) | Q(browser_lease_expires_at__lt=now)
                | Q(browser_execution_id=execution_id))
        .update(browser_execution_id=execution_id, browser_job_id=job_id, browser_holder=holder[:300],
                browser_lease_expires_at=now + timedelta(seconds=lease_seconds))
    )


def account_browser_renew(*, account_id, execution_id, lease_seconds: float) -> bool:
    return bool(
        LinkedInAccount.objects.filter(pk=account_id, browser_execution_id=execution_id)
        .update(browser_lease_expires_at=utc_now() + timedelta(seconds=lease_seconds))
    )


def account_browser_release(*, account_id, execution_id) -> bool:
    return bool(
        LinkedInAccount.objects.filter(pk=account_id, browser_execution_id=execution_id)
        .update(browser_execution_id=None, browser_job_id=None, browser_holder="", browser_lease_expires_at=None)
    )
