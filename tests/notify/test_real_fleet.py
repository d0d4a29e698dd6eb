"""Notifications through real processes (tests/support/fleet.py: PostgreSQL, Redis, beats and
workers) and real receivers (tests/support/receivers.py): one incident is one alert per channel,
a worker SIGKILLed mid-delivery loses nothing, ``silent`` and ``no_leader`` are raised by the
workers' watchdog (scheduler_app/notify/watch.py)."""
import json
import subprocess
import sys
import time

import pytest

from tests.support.fleet import ROOT, Fleet, fresh_database, interval_job, migrated_cluster
from tests.support.postgres import postgres_bin_dir
from tests.support.receivers import WebhookReceiver

pytestmark = [
    pytest.mark.integration,
    pytest.mark.timeout(180),
    pytest.mark.skipif(postgres_bin_dir() is None, reason="PostgreSQL server not installed"),
]

SECRET = "fleet-webhook-secret-0001"
NO_LEADER_AFTER = 5
LEADER_TTL = 6
NOTIFY_ENV = {
    "NOTIFY_WATCH_EVERY_SECONDS": "1",
    "NOTIFY_LEASE_SECONDS": "4",
    "NOTIFY_REAP_SLACK_SECONDS": "2",
    "NOTIFY_RETRY_BASE_SECONDS": "1",
    "NOTIFY_NO_LEADER_AFTER_SECONDS": str(NO_LEADER_AFTER),
    "BEAT_LEADER_TTL": str(LEADER_TTL),
}


@pytest.fixture(scope="module")
def pg_template():
    with migrated_cluster() as url:
        yield url


@pytest.fixture
def make_fleet(pg_template, tmp_path):
    fleets = []

    def make(**env) -> Fleet:
        fleet = Fleet(fresh_database(pg_template), tmp_path / f"fleet{len(fleets)}", env={**NOTIFY_ENV, **env})
        fleets.append(fleet)
        fleet.start_redis()
        return fleet

    yield make
    for fleet in fleets:
        fleet.stop()
        print(fleet.dump_logs(60))


def add_channel(fleet: Fleet, url: str, rules: list[dict], name: str = "hook") -> str:
    document = {"channel": {"name": name, "kind": "webhook", "config": {"url": url}, "secret": SECRET},
                "rules": rules}
    result = subprocess.run([sys.executable, "-m", "tests.support.notify_cli"], cwd=ROOT, env=fleet.env,
                            input=json.dumps(document), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip().splitlines()[-1]


def deliveries(fleet: Fleet, **where) -> list[dict]:
    clause = " AND ".join(f"{column} = %({column})s" for column in where) or "TRUE"
    return fleet.sql(f"SELECT * FROM scheduler_app_notificationdelivery WHERE {clause} ORDER BY created_at", where)


def wait(check, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


def statuses(fleet: Fleet, job_id: str) -> list[str]:
    return [row["status"] for row in fleet.sql(
        "SELECT status FROM scheduler_app_jobexecution WHERE job_id = %s ORDER BY scheduled_for", (job_id,))]


def test_one_incident_one_alert_per_channel_then_one_recovered(make_fleet, tmp_path):
    flag = tmp_path / "fail"
    flag.touch()
    fleet = make_fleet(BOT_RUNNERS=json.dumps({"birthday": "tests.support.runners.fail_while_flagged"}),
                       TEST_RUNNER_FAIL_FILE=str(flag))
    with WebhookReceiver(SECRET) as first, WebhookReceiver(SECRET) as second:
        (job_id,) = fleet.create_jobs([interval_job("flaky", 2)])
        for name, receiver in (("a", first), ("b", second)):
            add_channel(fleet, receiver.url, [{"events": ["failed", "recovered"], "job_id": job_id,
                                               "min_consecutive_failures": 3}], name=name)
        fleet.start_worker("w1")
        fleet.start_beat("b1")
        wait(lambda: statuses(fleet, job_id).count("failed") >= 2, timeout=40, what="two failed runs")
        assert first.events() == [] and second.events() == [], "alerted before the 3rd failure"
        wait(lambda: statuses(fleet, job_id).count("failed") >= 5, timeout=40, what="five failed runs")
        for receiver in (first, second):
            receiver.wait(lambda r: r.events(), timeout=15, what="the failed alert")
        flag.unlink()
        for receiver in (first, second):
            receiver.wait(lambda r: "recovered" in r.events(), timeout=30, what="the recovered alert")
        wait(lambda: statuses(fleet, job_id)[-3:] == ["success"] * 3, timeout=30, what="three more successes")
        time.sleep(2)
    for receiver in (first, second):
        assert receiver.events() == ["failed", "recovered"]
        assert receiver.rejected == []
        assert all(count == 1 for count in receiver.hits.values())
    assert sorted(row["event"] for row in deliveries(fleet)) == ["failed", "failed", "recovered", "recovered"]
    assert {row["status"] for row in deliveries(fleet)} == {"delivered"}


@pytest.mark.slow
def test_worker_sigkill_during_a_delivery_delivers_it_later_once_per_id(make_fleet):
    fleet = make_fleet(BOT_RUNNERS=json.dumps({"birthday": "tests.support.runners.fail"}))
    with WebhookReceiver(SECRET, delays=[8]) as receiver:
        (job_id,) = fleet.create_jobs([interval_job("failing", 3)])
        add_channel(fleet, receiver.url, [{"events": ["failed"], "job_id": job_id}])
        fleet.start_worker("w1")
        fleet.start_beat("b1")
        receiver.wait(lambda r: r.requests, timeout=40, what="the first delivery attempt")
        fleet.kill("w1")  # while the receiver holds the request open
        killed_at = time.time()
        (row,) = deliveries(fleet)
        assert row["status"] == "sending"
        fleet.start_worker("w2")
        delivered = wait(lambda: [r for r in deliveries(fleet) if r["status"] == "delivered"], timeout=40,
                         what="the delivery after the kill")
        took = time.time() - killed_at
    assert [r["id"] for r in delivered] == [row["id"]]
    assert delivered[0]["attempts"] >= 2
    assert receiver.rejected == []
    assert list(receiver.hits) == [str(row["id"])], "one delivery id, whatever the attempts"
    assert 1 <= receiver.hits[str(row["id"])] <= 3
    assert took < 30, took


@pytest.mark.slow
def test_silent_fires_when_every_run_is_skipped(make_fleet):
    fleet = make_fleet(BOT_RUNNERS=json.dumps({"birthday": "tests.support.runners.skip"}))
    period, grace = 3, 1
    with WebhookReceiver(SECRET) as receiver:
        created = time.time()
        (job_id,) = fleet.create_jobs([interval_job("always skipped", period, misfire_grace_time=grace)])
        add_channel(fleet, receiver.url, [{"events": ["silent"], "job_id": job_id}])
        fleet.start_worker("w1")
        fleet.start_beat("b1")
        receiver.wait(lambda r: r.events(), timeout=period + grace + 60, what="the silent alert")
        took = time.time() - created
        time.sleep(3)
    assert "skipped" in statuses(fleet, job_id) and "success" not in statuses(fleet, job_id)
    assert receiver.events() == ["silent"], "one alert per silence"
    assert took <= period + grace + 60, took
    payload = json.loads(receiver.accepted[0].body)
    assert payload["job"]["id"] == job_id and "no successful run" in payload["reason"]


@pytest.mark.slow
def test_silent_fires_when_the_beat_is_killed(make_fleet):
    fleet = make_fleet(BOT_RUNNERS=json.dumps({"birthday": "tests.support.runners.succeed"}))
    period, grace = 3, 1
    with WebhookReceiver(SECRET) as receiver:
        (job_id,) = fleet.create_jobs([interval_job("stops", period, misfire_grace_time=grace)])
        add_channel(fleet, receiver.url, [{"events": ["silent"], "job_id": job_id}])
        fleet.start_worker("w1")
        fleet.start_beat("b1")
        wait(lambda: "success" in statuses(fleet, job_id), timeout=40, what="a success")
        fleet.kill("b1")
        killed_at = time.time()
        receiver.wait(lambda r: r.events(), timeout=period + grace + 60, what="the silent alert")
        took = time.time() - killed_at
    assert receiver.events() == ["silent"]
    assert took <= period + grace + 60, took


@pytest.mark.slow
def test_no_leader_is_sent_by_the_worker_when_every_beat_is_killed_and_recovered_after(make_fleet):
    fleet = make_fleet()
    with WebhookReceiver(SECRET) as receiver:
        add_channel(fleet, receiver.url, [{"events": ["no_leader", "recovered"]}])
        fleet.start_worker("w1")
        fleet.start_beat("b1")
        fleet.start_beat("b2")
        fleet.wait_leader(timeout=30)
        time.sleep(2)
        assert receiver.events() == []
        fleet.kill("b1")
        fleet.kill("b2")
        killed_at = time.time()
        receiver.wait(lambda r: r.events(), timeout=LEADER_TTL + NO_LEADER_AFTER + 30, what="no_leader")
        took = time.time() - killed_at
        assert receiver.events() == ["no_leader"]
        fleet.start_beat("b1")
        receiver.wait(lambda r: "recovered" in r.events(), timeout=30, what="recovered")
        time.sleep(2)
    assert receiver.events() == ["no_leader", "recovered"]
    assert took <= LEADER_TTL + NO_LEADER_AFTER + 10, took
    assert json.loads(receiver.accepted[0].body)["event"] == "no_leader"
