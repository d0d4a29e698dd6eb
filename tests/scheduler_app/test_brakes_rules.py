"""Pure brake rules: blackout windows in local time, pause intervals, the jitter function."""
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduler_app.brakes.models import Blackout, JobPause, PauseKind
from scheduler_app.brakes.rules import pause_covers, pause_reason, slot_brake, window_covers
from scheduler_app.jitter import fire_time, jitter_offset
from scheduler_app.schedules import SlotSchedule

PARIS = ZoneInfo("Europe/Paris")


def christmas(**overrides) -> Blackout:
    values = dict(name="Christmas", start_date=date(2025, 12, 24), start_time=time(0),
                  end_date=date(2025, 12, 27), end_time=time(0), yearly=True)
    values.update(overrides)
    return Blackout(**values)


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def test_yearly_window_skips_24_to_26_december_in_later_years_and_not_around_them():
    blackout = christmas()
    brake = lambda moment: slot_brake(slot=moment, timezone="Europe/Paris", pauses=[], blackouts=[blackout])  # noqa: E731
    for year in (2026, 2027, 2030):
        assert brake(paris(year, 12, 23, 23, 59)) is None
        assert brake(paris(year, 12, 24, 0, 0)) == "blackout Christmas"
        assert brake(paris(year, 12, 26, 23, 59)) == "blackout Christmas"
        assert brake(paris(year, 12, 27, 0, 0)) is None


def test_window_is_read_on_the_job_local_wall_clock_whatever_the_utc_offset():
    blackout = christmas()
    # 24 Dec 00:30 in Paris is still 23 Dec in UTC: local time decides.
    slot = paris(2026, 12, 24, 0, 30).astimezone(UTC)
    assert slot.day == 23
    assert slot_brake(slot=slot, timezone="Europe/Paris", pauses=[], blackouts=[blackout])
    # The same instant is 23 Dec 18:30 in New York: not blacked out there.
    assert slot_brake(slot=slot, timezone="America/New_York", pauses=[], blackouts=[blackout]) is None


def test_window_across_the_paris_spring_dst_change():
    # A once window over the night clocks go forward (29 March 2026, 02:00 -> 03:00 in Paris).
    blackout = Blackout(name="night", start_date=date(2026, 3, 29), start_time=time(1, 0),
                        end_date=date(2026, 3, 29), end_time=time(4, 0))
    slots = SlotSchedule(expression="30 * * * *", timezone="Europe/Paris").slots_between(
        paris(2026, 3, 29, 0, 0), paris(2026, 3, 29, 5, 0), cap=100)[0]
    marked = {slot.astimezone(PARIS).strftime("%H:%M"): slot_brake(slot=slot, timezone="Europe/Paris", pauses=[],
                                                                  blackouts=[blackout]) for slot in slots}
    # 02:30 does not exist that night: it fires at 03:00, the first instant after the gap.
    assert list(marked) == ["00:30", "01:30", "03:00", "03:30", "04:30"]
    assert [hour for hour, why in marked.items() if why] == ["01:30", "03:00", "03:30"]
    assert [s.astimezone(PARIS).utcoffset() for s in slots[1:3]] == [timedelta(hours=1), timedelta(hours=2)]


def test_yearly_window_wraps_over_the_year_end():
    blackout = Blackout(name="new year", start_date=date(2025, 12, 30), start_time=time(0),
                        end_date=date(2026, 1, 2), end_time=time(12, 0), yearly=True)
    covered = lambda *args: window_covers(blackout, datetime(*args))  # noqa: E731
    assert covered(2027, 12, 30, 0, 0) and covered(2027, 12, 31, 23, 0)
    assert covered(2028, 1, 1, 8, 0) and covered(2028, 1, 2, 11, 59)
    assert not covered(2028, 1, 2, 12, 0) and not covered(2027, 12, 29, 23, 59)
    assert not covered(2028, 6, 1, 8, 0)


def test_once_window_does_not_repeat():
    blackout = christmas(yearly=False)
    assert window_covers(blackout, datetime(2025, 12, 25, 8))
    assert not window_covers(blackout, datetime(2026, 12, 25, 8))


def test_public_holiday_of_the_country_in_the_job_zone():
    blackout = Blackout(name="French holidays", country="FR")
    assert "public holiday in FR" in slot_brake(slot=paris(2026, 7, 14, 8, 0), timezone="Europe/Paris", pauses=[],
                                                 blackouts=[blackout])
    assert slot_brake(slot=paris(2026, 7, 15, 8, 0), timezone="Europe/Paris", pauses=[], blackouts=[blackout]) is None


def pause(**values) -> JobPause:
    base = dict(kind=PauseKind.USER, cause="user", note="", until=None, created_by="alice",
                created_at=paris(2026, 1, 1, 12, 0), lifted_at=None)
    base.update(values)
    return JobPause(**base)


def test_pause_covers_slots_until_its_until_or_its_lift():
    start = paris(2026, 1, 1, 12, 0)
    open_ended = pause()
    assert pause_covers(open_ended, start + timedelta(days=30))
    bounded = pause(until=start + timedelta(hours=2))
    assert pause_covers(bounded, start + timedelta(hours=1, minutes=59))
    assert not pause_covers(bounded, start + timedelta(hours=2))
    lifted = pause(lifted_at=start + timedelta(hours=1))
    # A slot before the lift is covered even when claimed after it: no backlog after resume.
    assert pause_covers(lifted, start + timedelta(minutes=59))
    assert not pause_covers(lifted, start + timedelta(hours=1))


def test_pause_reasons_name_who_until_and_why():
    until = paris(2026, 1, 5, 8, 0)
    assert pause_reason(pause(until=until, note="holiday")) == f"paused by alice until {until.isoformat()}: holiday"
    assert pause_reason(pause(note="")) == "paused by alice"
    system = pause(kind=PauseKind.SYSTEM, cause="needs_reauth", note="checkpoint in execution 42", created_by="system")
    assert pause_reason(system) == "paused by the system: needs_reauth: checkpoint in execution 42"


def test_user_pause_is_named_before_a_system_pause_and_before_a_blackout():
    slot = paris(2026, 12, 25, 8, 0)
    system = pause(kind=PauseKind.SYSTEM, cause="cooling_down", created_at=paris(2025, 1, 1, 0, 0))
    assert slot_brake(slot=slot, timezone="Europe/Paris", pauses=[system, pause(note="xmas")],
                      blackouts=[christmas()]) == "paused by alice: xmas"
    assert slot_brake(slot=slot, timezone="Europe/Paris", pauses=[], blackouts=[christmas()]) == "blackout Christmas"


def test_jitter_over_1000_slots_never_before_its_slot_nor_at_or_after_the_next(settings):
    settings.BOT_WORKING_HOURS = ""
    schedule = SlotSchedule(every=90, anchor=datetime(2026, 1, 1, tzinfo=UTC))
    slots = [datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=90 * k) for k in range(1, 1002)]
    offsets = []
    for slot, following in zip(slots, slots[1:], strict=False):
        fired = fire_time(job_id="job-1", slot=slot, jitter=3600, next_slot=following, timezone="UTC")
        assert slot <= fired < following
        assert schedule.next_after(slot) == following
        offsets.append((fired - slot).total_seconds())
    assert len(offsets) == 1000
    assert max(offsets) == 89 and min(offsets) == 0  # clipped to next slot - 1 s, and spread over it
    assert len(set(offsets)) > 60


def test_jitter_is_deterministic_per_job_and_slot(settings):
    settings.BOT_WORKING_HOURS = ""
    slot, following = datetime(2026, 3, 1, 8, tzinfo=UTC), datetime(2026, 3, 2, 8, tzinfo=UTC)
    first = jitter_offset(job_id="a", slot=slot, jitter=1800, next_slot=following)
    assert first == jitter_offset(job_id="a", slot=slot.astimezone(PARIS), jitter=1800, next_slot=following)
    others = {jitter_offset(job_id=f"job-{n}", slot=slot, jitter=1800, next_slot=following) for n in range(50)}
    assert len(others) > 40 and all(0 <= offset <= 1800 for offset in others)
    assert jitter_offset(job_id="a", slot=slot, jitter=0, next_slot=following) == 0


def test_jitter_is_clipped_to_the_working_hours_end(settings):
    settings.BOT_WORKING_HOURS = "09:00-20:00"
    for minute in range(0, 60, 3):
        slot = paris(2026, 5, 4, 19, minute)
        fired = fire_time(job_id=f"j{minute}", slot=slot, jitter=86400, next_slot=slot + timedelta(days=1),
                          timezone="Europe/Paris")
        assert slot <= fired < paris(2026, 5, 4, 20, 0)
    # Outside the window nothing is clipped (the run is skipped as out of hours anyway).
    night = paris(2026, 5, 4, 22, 0)
    assert fire_time(job_id="x", slot=night, jitter=600, next_slot=night + timedelta(days=1),
                     timezone="Europe/Paris") <= night + timedelta(seconds=600)


def test_catch_up_measures_grace_from_the_fire_time():
    from scheduler_app.catchup import plan_slots

    slot = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    now = slot + timedelta(seconds=100)
    assert plan_slots([slot], now=now, grace_seconds=60, coalesce=True).missed  # 100 s late from the slot
    on_time = plan_slots([slot], now=now, grace_seconds=60, coalesce=True, offsets=[50])  # 50 s from its fire
    assert on_time.send == [slot] and not on_time.missed
