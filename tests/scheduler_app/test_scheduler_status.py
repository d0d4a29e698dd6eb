"""``manage.py scheduler_status`` and the Healthchecks ping, on a real Redis server.

scheduler_status prints health as JSON and exits 0 / 1 (no leader, Redis down, dispatch lag) /
2 (no database), the reason on stderr. The beat's status key is written as the leading beat
writes it (beat_status_write) or by a real leading FleetScheduler; exit 2 runs in another
process pointed at a port where no database listens.

The ping: real FleetSchedulers on the real Redis, and a real HTTP server on 127.0.0.1 as the
Healthchecks receiver. The leader pings once per HEALTHCHECKS_PING_EVERY_SECONDS (60 by default:
"every minute"; 1 s here so the test is quick), a standby beat never pings.
"""
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from config.celery import app as celery_app
from scheduler_app import beat_status
from scheduler_app.stack import ProcessGroup, free_port, start_redis
from tests.support.celery_broker import celery_send_to
from tests.support.receivers import PingReceiver

ROOT = Path(__file__).resolve().parents[2]
LEADER = {"leader": {"id": "beat-1", "host": "node-1", "pid": 7}, "since": "2026-12-04T10:00:00+00:00",
          "last_dispatch": None}


def run_status(*args: str) -> tuple[int, dict, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("scheduler_status", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, json.loads(out.getvalue()), err.getvalue()


@pytest.fixture
def redis_server(settings, tmp_path):
    """A real Redis server; settings, the status client and Celery pointed at it."""
    url = f"redis://127.0.0.1:{free_port()}/0"
    group = ProcessGroup()
    previous_broker = celery_app.conf.broker_url
    try:
        start_redis(group, url=url, data_dir=tmp_path / "redis", log=tmp_path / "redis.log")
        settings.REDIS_URL = url
        beat_status._client.cache_clear()
        celery_send_to(url)
        yield url
    finally:
        celery_send_to(previous_broker)
        beat_status._client.cache_clear()
        group.stop()


@pytest.mark.django_db
def test_a_leading_beat_on_time_exits_0(redis_server):
    assert beat_status.beat_status_write({**LEADER, "lag_seconds": 0.4})
    code, health, err = run_status()
    assert code == 0 and err == ""
    assert health["status"] == "ok" and health["beat_leader"]["id"] == "beat-1"


@pytest.mark.django_db
def test_no_leader_exits_1_and_says_why(redis_server):
    code, health, err = run_status()
    assert code == 1 and "no beat leads" in err
    assert health["redis_connected"] is True and health["scheduler_running"] is False


@pytest.mark.django_db
def test_redis_down_exits_1(settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    beat_status._client.cache_clear()
    try:
        code, health, err = run_status()
    finally:
        beat_status._client.cache_clear()
    assert code == 1 and "Redis" in err and health["redis_connected"] is False


@pytest.mark.django_db
def test_dispatch_lag_past_max_lag_exits_1(redis_server):
    beat_status.beat_status_write({**LEADER, "lag_seconds": 75.0})
    code, _, err = run_status()
    assert code == 1 and "dispatch lags 75.0 s" in err
    assert run_status("--max-lag", "90")[0] == 0
    beat_status.beat_status_write({**LEADER, "lag_seconds": 60.0})
    assert run_status()[0] == 0  # the default 60 s is still healthy
    beat_status.beat_status_write({**LEADER, "lag_seconds": 60.5})
    assert run_status()[0] == 1


def test_no_database_exits_2():
    """Another process, pointed at a port where no database listens."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings",
           "DATABASE_URL": f"postgres://nobody:nothing@127.0.0.1:{free_port()}/none",
           "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
    result = subprocess.run([sys.executable, "manage.py", "scheduler_status"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "database is unavailable" in result.stderr
    assert json.loads(result.stdout)["database"] == "unavailable"


def tick_until_leading(scheduler, *, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not (scheduler.leading and beat_status.beat_status_read()):
        assert time.monotonic() < deadline, "the beat never led"
        time.sleep(min(scheduler.tick(), 0.05))


@pytest.mark.timeout(60)
def test_a_real_leading_beat_on_real_redis_exits_0(transactional_db, redis_server, settings):
    from scheduler_app.beat import FleetScheduler

    assert run_status()[0] == 1  # Redis up, nothing leads yet
    scheduler = FleetScheduler(app=celery_app, lazy=True)
    try:
        tick_until_leading(scheduler)
        code, health, err = run_status()
        assert code == 0, err
        assert health["beat_leader"]["id"] == scheduler._leadership.identity["id"]
    finally:
        scheduler.close()


def tick_for(seconds: float, *schedulers) -> None:
    """Tick every scheduler, as their beat loops would, for ``seconds`` of wall time."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for scheduler in schedulers:
            scheduler.tick()
        time.sleep(0.05)


def test_the_ping_period_is_a_minute_by_default():
    from django.conf import settings

    assert settings.HEALTHCHECKS_PING_EVERY_SECONDS == 60 and settings.HEALTHCHECKS_PING_URL == ""


@pytest.mark.timeout(60)
def test_the_leading_beat_pings_every_period_and_a_standby_never(transactional_db, redis_server, settings):
    from scheduler_app.beat import FleetScheduler

    settings.BEAT_LEADER_TTL_SECONDS = 30  # the leader keeps its key while only the standby ticks
    settings.HEALTHCHECKS_PING_EVERY_SECONDS = 1
    with PingReceiver() as receiver:
        settings.HEALTHCHECKS_PING_URL = receiver.url + "/ping/3f1c-uuid"
        leader, standby = FleetScheduler(app=celery_app, lazy=True), FleetScheduler(app=celery_app, lazy=True)
        try:
            tick_until_leading(leader)
            tick_for(0.5, standby)
            assert standby.tick() and not standby.leading
            started = time.monotonic()
            tick_for(4.5, leader, standby)
            time.sleep(0.5)  # the last ping's thread answers
            pings = [ping for ping in receiver.pings if ping[0] >= started - 1.0]
            assert 4 <= len(pings) <= 6, [round(at - started, 2) for at, *_ in pings]
            gaps = [later[0] - earlier[0] for earlier, later in zip(pings, pings[1:], strict=False)]
            assert all(0.8 <= gap <= 1.5 for gap in gaps), gaps
            assert {(path, agent) for _, path, agent in pings} == {("/ping/3f1c-uuid", "bot-scheduler-beat")}

            # Only the standby ticks now (the leader's key is still held): no ping in 3 periods.
            before = len(receiver.pings)
            tick_for(3.2, standby)
            time.sleep(0.5)
            assert not standby.leading and len(receiver.pings) == before
        finally:
            standby.close()
            leader.close()


@pytest.mark.timeout(60)
def test_no_ping_without_a_url_and_a_dead_receiver_does_not_stop_beat(transactional_db, redis_server, settings):
    from scheduler_app.beat import FleetScheduler

    settings.HEALTHCHECKS_PING_EVERY_SECONDS = 1
    with PingReceiver() as receiver:
        settings.HEALTHCHECKS_PING_URL = ""
        scheduler = FleetScheduler(app=celery_app, lazy=True)
        try:
            tick_until_leading(scheduler)
            tick_for(2.2, scheduler)
            assert receiver.pings == []
            settings.HEALTHCHECKS_PING_URL = f"http://127.0.0.1:{free_port()}/ping"  # refused
            tick_for(2.2, scheduler)
            assert scheduler.leading and run_status()[0] == 0
        finally:
            scheduler.close()
