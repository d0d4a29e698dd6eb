"""Slot maths of the fleet beat: slots are a pure function of the schedule and its anchor."""
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from scheduler_app.catchup import plan_slots
from scheduler_app.schedules import SlotSchedule, interval_slot_after, next_fire_times
from scheduler_app.spec import IntervalSchedule

PARIS = ZoneInfo("Europe/Paris")


def test_crontab_slot_is_the_fire_time_not_the_wakeup_time():
    schedule = SlotSchedule(expression="0 8 * * *", timezone="Europe/Paris")
    cursor = datetime(2026, 11, 22, 8, 0, tzinfo=PARIS)
    assert schedule.next_after(cursor) == datetime(2026, 11, 23, 8, 0, tzinfo=PARIS)


def test_interval_slots_do_not_depend_on_when_a_beat_looks():
    anchor = datetime(2026, 11, 23, 8, 0, 0, tzinfo=UTC)
    schedule = SlotSchedule(every=10, anchor=anchor)
    # Two beats waking at different instants within the same period compute the same next slot.
    woke_early = datetime(2026, 11, 23, 8, 0, 20, 1000, tzinfo=UTC)
    woke_late = datetime(2026, 11, 23, 8, 0, 29, 999000, tzinfo=UTC)
    assert schedule.next_after(woke_early) == schedule.next_after(woke_late) == anchor + timedelta(seconds=30)
    # A slot is on the lattice: the next after a slot is exactly one interval later.
    assert schedule.next_after(anchor + timedelta(seconds=30)) == anchor + timedelta(seconds=40)
    assert interval_slot_after(anchor, 10, anchor - timedelta(days=1)) == anchor + timedelta(seconds=10)


def test_interval_next_runs_and_beat_use_the_same_lattice():
    anchor = datetime(2026, 11, 23, 8, 0, 7, tzinfo=UTC)
    after = datetime(2026, 11, 23, 9, 13, 2, tzinfo=UTC)
    shown = next_fire_times(schedule=IntervalSchedule(minutes=5), timezone="Europe/Paris",
                            after=after, count=3, anchor=anchor)
    schedule = SlotSchedule(every=300, anchor=anchor)
    walked = [schedule.next_after(after)]
    for _ in range(2):
        walked.append(schedule.next_after(walked[-1]))
    assert shown == walked
    assert all((slot - anchor).total_seconds() % 300 == 0 for slot in walked)


def test_beat_fires_a_time_in_the_spring_forward_gap_at_the_end_of_the_gap():
    # 02:30 does not exist in Paris on 2026-03-29; docs/contract.md: first instant after the gap, 03:00.
    schedule = SlotSchedule(expression="30 2 * * *", timezone="Europe/Paris")
    assert schedule.next_after(datetime(2026, 3, 28, 2, 30, tzinfo=PARIS)) == datetime(2026, 3, 29, 3, 0,
                                                                                        tzinfo=PARIS)


def test_beat_fires_an_ambiguous_fall_back_time_once():
    schedule = SlotSchedule(expression="30 2 * * *", timezone="Europe/Paris")
    first = datetime(2026, 10, 25, 2, 30, tzinfo=PARIS)  # CEST, first occurrence (fold=0)
    assert schedule.next_after(datetime(2026, 10, 25, 1, 0, tzinfo=PARIS)) == first
    assert schedule.next_after(first) == datetime(2026, 10, 26, 2, 30, tzinfo=PARIS)


def test_beat_evaluates_in_the_jobs_timezone_not_the_servers():
    schedule = SlotSchedule(expression="0 9 * * *", timezone="America/New_York")
    after = datetime(2026, 11, 22, 14, 0, 5, tzinfo=UTC)  # 09:00:05 in New York
    assert schedule.next_after(after) == datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("America/New_York"))


def test_slots_between_lists_every_slot_of_a_gap_up_to_the_cap():
    anchor = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    interval = SlotSchedule(every=60, anchor=anchor)
    slots, left_out, oldest = interval.slots_between(anchor, anchor + timedelta(minutes=10, seconds=5), cap=100)
    assert slots == [anchor + timedelta(minutes=k) for k in range(1, 11)] and left_out == 0 and oldest is None
    slots, left_out, oldest = interval.slots_between(anchor, anchor + timedelta(minutes=10), cap=4)
    assert slots == [anchor + timedelta(minutes=k) for k in range(7, 11)]
    assert (left_out, oldest) == (6, anchor + timedelta(minutes=1))

    cron = SlotSchedule(expression="* * * * *", timezone="Europe/Paris")
    slots, left_out, oldest = cron.slots_between(anchor, anchor + timedelta(minutes=10), cap=4)
    assert slots == [anchor + timedelta(minutes=k) for k in range(7, 11)]
    assert (left_out, oldest) == (6, anchor + timedelta(minutes=1))
    assert cron.slots_between(anchor, anchor + timedelta(seconds=59), cap=4) == ([], 0, None)


def minutes(base, *ks):
    return [base + timedelta(minutes=k) for k in ks]


def test_catch_up_records_late_slots_missed_and_coalesces_the_rest():
    base = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    now = base + timedelta(minutes=10)
    slots = minutes(base, 1, 2, 3, 8, 9, 10)
    plan = plan_slots(slots, now=now, grace_seconds=180, coalesce=True)
    assert plan.send == [base + timedelta(minutes=10)]
    reasons = dict(plan.missed)
    assert sorted(reasons) == minutes(base, 1, 2, 3, 8, 9)
    assert all("misfire_grace_time (180s)" in reasons[slot] for slot in minutes(base, 1, 2, 3))
    assert all(reasons[slot] == f"coalesced into {now.isoformat()}" for slot in minutes(base, 8, 9))


def test_catch_up_without_coalesce_runs_each_slot_within_grace():
    base = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    plan = plan_slots(minutes(base, 1, 2, 8, 9, 10), now=base + timedelta(minutes=10), grace_seconds=180,
                      coalesce=False)
    assert plan.send == minutes(base, 8, 9, 10)
    assert [slot for slot, _ in plan.missed] == minutes(base, 1, 2)


def test_catch_up_past_the_cap_leaves_one_summary_row():
    base = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    plan = plan_slots(minutes(base, 9, 10), now=base + timedelta(minutes=10), grace_seconds=3600, coalesce=True,
                      left_out=8, oldest_left_out=base + timedelta(minutes=1), cap=2)
    assert plan.send == [base + timedelta(minutes=10)]
    summary_slot, summary = plan.missed[0]
    assert summary_slot == base + timedelta(minutes=1)
    assert "8 slot(s)" in summary and "catch-up cap of 2" in summary


def test_one_slot_on_time_is_simply_sent():
    slot = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    plan = plan_slots([slot], now=slot + timedelta(seconds=0.2), grace_seconds=1, coalesce=True)
    assert plan.send == [slot] and plan.missed == []
