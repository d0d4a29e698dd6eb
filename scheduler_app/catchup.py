"""What becomes of the slots of one job that came due since beat last accounted for it.

Normally that is one slot, sent at once. After downtime (beat down, Redis down, leader lost) it
may be many, and docs/contract.md "Semantics" says what each becomes:

- a slot later than misfire_grace_time (from its fire time: the slot plus its jitter) is recorded
  ``missed``;
- of the rest, with coalesce one run for the latest, the others recorded ``missed`` as
  "coalesced into <slot>"; without coalesce one run each.

At most SCHEDULER_CATCHUP_CAP slots of one job are looked at one by one (the newest); the older
rest of that job's gap becomes a single summary ``missed`` row at its oldest slot, naming how
many slots and which span it stands for. A pure function: scheduler_app.beat acts on the plan.
"""
from dataclasses import dataclass, field
from datetime import datetime

# The start of the reason a coalesced slot's missed row carries (notifications do not count it).
COALESCED_PREFIX = "coalesced into"


@dataclass
class SlotPlan:
    send: list[datetime] = field(default_factory=list)
    missed: list[tuple[datetime, str]] = field(default_factory=list)


def plan_slots(
    slots: list[datetime],
    *,
    now: datetime,
    grace_seconds: int,
    coalesce: bool,
    left_out: int = 0,
    oldest_left_out: datetime | None = None,
    cap: int = 0,
    offsets: list[float] | None = None,
) -> SlotPlan:
    """Split ``slots`` (oldest first, all due) into runs to send and rows to record missed.
    ``offsets`` (parallel to ``slots``): each slot's jitter in seconds (scheduler_app/jitter.py);
    lateness is measured from the fire time, slot + offset."""
    plan = SlotPlan()
    if left_out and oldest_left_out is not None:
        newest_left_out = f" up to the slot before {slots[0].isoformat()}" if slots else ""
        plan.missed.append((oldest_left_out, (
            f"beat was not running; this row stands for {left_out} slot(s) from "
            f"{oldest_left_out.isoformat()}{newest_left_out} (more than the catch-up cap of {cap} slots per job)"
        )))
    on_time = []
    for index, slot in enumerate(slots):
        late = (now - slot).total_seconds() - (offsets[index] if offsets else 0.0)
        if late > grace_seconds:
            plan.missed.append((slot, (
                f"not sent within misfire_grace_time ({grace_seconds}s) of its slot; "
                f"beat was {late:.0f}s late (down, or without Redis or a leader)"
            )))
        else:
            on_time.append(slot)
    if coalesce and len(on_time) > 1:
        latest = on_time[-1]
        plan.missed.extend((slot, f"{COALESCED_PREFIX} {latest.isoformat()}") for slot in on_time[:-1])
        plan.send.append(latest)
    else:
        plan.send.extend(on_time)
    return plan
