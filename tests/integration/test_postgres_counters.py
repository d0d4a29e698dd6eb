"""The run counters behind /stats stay exact under concurrent writers on PostgreSQL: workers
claiming and finishing shared slots, the reaper ending abandoned runs (some then finished late),
beat recording missed slots, and a job deleted meanwhile; and none of them deadlocks."""
import os
import subprocess
import sys
import time
from contextlib import contextmanager
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
WORKERS = 4

RECOUNT = """
    SELECT job_id, (queued_at AT TIME ZONE 'Europe/Paris')::date, status, count(*), sum(messages_sent),
           sum(profiles_visited)
    FROM scheduler_app_jobexecution
    WHERE status IN ('success', 'failed', 'skipped', 'missed', 'cancelled')
    GROUP BY 1, 2, 3
"""
COUNTERS = """
    SELECT job_id, day, status, runs, messages_sent, profiles_visited FROM scheduler_app_executiondaycount
    WHERE runs <> 0 OR messages_sent <> 0 OR profiles_visited <> 0
"""
NEWEST = """
    SELECT id FROM scheduler_app_jobexecution e
    WHERE queued_at = (SELECT max(queued_at) FROM scheduler_app_jobexecution WHERE job_id = e.job_id)
"""
FINAL = {"success", "failed", "skipped", "missed", "cancelled"}
FLEET = """
    SELECT day, status, sum(runs), sum(messages_sent), sum(profiles_visited) FROM scheduler_app_fleetdaycount
    GROUP BY 1, 2 HAVING sum(runs) <> 0 OR sum(messages_sent) <> 0 OR sum(profiles_visited) <> 0
"""


@contextmanager
def _race_database():
    """A migrated PostgreSQL with 4 jobs: (url, env, job ids, the racers' common start, the
    command that starts a racer, tests/support/counter_race.py)."""
    with postgres_server() as url:
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings",
               "SCHEDULER_LEASE_SECONDS": "2", "TIME_ZONE": "Europe/Paris", "EXECUTION_RETENTION_DAYS": "90"}
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        job_ids = subprocess.run([sys.executable, "-m", "tests.support.counter_race", "setup", "4"], cwd=ROOT,
                                 env=env, check=True, capture_output=True, text=True).stdout.split()
        yield url, env, job_ids, str(time.time() + 5), [sys.executable, "-m", "tests.support.counter_race"]


def test_counters_equal_a_recount_after_concurrent_runs_reaps_dispatches_and_a_delete():
    with _race_database() as (url, env, job_ids, start_at, command):
        racers = [subprocess.Popen([*command, "work", str(seed), start_at, *job_ids], cwd=ROOT, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                  for seed in range(WORKERS)]
        racers.append(subprocess.Popen([*command, "dispatch", "99", start_at, *job_ids], cwd=ROOT, env=env,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        racers.append(subprocess.Popen([*command, "reap", start_at, "12"], cwd=ROOT, env=env,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        outputs = [racer.communicate(timeout=200) for racer in racers]
        for racer, (out, err) in zip(racers, outputs, strict=True):
            assert racer.returncode == 0 and out.strip() == "ok", err[-3000:]

        with psycopg.connect(url.replace("postgres://", "postgresql://")) as conn:
            recount = {tuple(row[:3]): tuple(row[3:]) for row in conn.execute(RECOUNT)}
            counters = {tuple(row[:3]): tuple(row[3:]) for row in conn.execute(COUNTERS)}
            fleet = {tuple(row[:2]): tuple(row[2:]) for row in conn.execute(FLEET)}
            statuses = {row[0] for row in conn.execute("SELECT DISTINCT status FROM scheduler_app_jobexecution")}
            deleted = conn.execute("SELECT count(*) FROM scheduler_app_scheduledjob WHERE id = %s",
                                   (job_ids[-1],)).fetchone()[0]
        assert deleted == 0
        assert {"success", "failed", "skipped", "missed"} <= statuses, statuses
        assert counters == recount
        fleet_recount = {}
        for (_, day, status), (runs, messages, visits) in recount.items():
            previous = fleet_recount.get((day, status), (0, 0, 0))
            fleet_recount[(day, status)] = (previous[0] + runs, previous[1] + messages, previous[2] + visits)
        assert fleet == fleet_recount


def test_the_history_prune_races_runs_dispatches_and_a_delete_without_deadlock_or_a_lost_newest_row():
    """The prune takes the job rows first, like every other writer (scheduler_app/services/executions.py):
    racing claims, finishes, the reaper, beat's records and a job delete, nothing deadlocks, and
    every job keeps its newest row."""
    with _race_database() as (url, env, job_ids, start_at, command):
        racers = [subprocess.Popen([*command, "work", str(seed), start_at, *job_ids], cwd=ROOT, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                  for seed in range(2)]
        racers.append(subprocess.Popen([*command, "dispatch", "7", start_at, *job_ids], cwd=ROOT, env=env,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        racers.append(subprocess.Popen([*command, "reap", start_at, "14"], cwd=ROOT, env=env,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        racers.append(subprocess.Popen([*command, "prune", start_at, "10"], cwd=ROOT, env=env,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        outputs = [racer.communicate(timeout=200) for racer in racers]
        for racer, (out, err) in zip(racers, outputs, strict=True):
            assert racer.returncode == 0 and out.strip().startswith("ok"), err[-3000:]
        assert int(outputs[-1][0].split()[1]) > 0  # the prune did delete while the others ran
        # Once more after the others stopped: all that may go goes, and each job's newest stays.
        with psycopg.connect(url.replace("postgres://", "postgresql://")) as conn:
            newest = {row[0] for row in conn.execute(NEWEST)}
        subprocess.run([*command, "prune", str(time.time()), "1"], cwd=ROOT, env=env, check=True,
                       capture_output=True)

        with psycopg.connect(url.replace("postgres://", "postgresql://")) as conn:
            left = {row[0]: row[1] for row in conn.execute("SELECT id, status FROM scheduler_app_jobexecution")}
            survivors = [row[0] for row in conn.execute("SELECT id FROM scheduler_app_scheduledjob")]
        assert len(survivors) == len(job_ids) - 1
        assert newest and newest <= set(left)  # no job lost its newest row
        assert {pk for pk, status in left.items() if status in FINAL} <= newest  # the rest of the old went
