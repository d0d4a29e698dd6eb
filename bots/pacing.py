"""When a bot may act: the working-hours window, and human-like pauses between actions.

Both exist for the account's sake: a burst of identical actions at 3 a.m. is what gets an
account restricted. Pauses are settings so tests run them at zero.
"""
import math
import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

from django.conf import settings

from bots.runner import BotError, BotSkipped
from bots.steps import PAUSING, step


def parse_window(spec: str) -> tuple[clock, clock]:
    try:
        start, end = (clock.fromisoformat(part.strip()) for part in spec.split("-"))
    except ValueError:
        raise BotError(f"BOT_WORKING_HOURS {spec!r} is not a window like '09:00-19:00'") from None
    return start, end


def working_hours_of(account, *, timezone: str) -> tuple[str, str]:
    """The window and the zone a run of ``account`` (None: settings only) is held to: the
    account's window and zone when it has them, else BOT_WORKING_HOURS in the job's zone."""
    spec = (getattr(account, "working_hours", "") or settings.BOT_WORKING_HOURS).strip()
    return spec, getattr(account, "timezone", "") or timezone


def working_hours_check(*, timezone: str, now: datetime | None = None, spec: str | None = None) -> None:
    """Refuse to act outside the working hours ``spec`` (default BOT_WORKING_HOURS) in ``timezone``:
    BotSkipped. A window may span midnight."""
    spec = (settings.BOT_WORKING_HOURS if spec is None else spec).strip()
    if not spec:
        return
    start, end = parse_window(spec)
    local = (now or datetime.now(ZoneInfo("UTC"))).astimezone(ZoneInfo(timezone)).time()
    inside = start <= local < end if start <= end else (local >= start or local < end)
    if not inside:
        raise BotSkipped(f"outside working hours: it is {local:%H:%M} in {timezone}, bots act only {spec}")


def human_pause(*, deadline: float | None = None, report: Callable[[str], None] | None = None) -> None:
    """Sleep a random while between BOT_PAUSE_MIN_SECONDS and BOT_PAUSE_MAX_SECONDS (never past the
    deadline); ``report`` (the run's ``BotRun.report``) is told "pausing 42 s" first."""
    low, high = settings.BOT_PAUSE_MIN_SECONDS, max(settings.BOT_PAUSE_MAX_SECONDS, settings.BOT_PAUSE_MIN_SECONDS)
    seconds = random.uniform(low, high) if high > 0 else 0
    if deadline is not None:
        seconds = min(seconds, max(deadline - time.monotonic(), 0))
    if seconds > 0:
        if report is not None:
            report(step(PAUSING, seconds=math.ceil(seconds)))
        time.sleep(seconds)


def working_hours_end(*, timezone: str, moment: datetime, spec: str | None = None) -> datetime | None:
    """The end of the BOT_WORKING_HOURS window that contains ``moment`` (in ``timezone``), as an
    instant; None with no window set or when ``moment`` is outside it. The fleet beat clips a
    jittered fire time to it (scheduler_app/jitter.py), so jitter never pushes a run out of hours."""
    spec = (settings.BOT_WORKING_HOURS if spec is None else spec).strip()
    if not spec:
        return None
    start, end = parse_window(spec)
    tz = ZoneInfo(timezone)
    local = moment.astimezone(tz)
    wall = local.time()
    if start <= end:
        if not start <= wall < end:
            return None
        day = local.date()
    elif wall >= start:  # a window spanning midnight, in its evening part: it ends tomorrow
        day = local.date() + timedelta(days=1)
    elif wall < end:
        day = local.date()
    else:
        return None
    return datetime.combine(day, end).replace(tzinfo=tz)
