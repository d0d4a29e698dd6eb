"""Claims raced by several processes on PostgreSQL, where rows really are written concurrently.

Each racer is its own process with its own connection, released at the same instant: the
(job, scheduled_for) constraint must leave exactly one execution per slot, and the job-row
lock must keep max_instances from being exceeded.
"""
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from tests.support.postgres import postgres_bin_dir, postgres_server

pytestmark = [
    pytest.mark.integration,
    pytest.mark.timeout(300),
    pytest.mark.skipif(postgres_bin_dir() is None, reason="PostgreSQL server not installed"),
]
ROOT = Path(__file__).resolve().parents[2]
RACERS = 8


@pytest.fixture(scope="module")
def pg_env():
    with postgres_server() as url:
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"}
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        yield env, url


def run(env, *args) -> str:
    return subprocess.run([sys.executable, "-m", "tests.support.claim_race", *args], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True).stdout.strip()


def race(env, job_id: str, slots: list[datetime]) -> list[str]:
    start_at = time.time() + 4  # every racer has imported Django and connected by then
    racers = [subprocess.Popen([sys.executable, "-m", "tests.support.claim_race", "claim", job_id, slot.isoformat(),
                                str(start_at)], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
              for slot in slots]
    return [racer.communicate(timeout=120)[0].strip() for racer in racers]


def statuses(url: str, job_id: str) -> list[tuple]:
    with psycopg.connect(url.replace("postgres://", "postgresql://")) as conn:
        return conn.execute(
            "SELECT status, scheduled_for FROM scheduler_app_jobexecution WHERE job_id = %s", (job_id,)
        ).fetchall()


def test_one_slot_claimed_by_many_processes_runs_once(pg_env):
    env, url = pg_env
    job_id = run(env, "setup", "10")
    slot = datetime.now(tz=UTC).replace(microsecond=0)
    results = race(env, job_id, [slot] * RACERS)
    assert sorted(results) == ["none"] * (RACERS - 1) + ["running"], results
    assert [status for status, _ in statuses(url, job_id)] == ["running"]


def test_an_upstream_finish_delivered_many_times_at_once_starts_one_chained_run(pg_env):
    env, url = pg_env
    downstream_id, execution_id = run(env, "chain-setup").split()
    start_at = time.time() + 4
    racers = [subprocess.Popen([sys.executable, "-m", "tests.support.claim_race", "chain-finish", execution_id,
                                str(start_at)], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
              for _ in range(RACERS)]
    outputs = [racer.communicate(timeout=120)[0] for racer in racers]

    assert all(racer.returncode == 0 for racer in racers)
    assert sum(output.count("sent") for output in outputs) == 1, outputs
    with psycopg.connect(url.replace("postgres://", "postgresql://")) as conn:
        rows = conn.execute("SELECT trigger, triggered_by_id FROM scheduler_app_jobexecution WHERE job_id = %s",
                            (downstream_id,)).fetchall()
    assert [(trigger, str(upstream)) for trigger, upstream in rows] == [("chained", execution_id)]


def test_a_chain_insert_and_beats_dispatch_of_both_jobs_do_not_deadlock(pg_env):
    env, _ = pg_env
    answer = run(env, "chain-vs-dispatch")
    assert answer == ("errors=[] rows=[('down', 'chained', 'queued'), ('down', 'scheduled', 'queued'), "
                      "('up', 'scheduled', 'queued'), ('up', 'scheduled', 'success')]"), answer


def test_max_instances_holds_under_concurrent_claims(pg_env):
    env, url = pg_env
    job_id = run(env, "setup", "1")
    base = datetime.now(tz=UTC).replace(microsecond=0)
    slots = [base - timedelta(seconds=i) for i in range(RACERS)]  # distinct slots, all due
    results = race(env, job_id, slots)
    assert results.count("running") == 1, results
    rows = statuses(url, job_id)
    assert sorted(status for status, _ in rows) == ["running"] + ["skipped"] * (RACERS - 1)


def test_finish_locks_the_job_before_the_execution_so_it_cannot_deadlock_a_claim(pg_env):
    # The claim locks job then execution; a finish that locked execution then job deadlocked
    # with it (two copies of one slot), and the aborted finish left the run "running".
    env, url = pg_env
    job_id = run(env, "setup", "5")
    assert run(env, "lock-order", job_id) == "job-first success"


def test_beat_records_its_push_job_rows_first_so_a_claim_cannot_deadlock_it(pg_env):
    # Beat records a queued row per slot it pushed; a worker's claim of one of those slots holds
    # the job row and inserts the same slot. Seen in the two-beat fault test as a deadlock.
    env, url = pg_env
    first, second = run(env, "setup", "5"), run(env, "setup", "5")
    assert run(env, "dispatch-order", first, second) == "job-first queued,running"


# Suites about parsing, schedules or documents, whatever the database: left to the SQLite run.
NOT_ON_POSTGRESQL = ("tests/scheduler_app/test_cron_property.py", "tests/scheduler_app/test_schedules.py",
                     "tests/scheduler_app/test_spec.py", "tests/scheduler_app/test_transfer.py",
                     "tests/scheduler_app/test_import_upstream.py", "tests/scheduler_app/test_jobs_command.py",
                     "tests/api/test_jobs_transfer.py", "tests/api/test_health_and_schema.py")


@pytest.mark.timeout(900)
def test_services_and_api_suites_pass_on_postgresql(pg_env):
    """The job services, executions, admin and API tests, re-run with PostgreSQL as the database:
    row locks and joins behave differently there than on SQLite."""
    env, url = pg_env
    ignored = [f"--ignore={path}" for path in NOT_ON_POSTGRESQL]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *ignored, "tests/scheduler_app", "tests/api"],
        cwd=ROOT, env={**env, "DATABASE_URL": url}, capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
