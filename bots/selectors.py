"""Read queries for the bots: accounts and their allowances, what was already sent or visited,
blacklist, templates."""
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlparse

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from bots.crypto import SessionUnreadable, session_decrypt
from bots.models import (
    DEFAULT_ACCOUNT_LABEL,
    MESSAGE_COUNTED_STATUSES,
    VISIT_COUNTED_STATUSES,
    AccountStatus,
    BirthdayMessage,
    BlacklistEntry,
    Contact,
    LinkedInAccount,
    MessageTemplate,
    ProfileVisit,
)
from bots.profiles import name_key

# --- accounts --------------------------------------------------------------------------------


def account_list() -> QuerySet[LinkedInAccount]:
    return LinkedInAccount.objects.order_by("label")


def account_get(*, account_id) -> LinkedInAccount | None:
    try:
        return LinkedInAccount.objects.filter(pk=account_id).first()
    except (ValueError, ValidationError):  # not a UUID
        return None


def account_find(ref) -> LinkedInAccount | None:
    """An account by its id or its label (what a job's ``account`` field and the CLI accept)."""
    if isinstance(ref, LinkedInAccount):
        return ref
    if not isinstance(ref, str) or not ref.strip():
        return None
    found = LinkedInAccount.objects.filter(label=ref).first()
    return found or account_get(account_id=ref.strip())


def account_default() -> LinkedInAccount | None:
    """The account a job written without one goes to: ``default`` when it exists, else the only
    account there is; None when that is ambiguous."""
    found = LinkedInAccount.objects.filter(label=DEFAULT_ACCOUNT_LABEL).first()
    if found is None:
        only = list(LinkedInAccount.objects.all()[:2])
        found = only[0] if len(only) == 1 else None
    return found


def account_for_run(account_id) -> LinkedInAccount:
    """The run's account (``account_id`` None: the default one, for runs made without a job)."""
    from bots.services.accounts import account_default_ensure

    account = account_get(account_id=account_id) if account_id is not None else account_default_ensure()
    if account is None:
        from bots.runner import BotError

        raise BotError(f"the run's LinkedIn account {account_id or DEFAULT_ACCOUNT_LABEL!r} does not exist")
    return account


def linkedin_host() -> str:
    return (urlparse(settings.LINKEDIN_BASE_URL).hostname or "").lower()


def _sent_to_host(domain: str) -> bool:
    domain = domain.lower().lstrip(".")
    host = linkedin_host()
    return bool(domain) and (host == domain or host.endswith("." + domain))


def cookie_for_linkedin(domain: str) -> bool:
    """Whether a cookie of ``domain`` is a LinkedIn session: LinkedIn's own domain, or the host the
    bots act on now (LINKEDIN_BASE_URL: the sandbox)."""
    return _sent_to_host(domain) or domain.lower().lstrip(".").endswith("linkedin.com")


def _for_this_site(state: dict) -> bool:
    """Whether the state's li_at goes to the site the bots act on now."""
    return any(isinstance(c, dict) and c.get("name") == "li_at" and _sent_to_host(str(c.get("domain", "")))
               for c in state.get("cookies", []))


def account_session_state(account: LinkedInAccount) -> dict | None:
    """The account's Playwright storage state, decrypted; None when it has none. The default
    account without a stored session, or whose stored session is for another site than
    LINKEDIN_BASE_URL (a real session while `up` runs on the sandbox), reads
    LINKEDIN_STORAGE_STATE when that file exists, as every run did before accounts."""
    state = None
    if account.session_encrypted:
        try:
            state = json.loads(session_decrypt(account.session_encrypted))
        except (SessionUnreadable, ValueError):
            state = None
    fallback = account.label == DEFAULT_ACCOUNT_LABEL and settings.LINKEDIN_STORAGE_STATE.is_file()
    if state is not None and (not fallback or _for_this_site(state)):
        return state
    if fallback:
        try:
            return json.loads(settings.LINKEDIN_STORAGE_STATE.read_text())
        except (OSError, ValueError):
            return None
    return None


def account_effective_status(account: LinkedInAccount, now: datetime | None = None) -> str:
    """The status a run meets: a cool-down whose time is over counts as active already (the
    watchdog writes it back, bots/services/accounts.py ``accounts_cooldown_end``)."""
    now = now or timezone.now()
    if account.status == AccountStatus.COOLING_DOWN and account.cooldown_until and account.cooldown_until <= now:
        return AccountStatus.ACTIVE
    return account.status


@dataclass(frozen=True)
class Allowance:
    """What an account may still do in its current quota period: ``left`` of ``cap``, the quota's
    name as a person reads it, and when it resets."""

    used: int
    cap: int
    name: str
    resets_at: datetime

    @property
    def left(self) -> int:
        return max(self.cap - self.used, 0)


def warmup_week(account: LinkedInAccount, now: datetime | None = None) -> int | None:
    """The account's warm-up week (1, 2, ...) while its ramp lasts, else None. A ramp that starts
    later (restarted at the end of a cool-down) counts as week 1 until then."""
    now = now or timezone.now()
    week = max((now - account.warmup_started_at).days, 0) // 7 + 1
    ramp = max(len(settings.BOT_WARMUP_MESSAGES), len(settings.BOT_WARMUP_VISITS))
    return week if week <= ramp else None


def _ramped(configured: int, ramp: list[int], week: int | None) -> tuple[int, str]:
    if week is not None and week <= len(ramp) and ramp[week - 1] < configured:
        return ramp[week - 1], f" (warm-up week {week})"
    return configured, ""


def account_message_allowance(account: LinkedInAccount, now: datetime | None = None) -> Allowance:
    """Messages left today and this week (the tighter binds), with the warm-up ramp applied."""
    now = now or timezone.now()
    week = warmup_week(account, now)
    per_day, ramp_note = _ramped(account.messages_per_day or settings.BOT_MESSAGES_PER_DAY,
                                 settings.BOT_WARMUP_MESSAGES, week)
    per_week = account.messages_per_week or settings.BOT_MESSAGES_PER_WEEK
    day, week_begins = day_start(now), week_start(now)
    daily = Allowance(used=messages_counted_since(day, account=account), cap=per_day,
                      name=f"daily quota of {per_day} messages{ramp_note}", resets_at=day + timedelta(days=1))
    weekly = Allowance(used=messages_counted_since(week_begins, account=account), cap=per_week,
                       name=f"weekly quota of {per_week} messages", resets_at=week_begins + timedelta(days=7))
    return weekly if weekly.left < daily.left else daily


def account_visit_allowance(account: LinkedInAccount, now: datetime | None = None) -> Allowance:
    now = now or timezone.now()
    per_day, ramp_note = _ramped(account.visits_per_day or settings.BOT_VISITS_PER_DAY, settings.BOT_WARMUP_VISITS,
                                 warmup_week(account, now))
    day = day_start(now)
    return Allowance(used=visits_counted_since(day, account=account), cap=per_day,
                     name=f"daily quota of {per_day} visits{ramp_note}", resets_at=day + timedelta(days=1))


def accounts_with_jobs_count() -> QuerySet[LinkedInAccount]:
    return LinkedInAccount.objects.annotate(jobs_count=Count("jobs")).order_by("label")


def day_start(now: datetime | None = None) -> datetime:
    """Midnight today in settings.TIME_ZONE: a "day" of quota is a calendar day there."""
    local = timezone.localtime(now or timezone.now())
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def local_today(now: datetime | None = None) -> date:
    """Today's date in settings.TIME_ZONE: the one calendar every job shares, whatever its own timezone.

    Birthday dates are keyed on it ("one message per birthday"), as quotas are on day_start.
    """
    return day_start(now).date()


def week_start(now: datetime | None = None) -> datetime:
    """Monday 00:00 of this week in settings.TIME_ZONE."""
    start = day_start(now)
    return start - timedelta(days=start.weekday())


def blacklist_reason(*, slug: str, name: str, account: LinkedInAccount | None = None) -> str | None:
    """Why this person is blacklisted, or None.

    An entry matches on its slug or on its name, whichever it has: one person reaches the bots
    under several addresses (vanity slug, ``ACoAA...`` member id), so an entry that names them
    holds whichever address a page shows.
    """
    wanted = name_key(name)
    entries = BlacklistEntry.objects.filter(Q(slug=slug) | ~Q(name=""))
    # An entry without an account holds for every account; one with an account, for it only.
    entries = entries.filter(Q(account__isnull=True) | Q(account=account)) if account else entries
    for entry in entries:
        entry_name = name_key(entry.name)
        if entry.slug == slug or (entry_name and entry_name == wanted):
            return f"blacklisted{': ' + entry.reason if entry.reason else ''}"
    return None


def birthday_message_get(*, contact: Contact, birthday: date,
                         account: LinkedInAccount | None = None) -> BirthdayMessage | None:
    account = account or account_for_run(None)
    return BirthdayMessage.objects.filter(account=account, contact=contact, birthday=birthday).first()


def messages_counted_since(since: datetime, *, account: LinkedInAccount | None = None) -> int:
    """Messages that may have reached someone since ``since``: of one account, or of all."""
    rows = BirthdayMessage.objects.filter(status__in=MESSAGE_COUNTED_STATUSES, claimed_at__gte=since)
    return (rows.filter(account=account) if account is not None else rows).count()


def message_quota_left(now: datetime | None = None, *, account: LinkedInAccount | None = None) -> tuple[int, str]:
    """Messages the account (default: the default one) may still send now, and the name of the
    quota that binds (daily, with its warm-up, or weekly)."""
    allowance = account_message_allowance(account or account_for_run(None), now)
    return allowance.left, allowance.name


def visits_counted_since(since: datetime, *, account: LinkedInAccount | None = None) -> int:
    rows = ProfileVisit.objects.filter(status__in=VISIT_COUNTED_STATUSES, visited_at__gte=since)
    return (rows.filter(account=account) if account is not None else rows).count()


def visit_latest(*, contact: Contact, within_days: int, now: datetime | None = None,
                 account: LinkedInAccount | None = None) -> ProfileVisit | None:
    """The account's latest visit (done or in flight) of ``contact`` in the skip window, or None."""
    since = (now or timezone.now()) - timedelta(days=within_days)
    account = account or account_for_run(None)
    return (
        ProfileVisit.objects.filter(account=account, contact=contact, status__in=VISIT_COUNTED_STATUSES,
                                    visited_at__gte=since)
        .order_by("-visited_at")
        .first()
    )


def message_template_list(*, kind: str | None = None, language: str | None = None,
                          active: bool | None = True) -> QuerySet[MessageTemplate]:
    """Templates of a kind and a language (either None: any), active ones unless ``active`` says
    otherwise (None: all), in a stable order."""
    rows = MessageTemplate.objects.all()
    if kind is not None:
        rows = rows.filter(kind=kind)
    if language is not None:
        rows = rows.filter(language__iexact=language)
    if active is not None:
        rows = rows.filter(active=active)
    return rows.order_by("kind", "language", "id") if kind is None else rows.order_by("id")


def message_template_get(*, template_id) -> MessageTemplate | None:
    try:
        return MessageTemplate.objects.filter(pk=int(template_id)).first()
    except (TypeError, ValueError):
        return None


def template_last_uses(*, contact: Contact, birthday: date, within_days: int) -> dict[int, date]:
    """Templates used for ``contact`` (by any account) for a birthday in the ``within_days`` before
    ``birthday``: template id → the latest such birthday. This birthday's own row does not count
    (composing again for it gives the same words), nor a failed attempt (nothing was sent)."""
    rows = (
        BirthdayMessage.objects.filter(contact=contact, template__isnull=False, status__in=MESSAGE_COUNTED_STATUSES,
                                       birthday__gt=birthday - timedelta(days=within_days))
        .exclude(birthday=birthday)
        .values_list("template_id", "birthday")
    )
    last: dict[int, date] = {}
    for template_id, when in rows:
        last[template_id] = max(when, last.get(template_id, when))
    return last

