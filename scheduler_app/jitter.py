"""Jitter: when a slot fires, as a pure function of (job id, slot), so every beat agrees.

A job with ``jitter_seconds`` J fires its slot s at s + H(job id, s) mod (J' + 1) seconds, with
H the first 8 bytes of blake2b("<job id>|<s in UTC, ISO 8601>") and J' = J clipped so the fire
time stays strictly before the next slot and before the end of the working-hours window holding
the slot (bots.runner.working_hours_end; a slot outside the window is not clipped: its bot run
is skipped as out of hours anyway). Forward only: the slot's identity (scheduled_for) stays s, so
the once-per-slot constraint and two-beat agreement are untouched; misfire_grace_time is
measured from the fire time.
"""
import math
from datetime import UTC, datetime, timedelta
from hashlib import blake2b

from bots.runner import working_hours_end


def slot_hash(job_id: str, slot: datetime) -> int:
    key = f"{job_id}|{slot.astimezone(UTC).isoformat()}".encode()
    return int.from_bytes(blake2b(key, digest_size=8).digest(), "big")


def jitter_offset(*, job_id: str, slot: datetime, jitter: int, next_slot: datetime | None,
                  window_end: datetime | None = None) -> int:
    """Seconds after ``slot`` that it fires (0 with no jitter)."""
    if jitter <= 0:
        return 0
    bound = jitter
    for limit in (next_slot, window_end):
        if limit is not None and limit > slot:
            # ceil - 1: strictly before the limit even when the gap is not whole seconds.
            bound = min(bound, math.ceil((limit - slot).total_seconds()) - 1)
    if bound <= 0:
        return 0
    return slot_hash(str(job_id), slot) % (bound + 1)


def fire_time(*, job_id: str, slot: datetime, jitter: int, next_slot: datetime | None,
              timezone: str) -> datetime:
    """When ``slot`` fires: the slot itself, plus its jitter offset clipped to the next slot and
    to the working-hours end in ``timezone``."""
    if jitter <= 0:
        return slot
    window_end = working_hours_end(timezone=timezone, moment=slot)
    return slot + timedelta(seconds=jitter_offset(job_id=job_id, slot=slot, jitter=jitter, next_slot=next_slot,
                                                  window_end=window_end))
