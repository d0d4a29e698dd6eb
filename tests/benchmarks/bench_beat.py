"""Benchmark (a script, not a test): stock django-celery-beat, RedBeat and our beat on the same
workload in one run, one after the other on the same machine and the same Redis binary.

    .venv/bin/python tests/benchmarks/bench_beat.py --jobs 10000 --minutes 3 [--idle]
        [--schedulers stock,redbeat,ours] [--quick]

RedBeat is a benchmark-only dependency: ``.venv/bin/pip install -r requirements-bench.txt``
(without it the run skips RedBeat and says so).

Workload: N jobs, all cron ``* * * * *``, so all N fall due at every minute boundary; each
scheduler gets M measured boundaries. Per scheduler: a fresh SQLite file (migrated once, copied),
Redis emptied (FLUSHALL), N jobs loaded (``_beat_workload.py setup``: django-celery-beat rows for
stock, RedBeat entries for RedBeat, real ScheduledJob + PeriodicTask rows for ours), then one beat
is started (``scheduler_app.stack.beat_command()``; ``-S`` for stock and RedBeat, the project's
CELERY_BEAT_SCHEDULER for ours) and left to load until its CPU falls quiet; the first measured
boundary is the first one at least ``--lead`` seconds (25) after that. Beat is stopped 2 s before
boundary M+1. No worker runs: a drain thread in this process pops the queue list (``RPOP celery
1000`` in a loop, 1 ms sleep when empty), timestamps each batch with ``time.time()`` as it arrives
and decodes (only while the queue is empty, so decoding never delays a timestamp by more than a
few ms) the kombu envelope: base64 Celery body ``[args, kwargs, embed]``, ``kwargs.job_id`` and,
for ours, ``kwargs.scheduled_for``.

How each figure is measured:

- slot of a message: its ``scheduled_for`` when it has one (ours). Stock and RedBeat send no slot;
  both decide due-ness from ``last_run_at``, which they set to the send time, so a message's slot
  is the first minute boundary after the same job's previous message (after the job was loaded,
  for its first). A message that arrives late therefore counts for its own minute, not the next.
- sent/N per minute: distinct jobs whose message for that boundary's slot arrived before the next
  boundary; ``late`` arrived after it, ``never`` not before beat was stopped, ``dup`` a second
  message for the same job and slot.
- lag min/p50/p99/max: arrival of each job's first message for the slot minus the boundary,
  pooled over the M minutes (nearest-rank percentiles); min is how soon the first one came.
- rate: messages of the slot / (last arrival - boundary), summed over the minutes.
- beat CPU: psutil ``cpu_times`` (user + system) of the beat process, sampled every 50 ms.
  ``burst`` is from the boundary to the last arrival of its slot (at least 0.25 s); ``idle`` is
  up to 10 s starting 1 s after a burst ended (only when a burst ended early enough; not in the
  last minute when an earlier one was sampled), before any probe; ``cpu_s_per_min`` is all CPU
  over the measured minutes / M (it includes work done ahead of a boundary, such as building
  messages in advance).
- peak RSS: max of the sampled RSS and the kernel's high-water mark (``VmHWM``) of beat.
- change seen (N jobs loaded): after the last measured burst (and its idle sample; none when
  that burst has not ended 40 s after its boundary: a probe would perturb it), up to
  ``--probes`` times, each started only with 10 s left before beat is stopped: create one extra
  job with a 1-second interval (ours: ``job_create``; stock:
  a ``PeriodicTask`` row; RedBeat: a ``RedBeatSchedulerEntry.save()``), note the commit time
  (wall clock right after the transaction or write returned, in the probe subprocess), wait for
  its first message, delete it. Latency = first arrival - max(commit, first slot), where the first
  slot is the message's ``scheduled_for`` (ours), commit + 1 s for stock (a new row counts from
  its ``date_changed``, so it is due one interval later) and commit for RedBeat (an entry that
  never ran is due at once). That is the delay a scheduler adds beyond what the schedule itself
  asks; a change seen before its first slot comes out as ~0, so the raw commit -> first message
  time (which includes up to 1 s of schedule wait) is reported beside it. ``stop`` is how long
  messages of the deleted probe kept arriving after the delete committed.
- ``--idle``: per scheduler a second phase with N jobs loaded on a daily cron 12 hours away (none
  due): beat CPU % over ``--idle-seconds`` (30) once it is quiet, its RSS, and the same change
  probes with nothing due (the clean form of "a change seen with N loaded").

Prints a table; the last line is one JSON object with all figures per scheduler and the ratios
ours/stock and ours/redbeat of rate and lag p99. The machine is shared: the load average at each
phase is reported, and figures are comparable only within one run.
"""
import argparse
import base64
import json
import math
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402
import redis  # noqa: E402

from scheduler_app.stack import ProcessGroup, beat_command, free_port, start_redis  # noqa: E402

WORKLOAD = ROOT / "tests" / "benchmarks" / "_beat_workload.py"
BENCH_SECRET_KEY = secrets.token_urlsafe(50)  # the processes run with DEBUG=0, which refuses the development key
QUEUE_KEY = "celery"
RUN_JOB_TASK = "scheduler_app.tasks.run_job"
SCHEDULERS = {
    "stock": ["-S", "django_celery_beat.schedulers:DatabaseScheduler"],
    # redbeat.RedBeatScheduler, with redbeat_redis_url and a lock timeout set (see _beat_workload)
    "redbeat": ["-S", "tests.benchmarks._beat_workload:BenchRedBeatScheduler"],
    "ours": [],  # the project's CELERY_BEAT_SCHEDULER
}
SCHEDULER_NAMES = {"stock": "django_celery_beat.schedulers:DatabaseScheduler",
                   "redbeat": "redbeat.RedBeatScheduler", "ours": "project CELERY_BEAT_SCHEDULER"}
# First slot of a probe with no scheduled_for in its message, in seconds after the commit.
PROBE_FIRST_SLOT = {"stock": 1.0, "redbeat": 0.0, "ours": 1.0}
INSTALL_HINT = ".venv/bin/pip install -r requirements-bench.txt"


def percentile(samples: list[float], fraction: float) -> float | None:
    if not samples:
        return None
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


def next_boundary(moment: float) -> float:
    """The first minute boundary strictly after ``moment`` (epoch seconds)."""
    return (math.floor(moment / 60) + 1) * 60.0


def r3(value):
    return None if value is None else round(value, 3)


def stamp(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%H:%M:%S.%f")[:-3]


def log(message: str) -> None:
    print(f"[{datetime.now(UTC).strftime('%H:%M:%S')}] {message}", flush=True)


# --- measuring ------------------------------------------------------------------------------------


class Drain(threading.Thread):
    """Pops the queue list in batches and timestamps each batch on arrival."""

    def __init__(self, url: str, key: str = QUEUE_KEY, batch: int = 1000):
        super().__init__(daemon=True)
        self.client = redis.Redis.from_url(url)
        self.key, self.batch = key, batch
        self.pending: list[tuple[float, list[bytes]]] = []
        self.arrivals: list[tuple[float, str | None, float | None, str]] = []  # t, job_id, slot, task
        self.first_seen: dict[str, float] = {}
        self.undecodable = 0
        self.errors = 0
        self._halt = threading.Event()

    def _decode(self, limit: int = 250) -> None:
        t, raws = self.pending[0]
        chunk, rest = raws[:limit], raws[limit:]
        if rest:
            self.pending[0] = (t, rest)
        else:
            self.pending.pop(0)
        for raw in chunk:
            try:
                envelope = json.loads(raw)
                body = envelope["body"]
                if envelope.get("properties", {}).get("body_encoding") == "base64":
                    body = base64.b64decode(body)
                _, kwargs, _ = json.loads(body)
                task = envelope.get("headers", {}).get("task", "?")
                job_id = kwargs.get("job_id")
                slot = kwargs.get("scheduled_for")
                slot = datetime.fromisoformat(slot).timestamp() if slot else None
            except (ValueError, KeyError, TypeError):
                self.undecodable += 1
                continue
            self.arrivals.append((t, job_id, slot, task))
            if job_id is not None and job_id not in self.first_seen:
                self.first_seen[job_id] = t

    def run(self) -> None:
        while True:
            try:
                popped = self.client.rpop(self.key, self.batch)
            except redis.RedisError:
                self.errors += 1
                time.sleep(0.05)
                popped = None
            arrived = time.time()
            if popped:
                self.pending.append((arrived, popped))
                continue
            if self.pending:
                self._decode()
                continue
            if self._halt.is_set():
                return
            time.sleep(0.001)

    def busy(self) -> bool:
        return bool(self.pending)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=30)


class Sampler(threading.Thread):
    """CPU seconds and RSS of one process every ``every`` seconds."""

    def __init__(self, pid: int, every: float = 0.05):
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.every = every
        self.samples: list[tuple[float, float, int]] = []
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                with self.process.oneshot():
                    cpu = self.process.cpu_times()
                    rss = self.process.memory_info().rss
            except psutil.Error:
                return
            self.samples.append((time.time(), cpu.user + cpu.system, rss))
            time.sleep(self.every)

    def cpu_at(self, moment: float) -> float | None:
        samples = self.samples
        if not samples or moment < samples[0][0]:
            return None
        for (t0, c0, _), (t1, c1, _) in zip(samples, samples[1:], strict=False):
            if t0 <= moment <= t1:
                return c0 + (c1 - c0) * ((moment - t0) / (t1 - t0) if t1 > t0 else 0)
        return samples[-1][1] if moment <= samples[-1][0] + self.every * 2 else None

    def cpu_pct(self, start: float, end: float) -> float | None:
        a, b = self.cpu_at(start), self.cpu_at(end)
        if a is None or b is None or end <= start:
            return None
        return 100.0 * (b - a) / (end - start)

    def cpu_seconds(self, start: float, end: float) -> float | None:
        a, b = self.cpu_at(start), self.cpu_at(end)
        return None if a is None or b is None else b - a

    def peak_rss(self) -> int:
        return max((rss for _, _, rss in self.samples), default=0)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)


def vm_hwm(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def log_tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class BeatDied(RuntimeError):
    pass


# --- one scheduler, one phase -----------------------------------------------------------------------


class Phase:
    """One scheduler with N jobs loaded: setup, beat, drain, sampler, probe server."""

    def __init__(self, ctx: "Context", kind: str, phase: str, expression: str):
        self.ctx, self.kind, self.phase, self.expression = ctx, kind, phase, expression
        self.dir = ctx.tmp / f"{kind}-{phase}"
        self.dir.mkdir()
        self.db = self.dir / "db.sqlite3"
        self.beat_log = self.dir / "beat.log"
        self.group = ProcessGroup()
        self.env = ctx.env_for(self.db, kind)
        self.result: dict = {"errors": [], "warnings": []}
        self.ids: set[str] = set()
        self.drain: Drain | None = None
        self.sampler: Sampler | None = None
        self.beat: subprocess.Popen | None = None
        self.probe_server: subprocess.Popen | None = None
        self.probes: list[dict] = []

    # setup ------------------------------------------------------------------------------------

    def prepare(self) -> None:
        redis.Redis.from_url(self.ctx.redis_url).flushall()
        shutil.copy(self.ctx.template_db, self.db)
        ids_file = self.dir / "ids.json"
        timeout = max(120, self.ctx.args.jobs / 50)
        done = subprocess.run(
            [sys.executable, str(WORKLOAD), "setup", "--kind", self.kind, "--jobs", str(self.ctx.args.jobs),
             "--cron", self.expression, "--ids-out", str(ids_file)],
            env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
        )
        if done.returncode != 0:
            raise RuntimeError(f"setup failed:\n{done.stdout}\n{done.stderr[-3000:]}")
        report = json.loads(done.stdout.strip().splitlines()[-1])
        self.setup_started = report["started"]
        self.result["setup_s"] = report["seconds"]
        self.result["warnings"] += report["warnings"]
        for warning in report["warnings"]:
            log(f"  WARNING {warning}")
        self.ids = set(json.loads(ids_file.read_text()))

    def start(self) -> None:
        self.probe_server = subprocess.Popen(
            [sys.executable, str(WORKLOAD), "serve", "--kind", self.kind], env=self.env, cwd=ROOT,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=open(self.dir / "probes.log", "wb"),  # noqa: SIM115
            text=True, start_new_session=True,
        )
        self.group.processes.append(("probes", self.probe_server))
        self._probe_answer(timeout=60)  # ready
        self.drain = Drain(self.ctx.redis_url)
        self.drain.start()
        self.beat_started = time.time()
        self.beat = self.group.start("beat", [*beat_command(), *SCHEDULERS[self.kind]], env=self.env,
                                     log=self.beat_log, cwd=str(self.dir))
        self.sampler = Sampler(self.beat.pid)
        self.sampler.start()

    def check_beat(self) -> None:
        if self.beat.poll() is not None:
            raise BeatDied(f"beat exited with {self.beat.returncode}")

    def sleep_until(self, moment: float) -> None:
        while True:
            self.check_beat()
            left = moment - time.time()
            if left <= 0:
                return
            time.sleep(min(left, 0.05))

    def wait_quiet(self, least: float = 3.0, window: float = 2.0, threshold: float = 20.0) -> float:
        """Beat has loaded: its CPU over the last ``window`` seconds fell under ``threshold`` %."""
        deadline = time.time() + max(90, self.ctx.args.jobs / 200)
        while time.time() < deadline:
            self.sleep_until(time.time() + 0.25)
            now = time.time()
            if now - self.beat_started < least + window:
                continue
            pct = self.sampler.cpu_pct(now - window, now - 0.06)
            if pct is not None and pct < threshold:
                return now
        self.result["warnings"].append("beat never fell quiet while loading")
        return time.time()

    # probes -----------------------------------------------------------------------------------

    def _probe_answer(self, timeout: float) -> dict:
        result: list[str] = []
        reader = threading.Thread(target=lambda: result.append(self.probe_server.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        if not result or not result[0]:
            raise RuntimeError(f"probe server did not answer: {log_tail(self.dir / 'probes.log')}")
        answer = json.loads(result[0])
        if "error" in answer:
            raise RuntimeError(f"probe server: {answer['error']}")
        return answer

    def _probe(self, command: str) -> dict:
        self.probe_server.stdin.write(command + "\n")
        self.probe_server.stdin.flush()
        return self._probe_answer(timeout=30)

    def run_probes(self, count: int, until: float, timeout: float = 10.0) -> None:
        """Create a 1-second job, wait for its first message, delete it; ``count`` times or until
        ``until``."""
        while len(self.probes) < count and time.time() + timeout <= until:
            created = self._probe("create")
            probe = {"job_id": created["job_id"], "commit": created["commit"]}
            self.probes.append(probe)
            limit = min(created["commit"] + timeout, until)
            while created["job_id"] not in self.drain.first_seen and time.time() < limit:
                self.sleep_until(time.time() + 0.005)
            probe["deleted"] = self._probe("delete " + created["job_id"])["commit"]
            self.sleep_until(min(time.time() + 1.5, until))

    # phases -----------------------------------------------------------------------------------

    def run_due(self) -> None:
        args = self.ctx.args
        quiet = self.wait_quiet()
        self.result["load_s"] = round(quiet - self.beat_started, 2)
        first = next_boundary(quiet + args.lead - 1e-6)
        self.boundaries = [first + 60 * k for k in range(args.minutes)]
        end = self.boundaries[-1] + 58
        log(f"  loaded in {self.result['load_s']} s; boundaries {stamp(first)} .. {stamp(self.boundaries[-1])}")
        self.idle_windows: list[tuple[float, float]] = []
        self.burst_unfinished = False
        seen = 0
        for index, boundary in enumerate(self.boundaries):
            last = index == len(self.boundaries) - 1
            self.sleep_until(boundary)
            burst_end, seen = self._wait_burst(boundary, seen, boundary + (40 if last else 55))
            if burst_end is None:
                self.burst_unfinished = self.burst_unfinished or last
                continue
            if last and self.idle_windows:
                break  # idle already sampled: leave the rest of the minute to the change probes
            start = burst_end + 1
            stop = min(start + 10, boundary + 60 - (18 if last else 3))
            if stop - start >= 3:
                self.sleep_until(stop)
                self.idle_windows.append((start, stop))
        if not self.burst_unfinished:  # a probe would perturb the burst it measures (stock reloads all)
            self.probe_window = (time.time(), end)
            self.run_probes(args.probes, until=end)
        self.sleep_until(end)

    def _wait_burst(self, boundary: float, seen: int, deadline: float) -> tuple[float | None, int]:
        """Live, approximate end of a burst: all N jobs arrived since the boundary, or 5 s
        without one once some came. Only decides when to sample idle CPU and probe; the figures
        drop an idle sample or flag probes that a burst message fell into after all."""
        jobs: set[str] = set()
        last = None
        while time.time() < deadline:
            self.sleep_until(time.time() + 0.02)
            arrivals = self.drain.arrivals
            for t, job_id, _, _ in arrivals[seen:]:
                if t >= boundary - 1 and job_id in self.ids:
                    jobs.add(job_id)
                    last = t
            seen = len(arrivals)
            if len(jobs) >= len(self.ids) and not self.drain.busy():
                return last, seen
            if last is not None and time.time() - last > 5 and not self.drain.busy():
                return last, seen
        return None, seen

    def run_idle(self) -> None:
        args = self.ctx.args
        quiet = self.wait_quiet()
        self.result["load_s"] = round(quiet - self.beat_started, 2)
        start = quiet + 2
        self.idle_window = (start, start + args.idle_seconds)
        log(f"  loaded in {self.result['load_s']} s; idle CPU over {args.idle_seconds} s")
        self.sleep_until(self.idle_window[1])
        self.run_probes(args.probes, until=time.time() + args.probes * 12 + 5)

    def finish(self) -> None:
        """Stop everything this phase started (beat first), whatever happened."""
        if self.beat is not None and self.beat.poll() is None:
            self.result["vm_hwm"] = vm_hwm(self.beat.pid)
        if self.probe_server is not None and self.probe_server.poll() is None:
            try:
                self.probe_server.stdin.write("quit\n")
                self.probe_server.stdin.flush()
            except OSError:
                pass
        self.group.stop()
        if self.beat is not None:
            self.result["beat_exit"] = self.beat.returncode
        if self.drain is not None:
            time.sleep(0.5)
            self.drain.stop()
        if self.sampler is not None:
            self.sampler.stop()

    # figures ----------------------------------------------------------------------------------

    def _rss_mb(self) -> float:
        peak = max(self.sampler.peak_rss() if self.sampler else 0, self.result.pop("vm_hwm", 0))
        return round(peak / 2**20, 1)

    def _probe_figures(self) -> dict:
        by_job: dict[str, list[tuple[float, float | None]]] = {}
        for t, job_id, slot, _ in self.drain.arrivals:
            if job_id is not None:
                by_job.setdefault(job_id, []).append((t, slot))
        seen, raw, stop, not_seen = [], [], [], 0
        for probe in self.probes:
            messages = sorted(by_job.get(probe["job_id"], []))
            if not messages:
                not_seen += 1
                continue
            first_t, slot = messages[0]
            slot = slot if slot is not None else probe["commit"] + PROBE_FIRST_SLOT[self.kind]
            seen.append(max(0.0, first_t - max(probe["commit"], slot)))
            raw.append(first_t - probe["commit"])
            after = [t for t, _ in messages if t > probe.get("deleted", math.inf)]
            stop.append(max(after) - probe["deleted"] if after else 0.0)
        return {"n": len(self.probes), "not_seen": not_seen, "p50_s": r3(percentile(seen, 0.5)),
                "p99_s": r3(percentile(seen, 0.99)), "max_s": r3(max(seen, default=None)),
                "raw_p50_s": r3(percentile(raw, 0.5)), "raw_p99_s": r3(percentile(raw, 0.99)),
                "stop_max_s": r3(max(stop, default=None))}

    def due_figures(self) -> dict:
        result = self.result
        result["rss_peak_mb"] = self._rss_mb()
        if not hasattr(self, "boundaries"):
            return result
        n = len(self.ids)
        by_job: dict[str, list[tuple[float, float | None]]] = {}
        other: dict[str, int] = {}
        for t, job_id, slot, task in self.drain.arrivals:
            if job_id in self.ids:
                by_job.setdefault(job_id, []).append((t, slot))
            elif not any(job_id == p["job_id"] for p in self.probes):
                other[task] = other.get(task, 0) + 1
        per_slot: dict[float, dict[str, list[float]]] = {}
        warmup = 0
        for job_id, messages in by_job.items():
            previous = self.setup_started
            for t, slot in sorted(messages):
                slot = round(slot) if slot is not None else next_boundary(previous)
                previous = t
                per_slot.setdefault(float(slot), {}).setdefault(job_id, []).append(t)
                if slot < self.boundaries[0]:
                    warmup += 1
        minutes, all_lags = [], []
        total_sent = total_span = 0.0
        for boundary in self.boundaries:
            jobs = per_slot.get(boundary, {})
            firsts = [min(ts) for ts in jobs.values()]
            lags = [t - boundary for t in firsts]
            all_lags += lags
            arrivals = [t for ts in jobs.values() for t in ts]
            span = max(max(arrivals) - boundary, 1e-3) if arrivals else None
            if arrivals:
                total_sent += len(arrivals)
                total_span += span
            burst_end = max(max(arrivals, default=boundary), boundary + 0.25)
            minutes.append({
                "boundary": datetime.fromtimestamp(boundary, UTC).isoformat(),
                "sent": sum(1 for t in firsts if t < boundary + 60),
                "late": sum(1 for t in firsts if t >= boundary + 60),
                "never": n - len(firsts),
                "dup": len(arrivals) - len(firsts),
                "lag_min_s": r3(min(lags, default=None)),
                "lag_p50_s": r3(percentile(lags, 0.5)), "lag_p99_s": r3(percentile(lags, 0.99)),
                "lag_max_s": r3(max(lags, default=None)),
                "rate_per_s": round(len(arrivals) / span, 1) if span else 0.0,
                "burst_cpu_pct": r3(self.sampler.cpu_pct(boundary, burst_end)),
                "cpu_s": r3(self.sampler.cpu_seconds(boundary, boundary + 58 if boundary == self.boundaries[-1]
                                                     else boundary + 60)),
            })
        burst_times = [t for t, job_id, _, _ in self.drain.arrivals if job_id in self.ids]

        def overlaps(a: float, b: float) -> bool:
            return any(a <= t <= b for t in burst_times)

        kept = [(a, b) for a, b in self.idle_windows if not overlaps(a, b)]
        if len(kept) < len(self.idle_windows):
            result["warnings"].append(f"{len(self.idle_windows) - len(kept)} idle CPU sample(s) dropped: "
                                      "burst messages arrived during them")
        idle = [self.sampler.cpu_pct(a, b) for a, b in kept]
        idle = [pct for pct in idle if pct is not None]
        cpu_total = self.sampler.cpu_seconds(self.boundaries[0], self.boundaries[-1] + 58)
        bursts = [m["burst_cpu_pct"] for m in minutes if m["burst_cpu_pct"] is not None]
        result.update({
            "minutes": minutes,
            "sent_min": min(m["sent"] for m in minutes),
            "sent_ratio": round(min(m["sent"] for m in minutes) / n, 4) if n else None,
            "lag_min_s": r3(min(all_lags, default=None)),
            "lag_p50_s": r3(percentile(all_lags, 0.5)), "lag_p99_s": r3(percentile(all_lags, 0.99)),
            "lag_max_s": r3(max(all_lags, default=None)),
            "rate_per_s": round(total_sent / total_span, 1) if total_span else 0.0,
            "burst_cpu_pct": r3(max(bursts, default=None)),
            "idle_cpu_pct": r3(sum(idle) / len(idle)) if idle else None,
            "cpu_s_per_min": r3(cpu_total / len(self.boundaries)) if cpu_total is not None else None,
            "warmup_messages": warmup,
            "other_messages": other,
            "undecodable": self.drain.undecodable,
            "change_seen": self._probe_figures(),
        })
        if self.burst_unfinished:
            result["warnings"].append("the last burst had not ended 40 s after its boundary: no change probes "
                                      "(see the --idle phase)")
        elif hasattr(self, "probe_window") and overlaps(*self.probe_window):
            result["warnings"].append("burst messages arrived while change probes ran")
        return result

    def idle_figures(self) -> dict:
        result = self.result
        result["rss_peak_mb"] = self._rss_mb()
        if hasattr(self, "idle_window"):
            result["idle_cpu_pct"] = r3(self.sampler.cpu_pct(*self.idle_window))
            result["messages_while_idle"] = sum(
                1 for t, job_id, _, _ in self.drain.arrivals if job_id in self.ids and t <= self.idle_window[1])
            result["change_seen"] = self._probe_figures()
        return result


class Context:
    def __init__(self, args, tmp: Path, redis_url: str, template_db: Path):
        self.args, self.tmp, self.redis_url, self.template_db = args, tmp, redis_url, template_db

    def env_for(self, db: Path, kind: str) -> dict:
        env = {k: v for k, v in os.environ.items() if k not in ("BEAT_MAX_LOOP_INTERVAL",)}
        env.update({
            "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": f"sqlite:///{db}",
            "REDIS_URL": self.redis_url, "DEBUG": "0", "SECRET_KEY": BENCH_SECRET_KEY, "PYTHONPATH": str(ROOT),
            "BENCH_REDBEAT_LOCK_TIMEOUT": str(self.args.redbeat_lock_timeout),
        })
        interval = {"stock": self.args.stock_max_interval, "redbeat": self.args.redbeat_max_interval,
                    "ours": self.args.ours_max_interval}[kind]
        if interval:
            env["BEAT_MAX_LOOP_INTERVAL"] = str(interval)
        return env


def run_phase(ctx: Context, kind: str, phase: str) -> dict:
    if phase == "due":
        expression = "* * * * *"
    else:  # a daily time 12 hours away: nothing due during the phase
        expression = f"0 {(datetime.now(UTC).hour + 12) % 24} * * *"
    one = Phase(ctx, kind, phase, expression)
    log(f"{kind} / {phase}: {ctx.args.jobs} jobs, cron '{expression}' (load average "
        f"{os.getloadavg()[0]:.2f})")
    one.result["load_average"] = round(os.getloadavg()[0], 2)
    try:
        if phase == "due":
            # Load just after a boundary, so that no boundary passes between loading and beat
            # being ready (a job that never ran counts from when it was written).
            budget = 30 + ctx.args.jobs / 500
            now = time.time()
            if next_boundary(now) - now < budget:
                time.sleep(next_boundary(now) - now + 0.5)
        one.prepare()
        one.start()
        if phase == "due":
            one.run_due()
        else:
            one.run_idle()
    except (BeatDied, RuntimeError, subprocess.TimeoutExpired) as exc:
        one.result["errors"].append(str(exc))
        log(f"  ERROR {exc}")
    finally:
        one.finish()
    figures = one.due_figures() if phase == "due" else one.idle_figures()
    sent = sum(1 for _, job_id, _, _ in (one.drain.arrivals if one.drain else []) if job_id in one.ids)
    if (phase == "due" and sent == 0) or one.result["errors"] or figures.get("beat_exit") not in (0, -15, None):
        log(f"  {kind} sent {sent} messages; beat log tail ({one.beat_log}):\n{log_tail(one.beat_log)}")
    return figures


# --- output -----------------------------------------------------------------------------------------


def fmt(value, suffix: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        digits = 1 if suffix in (" %", "/s", " MB") else 3
        return f"{value:,.{digits}f}".rstrip("0").rstrip(".") + suffix
    return f"{value:,}{suffix}"


def table(results: dict, jobs: int) -> str:
    kinds = list(results)
    rows = []

    def row(label, getter):
        rows.append([label] + [getter(results[k]) for k in kinds])

    def due(key, suffix=""):
        return lambda r: fmt(r.get("due", {}).get(key), suffix)

    def seen(phase, key):
        return lambda r: fmt(r.get(phase, {}).get("change_seen", {}).get(key), " s")

    any_due = any("due" in r for r in results.values())
    if any_due:
        row("sent/N (worst minute)", lambda r: "-" if "due" not in r or "sent_min" not in r["due"]
            else f"{r['due']['sent_min']:,}/{jobs:,}")
        row("sent per minute", lambda r: " ".join(
            f"{m['sent']}" + (f"(+{m['late']} late)" if m["late"] else "")
            for m in r.get("due", {}).get("minutes", [])) or "-")
        row("lag min (1st message)", due("lag_min_s", " s"))
        row("lag p50", due("lag_p50_s", " s"))
        row("lag p99", due("lag_p99_s", " s"))
        row("lag max", due("lag_max_s", " s"))
        row("rate", due("rate_per_s", "/s"))
        row("beat CPU burst", due("burst_cpu_pct", " %"))
        row("beat CPU idle between", due("idle_cpu_pct", " %"))
        row("beat CPU s / minute", due("cpu_s_per_min", " s"))
        row("beat peak RSS", due("rss_peak_mb", " MB"))
        row("change seen p50", seen("due", "p50_s"))
        row("change seen p99", seen("due", "p99_s"))
        row("change seen max", seen("due", "max_s"))
        row("commit -> 1st msg p50/p99", lambda r: "-" if "change_seen" not in r.get("due", {}) else
            f"{fmt(r['due']['change_seen']['raw_p50_s'])} / {fmt(r['due']['change_seen']['raw_p99_s'], ' s')}")
        row("probes (not seen)", lambda r: "-" if "change_seen" not in r.get("due", {}) else
            f"{r['due']['change_seen']['n']} ({r['due']['change_seen']['not_seen']})")
        row("stop seen max", seen("due", "stop_max_s"))
        row("load / setup", lambda r: f"{fmt(r.get('due', {}).get('load_s'), ' s')} / "
            f"{fmt(r.get('due', {}).get('setup_s'), ' s')}")
    if any("idle" in r for r in results.values()):
        row("idle: beat CPU", lambda r: fmt(r.get("idle", {}).get("idle_cpu_pct"), " %"))
        row("idle: peak RSS", lambda r: fmt(r.get("idle", {}).get("rss_peak_mb"), " MB"))
        row("idle: change seen p50", seen("idle", "p50_s"))
        row("idle: change seen p99", seen("idle", "p99_s"))
    header = ["", *kinds]
    widths = [max(len(str(line[i])) for line in [header, *rows]) for i in range(len(header))]
    lines = [" | ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(line)) for line in [header, *rows]]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def ratios(results: dict) -> dict:
    out = {}
    ours = results.get("ours", {}).get("due", {})
    for peer in ("stock", "redbeat"):
        theirs = results.get(peer, {}).get("due", {})
        rate = p99 = None
        if ours.get("rate_per_s") and theirs.get("rate_per_s"):
            rate = round(ours["rate_per_s"] / theirs["rate_per_s"], 2)
        if ours.get("lag_p99_s") is not None and theirs.get("lag_p99_s"):
            p99 = round(ours["lag_p99_s"] / theirs["lag_p99_s"], 4)
        out[f"ours/{peer}"] = {"rate": rate, "lag_p99": p99}
    return out


def redbeat_available() -> bool:
    try:
        import redbeat  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--minutes", type=int, default=2, help="measured minute boundaries per scheduler")
    parser.add_argument("--schedulers", default="stock,redbeat,ours")
    parser.add_argument("--idle", action="store_true", help="also measure beat with N jobs loaded, none due")
    parser.add_argument("--no-due", action="store_true", help="skip the due-every-minute phase (with --idle)")
    parser.add_argument("--idle-seconds", type=float, default=30.0)
    parser.add_argument("--probes", type=int, default=8, help="change-seen probes per phase (at most)")
    parser.add_argument("--lead", type=float, default=25.0,
                        help="seconds between beat falling quiet and the first measured boundary (at least)")
    parser.add_argument("--stock-max-interval", default="5", help="BEAT_MAX_LOOP_INTERVAL for stock")
    parser.add_argument("--redbeat-max-interval", default="5", help="BEAT_MAX_LOOP_INTERVAL for RedBeat")
    parser.add_argument("--ours-max-interval", default="", help="BEAT_MAX_LOOP_INTERVAL for ours (default: the "
                        "project's setting)")
    parser.add_argument("--redbeat-lock-timeout", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (beat logs) and print it")
    parser.add_argument("--quick", action="store_true", help="development run: 200 jobs, 1 minute, 3 probes")
    args = parser.parse_args()
    if args.quick:
        args.jobs, args.minutes, args.probes, args.idle_seconds = 200, 1, 3, 10.0
    kinds = [k.strip() for k in args.schedulers.split(",") if k.strip()]
    unknown = set(kinds) - set(SCHEDULERS)
    if unknown:
        parser.error(f"unknown schedulers {sorted(unknown)}; choose from {sorted(SCHEDULERS)}")
    notes = []
    if "redbeat" in kinds and not redbeat_available():
        kinds.remove("redbeat")
        notes.append(f"RedBeat skipped: not installed ({INSTALL_HINT})")
        log(notes[-1])
    phases = ([] if args.no_due else ["due"]) + (["idle"] if args.idle else [])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally blocks: stop children

    results: dict[str, dict] = {}
    redis_group = ProcessGroup()
    tmp = Path(tempfile.mkdtemp(prefix="bench-beat-"))
    if args.keep:
        log(f"temporary directory (kept): {tmp}")
    try:
        redis_url = f"redis://127.0.0.1:{free_port()}/0"
        start_redis(redis_group, url=redis_url, data_dir=tmp / "redis", log=tmp / "redis.log")
        template = tmp / "template.sqlite3"
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": f"sqlite:///{template}",
               "DEBUG": "0", "SECRET_KEY": BENCH_SECRET_KEY, "REDIS_URL": redis_url}
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], env=env, cwd=ROOT, check=True,
                       timeout=300)
        ctx = Context(args, tmp, redis_url, template)
        for kind in kinds:
            results[kind] = {"scheduler": SCHEDULER_NAMES[kind]}
            for phase in phases:
                results[kind][phase] = run_phase(ctx, kind, phase)
    finally:
        redis_group.stop()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)

    print()
    print(f"bench_beat: {args.jobs:,} jobs; phases {', '.join(phases)}"
          + (f" ({args.minutes} measured minute(s) each)" if "due" in phases else "")
          + f"; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    print(table(results, args.jobs))
    for kind, figures in results.items():
        for phase in phases:
            for problem in figures.get(phase, {}).get("errors", []) + figures.get(phase, {}).get("warnings", []):
                print(f"note: {kind}/{phase}: {problem}")
    for note in notes:
        print(f"note: {note}")
    summary = {"jobs": args.jobs, "minutes": args.minutes, "cpus": os.cpu_count(), "schedulers": results,
               "ratios": ratios(results), "notes": notes}
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
