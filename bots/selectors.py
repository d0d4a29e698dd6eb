"""Read queries for the bots: what was already sent or visited, quotas used, blacklist, templates."""
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from bots.models import (
    MESSAGE_COUNTED_STATUSES,
    VISIT_COUNTED_STATUSES,
    BirthdayMessage,
    BlacklistEntry,
    Contact,
    MessageTemplate,
    ProfileVisit,
)
from bots.profiles import name_key


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


def blacklist_reason(*, slug: str, name: str) -> str | None:
    """Why this person is blacklisted, or None.

    An entry matches on its slug or on its name, whichever it has: one person reaches the bots
    under several addresses (vanity slug, ``ACoAA...`` member id), so an entry that names them
    holds whichever address a page shows.
    """
    wanted = name_key(name)
    for entry in BlacklistEntry.objects.filter(Q(slug=slug) | ~Q(name="")):
        entry_name = name_key(entry.name)
        if entry.slug == slug or (entry_name and entry_name == wanted):
            return f"blacklisted{': ' + entry.reason if entry.reason else ''}"
    return None


def birthday_message_get(*, contact: Contact, birthday: date) -> BirthdayMessage | None:
    return BirthdayMessage.objects.filter(contact=contact, birthday=birthday).first()


def messages_counted_since(since: datetime) -> int:
    return BirthdayMessage.objects.filter(status__in=MESSAGE_COUNTED_STATUSES, claimed_at__gte=since).count()


def message_quota_left(now: datetime | None = None) -> tuple[int, str]:
    """Messages still allowed now, and the name of the quota that binds ("daily" / "weekly")."""
    daily = settings.BOT_MESSAGES_PER_DAY - messages_counted_since(day_start(now))
    weekly = settings.BOT_MESSAGES_PER_WEEK - messages_counted_since(week_start(now))
    if weekly < daily:
        return max(weekly, 0), f"weekly quota of {settings.BOT_MESSAGES_PER_WEEK} messages"
    return max(daily, 0), f"daily quota of {settings.BOT_MESSAGES_PER_DAY} messages"


def visits_counted_since(since: datetime) -> int:
    return ProfileVisit.objects.filter(status__in=VISIT_COUNTED_STATUSES, visited_at__gte=since).count()


def visit_latest(*, contact: Contact, within_days: int, now: datetime | None = None) -> ProfileVisit | None:
    """The latest visit (done or in flight) in the skip window, or None."""
    since = (now or timezone.now()) - timedelta(days=within_days)
    return (
        ProfileVisit.objects.filter(contact=contact, status__in=VISIT_COUNTED_STATUSES, visited_at__gte=since)
        .order_by("-visited_at")
        .first()
    )


def message_template_list(*, kind: str) -> QuerySet[MessageTemplate]:
    return MessageTemplate.objects.filter(kind=kind, active=True)
