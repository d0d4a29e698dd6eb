"""The fleet beat against a real Redis and the test database, ticked in this process.

What a real worker makes of the messages, and faults with killed processes, are in
test_beat_worker.py and test_fleet_faults.py; here each property of the scheduler is pinned down
where it can be watched tick by tick: one leader and its fence, slots on the lattice, cursors only
after the push, the change feed, catch-up rows.
"""
import base64
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
import redis
from django_celery_beat.models import PeriodicTask

import scheduler_app.tasks  # noqa: F401  (registers the tasks with the app)
from config.celery import app as celery_app
from scheduler_app import beat as beat_module
from scheduler_app import beat_status
from scheduler_app.beat import FleetScheduler
from scheduler_app.envelopes import EnvelopeFactory
from scheduler_app.leader import LEADER_KEY, NotLeader
from scheduler_app.models import JobExecution
from scheduler_app.services import job_delete, job_toggle, job_update
from scheduler_app.sync import RUN_JOB_TASK
from tests.factories import make_job

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


@pytest.fixture
def fleet(transactional_db, point_celery_at, settings):
    settings.REDIS_URL = point_celery_at
    settings.BEAT_LEADER_TTL_SECONDS = 2
    beat_status._client.cache_clear()
    client = redis.Redis.from_url(point_celery_at)
    schedulers = []

    def scheduler() -> FleetScheduler:
        made = FleetScheduler(app=celery_app, lazy=True)
        schedulers.append(made)
        return made

    yield client, scheduler
    for made in schedulers:
        made.close()
    beat_status._client.cache_clear()


def messages(client) -> list[dict]:
    """Every task message waiting in the default queue, oldest first, decoded."""
    found = []
    for raw in reversed(client.lrange("celery", 0, -1)):
        envelope = json.loads(raw)
        args, kwargs, _ = json.loads(base64.b64decode(envelope["body"]))
        found.append({"task": envelope["headers"]["task"], "kwargs": kwargs, "envelope": envelope})
    return found


def job_messages(client) -> list[dict]:
    return [m["kwargs"] for m in messages(client) if m["task"] == RUN_JOB_TASK]


def tick_for(seconds: float, *schedulers: FleetScheduler) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for scheduler in schedulers:
            scheduler.tick()
        time.sleep(0.05)


def test_prebuilt_envelope_is_what_send_task_pushes(fleet):
    client, _ = fleet
    kwargs = {"job_id": "0b7c", "scheduled_for": "2026-12-01T08:00:00+01:00"}
    celery_app.send_task(RUN_JOB_TASK, kwargs=kwargs)
    stock = messages(client)[0]["envelope"]
    client.delete("celery")
    with celery_app.connection_for_write() as connection:
        factory = EnvelopeFactory(celery_app, connection.default_channel)
        ours = json.loads(factory.build(RUN_JOB_TASK, kwargs))
        assert factory.route(RUN_JOB_TASK).key == "celery"

    def shape(envelope):
        volatile = {"id", "root_id", "correlation_id", "delivery_tag", "reply_to", "origin"}
        headers = {k: v for k, v in envelope["headers"].items() if k not in volatile}
        properties = {k: v for k, v in envelope["properties"].items() if k not in volatile}
        return {**envelope, "headers": headers, "properties": properties}

    assert shape(ours) == shape(stock)
    assert ours["headers"]["id"] == ours["headers"]["root_id"] == ours["properties"]["correlation_id"]


def test_one_of_two_beats_leads_and_the_other_cannot_push(fleet):
    client, scheduler = fleet
    first, second = scheduler(), scheduler()
    tick_for(0.3, first, second)
    assert [first.leading, second.leading].count(True) == 1
    leader, standby = (first, second) if first.leading else (second, first)
    assert json.loads(client.get(LEADER_KEY))["id"] == leader._leadership.identity["id"]

    # The standby holds no token; a leader whose key was taken over is refused by the fence.
    with pytest.raises(NotLeader):
        standby._leadership.publish("celery", [b"x"])
    client.set(LEADER_KEY, "someone else")
    with pytest.raises(NotLeader):
        leader._leadership.publish("celery", [b"x"])
    assert client.llen("celery") == 0 or all(m["task"] != "x" for m in messages(client))
    assert not leader.leading


def test_a_standby_leads_within_the_ttl_once_the_leader_stops(fleet):
    _, scheduler = fleet
    first, second = scheduler(), scheduler()
    tick_for(0.3, first)
    assert first.leading
    tick_for(1.0, second)
    assert not second.leading  # the leader's key is still alive
    stopped_at = time.monotonic()
    while not second.leading and time.monotonic() - stopped_at < 10:
        tick_for(0.2, second)  # the first beat no longer ticks: dead
    assert second.leading
    assert time.monotonic() - stopped_at <= 2 + 1.5  # TTL 2 s, one election a second


def test_leader_sends_each_slot_once_on_the_lattice_and_records_the_cursor(fleet):
    client, scheduler = fleet
    job = make_job(schedule_type="interval", schedule_config={"seconds": 2})
    anchor = PeriodicTask.objects.get(pk=job.periodic_task_id).start_time
    leader = scheduler()
    tick_for(5.5, leader)
    slots = [datetime.fromisoformat(kwargs["scheduled_for"]) for kwargs in job_messages(client)]
    assert len(slots) >= 2 and len(set(slots)) == len(slots)
    assert all((slot - anchor).total_seconds() % 2 == 0 and slot > anchor for slot in slots)
    assert all(b - a == timedelta(seconds=2) for a, b in zip(slots, slots[1:], strict=False))
    assert PeriodicTask.objects.get(pk=job.periodic_task_id).last_run_at == max(slots)
    # Every slot sent has its row (queued: no worker runs here) before its cursor moved on.
    rows = dict(JobExecution.objects.filter(job=job).values_list("scheduled_for", "status"))
    assert set(slots) <= set(rows) and set(rows.values()) == {"queued"}

    # A second beat taking over from the cursor sends the next slot, not one already sent.
    leader.close()
    successor = scheduler()
    tick_for(2.5, successor)
    later = [datetime.fromisoformat(kwargs["scheduled_for"]) for kwargs in job_messages(client)]
    assert len(later) > len(slots) and len(set(later)) == len(later)


def test_a_failed_push_does_not_move_the_cursor_and_is_retried(fleet, monkeypatch):
    client, scheduler = fleet
    job = make_job(schedule_type="interval", schedule_config={"seconds": 1})
    leader = scheduler()
    tick_for(0.2, leader)
    real_publish = leader._leadership.publish

    def broker_down(key, payloads):
        raise redis.ConnectionError("Redis went away")

    monkeypatch.setattr(leader._leadership, "publish", broker_down)
    before = len(job_messages(client))
    cursor = PeriodicTask.objects.get(pk=job.periodic_task_id).last_run_at
    tick_for(2.2, leader)
    assert len(job_messages(client)) == before
    assert PeriodicTask.objects.get(pk=job.periodic_task_id).last_run_at == cursor
    monkeypatch.setattr(leader._leadership, "publish", real_publish)
    tick_for(1.5, leader)
    slots = [kwargs["scheduled_for"] for kwargs in job_messages(client)]
    # The slots of the failed pushes went out once the broker took them (coalesce folds them
    # into the latest and records the others), none twice.
    assert slots and len(set(slots)) == len(slots)
    rows = JobExecution.objects.filter(job=job, status="missed")
    assert all(row.error.startswith("coalesced into") for row in rows)
    sent_or_recorded = set(slots) | {row.scheduled_for.isoformat() for row in rows}
    assert len(sent_or_recorded) == len(slots) + rows.count()


def test_the_change_feed_reloads_only_the_changed_job(fleet):
    client, scheduler = fleet
    kept = make_job(name="kept", schedule_type="interval", schedule_config={"hours": 1})
    edited = make_job(name="edited", schedule_type="interval", schedule_config={"hours": 1})
    gone = make_job(name="gone", schedule_type="interval", schedule_config={"hours": 1})
    paused = make_job(name="paused", schedule_type="cron", schedule_config={"cron_expression": "0 3 * * *"})
    leader = scheduler()
    tick_for(0.3, leader)
    assert len(leader._entries) == 4
    kept_entry = leader._entries[str(kept.pk)]
    loads = []
    monkeypatch_load = leader._load_all
    leader._load_all = lambda: loads.append(1) or monkeypatch_load()

    job_update(job=kept, changes={"name": "renamed only"})  # nothing beat acts on
    job_update(job=edited, changes={"schedule_config": {"seconds": 1}})
    job_delete(job=gone)
    job_toggle(job=paused, enabled=False)
    started = time.monotonic()
    while time.monotonic() - started < 1.0 and str(gone.pk) in leader._entries:
        leader.tick()
        time.sleep(0.02)
    assert time.monotonic() - started < 1.0
    assert leader._entries[str(kept.pk)] is kept_entry, "an unchanged job is not reloaded"
    assert leader._entries[str(edited.pk)].schedule.every == 1
    assert str(gone.pk) not in leader._entries and str(paused.pk) not in leader._entries
    assert loads == [], "no full reload"
    tick_for(1.5, leader)
    assert {kwargs["job_id"] for kwargs in job_messages(client)} == {str(edited.pk)}
    job_toggle(job=paused, enabled=True)
    tick_for(0.5, leader)
    assert str(paused.pk) in leader._entries


@pytest.mark.parametrize("coalesce", [True, False])
def test_catch_up_after_downtime_leaves_a_row_or_a_run_for_every_slot(fleet, coalesce):
    client, scheduler = fleet
    job = make_job(schedule_type="interval", schedule_config={"seconds": 10}, misfire_grace_time=25,
                   coalesce=coalesce)
    task = PeriodicTask.objects.get(pk=job.periodic_task_id)
    # As if beat had been down for two minutes: the job's slots since then came due.
    anchor = task.start_time - timedelta(minutes=2)
    PeriodicTask.objects.filter(pk=task.pk).update(start_time=anchor, last_run_at=anchor)
    leader = scheduler()
    tick_for(0.5, leader)
    now = datetime.now(UTC)
    came_due = [anchor + timedelta(seconds=10 * k) for k in range(1, 20) if anchor + timedelta(seconds=10 * k) <= now]
    sent = [datetime.fromisoformat(kwargs["scheduled_for"]) for kwargs in job_messages(client)]
    missed = {row.scheduled_for: row.error for row in JobExecution.objects.filter(job=job, status="missed")}
    assert sorted(sent + list(missed)) == came_due, "each slot that came due is sent or recorded, once"
    late = [slot for slot in came_due if (now - slot).total_seconds() > 25.5]
    assert all("misfire_grace_time (25s)" in missed[slot] for slot in late)
    within = [slot for slot in came_due if slot not in late]
    if coalesce:
        assert sent == [came_due[-1]]
        assert all(missed[slot] == f"coalesced into {came_due[-1].isoformat()}" for slot in within[:-1])
    else:
        assert set(within) - set(sent) <= {slot for slot in within if (now - slot).total_seconds() > 24}
        assert len(sent) >= 2
    assert PeriodicTask.objects.get(pk=task.pk).last_run_at == came_due[-1]


def test_the_leader_reports_itself_for_health(fleet, client):
    _, scheduler = fleet
    make_job(schedule_type="interval", schedule_config={"seconds": 1})
    leader = scheduler()
    tick_for(1.5, leader)
    body = client.get("/scheduler/health").json()
    assert body["scheduler_running"] is True
    assert body["beat_leader"]["id"] == leader._leadership.identity["id"]
    assert body["dispatch_lag_seconds"] is not None and body["dispatch_lag_seconds"] < 1
    assert body["last_dispatch"]["messages"] >= 1


def test_a_long_catch_up_keeps_the_lead(fleet, monkeypatch):
    # Recording a whole fleet's missed slots can outlast the leader's lock (2 s here): the lead is
    # renewed between writes, or a standby would take over in the middle and both would work.
    _, scheduler = fleet
    job = make_job(schedule_type="interval", schedule_config={"seconds": 1}, misfire_grace_time=1)
    task = PeriodicTask.objects.get(pk=job.periodic_task_id)
    anchor = task.start_time - timedelta(minutes=1)
    PeriodicTask.objects.filter(pk=task.pk).update(start_time=anchor, last_run_at=anchor)
    real_record = beat_module.executions_record_dispatch

    def slow_record(**kwargs):
        time.sleep(0.7)
        return real_record(**kwargs)

    monkeypatch.setattr(beat_module, "RECORD_CHUNK", 10)
    monkeypatch.setattr(beat_module, "executions_record_dispatch", slow_record)
    leader = scheduler()
    leader.tick()  # about six slow writes: over 4 s
    assert leader.leading
    assert JobExecution.objects.filter(job=job, status="missed").count() >= 58
    assert PeriodicTask.objects.get(pk=task.pk).last_run_at > anchor + timedelta(seconds=58)


def test_a_change_read_while_the_database_fails_is_applied_later(fleet, monkeypatch):
    from django.db import OperationalError

    _, scheduler = fleet
    job = make_job(schedule_type="interval", schedule_config={"hours": 1})
    leader = scheduler()
    tick_for(0.3, leader)
    real_rows = beat_module.beat_entry_rows
    failures = []

    def locked_once(**kwargs):
        if kwargs.get("job_ids") is not None and not failures:
            failures.append(1)
            raise OperationalError("database is locked")
        return real_rows(**kwargs)

    monkeypatch.setattr(beat_module, "beat_entry_rows", locked_once)
    job_update(job=job, changes={"schedule_config": {"seconds": 1}})
    tick_for(1.0, leader)
    assert failures, "the reload did fail once"
    assert leader._entries[str(job.pk)].schedule.every == 1
