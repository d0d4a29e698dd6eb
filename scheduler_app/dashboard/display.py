"""How jobs and runs read to a person: schedules in words, relative times, the next-runs preview.

Pure functions of the stored values, so the jobs table, the form preview and the tests all say
the same thing about the same schedule.
"""
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from cron_descriptor import ExpressionDescriptor, Options
from django.utils import formats, translation
from django.utils.dates import MONTHS, WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from scheduler_app.schedules import next_fire_times
from scheduler_app.spec import (
    CronSchedule,
    DailySchedule,
    IntervalSchedule,
    Schedule,
    WeeklySchedule,
)
from scheduler_app.validation import JobValidationError, job_validate

logger = logging.getLogger(__name__)

INTERVAL_UNITS = ("weeks", "days", "hours", "minutes", "seconds")
# cron-descriptor ships its own catalogs; the locale it reads for each of ours.
CRON_LOCALES = {"fr": "fr_FR", "en": "en_US"}


def _day(index: int) -> str:
    """Monday = 0, in the active language (Django's own day names)."""
    return str(WEEKDAYS[index])


def _interval_part(unit: str, count: int) -> str:
    words = {
        "weeks": ngettext("%(count)s week", "%(count)s weeks", count),
        "days": ngettext("%(count)s day", "%(count)s days", count),
        "hours": ngettext("%(count)s hour", "%(count)s hours", count),
        "minutes": ngettext("%(count)s minute", "%(count)s minutes", count),
        "seconds": ngettext("%(count)s second", "%(count)s seconds", count),
    }
    return words[unit] % {"count": count}


def _and_join(words: list[str]) -> str:
    if len(words) == 1:
        return words[0]
    return _("%(items)s and %(last)s") % {"items": ", ".join(words[:-1]), "last": words[-1]}


def _days_in_words(days: list[int]) -> str:
    if len(days) == 7:
        return _("every day")
    if days == [0, 1, 2, 3, 4]:
        return _("Monday to Friday")
    if days == [5, 6]:
        return _("weekends")
    if len(days) >= 3 and days == list(range(days[0], days[-1] + 1)):
        return _("%(first)s to %(last)s") % {"first": _day(days[0]), "last": _day(days[-1])}
    return _("every %(days)s") % {"days": _and_join([_day(d) for d in days])}


ENGLISH_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ENGLISH_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                  "November", "December")
_CALENDAR_WORD = re.compile(r"\b(" + "|".join(ENGLISH_DAYS + ENGLISH_MONTHS) + r")\b")


def _calendar_words(text: str) -> str:
    """cron-descriptor translates its sentences but takes day and month names from the process's C
    locale (English): those become Django's, in the active language."""
    def name(match: re.Match) -> str:
        word = match.group(1)
        return _day(ENGLISH_DAYS.index(word)) if word in ENGLISH_DAYS else str(MONTHS[ENGLISH_MONTHS.index(word) + 1])
    return _CALENDAR_WORD.sub(name, text)


def cron_in_words(expression: str) -> str:
    language = (translation.get_language() or "en")[:2]
    options = Options()
    options.use_24hour_time_format = True
    options.locale_code = CRON_LOCALES.get(language, "en_US")
    try:
        words = ExpressionDescriptor(expression, options).get_description()
    except Exception:  # cron-descriptor refuses some forms croniter accepts; the raw text still informs
        return expression
    return words if language == "en" else _calendar_words(words)


def schedule_in_words(schedule: Schedule, timezone: str) -> str:
    """"every day at 08:00 (Europe/Paris)": the upstream dashboard's schedule text, in full words
    (in the active language)."""
    if isinstance(schedule, DailySchedule | WeeklySchedule):
        at = f"{schedule.hour:02d}:{schedule.minute:02d}"
        if isinstance(schedule, DailySchedule):
            return _("every day at %(time)s (%(zone)s)") % {"time": at, "zone": timezone}
        return _("%(days)s at %(time)s (%(zone)s)") % {"days": _days_in_words(schedule.days), "time": at,
                                                        "zone": timezone}
    if isinstance(schedule, IntervalSchedule):
        parts = [_interval_part(unit, getattr(schedule, unit)) for unit in INTERVAL_UNITS if getattr(schedule, unit)]
        return _("every %(interval)s") % {"interval": _and_join(parts)}
    if isinstance(schedule, CronSchedule):
        expression = schedule.cron_expression
        return _("%(words)s (%(zone)s) — cron %(expression)s") % {
            "words": cron_in_words(expression), "zone": timezone, "expression": expression}
    return _("manual: runs only when started by hand")


def relative(moment: datetime | None, now: datetime) -> str:
    """"in 3 h 5 min" / "12 min ago": the short form a table cell has room for."""
    if moment is None:
        return ""
    delta = moment - now
    future = delta >= timedelta(0)
    seconds = int(abs(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        text = (_("%(days)s d %(hours)s h") if hours else _("%(days)s d")) % {"days": days, "hours": hours}
    elif hours:
        text = (_("%(hours)s h %(minutes)s min") if minutes else _("%(hours)s h")) % {"hours": hours,
                                                                                       "minutes": minutes}
    elif minutes:
        text = _("%(minutes)s min") % {"minutes": minutes}
    else:
        text = _("%(seconds)s s") % {"seconds": secs}
    return (_("in %(time)s") if future else _("%(time)s ago")) % {"time": text}


def duration_in_words(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return _("%(seconds)s s") % {"seconds": formats.number_format(seconds, 1)}
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return _("%(minutes)s min %(seconds)s s") % {"minutes": minutes, "seconds": secs}
    hours, minutes = divmod(minutes, 60)
    return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}


@dataclass
class Preview:
    """The next runs as the form would schedule them, or why they cannot be computed."""

    times: list[datetime] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)
    dst_warnings: list[str] = field(default_factory=list)
    manual: bool = False
    words: str = ""


def _offset_label(moment: datetime) -> str:
    return moment.strftime("%Z") or moment.strftime("%z")


def dst_warnings(times: list[datetime], *, now: datetime) -> list[str]:
    """A sentence for every UTC-offset change among ``now`` and the runs (a DST change between them)."""
    if not times:
        return []
    tz = times[0].tzinfo
    points = [now.astimezone(tz), *times]
    warnings = []
    for before, after in zip(points, points[1:], strict=False):
        if before.utcoffset() != after.utcoffset():
            warnings.append(_(
                "Clocks change between %(before)s and %(after)s (%(before_zone)s → %(after_zone)s): runs from "
                "%(day)s on are at UTC%(after_offset)s instead of UTC%(before_offset)s."
            ) % {
                "before": formats.date_format(before, "D d M H:i"), "after": formats.date_format(after, "D d M H:i"),
                "before_zone": _offset_label(before), "after_zone": _offset_label(after),
                "day": formats.date_format(after, "d M"), "after_offset": f"{after:%z}",
                "before_offset": f"{before:%z}",
            })
    return warnings


# What the preview validates: the schedule fields; the rest of the job is a stand-in.
PREVIEW_PLACEHOLDER = {"name": "preview", "bot_type": "birthday"}


def _schedule_error(path: str) -> bool:
    return path in ("schedule_type", "timezone", "schedule_config") or path.startswith("schedule_config.")


def schedule_preview(
    *, schedule_type: str, schedule_config: dict[str, Any], timezone: str, now: datetime, count: int = 5
) -> Preview:
    """Validate just the schedule part of a form and list its next ``count`` runs.

    Uses the services' own validation (``job_validate``, errors keyed by the same paths)
    and schedule math, so the preview cannot promise runs the saved job would not make. Should
    the schedule math still fail, that is a message in the preview, not a server error.
    """
    try:
        spec = job_validate(
            data={
                **PREVIEW_PLACEHOLDER,
                "schedule_type": schedule_type,
                "schedule_config": schedule_config,
                "timezone": timezone,
            },
            resolve_account=False,
        )
    except JobValidationError as exc:
        # Errors about the stand-in fields are not the user's; should only those remain, show them
        # all rather than times for input the services refused.
        errors = {path: msgs for path, msgs in exc.errors.items() if _schedule_error(path)}
        return Preview(errors=errors or exc.errors)
    words = schedule_in_words(spec.schedule, timezone)
    if schedule_type == "manual":
        return Preview(manual=True, words=words)
    try:
        times = next_fire_times(schedule=spec.schedule, timezone=timezone, after=now, count=count)
    except Exception as exc:  # whatever the schedule math raises is the user's schedule, shown in the box
        logger.warning("schedule preview failed for %s %r", schedule_type, spec.schedule, exc_info=True)
        return Preview(errors={"schedule_config": [_("the next runs cannot be computed: %(error)s") % {"error": exc}]},
                       words=words)
    return Preview(times=times, dst_warnings=dst_warnings(times, now=now), words=words)


def local(moment: datetime | None, timezone: str) -> datetime | None:
    return moment.astimezone(ZoneInfo(timezone)) if moment else None
