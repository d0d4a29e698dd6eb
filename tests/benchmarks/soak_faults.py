"""Soak under faults (a script, not a CI test): real PostgreSQL, Redis, >= 2 beats and >= 2
workers for M minutes while random faults hit them, then the invariant of docs/contract.md "Semantics".

    .venv/bin/python tests/benchmarks/soak_faults.py --minutes 10 [--beats 2] [--workers 2] [--seed 1]

Faults, one at a time, each followed by a quiet spell (``--gap`` seconds, random in [gap, 2 gap]):

- ``leader_kill``   SIGKILL of the leading beat (read from ``scheduler:beat:status``); the time
                    until a standby is seen leading is recorded; the killed beat is started again
                    5-15 s later and stands by.
- ``child_kill``    SIGKILL of the pool child running a "sleepy" job (its bot sleeps 6 s).
- ``worker_kill``   SIGKILL of a whole worker (master and pool) while it runs a sleepy job;
                    restarted 2-5 s later.
- ``redis_kill``    SIGKILL of Redis for 5-20 s, restarted on its port from its AOF.
- ``beats_down``    every beat SIGKILLed for longer than the short-grace jobs' grace (15-30 s),
                    then all started again.

Jobs: interval jobs at 2 s (coalesce off), 3 s (coalesce on), 5 s with an 8 s grace (missed
after beat and Redis outages), every-minute cron jobs in several zones, and sleepy jobs every
10 s with max_instances 1 (worker kills hit them mid-run; "worker lost" must free them).

At the end (faults stop, 25 s to settle): for every slot that came due in the run, exactly one
final row, no slot's bot run twice (the test runners record each real run), no row off the slot
grid, the counts by status and reason, takeover times, and for each killed execution its final
status and how long after the kill it ended. The last line is one JSON object; exit status 1
when the invariant does not hold.
"""
import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support.fleet import Fleet, cron_job, fresh_database, interval_job, migrated_cluster  # noqa: E402

LEASE_SECONDS = 8
REAP_EVERY_SECONDS = 3
SLEEPY_SECONDS = 6
FAULTS = ("leader_kill", "child_kill", "worker_kill", "redis_kill", "beats_down")


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)


def job_documents(scale: int) -> list[dict]:
    zones = ["Europe/Paris", "America/New_York", "Asia/Kolkata", "UTC", "Australia/Sydney"]
    documents = [interval_job(f"i2-{i}", 2, coalesce=False, max_instances=10, misfire_grace_time=30)
                 for i in range(4 * scale)]
    documents += [interval_job(f"i3-coalesce-{i}", 3, coalesce=True, max_instances=10, misfire_grace_time=30)
                  for i in range(4 * scale)]
    documents += [interval_job(f"i5-grace8-{i}", 5, coalesce=False, max_instances=10, misfire_grace_time=8)
                  for i in range(2 * scale)]
    documents += [cron_job(f"cron-{i}", timezone=zones[i % len(zones)]) for i in range(2 * scale)]
    documents += [{"name": f"sleepy-{i}", "bot_type": "visitor", "schedule_type": "interval",
                   "schedule_config": {"seconds": 10}, "max_instances": 1, "coalesce": True}
                  for i in range(max(2, scale // 2))]
    return documents


class Soak:
    def __init__(self, fleet: Fleet, args, rng: random.Random):
        self.fleet, self.args, self.rng = fleet, args, rng
        self.beats = [f"beat-{i + 1}" for i in range(args.beats)]
        self.workers = [f"w{i + 1}" for i in range(args.workers)]
        self.faults: list[dict] = []
        self.kills: list[dict] = []  # executions killed mid-run: {execution, t_kill, how}
        self.restarts_after_crash: list[str] = []
        self.pending: list[tuple[float, str]] = []  # (when, member) to start again

    # -- keeping the fleet up
    def tend(self) -> None:
        now = time.time()
        for when, name in list(self.pending):
            if when <= now:
                self.pending.remove((when, name))
                self.fleet.restart(name)
                log(f"  {name} started again")
        for name, member in self.fleet.members.items():
            if not member.killed and member.popen.poll() is not None:
                log(f"  !! {name} exited by itself ({member.popen.returncode}); starting it again")
                self.restarts_after_crash.append(f"{name} exited {member.popen.returncode}")
                self.fleet.restart(name)

    def idle(self, seconds: float) -> None:
        end = time.time() + seconds
        while time.time() < end:
            self.tend()
            time.sleep(0.5)

    # -- faults
    def running_sleepy(self) -> tuple[dict, str] | None:
        """A sleepy run in progress now, and the worker whose pool child runs it."""
        now = time.time()
        for run in reversed(self.fleet.runs()):
            if now - run["t"] > SLEEPY_SECONDS - 2:
                break
            row = self.fleet.execution(run["execution"])
            if not row or row["status"] != "running":
                continue
            for name in self.workers:
                if self.fleet.members[name].alive() and run["pid"] in self.fleet.pool_children(name):
                    return run, name
        return None

    def wait_running_sleepy(self, timeout: float = 15) -> tuple[dict, str] | None:
        end = time.time() + timeout
        while time.time() < end:
            found = self.running_sleepy()
            if found:
                return found
            self.tend()
            time.sleep(0.3)
        return None

    def fault(self, kind: str) -> None:
        fleet, rng = self.fleet, self.rng
        record = {"kind": kind, "t": time.time()}
        if kind == "leader_kill":
            leader = fleet.leader_name()
            if leader is None:
                record["skipped"] = "no leader in the status key"
            else:
                others = [b for b in self.beats if b != leader and fleet.members[b].alive()]
                t_kill = time.time()
                fleet.kill(leader)
                record.update(beat=leader, t=t_kill)
                try:
                    new, seen = fleet.wait_leader(among=others, timeout=20)
                    record.update(new_leader=new, takeover_seconds=round(seen - t_kill, 2))
                except TimeoutError:
                    record["takeover_seconds"] = None
                self.pending.append((time.time() + rng.uniform(5, 15), leader))
        elif kind in ("child_kill", "worker_kill"):
            found = self.wait_running_sleepy()
            if found is None:
                record["skipped"] = "no sleepy run in progress"
            else:
                run, worker = found
                t_kill = time.time()
                if kind == "child_kill":
                    fleet.kill_pool_child(worker, run["pid"])
                else:
                    fleet.kill(worker)
                    self.pending.append((time.time() + rng.uniform(2, 5), worker))
                record.update(worker=worker, execution=run["execution"], t=t_kill)
                self.kills.append({"execution": run["execution"], "t_kill": t_kill, "how": kind})
        elif kind == "redis_kill":
            down = rng.uniform(5, 20)
            fleet.kill_redis()
            self.idle_without_redis(down)
            fleet.start_redis()
            record["down_seconds"] = round(down, 1)
        elif kind == "beats_down":
            down = rng.uniform(15, 30)
            for name in self.beats:
                if fleet.members[name].alive():
                    fleet.kill(name)
            self.pending = [(w, n) for w, n in self.pending if n not in self.beats]
            self.idle(down)
            for name in self.beats:
                fleet.restart(name)
            record["down_seconds"] = round(down, 1)
        self.faults.append(record)
        log(f"fault {json.dumps({k: v for k, v in record.items() if k != 't'})}")

    def idle_without_redis(self, seconds: float) -> None:
        end, reported = time.time() + seconds, set()
        while time.time() < end:
            for name, member in self.fleet.members.items():
                if not member.killed and member.popen.poll() is not None and name not in reported:
                    reported.add(name)
                    log(f"  !! {name} exited during the Redis outage ({member.popen.returncode}): "
                        + " | ".join(line for line in self.fleet.log_tail(name, 400).splitlines()
                                     if "CRITICAL" in line or "Unrecoverable" in line)[-300:])
            time.sleep(0.5)
        self.tend()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--beats", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scale", type=int, default=5, help="jobs: 4s interval-2s, 4s interval-3s, 2s grace-8, "
                                                             "2s cron, s/2 sleepy (default 5: 62 jobs)")
    parser.add_argument("--gap", type=float, default=20, help="quiet seconds after each fault (random in [g, 2g])")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, runs) afterwards")
    args = parser.parse_args()
    if args.beats < 2 or args.workers < 2:
        parser.error("the soak is for a fleet: --beats and --workers must be >= 2")
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    workdir = Path(tempfile.mkdtemp(prefix="soak-faults-"))
    env = {"SCHEDULER_LEASE_SECONDS": str(LEASE_SECONDS), "SCHEDULER_REAP_EVERY_SECONDS": str(REAP_EVERY_SECONDS),
           "TEST_RUNNER_SLEEP_SECONDS": str(SLEEPY_SECONDS)}
    log(f"soak: {args.minutes} min, {args.beats} beats, {args.workers} workers, seed {seed}, logs in {workdir}")
    with migrated_cluster() as template:
        fleet = Fleet(fresh_database(template), workdir, env=env)
        code = 1
        try:
            code = run(fleet, args, rng, seed, workdir)
        finally:
            fleet.stop()
    if code == 0 and not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return code


def run(fleet: Fleet, args, rng: random.Random, seed: int, workdir: Path) -> int:
    soak = Soak(fleet, args, rng)
    fleet.start_redis()
    for name in soak.workers:
        fleet.start_worker(name)
    for name in soak.beats:
        fleet.start_beat(name)
    fleet.wait_leader(timeout=60)
    t_start = time.time()
    ids = fleet.create_jobs(job_documents(args.scale))
    log(f"{len(ids)} jobs created; leader {fleet.leader_name()}")
    t_stop = t_start + args.minutes * 60
    soak.idle(15)
    kinds: list[str] = []
    while time.time() < t_stop - 30:
        if not kinds:
            kinds = list(FAULTS)
            rng.shuffle(kinds)
        soak.fault(kinds.pop(0))  # every kind once before any repeats
        soak.idle(min(rng.uniform(args.gap, 2 * args.gap), max(0.0, t_stop - time.time())))
    soak.idle(max(0.0, t_stop - time.time()))
    # Faults over: everything restarted, then settle.
    for when, name in list(soak.pending):
        soak.pending.remove((when, name))
        fleet.restart(name)
    t_end = time.time()
    soak.idle(25)
    window_end = t_end - 3
    report = fleet.settle(window_start=t_start, window_end=window_end, job_ids=ids, timeout=90)
    summary = report.summary()

    reaps = []
    for kill in soak.kills:
        row = fleet.execution(kill["execution"])
        ended = row["finished_at"].timestamp() - kill["t_kill"] if row and row["finished_at"] else None
        reaps.append({"how": kill["how"], "status": row and row["status"], "error": (row and row["error"] or "")[:60],
                      "ended_after_seconds": round(ended, 2) if ended is not None else None})
    worker_lost_ok = all(r["status"] == "failed" and r["error"].startswith("worker lost") for r in reaps)
    takeovers = [f["takeover_seconds"] for f in soak.faults if f["kind"] == "leader_kill" and "skipped" not in f]
    takeover_ok = all(t is not None and t <= 10 for t in takeovers)
    ok = report.ok and worker_lost_ok and takeover_ok
    result = {
        "ok": ok, "seed": seed, "minutes": args.minutes, "beats": args.beats, "workers": args.workers,
        "jobs": len(ids),
        "faults": {kind: sum(1 for f in soak.faults if f["kind"] == kind and "skipped" not in f) for kind in FAULTS},
        "faults_skipped": sum(1 for f in soak.faults if "skipped" in f),
        "takeover_seconds": takeovers,
        "killed_executions": reaps,
        "unexpected_exits": soak.restarts_after_crash,
        **{k: v for k, v in summary.items() if k != "examples"},
        "examples": summary["examples"],
        "workdir": str(workdir) if args.keep or not ok else None,
    }
    log("slots {slots}, rows {rows}, without row {slots_without_row}, run twice {slots_run_twice}, "
        "off grid {off_grid_rows}, open {open_rows}".format(**summary))
    log("by status " + json.dumps(summary["by_status"]))
    for reason, count in sorted(summary["by_reason"].items(), key=lambda item: -item[1]):
        log(f"  {count:6d}  {reason}")
    log(f"takeovers {takeovers}; killed executions {reaps}")
    if not ok:
        print(fleet.dump_logs(40))
    print(json.dumps(result, default=str))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
