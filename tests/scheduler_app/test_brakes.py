"""Pauses, blackouts and jitter through the services: the claim refuses braked slots with the
reason, resuming sends no backlog, and beat's due time is the jittered fire time."""
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.utils.timezone import now as utc_now

from scheduler_app.beat import FleetScheduler
from scheduler_app.brakes.models import JobPause
from scheduler_app.brakes.services import (
    BrakeValidationError,
    blackout_create,
    job_pause,
    job_resume,
    jobs_pause,
    jobs_pause_system,
    jobs_resume_system,
)
from scheduler_app.models import JobExecution, ScheduledJob
from scheduler_app.schedules import job_slot_fire_time
from scheduler_app.selectors import beat_entry_rows, job_interval_anchor, job_next_runs_marked
from scheduler_app.services import execution_claim
from tests.factories import make_job

pytestmark = pytest.mark.django_db


def minute_job(**overrides):
    return make_job(schedule_type="cron", schedule_config={"cron_expression": "* * * * *"}, **overrides)


def recent_slot(minutes_ago: int = 0) -> datetime:
    return utc_now().replace(second=0, microsecond=0) - timedelta(minutes=minutes_ago)


def test_a_paused_slot_is_one_skipped_row_with_the_reason():
    job = minute_job()
    job_pause(job=job, until=None, note="on holiday", actor="alice")
    slot = recent_slot()
    assert execution_claim(job_id=job.pk, scheduled_for=slot) is None
    assert execution_claim(job_id=job.pk, scheduled_for=slot) is None  # a second delivery
    (row,) = JobExecution.objects.filter(job=job)
    assert (row.status, row.error, row.scheduled_for) == ("skipped", "paused by alice: on holiday", slot)
    job.refresh_from_db()
    assert job.enabled  # enabled is the permanent switch, untouched by pause


def test_resume_lets_new_slots_run_but_not_old_ones_claimed_late():
    job = minute_job()
    job_pause(job=job, note="", actor="alice")
    during = recent_slot(1)
    assert job_resume(job=job, actor="alice") == 1
    # A slot that came due during the pause, claimed only now (a late worker, beat's catch-up).
    assert execution_claim(job_id=job.pk, scheduled_for=during) is None
    assert JobExecution.objects.get(job=job, scheduled_for=during).status == "skipped"
    after = recent_slot() + timedelta(minutes=1)
    assert execution_claim(job_id=job.pk, scheduled_for=after).status == "running"


def test_pause_until_ends_by_itself():
    job = minute_job()
    job_pause(job=job, until=recent_slot() + timedelta(minutes=1), note="", actor="alice")
    assert execution_claim(job_id=job.pk, scheduled_for=recent_slot()) is None
    assert execution_claim(job_id=job.pk, scheduled_for=recent_slot() + timedelta(minutes=1)).status == "running"


def test_pausing_again_replaces_the_user_pause_and_keeps_one_row():
    job = minute_job()
    job_pause(job=job, note="first", actor="alice")
    job_pause(job=job, note="second", actor="bob")
    (pause,) = JobPause.objects.filter(job=job, lifted_at__isnull=True)
    assert (pause.note, pause.created_by) == ("second", "bob")


@pytest.mark.parametrize("kwargs, field", [
    ({"until": datetime(2020, 1, 1, tzinfo=UTC)}, "until"),
    ({"until": datetime(2099, 1, 1)}, "until"),
    ({"note": "x" * 501}, "note"),
])
def test_bad_pause_input_names_the_field_and_stores_nothing(kwargs, field):
    job = minute_job()
    with pytest.raises(BrakeValidationError) as caught:
        job_pause(job=job, actor="alice", **kwargs)
    assert list(caught.value.errors) == [field]
    assert not JobPause.objects.exists()


def test_system_pause_is_lifted_by_its_cause_and_leaves_the_user_pause():
    job, other = minute_job(), minute_job(bot_type="visitor")
    jobs = ScheduledJob.objects.filter(pk__in=[job.pk, other.pk])
    job_pause(job=job, note="mine", actor="alice")
    assert jobs_pause_system(jobs=jobs, cause="needs_reauth", reason="checkpoint in execution 7") == 2
    assert execution_claim(job_id=other.pk, scheduled_for=recent_slot()) is None
    assert JobExecution.objects.get(job=other).error == "paused by the system: needs_reauth: checkpoint in execution 7"
    # A user's resume leaves a system pause standing; include_system lifts it.
    assert job_resume(job=other, actor="alice") == 0
    assert jobs_resume_system(jobs=jobs, cause="needs_reauth") == 2
    assert list(JobPause.objects.filter(lifted_at__isnull=True).values_list("job_id", "cause")) == [(job.pk, "user")]
    assert execution_claim(job_id=other.pk, scheduled_for=recent_slot() + timedelta(minutes=1)).status == "running"


def test_bulk_pause_by_bot_type():
    birthday, visitor = minute_job(), minute_job(bot_type="visitor")
    assert jobs_pause(jobs=ScheduledJob.objects.filter(bot_type="visitor"), note="", actor="alice") == 1
    assert set(JobPause.objects.values_list("job_id", flat=True)) == {visitor.pk}
    assert execution_claim(job_id=birthday.pk, scheduled_for=recent_slot()).status == "running"


def test_blackout_of_a_bot_type_skips_its_slots_in_the_job_zone():
    job = minute_job(timezone="Asia/Tokyo", bot_type="visitor")
    other = minute_job(timezone="Asia/Tokyo")
    local_today = utc_now().astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tokyo")).date()
    blackout_create(data={"name": "quiet", "start_date": local_today, "start_time": time(0),
                          "end_date": local_today + timedelta(days=1), "scope": "bot_type", "bot_type": "visitor"})
    assert execution_claim(job_id=job.pk, scheduled_for=recent_slot()) is None
    assert JobExecution.objects.get(job=job).error == "blackout quiet"
    assert execution_claim(job_id=other.pk, scheduled_for=recent_slot()).status == "running"


@pytest.mark.parametrize("data, field", [
    ({"name": "x", "start_date": date(2026, 12, 26), "end_date": date(2026, 12, 24)}, "end"),
    ({"name": "x", "country": "ZZ"}, "country"),
    ({"name": "x"}, "start_date"),
    ({"name": "x", "country": "FR", "scope": "bot_type", "bot_type": "nope"}, "bot_type"),
    ({"name": "x", "country": "FR", "scope": "jobs", "jobs": ["00000000-0000-0000-0000-000000000000"]}, "jobs"),
])
def test_bad_blackout_names_the_field(data, field):
    with pytest.raises(BrakeValidationError) as caught:
        blackout_create(data=data)
    assert field in caught.value.errors


def test_next_runs_mark_braked_slots_and_show_fire_times(settings):
    settings.BOT_WORKING_HOURS = ""
    job = make_job(schedule_type="daily", schedule_config={"hour": 8, "minute": 0}, timezone="Europe/Paris",
                   jitter_seconds=600)
    blackout_create(data={"name": "Christmas", "start_date": date(2026, 12, 24), "end_date": date(2026, 12, 27),
                          "yearly": True})
    marked = job_next_runs_marked(job=job, count=5, after=datetime(2027, 12, 22, 12, 0))
    assert [slot["scheduled_for"].day for slot in marked] == [23, 24, 25, 26, 27]
    assert [slot["skipped_because"] for slot in marked] == [None, "blackout Christmas", "blackout Christmas",
                                                            "blackout Christmas", None]
    for slot in marked:
        assert slot["scheduled_for"] <= slot["fire_at"] <= slot["scheduled_for"] + timedelta(seconds=600)
    assert any(slot["fire_at"] != slot["scheduled_for"] for slot in marked)


def test_a_jittered_slot_claimed_after_its_grace_from_the_slot_is_not_missed(settings):
    settings.BOT_WORKING_HOURS = ""
    job = minute_job(jitter_seconds=3600, misfire_grace_time=1)
    # A slot whose stable per-slot delay is over a second (a minutely job clips jitter to 59 s; the
    # delay of one slot of a random job id is under 1 s one time in 59, so look at a few).
    anchor = job_interval_anchor(job=job)
    slot = next(slot for slot in (recent_slot(minutes) for minutes in range(5, 16))
                if job_slot_fire_time(job, slot, anchor=anchor) > slot + timedelta(seconds=1))
    claim = execution_claim(job_id=job.pk, scheduled_for=slot)
    # Five minutes after a fire time at most 59 s after the slot: missed, the reason names the fire time.
    assert claim is None
    assert "its fire time" in JobExecution.objects.get(job=job).error


def _beat_due(row):
    beat = FleetScheduler.__new__(FleetScheduler)
    beat._crontabs = {}
    beat._reset_state()
    entry = beat._entry(row)
    beat._schedule(entry)
    return entry.slot, entry.due


def test_two_beats_agree_on_the_jittered_due_time_and_it_is_the_fire_time(settings):
    settings.BOT_WORKING_HOURS = ""
    jittered = make_job(schedule_type="interval", schedule_config={"seconds": 300}, jitter_seconds=120)
    plain = make_job(schedule_type="interval", schedule_config={"seconds": 300})
    rows = {row[1]: row for row in beat_entry_rows()}
    first, second = _beat_due(rows[jittered.pk]), _beat_due(rows[jittered.pk])
    assert first == second
    slot, due = first
    assert due == job_slot_fire_time(jittered, slot, anchor=job_interval_anchor(job=jittered)).timestamp()
    assert slot.timestamp() <= due < slot.timestamp() + 121
    plain_slot, plain_due = _beat_due(rows[plain.pk])
    assert plain_due == plain_slot.timestamp()  # jitter 0: due on the slot, as before


class _Factory:
    def build(self, task, kwargs, time_limit=None):
        return kwargs["scheduled_for"].encode()


def test_catch_up_sends_no_jittered_slot_before_its_fire_time(settings):
    settings.BOT_WORKING_HOURS = ""
    from scheduler_app.beat import Entry
    from scheduler_app.jitter import jitter_offset
    from scheduler_app.schedules import SlotSchedule

    anchor = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    last = anchor + timedelta(seconds=300)
    # A job id whose newest slot fires late enough to fall after "now" below.
    job_id = next(f"job-{n}" for n in range(1000)
                  if jitter_offset(job_id=f"job-{n}", slot=last, jitter=50, next_slot=last + timedelta(seconds=60)) > 5)
    beat = FleetScheduler.__new__(FleetScheduler)
    beat._crontabs = {}
    beat._reset_state()
    beat._factory = _Factory()
    sent = []
    beat._publish = lambda payloads, **_: sent.extend(payloads) or len(payloads)
    entry = Entry(job_id, 1, SlotSchedule(every=60, anchor=anchor), anchor, 3600, False)
    entry.jitter, entry.timezone = 50, "UTC"
    beat._schedule(entry)
    now = last + timedelta(seconds=2)  # the 5th slot is due nominally, but its fire time has not come
    ((_, newest, slots, missed),) = beat._push_group([entry], now)
    assert slots == [anchor + timedelta(seconds=60 * k) for k in range(1, 5)] and not missed
    assert newest == anchor + timedelta(seconds=240)  # the cursor stops before the 5th slot
    assert [payload.decode() for payload in sent] == [slot.isoformat() for slot in slots]
