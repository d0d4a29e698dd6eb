"""Whether a slot is braked: pure functions of pause and blackout rows and the slot's time.

Blackouts are read in local wall-clock time in the job's own zone, the time a person means when
they write "24 to 26 December": the slot's nominal instant becomes a naive local time and is
compared with the window's naive bounds, so neither a DST change between the window's creation
and the slot nor the UTC offset of either matters. A window whose end is earlier in the year
than its start (30 Dec to 2 Jan, yearly) wraps over the year end.
"""
from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from scheduler_app.brakes.models import Blackout, JobPause, PauseKind

# How the reason of a braked slot's skipped row begins (pause_reason, blackout_reason).
BRAKED_PREFIXES = ("paused by ", "blackout ")


def pause_covers(pause: JobPause, slot: datetime) -> bool:
    """A pause covers every slot whose nominal time comes before the pause ended (its ``until``
    or its lift), including slots due before it was set whose message is claimed only now: once
    someone pressed pause, nothing starts until it ends, and nothing old starts after it."""
    return (pause.until is None or pause.until > slot) and (pause.lifted_at is None or pause.lifted_at > slot)


def pause_standing(pause: JobPause, now: datetime) -> bool:
    """Whether the pause is in force now (what the API and dashboard show)."""
    return pause.lifted_at is None and (pause.until is None or pause.until > now)


def pause_reason(pause: JobPause) -> str:
    if pause.kind == PauseKind.SYSTEM:
        reason = f"{pause.cause}: {pause.note}" if pause.note else pause.cause
        until = f" until {pause.until.isoformat()}" if pause.until else ""
        return f"paused by the system{until}: {reason}"
    until = f" until {pause.until.isoformat()}" if pause.until else ""
    note = f": {pause.note}" if pause.note else ""
    return f"paused by {pause.created_by}{until}{note}"


def _shift_year(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February in a year without one: the 28th
        return moment.replace(year=moment.year + years, day=28)


def window_bounds(blackout: Blackout) -> tuple[datetime, datetime] | None:
    """The window as naive local datetimes [start, end), or None when it is holidays only."""
    if blackout.start_date is None or blackout.end_date is None:
        return None
    start = datetime.combine(blackout.start_date, blackout.start_time or time(0))
    end = datetime.combine(blackout.end_date, blackout.end_time or time(0))
    return start, end


def window_covers(blackout: Blackout, local: datetime) -> bool:
    """Whether the naive local time ``local`` falls in the blackout's window (start inclusive,
    end exclusive). Yearly windows are tried in the years that could contain ``local``: the one
    starting in its own year and the one starting the year before (a wrap over the year end)."""
    bounds = window_bounds(blackout)
    if bounds is None:
        return False
    start, end = bounds
    if not blackout.yearly:
        return start <= local < end
    for years in (local.year - start.year - 1, local.year - start.year):
        if _shift_year(start, years) <= local < _shift_year(end, years):
            return True
    return False


@lru_cache(maxsize=256)
def _holidays(country: str, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays(country, years=year)


def holiday_name(country: str, day: date) -> str | None:
    return _holidays(country, day.year).get(day) if country else None


def blackout_reason(blackout: Blackout, local: datetime) -> str | None:
    """The reason a slot at naive local time ``local`` is blacked out by ``blackout``, or None."""
    if window_covers(blackout, local):
        return f"blackout {blackout.name}"
    holiday = holiday_name(blackout.country, local.date())
    if holiday:
        return f"blackout {blackout.name}: public holiday in {blackout.country} ({holiday})"
    return None


def slot_brake(*, slot: datetime, timezone: str, pauses, blackouts) -> str | None:
    """Why the slot at ``slot`` must not run, or None: the first pause covering it (user pauses
    first: the person's own words), else the first blackout containing it in the job's zone."""
    covering = [pause for pause in pauses if pause_covers(pause, slot)]
    if covering:
        covering.sort(key=lambda pause: (pause.kind != PauseKind.USER, pause.created_at))
        return pause_reason(covering[0])
    if blackouts:
        local = slot.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
        for blackout in blackouts:
            reason = blackout_reason(blackout, local)
            if reason:
                return reason
    return None


def supported_countries() -> frozenset[str]:
    return frozenset(holidays.list_supported_countries())
