"""Benchmark (a script, not a test): p50/p99 of the API's and the dashboard's GET pages through
the whole Django stack (middleware, X-API-Key auth or a staff session, serialisers, templates,
rendering) in process, through Django's WSGI handler as a WSGI server would call it (the test
Client adds reference cycles of its own to every response, which a server does not).

    .venv/bin/python tests/benchmarks/bench_api.py [--jobs N] [--executions N] [--requests N]
    .venv/bin/python tests/benchmarks/bench_api.py --fleet [--requests N]
    .venv/bin/python tests/benchmarks/bench_api.py --fleet --metrics [--jobs N] [--executions N] [--repeat N]

Default mode: its own SQLite database in a temporary directory (migrations applied), 1,000 jobs
and 1,000,000 executions of one of them. ``--fleet``: a throwaway PostgreSQL server
(tests/support/postgres.py), 100,000 jobs and 10,000,000 executions loaded in SQL
(generate_series, indexes built after the load), the run counters recounted from them, then
every read endpoint of the read side: job pages (first, deep, filtered), history pages,
``/stats`` (first and a deep page), the dashboard's jobs (plain and searched), stats and history
pages, and ``/metrics`` (Prometheus text). ``--metrics`` times ``/metrics`` alone (after the same
load), plus a few scrapes with per-job series forced on for the whole fleet
(SCHEDULER_METRICS_JOB_SERIES_MAX raised to the job count), to show what they would cost.
Neither mode touches var/. The last line of output is one JSON object, in milliseconds.
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
TARGET_FLEET_API_P99_MS = 50.0
TARGET_FLEET_DASHBOARD_P99_MS = 150.0
TARGET_METRICS_P99_MS = 500.0
METRICS_JOB_SERIES_SCRAPES = 3
FLEET_JOBS = 100_000
FLEET_EXECUTIONS = 10_000_000
FLEET_HEAVY_JOB_EXECUTIONS = 1_000_000  # one job with a long history; the rest share what is left
FLEET_DAYS = 90
FLEET_IN_FLIGHT = 2_000


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DEBUG"] = "0"  # DEBUG keeps every query in memory and slows each request
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)  # DEBUG=0 refuses the development key
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# (bot_type, schedule_type, schedule_config, bot_config): one job of every schedule type.
JOB_SHAPES = [
    ("birthday", "daily", {"hour": 8, "minute": 0}, {"dry_run": True, "process_late": True, "max_days_late": 5}),
    ("visitor", "weekly", {"day_of_week": "mon,wed,fri", "hour": 14, "minute": 30}, {"limit": 40}),
    ("birthday", "interval", {"hours": 2}, {}),
    ("visitor", "cron", {"cron_expression": "0 8-18 * * 1-5"}, {"keywords": "python", "location": "Paris"}),
    ("birthday", "manual", {}, {}),
]


def make_jobs(count: int) -> list:
    """``count`` valid jobs of every schedule type, bulk-inserted (beat rows are not needed to
    read them)."""
    from scheduler_app.models import ScheduledJob
    from scheduler_app.validation import validate_job_data

    shapes = JOB_SHAPES
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
    """GET through django.core.handlers.wsgi.WSGIHandler, body read and closed like a server;
    with an API key, or with a logged-in staff session's cookie for the dashboard."""

    def __init__(self, api_key: str = "", cookie: str = ""):
        from django.core.handlers.wsgi import WSGIHandler

        self.handler = WSGIHandler()
        self.api_key = api_key
        self.cookie = cookie

    def get(self, url: str) -> tuple[str, bytes, dict]:
        path, _, query = url.partition("?")
        environ = {
            "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1", "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr,
            "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
        }
        if self.api_key:
            environ["HTTP_X_API_KEY"] = self.api_key
        if self.cookie:
            environ["HTTP_COOKIE"] = self.cookie
        answer = {}

        def start_response(status, headers, exc_info=None):
            answer["status"], answer["headers"] = status, dict(headers)

        result = self.handler(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            getattr(result, "close", lambda: None)()
        return answer["status"], body, answer["headers"]


def measure(client: WsgiClient, url: str, requests: int, warmup: int = 20,
            check=None) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds per request. CPU time is this process's own work, so it
    stays meaningful when other processes compete for the cores (load average printed).
    ``check(body, headers)`` asserts the answer is the one meant."""
    for _ in range(warmup):
        status, body, headers = client.get(url)
        assert status.startswith("200"), (url, status, body[:300])
    if check is not None:
        check(body, headers)
    wall, cpu = [], []
    for _ in range(requests):
        started, cpu_started = time.perf_counter(), time.process_time()
        status, _, _ = client.get(url)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        assert status.startswith("200"), status
    return wall, cpu


def figures_of(wall: list[float], cpu: list[float]) -> dict[str, float]:
    return {"p50_ms": round(percentile(wall, 0.50), 2), "p95_ms": round(percentile(wall, 0.95), 2),
            "p99_ms": round(percentile(wall, 0.99), 2), "max_ms": round(max(wall), 2),
            "cpu_p50_ms": round(percentile(cpu, 0.50), 2), "cpu_p99_ms": round(percentile(cpu, 0.99), 2)}


def array_of(length: int):
    def check(body, headers):
        assert len(json.loads(body)) == length, len(json.loads(body))
    return check


def prometheus_text(body, headers):
    """A scrape that prometheus_client parses, with the database up."""
    from prometheus_client.parser import text_string_to_metric_families

    names = {sample.name: sample.value for family in text_string_to_metric_families(body.decode())
             for sample in family.samples}
    assert names["scheduler_database_up"] == 1, names


def metrics_with_job_series(client: WsgiClient, jobs: int) -> dict:
    """A few scrapes with every job's series on (not the default past
    SCHEDULER_METRICS_JOB_SERIES_MAX): wall ms, CPU ms, bytes and sample lines."""
    from django.conf import settings

    previous = settings.SCHEDULER_METRICS_JOB_SERIES_MAX
    settings.SCHEDULER_METRICS_JOB_SERIES_MAX = jobs
    try:
        wall, cpu, size, lines = [], [], 0, 0
        for _ in range(METRICS_JOB_SERIES_SCRAPES):
            started, cpu_started = time.perf_counter(), time.process_time()
            status, body, _ = client.get("/scheduler/metrics")
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
            assert status.startswith("200"), status
            size, lines = len(body), sum(1 for line in body.splitlines() if not line.startswith(b"#"))
    finally:
        settings.SCHEDULER_METRICS_JOB_SERIES_MAX = previous
    figures = {**figures_of(wall, cpu), "bytes": size, "samples": lines, "scrapes": len(wall)}
    print(f"metrics with per-job series for {jobs} jobs: p50 {figures['p50_ms']} ms (CPU {figures['cpu_p50_ms']} "
          f"ms), {size:,} bytes, {lines:,} samples")
    return figures


def next_link(client: WsgiClient, url: str, hops: int) -> str:
    """The URL ``hops`` pages after ``url``, following Link headers (a deep page)."""
    for _ in range(hops):
        _, body, headers = client.get(url)
        link = headers.get("Link", "")
        found = [part for part in link.split(", ") if part.endswith('rel="next"')]
        assert found, (url, link)
        url = found[0][1:found[0].index(">")].replace("http://127.0.0.1", "")
    return url


def run_endpoints(endpoints: list[tuple[str, WsgiClient, str, object, int]]) -> dict[str, dict]:
    return {name: figures_of(*measure(client, url, requests, check=check))
            for name, client, url, check, requests in endpoints}


def print_run(label: str, run: dict[str, dict], targets: dict[str, float]) -> None:
    for name, figures in run.items():
        target = targets.get(name)
        print(f"[{label}] {name}: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, p99 {figures['p99_ms']} ms, "
              f"max {figures['max_ms']} ms"
              f"{f' (target < {target})' if target else ''}; CPU p50 {figures['cpu_p50_ms']} / "
              f"p99 {figures['cpu_p99_ms']} ms")


def meets(run: dict[str, dict], targets: dict[str, float]) -> bool:
    return all(run[name]["p99_ms"] < target for name, target in targets.items())


def sqlite_mode(args) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        db_path = Path(tmp) / "bench.sqlite3"
        setup_django(f"sqlite:///{db_path}")
        from scheduler_app.paging import JOB_PAGE_DEFAULT, JOB_PAGE_MAX
        from scheduler_app.services.api_keys import api_key_create
        from scheduler_app.services.counters import counts_rebuild

        t0 = time.perf_counter()
        jobs = make_jobs(args.jobs)
        insert_executions(db_path, jobs[0].pk, args.executions)
        counts_rebuild()
        print(f"setup: {args.jobs} jobs, {args.executions} executions in {time.perf_counter() - t0:.1f}s")

        _, key = api_key_create(name="bench")
        client = WsgiClient(key)
        endpoints = [
            ("jobs_first_page", client, "/scheduler/jobs", array_of(min(args.jobs, JOB_PAGE_DEFAULT)), args.requests),
            ("jobs_max_page", client, f"/scheduler/jobs?limit={JOB_PAGE_MAX}", array_of(min(args.jobs, JOB_PAGE_MAX)),
             args.requests),
            ("history_page", client, f"/scheduler/jobs/{jobs[0].pk}/history?limit=50", array_of(50), args.requests),
            ("stats", client, "/scheduler/stats", None, args.requests),
        ]
        targets = {"jobs_first_page": TARGET_LIST_P99_MS, "jobs_max_page": TARGET_LIST_P99_MS,
                   "history_page": TARGET_HISTORY_P99_MS, "stats": TARGET_LIST_P99_MS}
        return measure_runs(endpoints, targets, {"jobs": args.jobs, "executions": args.executions})


def measure_runs(endpoints, targets, about: dict) -> dict:
    load_before = os.getloadavg()[0]
    runs = {"plain": run_endpoints(endpoints)}
    # What a server that calls gc.freeze() once the app is loaded would see: full GC passes
    # then skip the ~90k long-lived objects of Django and the app (see docs/benchmarks.md).
    gc.collect()
    gc.freeze()
    runs["gc_frozen"] = run_endpoints(endpoints)
    gc.unfreeze()
    load_after = os.getloadavg()[0]
    for label, run in runs.items():
        print_run(label, run, targets)
    figures = {**about, "requests": {name: requests for name, _, _, _, requests in endpoints},
               "endpoints": runs["plain"], "with_gc_freeze": runs["gc_frozen"], "targets_p99_ms": targets,
               "meets_targets": meets(runs["plain"], targets),
               "meets_targets_with_gc_freeze": meets(runs["gc_frozen"], targets),
               "cpus": os.cpu_count(), "load_average": round(max(load_before, load_after), 2)}
    print(f"load average {figures['load_average']} on {figures['cpus']} CPUs")
    return figures


# --- fleet mode (PostgreSQL) -------------------------------------------------------------------

JOB_COLUMNS = ("id", "name", "description", "bot_type", "enabled", "schedule_type", "schedule_config", "bot_config",
               "timezone", "max_instances", "misfire_grace_time", "coalesce", "created_at", "updated_at",
               "created_by", "last_run_at", "last_run_status", "last_run_error", "next_run_at")


def load_fleet_jobs(count: int) -> None:
    """``count`` valid jobs (the five shapes of ``make_jobs``, validated once each), one a minute
    of creation time, through COPY."""
    from django.db import connection

    from scheduler_app.validation import validate_job_data

    shapes = JOB_SHAPES
    valid = [validate_job_data({"name": "x", "bot_type": b, "schedule_type": t, "schedule_config": sc,
                                "bot_config": bc}).columns() for b, t, sc, bc in shapes]
    start = datetime.now(UTC) - timedelta(days=FLEET_DAYS + 10)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY scheduler_app_scheduledjob ({', '.join(JOB_COLUMNS)}) FROM STDIN") as copy:
            for i in range(count):
                values = valid[i % len(valid)]
                created = start + timedelta(seconds=i * 60)
                manual = values["schedule_type"] == "manual"
                copy.write_row((
                    uuid.uuid4(), f"Job {i:06d}", f"benchmark job {i}", values["bot_type"], i % 7 != 0,
                    values["schedule_type"], json.dumps(values["schedule_config"]), json.dumps(values["bot_config"]),
                    values["timezone"], values["max_instances"], values["misfire_grace_time"], values["coalesce"],
                    created, created, "bench", datetime.now(UTC) - timedelta(hours=1), "success", None,
                    None if manual else datetime.now(UTC) + timedelta(hours=i % 24),
                ))


def load_fleet_executions(heavy_job_id, total: int) -> None:
    """The history in SQL: ``FLEET_HEAVY_JOB_EXECUTIONS`` rows for one job (one a minute), the
    rest spread evenly over the other jobs (one a day over the last FLEET_DAYS days, wrapping as
    needed), mostly success with some failed / skipped / missed, and FLEET_IN_FLIGHT recent runs
    still queued or running. The table's indexes are dropped for the load and rebuilt after."""
    from django.db import connection

    table = "scheduler_app_jobexecution"
    heavy = min(FLEET_HEAVY_JOB_EXECUTIONS, total)
    rest = max(0, total - heavy - FLEET_IN_FLIGHT)
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT LIKE "
                       "'%%_pkey'", [table])
        indexes = cursor.fetchall()  # the once-per-slot constraint is a partial unique index: here too
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SELECT count(*) FROM scheduler_app_scheduledjob")
        jobs = cursor.fetchone()[0]
        common = ("id, job_id, trigger, scheduled_for, queued_at, started_at, finished_at, duration_seconds, status, "
                  "result, error, messages_sent, profiles_visited, dry_run")
        outcome = """
            CASE WHEN g %% 20 = 0 THEN 'failed' WHEN g %% 33 = 0 THEN 'skipped' WHEN g %% 50 = 0 THEN 'missed'
                 ELSE 'success' END"""
        cursor.execute(f"""
            INSERT INTO {table} ({common})
            SELECT gen_random_uuid(), %s, 'scheduled', slot, slot, slot + interval '1 second',
                   slot + interval '31 seconds', 30.0, {outcome}, '{{"runner": "bench", "sent": 3}}'::jsonb,
                   CASE WHEN g %% 20 = 0 THEN 'boom' END, CASE WHEN g %% 20 = 0 THEN 0 ELSE 3 END, 0, false
            FROM (SELECT g, date_trunc('minute', now()) - interval '2 hours' - g * interval '1 minute' AS slot
                  FROM generate_series(1, %s) g) s
        """, [heavy_job_id, heavy])
        per_job = max(1, -(-rest // max(jobs - 1, 1)))  # rounded up: at least ``total`` rows
        cursor.execute(f"""
            INSERT INTO {table} ({common})
            SELECT gen_random_uuid(), j.id, 'scheduled', slot, slot, slot + interval '1 second',
                   slot + interval '20 seconds', 19.0, {outcome}, '{{"runner": "bench"}}'::jsonb,
                   CASE WHEN g %% 20 = 0 THEN 'boom' END, (g %% 4), (g %% 7), false
            FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM scheduler_app_scheduledjob WHERE id <> %s) j
            CROSS JOIN LATERAL (
                SELECT g, date_trunc('day', now()) - interval '1 day' - (g %% {FLEET_DAYS}) * interval '1 day'
                          - (g / {FLEET_DAYS}) * interval '1 minute' + (j.n %% 1440) * interval '1 minute' AS slot
                FROM generate_series(j.n * {per_job}, j.n * {per_job} + {per_job} - 1) g
            ) s
        """, [heavy_job_id])
        cursor.execute(f"""
            INSERT INTO {table} ({common}, lease_expires_at)
            SELECT gen_random_uuid(), j.id, 'scheduled', now() - g * interval '1 second',
                   now() - g * interval '1 second', CASE WHEN g %% 2 = 0 THEN now() END, NULL, NULL,
                   CASE WHEN g %% 2 = 0 THEN 'running' ELSE 'queued' END, NULL, NULL, 0, 0, false,
                   CASE WHEN g %% 2 = 0 THEN now() + interval '1 day' END
            FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM scheduler_app_scheduledjob) j
            JOIN generate_series(1, %s) g ON g = j.n
        """, [FLEET_IN_FLIGHT])
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for _, definition in indexes:
            cursor.execute(definition)


def fleet_mode(args) -> dict:
    from tests.support.postgres import postgres_server

    with postgres_server() as url:
        setup_django(url)
        from django.conf import settings
        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
        from django.contrib.sessions.backends.db import SessionStore
        from django.db import connection

        from scheduler_app.models import JobExecution, ScheduledJob
        from scheduler_app.paging import JOB_PAGE_DEFAULT
        from scheduler_app.services.api_keys import api_key_create
        from scheduler_app.services.counters import counts_rebuild

        t0 = time.perf_counter()
        load_fleet_jobs(args.jobs)
        t_jobs = time.perf_counter()
        heavy = ScheduledJob.objects.order_by("-created_at").values_list("pk", flat=True)[JOB_PAGE_DEFAULT // 2]
        load_fleet_executions(heavy, args.executions)
        t_history = time.perf_counter()
        counts_rebuild()
        t_counts = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        executions = JobExecution.objects.count()
        print(f"setup: {args.jobs} jobs in {t_jobs - t0:.1f}s, {executions} executions in {t_history - t_jobs:.1f}s, "
              f"counters in {t_counts - t_history:.1f}s, vacuum/analyze in {time.perf_counter() - t_counts:.1f}s")
        typical = ScheduledJob.objects.order_by("created_at").values_list("pk", flat=True)[1]

        _, key = api_key_create(name="bench")
        api = WsgiClient(key)
        user = get_user_model().objects.create_user(username="bench", password="bench-pass", is_staff=True)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        dashboard = WsgiClient(cookie=f"{settings.SESSION_COOKIE_NAME}={session.session_key}")

        hops = min(500, args.jobs // (2 * JOB_PAGE_DEFAULT))  # the middle of 100,000 jobs
        deep_jobs = next_link(api, "/scheduler/jobs", hops)
        deep_stats = next_link(api, "/scheduler/stats", hops)
        n, dash = args.requests, max(50, args.requests // 3)

        def html(body, headers):
            assert b"Bot scheduler" in body

        endpoints = [
            ("jobs_first_page", api, "/scheduler/jobs", array_of(JOB_PAGE_DEFAULT), n),
            ("jobs_page_middle", api, deep_jobs, array_of(JOB_PAGE_DEFAULT), n),
            ("jobs_filtered_page", api, "/scheduler/jobs?enabled_only=true&bot_type=visitor",
             array_of(JOB_PAGE_DEFAULT), n),
            ("history_page_1m_job", api, f"/scheduler/jobs/{heavy}/history?limit=50", array_of(50), n),
            ("history_page_typical_job", api, f"/scheduler/jobs/{typical}/history?limit=50", None, n),
            ("stats", api, "/scheduler/stats", None, n),
            ("stats_page_middle", api, deep_stats, None, n),
            ("stats_since_90_days", api, f"/scheduler/stats?since={(datetime.now(UTC) - timedelta(days=90)).date()}",
             None, n),
            ("dashboard_jobs", dashboard, "/dashboard/", html, dash),
            ("dashboard_jobs_search", dashboard, "/dashboard/?q=Job+00019", html, dash),  # the oldest: a full scan
            ("dashboard_stats", dashboard, "/dashboard/stats/", html, dash),
            ("dashboard_history_1m_job", dashboard, f"/dashboard/jobs/{heavy}/history/", html, dash),
            ("metrics", api, "/scheduler/metrics", prometheus_text, max(50, n // 3)),
        ]
        if args.metrics:
            endpoints = [endpoint for endpoint in endpoints if endpoint[0] == "metrics"]
        targets = {name: (TARGET_FLEET_DASHBOARD_P99_MS if name.startswith("dashboard") else TARGET_FLEET_API_P99_MS)
                   for name, *_ in endpoints}
        targets["metrics"] = TARGET_METRICS_P99_MS
        about = {"mode": "fleet", "database": "postgresql", "jobs": args.jobs, "executions": executions,
                 "setup_seconds": {"jobs": round(t_jobs - t0, 1), "history": round(t_history - t_jobs, 1),
                                   "counters": round(t_counts - t_history, 1)}}
        figures = measure_runs(endpoints, targets, about)
        # --repeat: the same timed runs again on the same database (the load is the slow part).
        figures["repeats"] = [figures["endpoints"]] + [
            measure_runs(endpoints, targets, about)["endpoints"] for _ in range(args.repeat - 1)]
        if args.metrics:
            figures["metrics_with_job_series"] = metrics_with_job_series(api, args.jobs)
        connection.close()
        return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fleet", action="store_true",
                        help=f"PostgreSQL, {FLEET_JOBS:,} jobs and {FLEET_EXECUTIONS:,} executions")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--executions", type=int, default=None)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=1,
                        help="fleet mode: repeat the timed runs this many times on the same load")
    parser.add_argument("--metrics", action="store_true",
                        help="fleet mode: time /scheduler/metrics only (and once with per-job series on)")
    args = parser.parse_args()
    if args.fleet:
        args.jobs = args.jobs or FLEET_JOBS
        args.executions = args.executions or FLEET_EXECUTIONS
        figures = fleet_mode(args)
    else:
        args.jobs = args.jobs or 1000
        args.executions = args.executions if args.executions is not None else 1_000_000
        figures = sqlite_mode(args)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
