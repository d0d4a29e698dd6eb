"""Fault tests for the fleet scheduler (issue 13), on PostgreSQL with real processes.

Every process is real (PostgreSQL, Redis, ``celery beat``, ``celery worker``) and every fault is a
real signal: SIGKILL of the leading beat, of a worker's pool child, of a whole worker, of Redis.
The claim checked after each fault is docs/contract.md "Semantics": every slot that came due has
exactly one row, no slot's bot ran twice (read from the runs the test runners record, since the
unique constraint makes a second row impossible but not a second run), and rows say why a slot
did not run (missed past grace, coalesced into the slot that ran, worker lost).

PostgreSQL is reached through subprocesses and psycopg (tests/support/fleet.py): this module
runs under pytest-django on SQLite like the rest of the suite, and never touches that database.
"""
import json
import re
import signal
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.fleet import Fleet, cron_job, fresh_database, interval_job, migrated_cluster
from tests.support.postgres import postgres_bin_dir

pytestmark = [
    pytest.mark.integration,
    pytest.mark.timeout(240),
    pytest.mark.skipif(postgres_bin_dir() is None, reason="PostgreSQL server not installed"),
]

LEASE_SECONDS = 6
REAP_EVERY_SECONDS = 2
LEADER_TTL_SECONDS = 6  # the default, stated: takeover "within 10 s" is promised with it
COALESCED = re.compile(r"coalesced into (\S+)")


@pytest.fixture(scope="module")
def pg_template():
    with migrated_cluster() as url:
        yield url


@pytest.fixture
def fleet(pg_template, tmp_path):
    """A fleet on a fresh database with its Redis running; no beat or worker yet. Logs of every
    process are printed at the end (pytest shows them when the test failed)."""
    env = {
        "SCHEDULER_LEASE_SECONDS": str(LEASE_SECONDS),
        "SCHEDULER_REAP_EVERY_SECONDS": str(REAP_EVERY_SECONDS),
        "BEAT_LEADER_TTL": str(LEADER_TTL_SECONDS),
        "TEST_RUNNER_SLEEP_SECONDS": "25",
    }
    fleet = Fleet(fresh_database(pg_template), tmp_path / "fleet", env=env)
    try:
        fleet.start_redis()
        yield fleet
    finally:
        fleet.stop()
        print(fleet.dump_logs(80))


# --- helpers --------------------------------------------------------------------------------

def utc(t: float) -> datetime:
    return datetime.fromtimestamp(t, tz=UTC)


def ts(moment: datetime) -> float:
    return moment.timestamp()


def sleep_until(t: float) -> None:
    time.sleep(max(0.0, t - time.time()))


def wait_for_second_of_minute(low: int, high: int, *, not_before: float) -> None:
    """Sleep until ``not_before`` and then until the wall clock's second is in [low, high), so a
    fault can be placed across a minute boundary (where the cron jobs' slots are)."""
    sleep_until(not_before)
    while not low <= datetime.now().second < high:
        time.sleep(0.2)


def started(fleet: Fleet, *names: str) -> None:
    """Wait until each worker says ready and each beat has logged its start (old beats never
    publish a leader, so this does not wait for one)."""
    deadline = time.monotonic() + 60
    for name in names:
        needle = "ready." if fleet.members[name].kind == "worker" else "beat: Starting"
        while needle not in fleet.log_tail(name, 400):
            assert fleet.members[name].alive(), f"{name} exited:\n{fleet.log_tail(name)}"
            assert time.monotonic() < deadline, f"{name} did not start:\n{fleet.log_tail(name)}"
            time.sleep(0.2)


def by_slot(rows: list[dict]) -> dict[tuple[str, datetime], dict]:
    return {(str(r["job_id"]), r["scheduled_for"].astimezone(UTC)): r for r in rows if r["scheduled_for"]}


def runs_by_slot(fleet: Fleet) -> dict[tuple[str, datetime], int]:
    counts: dict = {}
    for run in fleet.runs():
        if run["slot"]:
            key = (run["job"], run["slot"].astimezone(UTC))
            counts[key] = counts.get(key, 0) + 1
    return counts


def assert_invariant(report, *, min_slots: int) -> None:
    summary = report.summary()
    print("invariant:", json.dumps(summary, default=str))
    assert not report.no_row, f"slots without a row: {summary}"
    assert not report.ran_twice, f"slots whose bot ran twice: {summary}"
    assert not report.fire_ran_twice, f"fires run twice (off the slot grid): {summary}"
    assert not report.execution_ran_twice, f"executions run twice: {summary}"
    assert not report.off_grid, f"rows off the schedule's slot grid (slot taken from a wake-up time?): {summary}"
    assert not report.open, f"rows left queued/running: {summary}"
    assert not report.not_run_but_ran, f"rows recorded as not run whose bot ran: {summary}"
    assert not report.success_without_run, f"success rows whose bot never ran: {summary}"
    assert not report.summary_mismatch, f"catch-up-cap summary rows miscounting their slots: {summary}"
    assert report.slots >= min_slots, summary


def check_catch_up(fleet: Fleet, job: dict, slots: list[datetime], decided_at: float) -> dict:
    """The rows of ``slots`` (due since a fault; a beat caught up at about ``decided_at``, the first
    time recorded on any of their rows) against the contract for ``job``: older than
    misfire_grace_time -> missed naming misfire_grace_time; within grace -> coalesce: one run
    for the latest overdue slot, the earlier ones "coalesced into <it>"; no coalesce: one run
    each. Slots due after the catch-up run normally. Returns counts for the report."""
    rows = by_slot(fleet.executions([job["id"]]))
    runs = runs_by_slot(fleet)
    grace = job["misfire_grace_time"]
    counts = {"missed_grace": 0, "ran": 0, "coalesced": 0, "lost": 0}
    within: list[datetime] = []
    for slot in slots:
        row = rows.get((job["id"], slot))
        assert row is not None, f"slot {slot} of {job['name']} has no row"
        if row["status"] == "missed" and "never reached a worker" in (row["error"] or ""):
            # Its message was lost with Redis or with a worker kombu exited (README "Beat,
            # failover and failures"): beat's queued row, ended by the reaper. Not silent.
            assert not runs.get((job["id"], slot)), f"{job['name']} {slot}: recorded lost but ran"
            counts["lost"] += 1
            continue
        age = decided_at - ts(slot)
        if row["status"] == "missed" and "misfire_grace_time" in (row["error"] or ""):
            # 3 s of slack around the boundary: when exactly the beat decided is known to ~1 s.
            assert age > grace - 3, f"{job['name']} {slot}: missed past grace at age {age:.1f}s: {row['error']}"
            counts["missed_grace"] += 1
            continue
        assert age < grace + 3, f"{job['name']} {slot} is {age:.1f}s old (grace {grace}) but {row['status']}" \
                                f" ({row['error']})"
        within.append(slot)
    if not within:
        return counts
    if job["coalesce"]:
        coalesced = {}
        for slot in within:
            match = COALESCED.search(rows[(job["id"], slot)]["error"] or "")
            if match:
                coalesced[slot] = datetime.fromisoformat(match.group(1)).astimezone(UTC)
        targets = set(coalesced.values())
        assert len(targets) <= 1, f"{job['name']}: coalesced into several slots {targets}"
        overdue = [s for s in within if ts(s) <= decided_at - 1.5]
        assert targets or len(overdue) <= 1, f"{job['name']} (coalesce): {len(overdue)} overdue slots, none coalesced"
        target = targets.pop() if targets else (max(overdue) if overdue else min(within))
        # The run is for the latest slot that was overdue when the beat caught up.
        assert not overdue or target >= max(overdue), f"{job['name']}: coalesced into {target}, not the latest"
        target_row = rows.get((job["id"], target))
        assert target_row and target_row["status"] == "success", (job["name"], target, target_row)
        assert runs.get((job["id"], target)) == 1, f"{job['name']}: the coalesced run {target} ran " \
                                                  f"{runs.get((job['id'], target))} times"
        for slot in within:
            row = rows[(job["id"], slot)]
            if slot < target:
                assert row["status"] == "missed" and coalesced.get(slot) == target, (
                    f"{job['name']} {slot}: {row['status']} {row['error']!r}, expected coalesced into {target}")
                assert not runs.get((job["id"], slot)), f"coalesced slot {slot} ran"
                counts["coalesced"] += 1
            else:
                assert row["status"] == "success" and runs.get((job["id"], slot)) == 1, (
                    f"{job['name']} {slot}: {row['status']} {row['error']!r}")
                counts["ran"] += 1
    else:
        for slot in within:
            row = rows[(job["id"], slot)]
            assert row["status"] == "success", f"{job['name']} {slot}: {row['status']} {row['error']}"
            assert runs.get((job["id"], slot)) == 1, f"{job['name']} {slot} ran {runs.get((job['id'], slot))} times"
            counts["ran"] += 1
    return counts


# --- the tests ------------------------------------------------------------------------------

@pytest.mark.slow
def test_two_beats_over_a_thousand_slots_run_each_slot_once(fleet):
    """Two beats (the second started 20 s later, as after a failover) over 40 interval jobs at 2 and
    3 s and 10 every-minute cron jobs in four zones, ~70 s: >= 1,000 slots, each exactly one row and
    one run, all on the schedule's grid."""
    fleet.start_worker("w1")
    fleet.start_worker("w2")
    fleet.start_beat("beat-a")
    started(fleet, "w1", "w2", "beat-a")
    zones = ["Europe/Paris", "America/New_York", "Asia/Kolkata", "UTC"]
    documents = [interval_job(f"i2-{i}", 2, max_instances=3) for i in range(20)]
    documents += [interval_job(f"i3-{i}", 3, max_instances=3) for i in range(20)]
    documents += [cron_job(f"cron-{i}", timezone=zones[i % 4]) for i in range(10)]
    t_start = time.time()
    ids = fleet.create_jobs(documents)
    time.sleep(20)
    fleet.start_beat("beat-b")
    # Cover at least one minute boundary for the cron jobs.
    end = max(t_start + 70, (t_start // 60 + 1) * 60 + 3)
    sleep_until(end)
    window_end = end - 3  # a slot due in the last seconds may still be on its way
    report = fleet.settle(window_start=t_start, window_end=window_end, job_ids=ids, timeout=30)
    assert not fleet.unexpected_exits(), fleet.unexpected_exits()
    assert_invariant(report, min_slots=1000)
    assert set(report.by_status) == {"success"}, report.summary()
    cron_rows = sum(1 for (job, _), (row, _) in report.per_slot.items() if job in ids[40:] and row)
    assert cron_rows >= 10, f"cron slots: {cron_rows}"
    # One leader, and it is the beat that was there first: the later one stood by.
    assert fleet.leader_name() == "beat-a", fleet.beat_status()


def test_leader_sigkill_standby_sends_next_slots_within_10s(fleet):
    """SIGKILL of the leading beat a few seconds before a minute boundary: the standby leads within
    10 s and sends every slot of the gap (interval and the cron minute), none twice, none lost."""
    fleet.start_worker("w1")
    fleet.start_worker("w2")
    fleet.start_beat("beat-a")
    started(fleet, "w1", "w2", "beat-a")
    fleet.start_beat("beat-b")
    started(fleet, "beat-b")
    leader, _ = fleet.wait_leader(timeout=30)
    standby = "beat-b" if leader == "beat-a" else "beat-a"
    documents = [interval_job(f"i2-{i}", 2, coalesce=False, max_instances=10) for i in range(12)]
    documents += [interval_job(f"i3-coalesce-{i}", 3, coalesce=True, max_instances=10) for i in range(6)]
    documents += [cron_job(f"cron-{i}", coalesce=False) for i in range(6)]
    t_start = time.time()
    ids = fleet.create_jobs(documents)
    wait_for_second_of_minute(53, 56, not_before=t_start + 10)
    assert fleet.leader_name() == leader, fleet.beat_status()
    t_kill = time.time()
    fleet.kill(leader, signal.SIGKILL)
    new_leader, t_seen = fleet.wait_leader(among=[standby], timeout=20)
    takeover = t_seen - t_kill
    sleep_until(t_kill + 25)
    window_end = t_kill + 22
    report = fleet.settle(window_start=t_start, window_end=window_end, job_ids=ids, timeout=30)
    assert not fleet.unexpected_exits(), fleet.unexpected_exits()
    assert_invariant(report, min_slots=200)

    # Every slot of the gap ran (coalesce off) or ran/was coalesced (coalesce on), and went out
    # within 10 s of the kill (or at its time if later), plus the worker's pick-up.
    jobs = {j["id"]: j for j in map(_str_id, fleet.jobs(ids))}
    gap_delays, gap_slots, cron_gap = [], 0, 0
    for (job_id, slot), (row, runs) in report.per_slot.items():
        if not t_kill < ts(slot) <= t_kill + 15:
            continue
        gap_slots += 1
        job = jobs[job_id]
        cron_gap += job["schedule_type"] == "cron"
        if row["status"] == "missed":
            assert job["coalesce"] and COALESCED.search(row["error"] or ""), (job["name"], slot, row["error"])
            continue
        assert row["status"] == "success" and runs == 1, (job["name"], slot, row["status"], runs)
        delay = ts(row["started_at"]) - max(ts(slot), t_kill)
        gap_delays.append(delay)
        assert ts(row["started_at"]) <= max(ts(slot), t_kill + 10) + 3, (
            f"{job['name']} slot {slot} started {delay:.1f}s after max(slot, kill)")
    print(f"takeover {takeover:.2f}s, gap slots {gap_slots} (cron {cron_gap}), "
          f"max start delay after max(slot, kill) {max(gap_delays):.2f}s")
    assert takeover <= 10, f"standby led {takeover:.1f}s after the leader's SIGKILL"
    assert new_leader == standby
    assert cron_gap >= 6, f"the gap covered {cron_gap} cron slots (a minute boundary was planned)"
    assert gap_slots >= 60


def _str_id(job: dict) -> dict:
    return {**job, "id": str(job["id"])}


def _sleepy_job(fleet: Fleet) -> str:
    [job_id] = fleet.create_jobs([{"name": "sleepy", "bot_type": "visitor", "schedule_type": "interval",
                                   "schedule_config": {"seconds": 5}, "max_instances": 1, "coalesce": True}])
    return job_id


def _wait_reaped(fleet: Fleet, execution_id: str, *, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = fleet.execution(execution_id)
        if row and row["status"] not in ("running", "queued"):
            return row
        time.sleep(0.2)
    raise AssertionError(f"execution {execution_id} still {fleet.execution(execution_id)['status']} "
                         f"after {timeout}s")


def _assert_next_slot_runs(fleet: Fleet, job_id: str, killed: dict, t_start: float) -> dict:
    """After the reap, a later slot of the max_instances=1 job runs; every slot until then has a row
    (skipped while the dead run held the instance), and none ran twice."""
    following = fleet.wait_for_run(
        lambda r: r["job"] == job_id and r["slot"] and r["slot"] > killed["slot"], timeout=30,
        what="the next slot's run after the reap")
    row = fleet.execution(following["execution"])
    assert row["status"] in ("running", "success"), row
    report = fleet.check(window_start=t_start, window_end=ts(following["slot"]) - 0.5, job_ids=[job_id])
    assert_invariant(report, min_slots=2)  # the killed slot, and at least one skipped while it held the job
    assert report.by_status["failed"] == 1, report.summary()
    return following


def test_pool_child_sigkill_mid_run_ends_worker_lost_and_frees_the_job(fleet):
    """SIGKILL of the pool child running a max_instances=1 job: the execution ends failed "worker
    lost" within lease + reap period (+ slack), and the job's next slot runs."""
    fleet.start_worker("w1")
    fleet.start_beat("beat-a")
    started(fleet, "w1", "beat-a")
    t_start = time.time()
    job_id = _sleepy_job(fleet)
    killed = fleet.wait_for_run(lambda r: r["job"] == job_id, timeout=30, what="the sleepy job to start")
    time.sleep(1.5)  # mid-run: the bot sleeps 25 s
    assert fleet.execution(killed["execution"])["status"] == "running"
    t_kill = time.time()
    fleet.kill_pool_child("w1", killed["pid"])
    bound = LEASE_SECONDS + REAP_EVERY_SECONDS + 4
    row = _wait_reaped(fleet, killed["execution"], timeout=bound + 20)
    reap = ts(row["finished_at"]) - t_kill
    print(f"pool child killed; execution ended {row['status']} {reap:.2f}s later: {row['error']!r}")
    assert row["status"] == "failed" and (row["error"] or "").startswith("worker lost"), row
    assert reap <= bound, f"reaped {reap:.1f}s after the kill (bound {bound}s)"
    assert fleet.members["w1"].alive(), "the worker itself survives the loss of a pool child"
    following = _assert_next_slot_runs(fleet, job_id, killed, t_start)
    print(f"next slot {following['slot']} started {following['t'] - t_kill:.2f}s after the kill")


def test_whole_worker_sigkill_mid_run_then_restart_ends_worker_lost(fleet):
    """SIGKILL of the whole worker (master and pool) mid-run, restarted 2 s later: the execution
    ends failed "worker lost" once its lease expired and a worker could reap, and the next slot
    runs."""
    fleet.start_worker("w1")
    fleet.start_beat("beat-a")
    started(fleet, "w1", "beat-a")
    t_start = time.time()
    job_id = _sleepy_job(fleet)
    killed = fleet.wait_for_run(lambda r: r["job"] == job_id, timeout=30, what="the sleepy job to start")
    time.sleep(1.5)
    assert fleet.execution(killed["execution"])["status"] == "running"
    t_kill = time.time()
    fleet.kill("w1", signal.SIGKILL)
    time.sleep(2)
    fleet.restart("w1")
    log_before = fleet.log_tail("w1", 10_000).count("ready.")
    while fleet.log_tail("w1", 10_000).count("ready.") == log_before:
        assert time.time() - t_kill < 60, fleet.log_tail("w1")
        time.sleep(0.2)
    t_ready = time.time()
    bound_at = max(t_kill + LEASE_SECONDS, t_ready) + REAP_EVERY_SECONDS + 4
    row = _wait_reaped(fleet, killed["execution"], timeout=bound_at - time.time() + 20)
    reap = ts(row["finished_at"]) - t_kill
    print(f"worker killed, ready again {t_ready - t_kill:.2f}s later; execution ended {row['status']} "
          f"{reap:.2f}s after the kill: {row['error']!r}")
    assert row["status"] == "failed" and (row["error"] or "").startswith("worker lost"), row
    assert ts(row["finished_at"]) <= bound_at, f"reaped {reap:.1f}s after the kill (bound {bound_at - t_kill:.1f}s)"
    following = _assert_next_slot_runs(fleet, job_id, killed, t_start)
    print(f"next slot {following['slot']} started {following['t'] - t_kill:.2f}s after the kill")


@pytest.mark.slow
def test_redis_sigkill_for_20s_every_slot_runs_or_is_missed(fleet):
    """Redis SIGKILLed for 20 s across a minute boundary, restarted on its port from its AOF: every
    slot of the outage has a row; within grace it ran (coalesce off) or ran/was coalesced (on);
    past a 5 s grace it is missed; beats survive (workers are restarted if kombu exits them, as
    their supervisor would); nothing runs twice."""
    fleet.start_worker("w1")
    fleet.start_worker("w2")
    fleet.start_beat("beat-a")
    started(fleet, "w1", "w2", "beat-a")
    fleet.start_beat("beat-b")
    documents = [interval_job(f"i2-{i}", 2, coalesce=False, max_instances=10, misfire_grace_time=60)
                 for i in range(10)]
    documents += [interval_job(f"i3-coalesce-{i}", 3, coalesce=True, max_instances=10, misfire_grace_time=60)
                  for i in range(8)]
    documents += [interval_job(f"i2-grace5-{i}", 2, coalesce=False, max_instances=10, misfire_grace_time=5)
                  for i in range(4)]
    documents += [cron_job(f"cron-{i}") for i in range(4)]
    t_start = time.time()
    ids = fleet.create_jobs(documents)
    # A bot mid-run when Redis dies: its worker holds an unacked message (acks_late) then.
    [sleepy_id] = fleet.create_jobs([{"name": "sleepy", "bot_type": "visitor", "schedule_type": "interval",
                                      "schedule_config": {"seconds": 30}, "max_instances": 1}])
    wait_for_second_of_minute(45, 50, not_before=t_start + 8)
    fleet.wait_for_run(lambda r: r["job"] == sleepy_id, timeout=30, what="the sleepy job to start")
    t_kill = time.time()
    fleet.kill_redis(signal.SIGKILL)
    sleep_until(t_kill + 20)
    t_restart = time.time()
    fleet.start_redis()
    while time.time() < t_restart + 20:
        fleet.supervise_workers()
        time.sleep(0.5)
    window_end = t_restart + 16
    # A message lost with Redis leaves its queued row open until the reaper ends it, 60 s past
    # the job's misfire_grace_time (60 s here): wait for that too.
    report = fleet.settle(window_start=t_start, window_end=window_end, job_ids=ids, timeout=150)
    fleet.supervise_workers()
    # Beats ride the outage out; a worker may exit (kombu) and is restarted as its supervisor would.
    assert not fleet.unexpected_exits(), f"a process died with Redis: {fleet.unexpected_exits()}"
    print(f"workers restarted after the outage: {fleet.supervised or 'none'}")
    assert_invariant(report, min_slots=300)

    jobs = {j["id"]: j for j in map(_str_id, fleet.jobs(ids))}
    outage: dict[str, list[datetime]] = {}  # slots due while Redis was down
    after: dict[str, list[datetime]] = {}  # and those after, up to the end of the window
    for (job_id, slot), _ in report.per_slot.items():
        if t_kill + 0.5 < ts(slot) <= t_restart:
            outage.setdefault(job_id, []).append(slot)
        elif t_restart < ts(slot):
            after.setdefault(job_id, []).append(slot)
    totals = {"missed_grace": 0, "ran": 0, "coalesced": 0, "lost": 0}
    for job_id, slots in outage.items():
        job = jobs[job_id]
        if job["schedule_type"] == "cron":
            continue
        rows = by_slot(fleet.executions([job_id]))
        # The broker came back at t_restart: nothing can have been decided before it.
        decided = min(ts(r["started_at"] or r["finished_at"]) for k, r in rows.items() if k[1] in slots)
        assert decided >= t_restart - 0.5, f"{job['name']}: an outage slot was handled before Redis came back"
        counts = check_catch_up(fleet, job, sorted(slots + after.get(job_id, [])), decided)
        for key, value in counts.items():
            totals[key] += value
        if job["misfire_grace_time"] == 5:
            assert counts["missed_grace"] >= 3, (job["name"], counts)
        elif not job["coalesce"]:
            assert counts["ran"] >= 8, (job["name"], counts)
    cron_outage = [s for j, slots in outage.items() if jobs[j]["schedule_type"] == "cron" for s in slots]
    cron_status = {report.per_slot[(j, s)][0]["status"] for j, slots in outage.items()
                   if jobs[j]["schedule_type"] == "cron" for s in slots}
    print(f"outage {t_restart - t_kill:.1f}s: {sum(len(s) for s in outage.values())} slots, "
          f"{len(cron_outage)} cron; {totals}")
    assert len(cron_outage) == 4 and cron_status == {"success"}, (cron_outage, cron_status)
    assert totals["coalesced"] >= 8, totals


def beat_down_for_30s(fleet: Fleet, documents: list[dict], *, running_before: float, running_after: float,
                      beat_env: dict | None = None) -> tuple[list, float, float, float]:
    """One worker and one beat; the jobs created, then after ``running_before`` s the only beat
    SIGKILLed for 30 s and started again, and ``running_after`` s more. Returns (job ids, creation
    time, kill time, restart time)."""
    fleet.start_worker("w1")
    fleet.start_beat("beat-a", env=beat_env)
    started(fleet, "w1", "beat-a")
    t_start = time.time()
    ids = fleet.create_jobs(documents)
    time.sleep(running_before)
    t_kill = time.time()
    fleet.kill("beat-a", signal.SIGKILL)
    sleep_until(t_kill + 30)
    t_restart = time.time()
    fleet.restart("beat-a")
    sleep_until(t_restart + running_after)
    return ids, t_start, t_kill, t_restart


@pytest.mark.slow
def test_beat_down_past_grace_records_missed_coalesced_and_runs(fleet):
    """The only beat SIGKILLed for 30 s (grace 10 s, slots every 2 s), then started again: slots
    older than grace are `missed` naming misfire_grace_time; of the rest, coalesce on -> one run for
    the latest and the others "coalesced into" it; coalesce off -> one run each."""
    documents = [interval_job(f"no-coalesce-{i}", 2, coalesce=False, max_instances=10, misfire_grace_time=10)
                 for i in range(5)]
    documents += [interval_job(f"coalesce-{i}", 2, coalesce=True, max_instances=10, misfire_grace_time=10)
                  for i in range(5)]
    ids, t_start, t_kill, t_restart = beat_down_for_30s(fleet, documents, running_before=8, running_after=20)
    window_end = t_restart + 16
    report = fleet.settle(window_start=t_start, window_end=window_end, job_ids=ids, timeout=30)
    assert_invariant(report, min_slots=150)

    totals = {"missed_grace": 0, "ran": 0, "coalesced": 0, "lost": 0}
    for job in map(_str_id, fleet.jobs(ids)):
        rows = by_slot(fleet.executions([job["id"]]))
        down = sorted(s for (j, s) in report.per_slot if j == job["id"] and t_kill + 1 < ts(s) <= t_restart)
        decided = min(ts(rows[(job["id"], s)]["started_at"] or rows[(job["id"], s)]["finished_at"]) for s in down)
        assert t_restart <= decided <= t_restart + 15, f"{job['name']}: caught up {decided - t_restart:.1f}s " \
                                                       f"after the restart"
        since_kill = sorted(s for (j, s) in report.per_slot if j == job["id"] and t_kill + 1 < ts(s))
        counts = check_catch_up(fleet, job, since_kill, decided)
        assert counts["missed_grace"] >= 5, (job["name"], counts)
        if job["coalesce"]:
            assert counts["coalesced"] >= 2, (job["name"], counts)
        else:
            assert counts["ran"] >= 3, (job["name"], counts)
        for key, value in counts.items():
            totals[key] += value
    print(f"beat down {t_restart - t_kill:.1f}s: {totals}; {json.dumps(report.summary()['by_reason'])}")


@pytest.mark.slow
def test_beat_down_beyond_the_catch_up_cap_records_one_summary_row(fleet):
    """With the per-job catch-up cap at 5 (SCHEDULER_CATCHUP_CAP), the only beat down for 30 s
    (~15 slots at 2 s, grace 1 h): the 5 newest slots are handled one by one (coalesce off: all
    run; on: one run, four coalesced), the older ones are one summary `missed` row that says how
    many slots it stands for, and no slot is left without either."""
    documents = [interval_job(f"no-coalesce-{i}", 2, coalesce=False, max_instances=10) for i in range(3)]
    documents += [interval_job(f"coalesce-{i}", 2, coalesce=True, max_instances=10) for i in range(3)]
    ids, t_start, t_kill, t_restart = beat_down_for_30s(fleet, documents, running_before=6, running_after=14,
                                                        beat_env={"SCHEDULER_CATCHUP_CAP": "5"})
    report = fleet.settle(window_start=t_start, window_end=t_restart + 10, job_ids=ids, timeout=30)
    assert_invariant(report, min_slots=100)
    assert report.summarized >= 6 * 8, report.summary()
    for job in map(_str_id, fleet.jobs(ids)):
        rows = by_slot(fleet.executions([job["id"]]))
        summaries = [(slot, row) for (j, slot), row in rows.items() if "stands for" in (row["error"] or "")]
        assert len(summaries) == 1, (job["name"], [r["error"] for _, r in summaries])
        summary_slot, summary_row = summaries[0]
        assert summary_row["status"] == "missed" and "cap" in summary_row["error"], summary_row
        assert t_kill < ts(summary_slot) < t_restart, summary_slot
        handled = sorted(s for (j, s) in rows if j == job["id"] and ts(s) > ts(summary_slot) and ts(s) > t_kill)
        decided = min(ts(rows[(job["id"], s)]["started_at"] or rows[(job["id"], s)]["finished_at"]) for s in handled)
        # The catch-up runs when the restarted beat leads, a second or two after t_restart: the
        # slots it handles are those due by then (the first decision), not by t_restart.
        overdue = [s for s in handled if ts(s) <= decided]
        assert len(overdue) >= 5, (job["name"], overdue)
        counts = check_catch_up(fleet, job, handled, decided)
        if job["coalesce"]:
            assert counts["coalesced"] == 4, (job["name"], counts)
        else:
            assert counts["ran"] >= 5, (job["name"], counts)
    print(f"cap 5: {report.summarized} slots stood for by summary rows; {json.dumps(report.summary()['by_reason'])}")


def test_slot_grid_is_fixed_by_the_anchor(fleet):
    """The checker itself: an interval job's slots are start_time + k x interval, so a beat that
    stamped wake-up times would leave rows off the grid (and "slots without a row"). Guard against
    a checker that cannot fail: an off-grid row planted in the database is reported."""
    fleet.start_worker("w1")
    fleet.start_beat("beat-a")
    started(fleet, "w1", "beat-a")
    t_start = time.time()
    [job_id] = fleet.create_jobs([interval_job("grid", 2)])
    # A window of 9 s: at least 3 slots of 2 s even when a busy machine makes beat take a few
    # seconds to see the new job (it failed once with 2 in 7 s while the whole suite ran).
    sleep_until(t_start + 11)
    report = fleet.settle(window_start=t_start, window_end=t_start + 9, job_ids=[job_id], timeout=15)
    assert_invariant(report, min_slots=3)
    [job] = fleet.jobs([job_id])
    assert job["pt_start_time"] is not None, "the beat row carries the interval anchor (start_time)"
    slot = max(s for (_, s) in report.per_slot)
    fleet.sql("INSERT INTO scheduler_app_jobexecution (id, job_id, trigger, scheduled_for, queued_at, status, "
              "messages_sent, profiles_visited, dry_run) VALUES (gen_random_uuid(), %s, 'scheduled', %s, now(), "
              "'success', 0, 0, false)", (job_id, slot - timedelta(seconds=0.7)))
    planted = fleet.check(window_start=t_start, window_end=t_start + 9, job_ids=[job_id])
    assert len(planted.off_grid) == 1 and len(planted.success_without_run) == 0, planted.summary()
