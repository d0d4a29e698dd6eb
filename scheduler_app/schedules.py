"""Schedule math: a job's fire times, from its typed schedule (scheduler_app.spec).

Pure functions of (schedule, timezone, anchor): the sync layer turns schedules into
django-celery-beat rows, the services into ``next_run_at``, the API into next-runs, and the fleet
beat (scheduler_app.beat) walks the same slots with ``SlotSchedule``.
"""
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from croniter import croniter

from scheduler_app.spec import IntervalSchedule, ManualSchedule, Schedule, job_schedule


def next_fire_times(
    *, schedule: Schedule, timezone: str, after: datetime, count: int, anchor: datetime | None = None
) -> list[datetime]:
    """The next ``count`` fire times strictly after ``after``, aware, in the job's timezone.

    Intervals are absolute elapsed time: anchor + k x interval, the anchor being the beat row's
    start_time (scheduler_app.sync), or ``after`` when there is none yet. Manual schedules never
    fire.
    """
    tz = ZoneInfo(timezone)
    if isinstance(schedule, ManualSchedule) or count <= 0:
        return []
    if isinstance(schedule, IntervalSchedule):
        every = schedule.total_seconds
        first = interval_slot_after(anchor or after, every, after)
        return [(first + timedelta(seconds=every * k)).astimezone(tz) for k in range(count)]
    return cron_fire_times(schedule.crontab().expression, timezone, after=after, count=count)


def cron_fire_times(expression: str, timezone: str, *, after: datetime, count: int) -> list[datetime]:
    """Fire times of a five-field crontab evaluated in ``timezone``, with the DST rules of docs/contract.md:
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
        schedule=job_schedule(job),
        timezone=job.timezone,
        after=after,
        count=count,
        anchor=anchor,
    )


def job_next_run_at(job, *, after: datetime, anchor: datetime | None = None) -> datetime | None:
    """When beat will next fire ``job``; None when it never will (disabled or manual)."""
    times = job_fire_times(job, after=after, count=1, anchor=anchor) if job.enabled else []
    return times[0] if times else None


def interval_slot_after(anchor: datetime, every: int, moment: datetime) -> datetime:
    """The first slot anchor + k x every (k >= 1) strictly after ``moment``, in UTC.

    Counted in UTC: aware arithmetic in a zone with DST is wall-clock arithmetic.
    """
    anchor, moment = anchor.astimezone(UTC), moment.astimezone(UTC)
    step = timedelta(seconds=every)
    if moment < anchor:
        return anchor + step
    return anchor + step * ((moment - anchor) // step + 1)


@lru_cache(maxsize=65536)
def _cron_next(expression: str, timezone: str, after: datetime) -> datetime:
    # Many jobs share an expression and a zone, and their cursors sit on the same slots: the fleet
    # beat asks this the same question thousands of times at each boundary.
    return cron_fire_times(expression, timezone, after=after, count=1)[0]


@dataclass(frozen=True, slots=True)
class SlotSchedule:
    """A job's slots as the fleet beat (scheduler_app.beat) walks them: a pure function of the
    schedule and its anchor, so every beat, before and after any restart, computes the same ones.

    ``expression`` (a crontab in Celery's notation) and ``timezone`` for cron-like schedules;
    ``every`` seconds and ``anchor`` for intervals.
    """

    expression: str | None = None
    timezone: str = "UTC"
    every: int | None = None
    anchor: datetime | None = None

    def next_after(self, moment: datetime) -> datetime:
        """The first slot strictly after ``moment`` (aware)."""
        if self.every is not None:
            return interval_slot_after(self.anchor, self.every, moment)
        return _cron_next(self.expression, self.timezone, moment)

    def slots_between(
        self, after: datetime, until: datetime, *, cap: int
    ) -> tuple[list[datetime], int, datetime | None]:
        """The slots in (after, until]: at most the newest ``cap`` of them, how many older ones
        were left out, and the oldest left-out slot (None when none were)."""
        if self.every is not None:
            first = interval_slot_after(self.anchor, self.every, after)
            if first > until:
                return [], 0, None
            step = timedelta(seconds=self.every)
            total = (until.astimezone(UTC) - first) // step + 1
            kept = min(total, cap)
            start = first + step * (total - kept)
            return [start + step * k for k in range(kept)], total - kept, (first if total > kept else None)
        kept: deque[datetime] = deque()
        left_out, oldest_left_out = 0, None
        current = after
        while True:
            current = self.next_after(current)
            if current > until:
                break
            kept.append(current)
            if len(kept) > cap:
                dropped = kept.popleft()
                left_out += 1
                oldest_left_out = oldest_left_out or dropped
        return list(kept), left_out, oldest_left_out
