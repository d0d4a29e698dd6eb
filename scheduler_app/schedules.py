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

from scheduler_app.jitter import fire_time
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

    croniter walks naive wall-clock times (plain calendar arithmetic); each becomes an instant by
    those rules. That holds for every field: "8 * * * *" fires at 03:00 on the night 02:08 is
    skipped, as "30 2 * * *" does, which croniter's own DST handling does only for the latter.
    """
    tz = ZoneInfo(timezone)
    # No wall time before ``after``'s own can fire after it; later ones in a repeated hour can
    # still fall before it (their first occurrence has passed), hence the filter. Compared in
    # UTC: two datetimes of one zone compare by wall-clock time, fold ignored.
    latest = after.astimezone(UTC)
    iterator = croniter(expression, after.astimezone(tz).replace(tzinfo=None))
    times: list[datetime] = []
    while len(times) < count:
        moment = _wall_instant(iterator.get_next(datetime), tz)
        if moment.astimezone(UTC) > latest:
            latest = moment.astimezone(UTC)  # a skipped time fires with the one after the gap, once
            times.append(moment)
    return times


def _wall_instant(wall: datetime, tz: ZoneInfo) -> datetime:
    """The instant a naive wall-clock time fires at in ``tz``: its first occurrence, or, when the
    spring-forward gap skips it, the transition (the first instant after the gap)."""
    first = wall.replace(tzinfo=tz, fold=0)
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall:
        return first
    # In a gap fold=0 reads the wall time with the offset before the transition (an instant
    # after it), fold=1 with the one after (an instant before it): search between, to the second.
    low = int(wall.replace(tzinfo=tz, fold=1).timestamp())
    high = int(first.timestamp())
    new_offset = first.astimezone(UTC).astimezone(tz).utcoffset()
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, tz).utcoffset() == new_offset:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, tz)


def job_fire_times(job, *, after: datetime, count: int, anchor: datetime | None = None) -> list[datetime]:
    """``next_fire_times`` for a job (enabled or not: a preview of its schedule)."""
    return next_fire_times(
        schedule=job_schedule(job),
        timezone=job.timezone,
        after=after,
        count=count,
        anchor=anchor,
    )


def job_slot_fire_time(job, slot: datetime, *, anchor: datetime | None = None) -> datetime:
    """When beat fires ``job``'s slot ``slot``: the slot plus its jitter (scheduler_app/jitter.py),
    computed as beat does, from the slot after it."""
    if not job.jitter_seconds:
        return slot
    following = job_fire_times(job, after=slot, count=1, anchor=anchor)
    return fire_time(job_id=str(job.pk), slot=slot, jitter=job.jitter_seconds,
                     next_slot=following[0] if following else None, timezone=job.timezone)


def job_next_run_at(job, *, after: datetime, anchor: datetime | None = None) -> datetime | None:
    """When beat will next fire ``job``; None when it never will (disabled or manual)."""
    times = job_fire_times(job, after=after, count=1, anchor=anchor) if job.enabled else []
    return times[0] if times else None


def silent_deadline(job, *, since: datetime, anchor: datetime | None = None) -> datetime | None:
    """When ``job`` counts as silent (the dead-man's switch, scheduler_app/notify/watch.py) if
    nothing succeeds after ``since``: its first slot after ``since`` plus its misfire_grace_time.
    None when no slot comes (disabled or manual)."""
    slot = job_next_run_at(job, after=since, anchor=anchor)
    return None if slot is None else slot + timedelta(seconds=job.misfire_grace_time)


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
