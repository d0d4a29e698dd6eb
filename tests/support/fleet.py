"""A fleet of real processes for fault tests: PostgreSQL, a private Redis, any number of beats
and workers, each by name, killed with real signals and restarted.

- ``migrated_cluster()`` starts a throwaway PostgreSQL (tests/support/postgres.py) and migrates
  one template database; ``fresh_database()`` clones it (CREATE DATABASE ... TEMPLATE), so each
  fleet starts on an empty, migrated database in well under a second.
- ``Fleet`` runs Redis (``scheduler_app.stack.start_redis``, with its data dir so it can be
  SIGKILLed and restarted on the same port from its AOF), beats and workers
  (``beat_command`` / ``worker_command``) with DATABASE_URL / REDIS_URL / BOT_RUNNERS set. The
  bot runners are ``tests.support.runners.recording`` (birthday) and ``sleepy`` (visitor): each
  appends the run it actually made to ``runs.jsonl``, the only way to see a slot whose bot ran
  twice (the table's unique constraint makes a second row impossible, not a second run).
- Jobs are written through ``scheduler_app.services.job_create`` in a subprocess
  (tests/support/fleet_cli.py); reads go through psycopg.
- ``Fleet.check()`` is the invariant checker: for each job it computes the slots that came due in
  a window from the schedule alone (cron: ``cron_fire_times`` in the job's zone; interval: anchor
  + k x interval, anchor = the beat row's ``start_time``) and reports slots without a row, slots
  run more than once, rows off the slot grid, rows not final, and counts by status and reason.
"""
import bisect
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

import psutil
import psycopg
import redis
from psycopg.rows import dict_row

from scheduler_app.schedules import cron_fire_times
from scheduler_app.spec import SCHEDULE_CONFIGS
from scheduler_app.stack import ProcessGroup, beat_command, free_port, redis_ping, start_redis, worker_command
from tests.support.postgres import postgres_server

ROOT = Path(__file__).resolve().parents[2]
RUNNERS = {"birthday": "tests.support.runners.recording", "visitor": "tests.support.runners.sleepy"}
STATUS_KEY = "scheduler:beat:status"
LEADER_KEY = "scheduler:beat:leader"
OPEN_STATUSES = frozenset({"queued", "running"})
NOT_RUN_STATUSES = frozenset({"missed", "skipped", "cancelled"})


def dsn(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


# --- PostgreSQL -----------------------------------------------------------------------------

@contextmanager
def migrated_cluster() -> Iterator[str]:
    """A PostgreSQL server with a migrated database; yields its URL (used as a template)."""
    with postgres_server() as url:
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"}
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        yield url


_clones = 0


def fresh_database(template_url: str) -> str:
    """A new database cloned from the migrated template; returns its URL."""
    global _clones
    _clones += 1
    parsed = urlparse(template_url)
    template = parsed.path.lstrip("/")
    name = f"{template}_{os.getpid()}_{_clones}"
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(dsn(admin), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return parsed._replace(path=f"/{name}").geturl()


# --- processes ------------------------------------------------------------------------------

@dataclass
class Member:
    name: str
    kind: str  # "beat" | "worker"
    args: list[str]
    env: dict
    log: Path
    popen: subprocess.Popen | None = None
    killed: bool = False  # by the test: its exit is expected
    starts: int = 0

    @property
    def pid(self) -> int | None:
        return self.popen.pid if self.popen else None

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None


class Fleet:
    """Redis, beats and workers on one PostgreSQL database, each process by name."""

    def __init__(self, database_url: str, workdir: Path, *, env: dict | None = None):
        self.database_url = database_url
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.redis_url = f"redis://127.0.0.1:{free_port()}/0"
        self.redis_dir = self.dir / "redis"
        self.runs_file = self.dir / "runs.jsonl"
        self.runs_file.touch()
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": self.redis_url,
            "BOT_RUNNERS": json.dumps(RUNNERS),
            "BEAT_MAX_LOOP_INTERVAL": "1",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "TEST_RUNNER_RUNS_FILE": str(self.runs_file),
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self.members: dict[str, Member] = {}
        self.supervised: list[str] = []  # workers restarted by supervise_workers
        self._redis = ProcessGroup()
        self._redis_starts = 0
        self.events: list[tuple[float, str]] = []  # (time, what): the faults, for reports

    # -- lifecycle
    def __enter__(self) -> "Fleet":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def note(self, what: str) -> None:
        self.events.append((time.time(), what))

    def start_redis(self) -> None:
        self._redis_starts += 1
        start_redis(self._redis, url=self.redis_url, data_dir=self.redis_dir, log=self.dir / "redis.log")
        self.note("redis started")

    def kill_redis(self, sig: int = signal.SIGKILL) -> None:
        for _, process in self._redis.processes:
            if process.poll() is None:
                os.kill(process.pid, sig)
            process.wait(10)
        self._redis.processes.clear()
        self.note(f"redis killed ({signal.Signals(sig).name})")

    def redis_up(self) -> bool:
        return redis_ping(self.redis_url)

    def start_beat(self, name: str, env: dict | None = None) -> Member:
        return self._start(Member(name, "beat", beat_command(), {**self.env, **(env or {})}, self.dir / f"{name}.log"))

    def start_worker(self, name: str, concurrency: int = 2, env: dict | None = None) -> Member:
        return self._start(Member(name, "worker", worker_command(concurrency=concurrency) + [f"--hostname={name}@%h"],
                                  {**self.env, **(env or {})}, self.dir / f"{name}.log"))

    def _start(self, member: Member) -> Member:
        if member.name in self.members and self.members[member.name].alive():
            raise RuntimeError(f"{member.name} is already running")
        out = open(member.log, "ab")  # noqa: SIM115  (kept open for the child's lifetime)
        out.write(f"\n===== start {time.strftime('%H:%M:%S')} =====\n".encode())
        out.flush()
        member.popen = subprocess.Popen(member.args, env=member.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        out.close()
        member.killed = False
        member.starts += 1
        self.members[member.name] = member
        self.note(f"{member.name} started (pid {member.pid})")
        return member

    def restart(self, name: str) -> Member:
        member = self.members[name]
        if member.alive():
            self.kill(name)
        return self._start(member)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> int:
        """Signal the member's whole process group (a worker with its pool children), wait for it."""
        member = self.members[name]
        pid = member.pid
        member.killed = True
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            pass
        if sig == signal.SIGKILL:
            member.popen.wait(10)
        self.note(f"{name} killed ({signal.Signals(sig).name}, pid {pid})")
        return pid

    def pool_children(self, name: str) -> list[int]:
        member = self.members[name]
        try:
            return [child.pid for child in psutil.Process(member.pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def kill_pool_child(self, name: str, pid: int | None = None) -> int:
        """SIGKILL one pool child of worker ``name`` (``pid`` when given: it must be one)."""
        children = self.pool_children(name)
        if pid is None:
            if not children:
                raise RuntimeError(f"{name} has no pool child")
            pid = children[0]
        elif pid not in children:
            raise RuntimeError(f"pid {pid} is not a child of {name} ({children})")
        os.kill(pid, signal.SIGKILL)
        self.note(f"{name} pool child {pid} killed (SIGKILL)")
        return pid

    def supervise_workers(self) -> list[str]:
        """What a supervisor does (docker-compose's restart policy, `manage.py up`): start again a
        worker that exited on its own. A Celery worker exits when Redis dies under it while it holds
        a message (a kombu bug, README "Beat, failover and failures"). Returns the restarted names."""
        restarted = []
        for member in list(self.members.values()):
            if member.kind == "worker" and member.popen and not member.killed and member.popen.poll() is not None:
                self.note(f"{member.name} exited {member.popen.returncode} on its own; restarted")
                self.supervised.append(f"{member.name} exited {member.popen.returncode}")
                self._start(member)
                restarted.append(member.name)
        return restarted

    def unexpected_exits(self) -> list[str]:
        return [f"{m.name} exited {m.popen.returncode}" for m in self.members.values()
                if m.popen and not m.killed and m.popen.poll() is not None]

    def stop(self) -> None:
        for member in self.members.values():
            if member.alive():
                try:
                    os.killpg(member.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                member.popen.wait(10)
            elif member.popen:
                try:  # orphaned pool children of a worker whose master died
                    os.killpg(member.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        self._redis.stop(timeout=5)

    # -- logs
    def log_tail(self, name: str, lines: int = 60) -> str:
        path = self.dir / ("redis.log" if name == "redis" else f"{name}.log")
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def dump_logs(self, lines: int = 60) -> str:
        parts = ["----- events -----\n" + "\n".join(f"{_hms(t)} {what}" for t, what in self.events)]
        for name in [*self.members, "redis"]:
            parts.append(f"----- {name} log (tail) -----\n{self.log_tail(name, lines)}")
        return "\n".join(parts)

    # -- Redis reads
    def _redis_client(self) -> redis.Redis:
        return redis.Redis.from_url(self.redis_url, socket_connect_timeout=0.5, socket_timeout=0.5)

    def beat_status(self) -> dict | None:
        try:
            raw = self._redis_client().get(STATUS_KEY)
        except redis.RedisError:
            return None
        return json.loads(raw) if raw else None

    def leader_pid(self) -> int | None:
        status = self.beat_status()
        try:
            return int(status["leader"]["pid"]) if status else None
        except (KeyError, TypeError, ValueError):
            return None

    def leader_name(self) -> str | None:
        pid = self.leader_pid()
        return next((m.name for m in self.members.values() if m.kind == "beat" and m.pid == pid and m.alive()), None)

    def wait_leader(self, *, among: Iterable[str] | None = None, timeout: float = 30.0) -> tuple[str, float]:
        """Wait until a live beat (one of ``among``) is the leader in the status key; returns
        (its name, the time it was first seen)."""
        among = set(among) if among else None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            name = self.leader_name()
            if name and (among is None or name in among):
                return name, time.time()
            time.sleep(0.1)
        raise TimeoutError(f"no leader among {among or 'the beats'} within {timeout}s; status {self.beat_status()}")

    # -- database
    def sql(self, query: str, params: tuple | dict = ()) -> list[dict]:
        with psycopg.connect(dsn(self.database_url), row_factory=dict_row, autocommit=True) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description is not None else []

    def create_jobs(self, documents: list[dict]) -> list[str]:
        result = subprocess.run([sys.executable, "-m", "tests.support.fleet_cli", "create"], cwd=ROOT, env=self.env,
                                input=json.dumps(documents), capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"job create failed: {result.stderr[-3000:]}")
        ids = json.loads(result.stdout.strip().splitlines()[-1])
        self.note(f"{len(ids)} jobs created")
        return ids

    def create_account(self, document: dict) -> str:
        result = subprocess.run([sys.executable, "-m", "tests.support.fleet_cli", "account"], cwd=ROOT, env=self.env,
                                input=json.dumps(document), capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"account create failed: {result.stderr[-3000:]}")
        return result.stdout.strip().splitlines()[-1]

    def executions(self, job_ids: Iterable[str] | None = None) -> list[dict]:
        query = "SELECT * FROM scheduler_app_jobexecution"
        if job_ids is None:
            return self.sql(query)
        return self.sql(query + " WHERE job_id = ANY(%s)", ([str(j) for j in job_ids],))

    def execution(self, execution_id) -> dict | None:
        rows = self.sql("SELECT * FROM scheduler_app_jobexecution WHERE id = %s", (str(execution_id),))
        return rows[0] if rows else None

    def jobs(self, job_ids: Iterable[str] | None = None) -> list[dict]:
        query = """
            SELECT j.id, j.name, j.bot_type, j.enabled, j.schedule_type, j.schedule_config, j.timezone,
                   j.max_instances, j.misfire_grace_time, j.coalesce, j.created_at,
                   pt.start_time AS pt_start_time, pt.date_changed AS pt_date_changed
            FROM scheduler_app_scheduledjob j
            LEFT JOIN django_celery_beat_periodictask pt ON pt.id = j.periodic_task_id"""
        if job_ids is None:
            return self.sql(query)
        return self.sql(query + " WHERE j.id = ANY(%s)", ([str(j) for j in job_ids],))

    def runs(self) -> list[dict]:
        """Every bot run the test runners made, as recorded by them."""
        runs = []
        for line in self.runs_file.read_text().splitlines():
            if line.strip():
                run = json.loads(line)
                run["slot"] = datetime.fromisoformat(run["slot"]) if run["slot"] else None
                runs.append(run)
        return runs

    def wait_for_run(self, predicate, *, timeout: float, what: str = "a run") -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for run in self.runs():
                if predicate(run):
                    return run
            time.sleep(0.2)
        raise TimeoutError(f"timed out after {timeout}s waiting for {what}")

    # -- the invariant
    def check(self, *, window_start: float, window_end: float, job_ids: Iterable[str] | None = None) -> "Report":
        return check_invariant(self.jobs(job_ids), self.executions(job_ids), self.runs(),
                               window_start=_utc(window_start), window_end=_utc(window_end))

    def settle(self, *, window_start: float, window_end: float, job_ids: Iterable[str] | None = None,
               timeout: float = 30.0) -> "Report":
        """``check``, repeated until every slot of the window has a final row or ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            report = self.check(window_start=window_start, window_end=window_end, job_ids=job_ids)
            if (not report.no_row and not report.open) or time.monotonic() > deadline:
                return report
            time.sleep(1.0)


# --- the invariant checker --------------------------------------------------------------------

def _utc(moment: float | datetime) -> datetime:
    if isinstance(moment, datetime):
        return moment.astimezone(UTC)
    return datetime.fromtimestamp(moment, tz=UTC)


def _hms(t: float) -> str:
    return datetime.fromtimestamp(t).strftime("%H:%M:%S.%f")[:-3]


def job_slots(job: dict, *, after: datetime, until: datetime) -> tuple[list[datetime], str]:
    """The slots of ``job`` in (after, until], from its schedule alone, and where the interval
    anchor came from ("start_time", or a fallback when the beat row has none)."""
    if job["schedule_type"] == "interval":
        step = timedelta(seconds=SCHEDULE_CONFIGS["interval"].model_validate(job["schedule_config"]).total_seconds)
        anchor, source = job["pt_start_time"], "start_time"
        if anchor is None:
            anchor, source = job["pt_date_changed"] or job["created_at"], "fallback (no start_time)"
        anchor = anchor.astimezone(UTC)
        lo = max(after, anchor)
        k = max(1, int((lo - anchor) / step))
        while anchor + k * step <= lo:
            k += 1
        slots = []
        while anchor + k * step <= until:
            slots.append(anchor + k * step)
            k += 1
        return slots, source
    if job["schedule_type"] in ("daily", "weekly", "cron"):
        schedule = SCHEDULE_CONFIGS[job["schedule_type"]].model_validate(job["schedule_config"])
        expression = schedule.crontab().expression
        lo = max(after, job["created_at"].astimezone(UTC))
        slots: list[datetime] = []
        while True:
            batch = cron_fire_times(expression, job["timezone"], after=slots[-1] if slots else lo, count=200)
            for moment in batch:
                if moment > until:
                    return [s.astimezone(UTC) for s in slots], "cron"
                slots.append(moment)
    return [], "manual"


SUMMARY = re.compile(r"this row stands for (\d+) slot\(s\) from (\S+)( up to the slot before (\S+))?")
_ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)?")
_NUMBER = re.compile(r"\d+(\.\d+)?")


def reason_of(error: str | None) -> str:
    """An error message with its times and numbers blanked: what the row's reason *is*."""
    if not error:
        return "-"
    return _NUMBER.sub("N", _ISO.sub("<slot>", error))[:90]


@dataclass
class Report:
    jobs: int = 0
    slots: int = 0
    rows: int = 0
    no_row: list = field(default_factory=list)  # (job, slot) that came due and left no row
    ran_twice: list = field(default_factory=list)  # (job, slot, runs): the bot ran more than once
    fire_ran_twice: list = field(default_factory=list)  # (job, slot, runs) counting off-grid runs near it
    execution_ran_twice: list = field(default_factory=list)
    off_grid: list = field(default_factory=list)  # rows whose scheduled_for is not a slot of the schedule
    open: list = field(default_factory=list)  # rows of the window still queued/running
    not_run_but_ran: list = field(default_factory=list)  # missed/skipped/cancelled rows whose bot ran
    summarized: int = 0  # slots without a row of their own, covered by a catch-up-cap summary row
    summary_mismatch: list = field(default_factory=list)  # summary rows whose count is not their span's
    success_without_run: list = field(default_factory=list)
    by_status: Counter = field(default_factory=Counter)
    by_reason: Counter = field(default_factory=Counter)
    anchors: Counter = field(default_factory=Counter)
    per_slot: dict = field(default_factory=dict)  # (job, slot) -> (row or None, runs)

    @property
    def ok(self) -> bool:
        return not (self.no_row or self.ran_twice or self.fire_ran_twice or self.execution_ran_twice
                    or self.off_grid or self.open or self.not_run_but_ran or self.success_without_run
                    or self.summary_mismatch)

    def summary(self, examples: int = 5) -> dict:
        def first(items):
            return [tuple(str(x) for x in item) if isinstance(item, tuple) else str(item) for item in items[:examples]]

        return {
            "jobs": self.jobs, "slots": self.slots, "rows": self.rows,
            "slots_without_row": len(self.no_row), "slots_run_twice": len(self.ran_twice),
            "fires_run_twice_off_grid": len(self.fire_ran_twice),
            "executions_run_twice": len(self.execution_ran_twice), "off_grid_rows": len(self.off_grid),
            "open_rows": len(self.open), "not_run_rows_that_ran": len(self.not_run_but_ran),
            "success_rows_without_run": len(self.success_without_run),
            "slots_in_summary_rows": self.summarized, "summary_rows_miscounted": len(self.summary_mismatch),
            "by_status": dict(self.by_status), "by_reason": {f"{s}: {r}": n for (s, r), n in self.by_reason.items()},
            "anchors": dict(self.anchors),
            "examples": {"no_row": first(self.no_row), "ran_twice": first(self.ran_twice),
                         "fire_ran_twice": first(self.fire_ran_twice),
                         "off_grid": first(self.off_grid), "open": first(self.open),
                         "not_run_but_ran": first(self.not_run_but_ran)},
        }


def check_invariant(jobs: list[dict], executions: list[dict], runs: list[dict], *, window_start: datetime,
                    window_end: datetime) -> Report:
    """Every slot of every job that came due in (window_start, window_end] has exactly one row and
    its bot ran at most once (exactly once when the row says it ran)."""
    report = Report(jobs=len(jobs))
    rows_by_job: dict[str, dict[datetime, dict]] = defaultdict(dict)
    for row in executions:
        if row["scheduled_for"] is not None:
            rows_by_job[str(row["job_id"])][row["scheduled_for"].astimezone(UTC)] = row
    runs_by_job: dict[str, list[dict]] = defaultdict(list)
    runs_by_execution = Counter(run["execution"] for run in runs)
    report.execution_ran_twice = [(e, n) for e, n in runs_by_execution.items() if n > 1]
    for run in runs:
        if run["slot"] is not None:
            runs_by_job[run["job"]].append(run)

    for job in jobs:
        job_id = str(job["id"])
        slots, source = job_slots(job, after=window_start, until=window_end)
        report.anchors[source] += 1
        report.slots += len(slots)
        rows = rows_by_job.get(job_id, {})
        # Runs per slot, exactly; and runs per *fire*: a run whose slot is off the grid but within a
        # quarter step of a grid slot counts for it, so that two beats firing one fire at two
        # slightly different instants (two rows, two runs) shows as the double run it is.
        runs_at: Counter = Counter()
        fires: Counter = Counter()
        for run in runs_by_job.get(job_id, []):
            slot = run["slot"].astimezone(UTC)
            if not window_start < slot <= window_end + timedelta(seconds=1):
                continue
            runs_at[slot] += 1
            if slots:
                nearest = _nearest(slots, slot)
                if abs((nearest - slot).total_seconds()) <= _step(slots) / 4:
                    fires[nearest] += 1
        slot_set = set(slots)
        # Past the per-job catch-up cap, one summary row stands for the older slots of a gap.
        spans = []
        for row in rows.values():
            match = SUMMARY.search(row["error"] or "")
            if match:
                first = datetime.fromisoformat(match.group(2)).astimezone(UTC)
                before = datetime.fromisoformat(match.group(4)).astimezone(UTC) if match.group(4) else None
                spans.append((first, before, int(match.group(1))))
                covered = [s for s in slots if first <= s and (before is None or s < before)]
                if before is not None and before <= window_end and len(covered) != int(match.group(1)):
                    report.summary_mismatch.append((job_id, first.isoformat(), int(match.group(1)), len(covered)))
        for slot in slots:
            row, count = rows.get(slot), runs_at.get(slot, 0)
            report.per_slot[(job_id, slot)] = (row, count)
            if count > 1:
                report.ran_twice.append((job_id, slot.isoformat(), count))
            elif fires.get(slot, 0) > 1:
                report.fire_ran_twice.append((job_id, slot.isoformat(), fires[slot]))
            if row is None:
                if any(first < slot and (before is None or slot < before) for first, before, _ in spans):
                    report.summarized += 1
                    if count:
                        report.not_run_but_ran.append((job_id, slot.isoformat(), "summarized", count))
                else:
                    report.no_row.append((job_id, slot.isoformat()))
                continue
            report.rows += 1
            status = row["status"]
            report.by_status[status] += 1
            report.by_reason[(status, reason_of(row["error"]))] += 1
            if status in OPEN_STATUSES:
                report.open.append((job_id, slot.isoformat(), status))
            elif status in NOT_RUN_STATUSES and count:
                report.not_run_but_ran.append((job_id, slot.isoformat(), status, count))
            elif status == "success" and not count:
                report.success_without_run.append((job_id, slot.isoformat()))
        for moment, row in rows.items():
            if window_start < moment <= window_end and moment not in slot_set:
                report.off_grid.append((job_id, moment.isoformat(), row["status"]))
    return report


def _step(slots: list[datetime]) -> float:
    return min((b - a).total_seconds() for a, b in zip(slots, slots[1:], strict=False)) if len(slots) > 1 else 60.0


def _nearest(slots: list[datetime], moment: datetime) -> datetime:
    index = bisect.bisect_left(slots, moment)
    candidates = [slots[i] for i in (index - 1, index) if 0 <= i < len(slots)]
    return min(candidates, key=lambda s: abs((s - moment).total_seconds()))


def interval_job(name: str, seconds: int, **fields) -> dict:
    return {"name": name, "bot_type": "birthday", "schedule_type": "interval",
            "schedule_config": {"seconds": seconds}, **fields}


def cron_job(name: str, expression: str = "* * * * *", **fields) -> dict:
    return {"name": name, "bot_type": "birthday", "schedule_type": "cron",
            "schedule_config": {"cron_expression": expression}, **fields}
