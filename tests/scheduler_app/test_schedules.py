"""Schedule math: next fire times, DST rules of docs/contract.md, intervals as elapsed time."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from scheduler_app.schedules import next_fire_times
from scheduler_app.spec import SCHEDULE_CONFIGS

PARIS = ZoneInfo("Europe/Paris")


def fires(schedule_type, config, after, count=3, anchor=None):
    return next_fire_times(schedule=SCHEDULE_CONFIGS[schedule_type].model_validate(config), timezone="Europe/Paris",
                           after=after, count=count, anchor=anchor)


def test_spring_forward_missing_time_fires_once_after_the_gap():
    times = fires("daily", {"hour": 2, "minute": 30}, datetime(2026, 3, 28, 12, tzinfo=PARIS))
    assert [t.isoformat() for t in times] == [
        "2026-03-29T03:00:00+02:00",
        "2026-03-30T02:30:00+02:00",
        "2026-03-31T02:30:00+02:00",
    ]


def test_fall_back_ambiguous_time_fires_once_at_first_occurrence():
    times = fires("daily", {"hour": 2, "minute": 30}, datetime(2026, 10, 24, 12, tzinfo=PARIS))
    assert [t.isoformat() for t in times] == [
        "2026-10-25T02:30:00+02:00",
        "2026-10-26T02:30:00+01:00",
        "2026-10-27T02:30:00+01:00",
    ]


def test_interval_is_elapsed_time_across_fall_back():
    times = fires("interval", {"hours": 1}, datetime(2026, 10, 25, 1, 10, tzinfo=PARIS))
    utc = [t.astimezone(ZoneInfo("UTC")) for t in times]  # same-zone subtraction is wall-clock
    gaps = [b - a for a, b in zip(utc, utc[1:], strict=False)]
    assert gaps == [timedelta(hours=1), timedelta(hours=1)]
    assert times[0].isoformat() == "2026-10-25T02:10:00+02:00"
    assert times[1].isoformat() == "2026-10-25T02:10:00+01:00"


def test_interval_counts_from_anchor():
    anchor = datetime(2026, 1, 1, 0, 0, tzinfo=PARIS)
    times = fires("interval", {"minutes": 30}, datetime(2026, 1, 1, 1, 5, tzinfo=PARIS), count=2, anchor=anchor)
    assert [t.strftime("%H:%M") for t in times] == ["01:30", "02:00"]


def test_weekly_fires_only_on_named_days():
    times = fires("weekly", {"day_of_week": "mon,wed,fri", "hour": 14, "minute": 30},
                  datetime(2026, 11, 23, 15, tzinfo=PARIS), count=4)  # a Monday, after 14:30
    assert [t.strftime("%a %H:%M") for t in times] == ["Wed 14:30", "Fri 14:30", "Mon 14:30", "Wed 14:30"]


def test_cron_one_to_five_is_monday_to_friday():
    times = fires("cron", {"cron_expression": "0 18 * * 1-5"}, datetime(2026, 11, 20, 19, tzinfo=PARIS), count=5)
    assert [t.strftime("%a") for t in times] == ["Mon", "Tue", "Wed", "Thu", "Fri"]


def test_manual_never_fires():
    assert fires("manual", {}, datetime(2026, 1, 1, tzinfo=PARIS)) == []
