"""Schedule math: a job's schedule as crontab fields, an interval, or its next fire times.

Pure functions of (schedule_type, schedule_config, timezone): the sync layer turns them into
django-celery-beat rows, the services into ``next_run_at``, the API into next-runs.
"""
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from croniter import croniter

from scheduler_app.configs import CronSchedule, IntervalSchedule, parse_day_of_week

CRON_SCHEDULE_TYPES = frozenset({"daily", "weekly", "cron"})


@dataclass(frozen=True)
class CrontabFields:
    """The five crontab fields in Celery's notation (day_of_week: Sunday = 0)."""

    minute: str
    hour: str
    day_of_month: str
    month_of_year: str
    day_of_week: str

    @property
    def expression(self) -> str:
        return f"{self.minute} {self.hour} {self.day_of_month} {self.month_of_year} {self.day_of_week}"


def _join(values: list) -> str:
    return "*" if values == ["*"] else ",".join(str(v) for v in values)


def crontab_fields(schedule_type: str, config: dict[str, Any]) -> CrontabFields:
    if schedule_type == "daily":
        return CrontabFields(str(config.get("minute", 0)), str(config.get("hour", 8)), "*", "*", "*")
    if schedule_type == "weekly":
        # Our day numbers have Monday = 0; cron's have Sunday = 0.
        days = sorted((d + 1) % 7 for d in parse_day_of_week(config.get("day_of_week", "mon")))
        dow = "*" if len(days) == 7 else _join(days)
        return CrontabFields(str(config.get("minute", 0)), str(config.get("hour", 8)), "*", "*", dow)
    if schedule_type == "cron":
        minute, hour, dom, month, dow = CronSchedule.model_validate(config).expanded()
        # croniter already folds 7 into 0, so "1-5" stays Monday..Friday and "7" is Sunday.
        return CrontabFields(_join(minute), _join(hour), _join(dom), _join(month), _join(dow))
    raise ValueError(f"{schedule_type!r} schedules are not crontabs")


def interval_seconds(config: dict[str, Any]) -> int:
    return IntervalSchedule.model_validate(config).total_seconds


def next_fire_times(
    *,
    schedule_type: str,
    schedule_config: dict[str, Any],
    timezone: str,
    after: datetime,
    count: int,
    anchor: datetime | None = None,
) -> list[datetime]:
    """The next ``count`` fire times strictly after ``after``, aware, in the job's timezone.

    Intervals are absolute elapsed time counted from ``anchor`` (the last run), or from
    ``after`` when the job has not run yet. Manual schedules never fire.
    """
    tz = ZoneInfo(timezone)
    if schedule_type == "manual" or count <= 0:
        return []
    if schedule_type == "interval":
        # Aware arithmetic in a zone with DST is wall-clock arithmetic: count in UTC instead.
        step = timedelta(seconds=interval_seconds(schedule_config))
        after_utc = after.astimezone(UTC)
        start = (anchor or after).astimezone(UTC)
        if start + step <= after_utc:
            start += step * ((after_utc - start) // step)
        times, current = [], start
        while len(times) < count:
            current += step
            if current > after_utc:
                times.append(current.astimezone(tz))
        return times
    return cron_fire_times(crontab_fields(schedule_type, schedule_config).expression, timezone, after=after,
                           count=count)


def cron_fire_times(expression: str, timezone: str, *, after: datetime, count: int) -> list[datetime]:
    """Fire times of a five-field crontab evaluated in ``timezone``, with DESIGN.md's DST rules:
    a wall-clock time the spring-forward gap skips fires once at the first instant after the
    gap; one the fall-back repeats fires once, at its first occurrence. Beat uses this too
    (scheduler_app.beat), so what the API promises is what fires.
    """
    tz = ZoneInfo(timezone)
    iterator = croniter(expression, after.astimezone(tz))
    times: list[datetime] = []
    while len(times) < count:
        candidate = iterator.get_next(datetime).astimezone(tz)
        if not _second_occurrence(candidate):
            times.append(candidate)
    return times


def _second_occurrence(moment: datetime) -> bool:
    """True for the repeat of a wall-clock time when clocks fall back: it fires only the first time."""
    return moment.fold == 1 and moment.replace(fold=0).utcoffset() != moment.utcoffset()


def job_fire_times(job, *, after: datetime, count: int, anchor: datetime | None = None) -> list[datetime]:
    """``next_fire_times`` for a job (enabled or not: a preview of its schedule)."""
    return next_fire_times(
        schedule_type=job.schedule_type,
        schedule_config=job.schedule_config,
        timezone=job.timezone,
        after=after,
        count=count,
        anchor=anchor,
    )


def job_next_run_at(job, *, after: datetime, anchor: datetime | None = None) -> datetime | None:
    """When beat will next fire ``job``; None when it never will (disabled or manual)."""
    times = job_fire_times(job, after=after, count=1, anchor=anchor) if job.enabled else []
    return times[0] if times else None
