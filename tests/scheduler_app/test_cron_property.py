"""Cron syntax: what is accepted is honoured identically by next-runs, beat and an independent
reference; what is not is a 400 naming the field (issue 15).

The property test generates random expressions over the accepted grammar
(``cron_syntax_problem`` in scheduler_app/spec.py), random IANA zones and random moments (a good
share within a day of a DST transition), creates the jobs through the service, and compares, as
UTC instants:

- next-runs: ``job_next_runs`` (scheduler_app/selectors.py);
- beat: ``row_slot_schedule`` (scheduler_app/beat.py) of the job's ``beat_entry_rows`` row, walked
  with ``next_after``;
- a reference written here from standard cron semantics and zoneinfo alone (no croniter, nothing
  from scheduler_app's schedule code), with the DST rules of scheduler_app/schedules.py: a
  wall-clock time the spring-forward gap skips fires once, at the first instant after the gap; a
  time the fall-back repeats fires once, at its first occurrence.
"""
import random
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError
from rest_framework.test import APIClient

from scheduler_app.beat import row_slot_schedule
from scheduler_app.models import ScheduledJob
from scheduler_app.selectors import beat_entry_rows, job_next_runs
from scheduler_app.services import job_create
from scheduler_app.services.api_keys import api_key_create
from scheduler_app.spec import CronSchedule
from tests.factories import job_data

SEED = 20260615
COUNT = 5  # fire times compared per case
EXPRESSIONS = 1000  # accepted expressions, one job each
AFTERS_PER_JOB = 3  # moments each job is asked about: EXPRESSIONS x AFTERS_PER_JOB cases

ZONES = (
    "UTC", "Europe/Paris", "Europe/London", "America/New_York", "America/Santiago", "America/Havana",
    "Australia/Sydney", "Australia/Lord_Howe", "Pacific/Chatham", "Asia/Kolkata", "Asia/Tehran",
    "America/St_Johns", "Africa/Casablanca", "Pacific/Auckland", "Europe/Chisinau", "America/Godthab",
)

# --- the reference -------------------------------------------------------------------------------

# (lowest, highest, names) of each field; day-of-week runs 0-7, both ends Sunday.
FIELDS = (
    (0, 59, ()),
    (0, 23, ()),
    (1, 31, ()),
    (1, 12, ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")),
    (0, 7, ("sun", "mon", "tue", "wed", "thu", "fri", "sat")),
)


def _number(token: str, index: int) -> int:
    low, high, names = FIELDS[index]
    if token.isdigit():
        value = int(token)
    else:
        value = names.index(token) + (1 if index == 3 else 0)
    assert low <= value <= high, (token, index)
    return value


def field_values(text: str, index: int) -> frozenset[int]:
    """Standard cron: ``*`` the whole range, ``a-b`` forwards, ``/n`` every n-th from the start,
    ``a/n`` from a to the end of the range; day-of-week 7 is Sunday (0)."""
    low, high, _ = FIELDS[index]
    values: set[int] = set()
    for term in text.lower().split(","):
        span, slash, step = term.partition("/")
        if span == "*":
            first, last = low, high
        elif "-" in span:
            first, last = (_number(bound, index) for bound in span.split("-"))
        else:
            first = _number(span, index)
            last = high if slash else first
        assert first <= last, term
        values.update(range(first, last + 1, int(step) if slash else 1))
    if index == 4:
        values = {value % 7 for value in values}
    return frozenset(values)


@dataclass(frozen=True)
class Reference:
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # Sunday = 0

    @classmethod
    def parse(cls, expression: str) -> "Reference":
        minute, hour, dom, month, dow = expression.split()
        # The grammar restricts one of day-of-month and day-of-week at most, so the other is the
        # whole range and a day matches when it is in both.
        assert dom == "*" or dow == "*", expression
        return cls(tuple(sorted(field_values(minute, 0))), tuple(sorted(field_values(hour, 1))),
                   field_values(dom, 2), field_values(month, 3), field_values(dow, 4))

    def day_matches(self, day: date) -> bool:
        return (day.month in self.months and day.day in self.days
                and (day.weekday() + 1) % 7 in self.weekdays)


def resolve(wall: datetime, zone: ZoneInfo) -> datetime:
    """The instant a wall-clock time fires at: itself (its first occurrence when it repeats), or,
    when the spring-forward gap skips it, the transition instant (the first one after the gap)."""
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == wall:
        return first
    # In a gap, fold=1 reads it with the offset after the transition (an instant before it) and
    # fold=0 with the offset before (an instant after it): the transition lies between.
    low, high = wall.replace(tzinfo=zone, fold=1).astimezone(UTC), first
    assert low < high, wall
    after_offset = high.astimezone(zone).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0)
        if middle.astimezone(zone).utcoffset() == after_offset:
            high = middle
        else:
            low = middle
    return high


def reference_fire_times(expression: str, zone_name: str, after: datetime, count: int) -> list[datetime]:
    """The first ``count`` fire times strictly after ``after``, as UTC instants, by walking the
    calendar days in the zone."""
    rule = Reference.parse(expression)
    zone = ZoneInfo(zone_name)
    after = after.astimezone(UTC)
    day = after.astimezone(zone).date() - timedelta(days=1)
    found: set[datetime] = set()
    complete_days = 0
    while True:
        if rule.day_matches(day):
            for hour in rule.hours:
                last = resolve(datetime(day.year, day.month, day.day, hour, rule.minutes[-1]), zone)
                if last <= after:
                    continue  # fire times grow with the wall-clock time: the whole hour is past
                for minute in rule.minutes:
                    moment = resolve(datetime(day.year, day.month, day.day, hour, minute), zone)
                    if moment > after:
                        found.add(moment)
        if len(found) >= count:
            complete_days += 1
            if complete_days > 1:  # one more whole day: nothing later can come before
                return sorted(found)[:count]
        day += timedelta(days=1)
        assert day.year < 2100, expression


# --- the generator -------------------------------------------------------------------------------

def _render(value: int, index: int, rng: random.Random) -> str:
    names = FIELDS[index][2]
    offset = 1 if index == 3 else 0
    if names and value - offset < len(names) and rng.random() < 0.4:
        name = names[value - offset]
        return name.capitalize() if rng.random() < 0.1 else name
    return str(value)


def _value(index: int, rng: random.Random) -> int:
    low, high, _ = FIELDS[index]
    if index == 1 and rng.random() < 0.6:
        return rng.randint(0, 4)  # DST transitions happen at night
    return rng.randint(low, high)


def _term(index: int, rng: random.Random) -> str:
    low, high, _ = FIELDS[index]
    kind = rng.choice(("number", "number", "range", "star-step", "range-step", "start-step"))
    if kind == "start-step" and index == 4:
        kind = "range-step"
    step = rng.choice((1, 2, 3, 5, rng.randint(1, high - low + 1)))
    if kind == "number":
        return _render(_value(index, rng), index, rng)
    if kind == "star-step":
        return f"*/{step}"
    first = _value(index, rng)
    if kind == "start-step":
        return f"{_render(first, index, rng)}/{step}"
    if first == high or rng.random() < 0.05:
        last = first  # refused: croniter reads equal ends as the whole field
    else:
        last = rng.randint(first + 1, min(high, first + 4)) if rng.random() < 0.5 else rng.randint(first + 1, high)
    span = f"{_render(first, index, rng)}-{_render(last, index, rng)}"
    return span if kind == "range" else f"{span}/{step}"


def _field(index: int, rng: random.Random, *, restricted: bool) -> str:
    if not restricted:
        return "*"
    return ",".join(_term(index, rng) for _ in range(rng.choice((1, 1, 1, 2, 3))))


def random_expression(rng: random.Random) -> str:
    days = rng.choice(("none", "dom", "dow", "dow"))
    return " ".join((
        _field(0, rng, restricted=rng.random() < 0.9),
        _field(1, rng, restricted=rng.random() < 0.85),
        _field(2, rng, restricted=days == "dom"),
        _field(3, rng, restricted=rng.random() < 0.3),
        _field(4, rng, restricted=days == "dow"),
    ))


def accepted(expression: str) -> bool:
    try:
        CronSchedule(cron_expression=expression)
    except ValidationError:
        return False
    return True


@cache
def transitions(zone_name: str) -> tuple[datetime, ...]:
    """The zone's UTC offset changes in 2025-2030 (found hour by hour, then to the second)."""
    zone = ZoneInfo(zone_name)
    found = []
    moment, end = datetime(2025, 1, 1, tzinfo=UTC), datetime(2031, 1, 1, tzinfo=UTC)
    offset = moment.astimezone(zone).utcoffset()
    while moment < end:
        following = moment + timedelta(hours=1)
        if following.astimezone(zone).utcoffset() != offset:
            low, high = moment, following
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == offset:
                    low = middle
                else:
                    high = middle
            found.append(high)
            offset = following.astimezone(zone).utcoffset()
        moment = following
    return tuple(found)


def random_after(zone_name: str, rng: random.Random) -> datetime:
    """A moment in 2025-2030; about half within a day of one of the zone's DST transitions, and
    often on a whole minute (a possible fire time itself: fire times are strictly after)."""
    changes = transitions(zone_name)
    if changes and rng.random() < 0.55:
        moment = rng.choice(changes) + timedelta(minutes=rng.randint(-24 * 60, 24 * 60))
    else:
        moment = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 6 * 365 * 24 * 60))
    if rng.random() < 0.5:
        moment += timedelta(seconds=rng.randint(1, 59), microseconds=rng.choice((0, rng.randint(0, 999999))))
    return moment.astimezone(ZoneInfo(zone_name)) if rng.random() < 0.5 else moment


def generated_cases(rng: random.Random, expressions: int) -> tuple[list[tuple[str, str]], int]:
    """(expression, zone) pairs over the accepted grammar, and how many generated ones were refused."""
    cases, refused = [], 0
    while len(cases) < expressions:
        expression = random_expression(rng)
        if accepted(expression):
            cases.append((expression, rng.choice(ZONES)))
        else:
            refused += 1
    return cases, refused


# --- the tests -----------------------------------------------------------------------------------

def _utc(times) -> list[datetime]:
    return [moment.astimezone(UTC) for moment in times]


def _beat_times(job, after: datetime, count: int) -> list[datetime]:
    (row,) = beat_entry_rows(job_ids=[job.pk])
    schedule = row_slot_schedule(row)
    times, moment = [], after
    for _ in range(count):
        moment = schedule.next_after(moment)
        times.append(moment)
    return times


def test_reference_knows_the_dst_rules():
    """The reference itself, on hand-checked cases (Paris: 02:00 -> 03:00 on 2026-03-29, 03:00 ->
    02:00 on 2026-10-25; Lord Howe: 02:00 -> 02:30 on 2026-10-04)."""
    paris = datetime(2026, 3, 28, 12, tzinfo=UTC)
    assert [t.isoformat() for t in reference_fire_times("30 2 * * *", "Europe/Paris", paris, 2)] == [
        "2026-03-29T01:00:00+00:00", "2026-03-30T00:30:00+00:00"]
    assert [t.isoformat() for t in reference_fire_times("*/20 2-3 * * *", "Europe/Paris", paris, 4)] == [
        "2026-03-29T01:00:00+00:00", "2026-03-29T01:20:00+00:00", "2026-03-29T01:40:00+00:00",
        "2026-03-30T00:00:00+00:00"]
    autumn = datetime(2026, 10, 24, 12, tzinfo=UTC)
    assert [t.isoformat() for t in reference_fire_times("30 1-3 * * *", "Europe/Paris", autumn, 4)] == [
        "2026-10-24T23:30:00+00:00", "2026-10-25T00:30:00+00:00", "2026-10-25T02:30:00+00:00",
        "2026-10-26T00:30:00+00:00"]
    lord_howe = datetime(2026, 10, 3, 12, tzinfo=UTC)
    assert [t.isoformat() for t in reference_fire_times("15 2 * * *", "Australia/Lord_Howe", lord_howe, 2)] == [
        "2026-10-03T15:30:00+00:00", "2026-10-04T15:15:00+00:00"]
    assert field_values("5-7/2", 4) == {5, 0}
    assert field_values("7-7", 4) == {0}
    assert field_values("jan/5", 3) == {1, 6, 11}
    assert field_values("*/7", 4) == {0}


def test_generator_covers_the_grammar():
    rng = random.Random(SEED)
    cases, refused = generated_cases(rng, 500)
    expressions = [expression for expression, _ in cases]
    assert refused < len(cases), "most generated expressions must be accepted"
    text = " ".join(expressions)
    for form in ("-", "/", ",", "*/", "jan", "mon", " 7", "7 ", "Mon"):
        assert form in text or form.strip() in text, form
    doms = [e for e in expressions if e.split()[2] != "*"]
    dows = [e for e in expressions if e.split()[4] != "*"]
    assert len(doms) > 50 and len(dows) > 100


def test_beat_and_next_runs_equal_the_reference(db):
    started = time.monotonic()
    rng = random.Random(SEED)
    cases, _ = generated_cases(rng, EXPRESSIONS)
    checked, disagreements = 0, []
    for number, (expression, zone) in enumerate(cases):
        job = job_create(data=job_data(name=f"cron {number}", schedule_type="cron", timezone=zone,
                                       schedule_config={"cron_expression": expression}))
        for _ in range(AFTERS_PER_JOB):
            after = random_after(zone, rng)
            expected = reference_fire_times(expression, zone, after, COUNT)
            next_runs = _utc(job_next_runs(job=job, count=COUNT, after=after))
            beat = _utc(_beat_times(job, after, COUNT))
            checked += 1
            if not (next_runs == beat == expected):
                disagreements.append((expression, zone, after.isoformat(), [t.isoformat() for t in expected],
                                      [t.isoformat() for t in next_runs], [t.isoformat() for t in beat]))
    assert not disagreements, f"{len(disagreements)} of {checked} cases disagree, e.g. {disagreements[:5]}"
    assert checked == EXPRESSIONS * AFTERS_PER_JOB
    print(f"{checked} cases in {time.monotonic() - started:.1f}s")


def test_a_skipped_time_fires_after_the_gap_whatever_the_hour_field(db):
    """02:08 does not exist in Paris on 2026-03-29: "8 * * * *" fires at 03:00 for it, as a fixed
    "8 2 * * *" would (croniter's own DST handling skipped it)."""
    job = job_create(data=job_data(schedule_type="cron", timezone="Europe/Paris",
                                   schedule_config={"cron_expression": "8 * * * *"}))
    after = datetime(2026, 3, 29, 0, 30, tzinfo=ZoneInfo("Europe/Paris"))
    expected = ["2026-03-29T00:08:00+00:00", "2026-03-29T01:00:00+00:00", "2026-03-29T01:08:00+00:00"]
    assert [t.isoformat() for t in _utc(job_next_runs(job=job, count=3, after=after))] == expected
    assert [t.isoformat() for t in _utc(_beat_times(job, after, 3))] == expected


REFUSED = [
    "0 8 * * 1#2",  # the second Monday (issue 15: stored, then fired every Monday)
    "0 8 L * *",  # the last day of the month
    "0 8 * * 5L",  # the last Friday
    "0 8 15W * *",  # the weekday nearest the 15th
    "0 8 ? * 1",
    "H 8 * * *",  # a hashed minute
    "0 22-2 * * *",  # backwards
    "0 8 * * 1/2",  # Monday to 6 or to 7?
    "0 3-3 * * *",  # equal ends: croniter reads them as the whole field
    "0 8 * * 7-7",
    "0 8 * mar-mar *",
]


@pytest.fixture
def client(db) -> APIClient:
    """An API client with a key, as in tests/api/conftest.py."""
    _, key = api_key_create(name="tests")
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=key)
    return client


@pytest.mark.parametrize("expression", REFUSED)
def test_syntax_beat_cannot_honour_is_a_400_naming_the_field(client, expression):
    response = client.post("/scheduler/jobs", job_data(schedule_type="cron",
                                                       schedule_config={"cron_expression": expression}),
                           format="json")
    assert response.status_code == 400, response.content[:300]
    assert "schedule_config.cron_expression" in response.json()["errors"], response.json()
    assert not ScheduledJob.objects.exists()
