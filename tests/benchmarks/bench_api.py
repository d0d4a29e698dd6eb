"""Benchmark (a script, not a test): p50/p99 of GET /scheduler/jobs with 1,000 jobs and of a
history page (limit 50) of a job with 1,000,000 executions, through the whole Django stack
(middleware, X-API-Key auth, serialisers, rendering) in process, through Django's WSGI
handler as a WSGI server would call it (the test Client adds reference cycles of its own to
every response, which a server does not).

    .venv/bin/python tests/benchmarks/bench_api.py [--executions N] [--requests N]

Builds its own SQLite database in a temporary directory (migrations applied), so it never
touches var/. The last line of output is one JSON object with the figures in milliseconds.
"""
import argparse
import gc
import io
import json
import os
import secrets
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TARGET_LIST_P99_MS = 50.0
TARGET_HISTORY_P99_MS = 20.0


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def setup_django(db_path: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ["DEBUG"] = "0"  # DEBUG keeps every query in memory and slows each request
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)  # DEBUG=0 refuses the development key
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_jobs(count: int) -> list:
    """``count`` valid jobs of every schedule type, bulk-inserted (beat rows are not needed to
    read them)."""
    from scheduler_app.models import ScheduledJob
    from scheduler_app.validation import validate_job_data

    shapes = [
        ("birthday", "daily", {"hour": 8, "minute": 0}, {"dry_run": True, "process_late": True, "max_days_late": 5}),
        ("visitor", "weekly", {"day_of_week": "mon,wed,fri", "hour": 14, "minute": 30}, {"limit": 40}),
        ("birthday", "interval", {"hours": 2}, {}),
        ("visitor", "cron", {"cron_expression": "0 8-18 * * 1-5"}, {"keywords": "python", "location": "Paris"}),
        ("birthday", "manual", {}, {}),
    ]
    start = datetime.now(UTC) - timedelta(days=30)
    jobs = []
    for i in range(count):
        bot_type, schedule_type, schedule_config, bot_config = shapes[i % len(shapes)]
        values = validate_job_data({
            "name": f"Job {i:04d}", "description": f"benchmark job {i}", "bot_type": bot_type,
            "schedule_type": schedule_type, "schedule_config": schedule_config, "bot_config": bot_config,
            "enabled": i % 7 != 0,
        })
        created = start + timedelta(minutes=i)
        jobs.append(ScheduledJob(**values.columns(), created_at=created, updated_at=created, created_by="bench",
                                 last_run_at=created, last_run_status="success",
                                 next_run_at=None if schedule_type == "manual" else created + timedelta(days=31)))
    return ScheduledJob.objects.bulk_create(jobs, batch_size=500)


def insert_executions(db_path: Path, job_id: uuid.UUID, count: int, batch: int = 100_000) -> None:
    """Raw executemany, one transaction per batch: the ORM would take minutes for a million."""
    connection = sqlite3.connect(db_path)
    connection.execute("PRAGMA synchronous=OFF")
    columns = ("id, job_id, trigger, scheduled_for, queued_at, started_at, finished_at, duration_seconds, status, "
               "result, error, messages_sent, profiles_visited, dry_run")
    sql = f"INSERT INTO scheduler_app_jobexecution ({columns}) VALUES ({', '.join('?' * 14)})"
    job_hex = job_id.hex
    first = datetime(2020, 1, 1)
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    result = json.dumps({"runner": "bench", "sent": 3})
    done = 0
    while done < count:
        rows = []
        for i in range(done, min(count, done + batch)):
            slot = first + timedelta(minutes=i)
            failed = i % 20 == 0
            rows.append((
                uuid.uuid4().hex, job_hex, "scheduled", slot.strftime(fmt), slot.strftime(fmt),
                (slot + timedelta(seconds=1)).strftime(fmt), (slot + timedelta(seconds=31)).strftime(fmt), 30.0,
                "failed" if failed else "success", result, "boom" if failed else None, 0 if failed else 3, 0, 0,
            ))
        connection.executemany(sql, rows)
        connection.commit()
        done += len(rows)
    connection.execute("ANALYZE")
    connection.commit()
    connection.close()


class WsgiClient:
    """GET through django.core.handlers.wsgi.WSGIHandler, body read and closed like a server."""

    def __init__(self, api_key: str):
        from django.core.handlers.wsgi import WSGIHandler

        self.handler = WSGIHandler()
        self.api_key = api_key

    def get(self, url: str) -> tuple[str, bytes]:
        path, _, query = url.partition("?")
        environ = {
            "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1", "HTTP_X_API_KEY": self.api_key, "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr,
            "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
        }
        status = []
        result = self.handler(environ, lambda s, headers, exc_info=None: status.append(s))
        try:
            body = b"".join(result)
        finally:
            getattr(result, "close", lambda: None)()
        return status[0], body


def measure(client: WsgiClient, url: str, requests: int, warmup: int = 20,
            expect_len: int | None = None) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds per request. CPU time is this process's own work, so it
    stays meaningful when other processes compete for the cores (load average printed)."""
    for _ in range(warmup):
        status, body = client.get(url)
        assert status.startswith("200"), (url, status, body[:300])
    if expect_len is not None:
        assert len(json.loads(body)) == expect_len, len(json.loads(body))
    wall, cpu = [], []
    for _ in range(requests):
        started, cpu_started = time.perf_counter(), time.process_time()
        status, _ = client.get(url)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        assert status.startswith("200"), status
    return wall, cpu


def timings(client: "WsgiClient", job_id, args) -> dict[str, float]:
    list_ms, list_cpu = measure(client, "/scheduler/jobs", args.requests, expect_len=args.jobs)
    history_ms, history_cpu = measure(client, f"/scheduler/jobs/{job_id}/history?limit=50", args.requests,
                                      expect_len=50)
    return {
        "list_jobs_p50_ms": round(percentile(list_ms, 0.50), 2),
        "list_jobs_p99_ms": round(percentile(list_ms, 0.99), 2),
        "history_p50_ms": round(percentile(history_ms, 0.50), 2),
        "history_p99_ms": round(percentile(history_ms, 0.99), 2),
        "list_jobs_cpu_p50_ms": round(percentile(list_cpu, 0.50), 2),
        "list_jobs_cpu_p99_ms": round(percentile(list_cpu, 0.99), 2),
        "history_cpu_p50_ms": round(percentile(history_cpu, 0.50), 2),
        "history_cpu_p99_ms": round(percentile(history_cpu, 0.99), 2),
    }


def meets(run: dict[str, float]) -> bool:
    return run["list_jobs_p99_ms"] < TARGET_LIST_P99_MS and run["history_p99_ms"] < TARGET_HISTORY_P99_MS


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--executions", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        db_path = Path(tmp) / "bench.sqlite3"
        setup_django(db_path)
        from scheduler_app.services.api_keys import api_key_create

        t0 = time.perf_counter()
        jobs = make_jobs(args.jobs)
        insert_executions(db_path, jobs[0].pk, args.executions)
        print(f"setup: {args.jobs} jobs, {args.executions} executions in {time.perf_counter() - t0:.1f}s")

        _, key = api_key_create(name="bench")
        client = WsgiClient(key)
        load_before = os.getloadavg()[0]
        runs = {"plain": timings(client, jobs[0].pk, args)}
        # What a server that calls gc.freeze() once the app is loaded would see: full GC passes
        # then skip the ~90k long-lived objects of Django and the app (see docs/benchmarks.md).
        gc.collect()
        gc.freeze()
        runs["gc_frozen"] = timings(client, jobs[0].pk, args)
        load_after = os.getloadavg()[0]

    figures = {"jobs": args.jobs, "executions": args.executions, "requests": args.requests, **runs["plain"],
               "with_gc_freeze": runs["gc_frozen"], "cpus": os.cpu_count(),
               "load_average": round(max(load_before, load_after), 2)}
    figures["meets_targets"] = meets(runs["plain"])
    figures["meets_targets_with_gc_freeze"] = meets(runs["gc_frozen"])
    for label, run in runs.items():
        print(f"[{label}] GET /scheduler/jobs ({args.jobs} jobs): p50 {run['list_jobs_p50_ms']} ms, "
              f"p99 {run['list_jobs_p99_ms']} ms (target < {TARGET_LIST_P99_MS}); "
              f"CPU p50 {run['list_jobs_cpu_p50_ms']} / p99 {run['list_jobs_cpu_p99_ms']} ms")
        print(f"[{label}] GET history limit=50 ({args.executions} executions): p50 {run['history_p50_ms']} ms, "
              f"p99 {run['history_p99_ms']} ms (target < {TARGET_HISTORY_P99_MS}); "
              f"CPU p50 {run['history_cpu_p50_ms']} / p99 {run['history_cpu_p99_ms']} ms")
    print(f"load average {figures['load_average']} on {figures['cpus']} CPUs")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
