"""One browser per LinkedIn account, fleet-wide, with real processes: PostgreSQL, Redis, Celery
workers driving real Chromium against the sandbox, and SIGKILL.

- A birthday job and a visitor job of one account, due at the same second and taken by two
  workers, never drive the account at once (the sandbox's own record of what each did, timed,
  shows one after the other), while a job of a second account runs beside them.
- A worker SIGKILLed while it holds an account frees it when the lease runs out: the next run of
  that account gets its browser within the lease (plus one poll), and the killed run ends
  "worker lost".
"""
import json
import time
from datetime import UTC, datetime

import psutil
import pytest

from bots.browser import MARKER_SWITCH
from bots.sandbox.scenario import SESSION_COOKIE, SESSION_TOKEN
from bots.sandbox.server import SandboxClient, SandboxServer
from config.celery import app as celery_app
from scheduler_app.sync import RUN_JOB_TASK
from tests.bots.conftest import CHROMIUM
from tests.support.celery_broker import celery_send_to
from tests.support.fleet import Fleet, fresh_database, migrated_cluster
from tests.support.postgres import postgres_bin_dir

pytestmark = [
    pytest.mark.integration,
    pytest.mark.browser,
    pytest.mark.timeout(300),
    pytest.mark.slow,
    pytest.mark.skipif(postgres_bin_dir() is None, reason="PostgreSQL server not installed"),
    pytest.mark.skipif(not CHROMIUM, reason="no Chromium"),
]

LEASE_SECONDS = 6


@pytest.fixture(scope="module")
def pg_template():
    with migrated_cluster() as url:
        yield url


@pytest.fixture
def sandbox():
    with SandboxServer() as server:
        yield server


@pytest.fixture
def fleet(pg_template, sandbox, tmp_path):
    env = {
        "SCHEDULER_LEASE_SECONDS": str(LEASE_SECONDS),
        "SCHEDULER_REAP_EVERY_SECONDS": "2",
        "BOT_RUNNERS": json.dumps({"birthday": "bots.birthday.run", "visitor": "bots.visitor.run"}),
        "LINKEDIN_BASE_URL": sandbox.base_url,
        "LINKEDIN_STORAGE_STATE": str(tmp_path / "no-file.json"),
        "PLAYWRIGHT_CHROMIUM_EXECUTABLE": CHROMIUM,
        "BOT_PAUSE_MIN_SECONDS": "0",
        "BOT_PAUSE_MAX_SECONDS": "0",
        "BOT_SCROLL_WAIT_MS": "300",
        "BOT_ACTION_TIMEOUT_MS": "8000",
        "BOT_SEND_CONFIRM_MS": "3000",
        "BOT_WORKING_HOURS": "",
        "BOT_BROWSER_SLOTS": "0",
        "NOTIFY_WATCHDOG": "0",
    }
    fleet = Fleet(fresh_database(pg_template), tmp_path / "fleet", env=env)
    previous = celery_app.conf.broker_url
    try:
        fleet.start_redis()
        celery_send_to(fleet.redis_url)
        yield fleet
    finally:
        celery_send_to(previous)
        fleet.stop()
        _kill_orphan_chromium()
        print(fleet.dump_logs(60))


def _kill_orphan_chromium() -> None:
    for proc in psutil.process_iter(["cmdline"]):
        if any(part.startswith(MARKER_SWITCH) for part in proc.info["cmdline"] or []):
            proc.kill()


def _account(fleet: Fleet, sandbox: SandboxServer, label: str) -> str:
    state = {"cookies": [{"name": SESSION_COOKIE, "value": SESSION_TOKEN, "domain": "127.0.0.1", "path": "/",
                          "expires": -1, "httpOnly": True, "secure": False, "sameSite": "Lax"}], "origins": []}
    return fleet.create_account({"label": label, "storage_state": json.dumps(state)})


def _job(label: str, account: str, bot_type: str, bot_config: dict) -> dict:
    # A daily slot far from now: the test sends the slot itself, as beat would.
    return {"name": label, "bot_type": bot_type, "account": account, "schedule_type": "daily",
            "schedule_config": {"hour": 3, "minute": 0}, "bot_config": bot_config}


def _send_slot(job_ids: list[str], slot: datetime) -> None:
    for job_id in job_ids:
        celery_app.send_task(RUN_JOB_TASK, kwargs={"job_id": job_id, "scheduled_for": slot.isoformat()})


def _finals(fleet: Fleet, job_ids: list[str]) -> list[dict]:
    return [row for row in fleet.executions(job_ids) if row["status"] not in ("queued", "running")]


def _span(entries: list[dict]) -> tuple[datetime, datetime]:
    times = sorted(datetime.fromisoformat(entry["at"]) for entry in entries)
    return times[0], times[-1]


def test_two_jobs_of_one_account_never_drive_it_at_once_while_another_account_runs_beside(fleet, sandbox):
    client = SandboxClient(sandbox.base_url)
    client.reset(faults={"slow_ms": 250, "decoy_overlay": False})
    alpha, beta = _account(fleet, sandbox, "alpha"), _account(fleet, sandbox, "beta")
    fleet.sql("UPDATE bots_linkedinaccount SET warmup_started_at = now() - interval '1 year'")
    ids = fleet.create_jobs([
        _job("alpha birthdays", alpha, "birthday", {"dry_run": False, "process_late": True, "max_days_late": 7}),
        _job("alpha visits", alpha, "visitor", {"dry_run": False, "keywords": "Data engineer", "limit": 5}),
        _job("beta visits", beta, "visitor", {"dry_run": False, "keywords": "Recruiter", "limit": 5}),
    ])
    fleet.start_worker("w1", concurrency=2)
    fleet.start_worker("w2", concurrency=1)
    time.sleep(3)  # both workers consuming
    _send_slot(ids, datetime.now(UTC).replace(microsecond=0))

    deadline = time.time() + 200
    while len(_finals(fleet, ids)) < 3 and time.time() < deadline:
        time.sleep(1)
    rows = {str(row["job_id"]): row for row in _finals(fleet, ids)}
    assert len(rows) == 3, fleet.executions(ids)
    assert all(row["status"] == "success" for row in rows.values()), [(r["status"], r["error"]) for r in rows.values()]
    state = client.state()
    people = {p["slug"]: p for p in state["scenario"]["people"]}
    alpha_visits = [v for v in state["visits"] if people[v["slug"]]["headline"] == "Data engineer"]
    beta_visits = [v for v in state["visits"] if people[v["slug"]]["headline"] == "Recruiter"]
    assert len(state["messages"]) == 6 and len(alpha_visits) == 5 and len(beta_visits) == 5
    messages, visits, beside = _span(state["messages"]), _span(alpha_visits), _span(beta_visits)
    # Account alpha: one job's browser work ends before the other's begins.
    assert messages[1] < visits[0] or visits[1] < messages[0], (messages, visits)
    # Account beta did not wait for alpha: it was at work before alpha's first run was done.
    first = min(messages, visits)
    assert beside[0] < first[1], (first, beside)
    beta_run = rows[ids[2]]
    assert beta_run["started_at"] < first[1] and "account busy" not in json.dumps(beta_run["result"])


def test_a_worker_killed_while_holding_an_account_frees_it_within_the_lease(fleet, sandbox):
    client = SandboxClient(sandbox.base_url)
    client.reset(faults={"slow_ms": 1500, "decoy_overlay": False})  # a run that lasts
    alpha = _account(fleet, sandbox, "alpha")
    fleet.sql("UPDATE bots_linkedinaccount SET warmup_started_at = now() - interval '1 year'")
    slow, nxt = fleet.create_jobs([
        _job("alpha birthdays", alpha, "birthday", {"dry_run": False, "process_late": True}),
        _job("alpha visits", alpha, "visitor", {"dry_run": False, "keywords": "Data engineer", "limit": 1}),
    ])
    fleet.start_worker("w1", concurrency=1)
    fleet.start_beat("b1")  # its reaper ends the killed run
    time.sleep(3)
    _send_slot([slow], datetime.now(UTC).replace(microsecond=0))
    deadline = time.time() + 60
    holder = None
    while time.time() < deadline and holder is None:
        row = fleet.sql("SELECT browser_execution_id FROM bots_linkedinaccount WHERE id = %s", (alpha,))[0]
        holder = row["browser_execution_id"]
        time.sleep(0.2)
    assert holder is not None, "the run never took its account"
    time.sleep(2)  # Chromium up, the lease renewed at least once

    fleet.kill("w1")  # SIGKILL: the worker, its pool child and its driver
    killed_at = time.time()
    _kill_orphan_chromium()
    client.faults(slow_ms=0)
    fleet.start_worker("w2", concurrency=1)
    _send_slot([nxt], datetime.now(UTC).replace(microsecond=0))

    taken_at = None
    while time.time() < killed_at + 60:
        row = fleet.sql("SELECT browser_execution_id FROM bots_linkedinaccount WHERE id = %s", (alpha,))[0]
        if row["browser_execution_id"] not in (None, holder):
            taken_at = time.time()
            break
        time.sleep(0.2)
    assert taken_at is not None, "the account was never freed"
    # The lease (6 s) plus one poll of the waiting run (1 s) and some slack for a loaded machine.
    assert taken_at - killed_at <= LEASE_SECONDS + 4, taken_at - killed_at
    deadline = time.time() + 90
    while time.time() < deadline and len(_finals(fleet, [slow, nxt])) < 2:
        time.sleep(1)
    by_job = {str(row["job_id"]): row for row in _finals(fleet, [slow, nxt])}
    assert by_job[nxt]["status"] == "success", by_job[nxt]["error"]
    assert by_job[slow]["status"] == "failed" and by_job[slow]["error"].startswith("worker lost")
