"""How jobs and runs read to a person: schedules in words, relative times, the next-runs preview.

Pure functions of the stored values, so the jobs table, the form preview and the tests all say
the same thing about the same schedule.
"""
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from cron_descriptor import ExpressionDescriptor, Options

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

DAY_WORDS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
INTERVAL_UNITS = ("weeks", "days", "hours", "minutes", "seconds")


def _and_join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _days_in_words(days: list[int]) -> str:
    if len(days) == 7:
        return "every day"
    if days == [0, 1, 2, 3, 4]:
        return "Monday to Friday"
    if days == [5, 6]:
        return "weekends"
    if len(days) >= 3 and days == list(range(days[0], days[-1] + 1)):
        return f"{DAY_WORDS[days[0]]} to {DAY_WORDS[days[-1]]}"
    return "every " + _and_join([DAY_WORDS[d] for d in days])


def cron_in_words(expression: str) -> str:
    options = Options()
    options.use_24hour_time_format = True
    try:
        return ExpressionDescriptor(expression, options).get_description()
    except Exception:  # cron-descriptor refuses some forms croniter accepts; the raw text still informs
        return expression


def schedule_in_words(schedule: Schedule, timezone: str) -> str:
    """"every day at 08:00 (Europe/Paris)": the upstream dashboard's schedule text, in full words."""
    if isinstance(schedule, DailySchedule | WeeklySchedule):
        at = f"{schedule.hour:02d}:{schedule.minute:02d}"
        if isinstance(schedule, DailySchedule):
            return f"every day at {at} ({timezone})"
        return f"{_days_in_words(schedule.days)} at {at} ({timezone})"
    if isinstance(schedule, IntervalSchedule):
        parts = [
            f"{getattr(schedule, unit)} {unit if getattr(schedule, unit) != 1 else unit[:-1]}"
            for unit in INTERVAL_UNITS if getattr(schedule, unit)
        ]
        return "every " + _and_join(parts)
    if isinstance(schedule, CronSchedule):
        expression = schedule.cron_expression
        return f"{cron_in_words(expression)} ({timezone}) — cron {expression}"
    return "manual: runs only when started by hand"


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
        text = f"{days} d {hours} h" if hours else f"{days} d"
    elif hours:
        text = f"{hours} h {minutes} min" if minutes else f"{hours} h"
    elif minutes:
        text = f"{minutes} min"
    else:
        text = f"{secs} s"
    return f"in {text}" if future else f"{text} ago"


def duration_in_words(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


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
            warnings.append(
                f"Clocks change between {before:%a %d %b %H:%M} and {after:%a %d %b %H:%M} "
                f"({_offset_label(before)} → {_offset_label(after)}): runs from {after:%d %b} on are at "
                f"UTC{after:%z} instead of UTC{before:%z}."
            )
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
        return Preview(errors={"schedule_config": [f"the next runs cannot be computed: {exc}"]}, words=words)
    return Preview(times=times, dst_warnings=dst_warnings(times, now=now), words=words)


def local(moment: datetime | None, timezone: str) -> datetime | None:
    return moment.astimezone(ZoneInfo(timezone)) if moment else None
