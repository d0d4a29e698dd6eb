"""Benchmark (a script, not a test): peak memory of one bot run, Chromium included, per sandbox scenario.

    .venv/bin/python tests/benchmarks/bench_bot_memory.py [--birthdays N] [--visits N] [--only NAME]

Starts the sandbox site in a process of its own (it stands for LinkedIn: not part of a run, so
not measured). Then, in a process holding what a worker's pool child holds (Django, the Celery
worker and prefork pool, the broker transport, the task modules and, unless CELERY_SKIP_CHECKS
is set as it would be for the worker, what Django's system checks import), runs the birthday
bot and the visitor bot the way the pool child does, once per scenario: the plain pages (N
birthdays today, all sent; N profiles) and each misbehaving page of the sandbox (dropped sends,
a namesake, a slow or stalling list, upcoming dates and date words in headlines, a re-rendering
list, French, an expired session, 404 profiles, a session that expires mid-run). It samples
every 50 ms the memory of this process and all its descendants but the sandbox (Playwright's
driver, Chromium) and reports per scenario the peak sum of RSS (what a process monitor adds up;
counts shared pages once per process, so it over-states) and the peak sum of PSS (shared pages
split fairly: the machine's real cost). Also checks no Chromium is left after the runs. Builds
its own SQLite database in a temporary directory, migrated by a separate process first: a
worker's pool child does not migrate, so neither does the process measured here. The last line
of output is one JSON object.
"""
import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TARGET_PEAK_RSS_MB = 360.0
MB = 1024 * 1024


class TreeSampler:
    """Peak RSS and PSS of this process and its descendants, sampled on a thread."""

    def __init__(self, interval: float = 0.05, *, exclude: int | None = None) -> None:
        import psutil

        self.psutil = psutil
        self.interval = interval
        self.exclude = exclude  # a child that is not part of the run (the sandbox) and its descendants
        self.peak_rss = self.peak_pss = 0
        self.peak_processes = 0
        self.peak_by_kind: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> None:
        me = self.psutil.Process()
        rss = pss = count = 0
        self._by_kind: dict[str, int] = {}
        skip = set()
        if self.exclude is not None:
            try:
                skip = {self.exclude, *(p.pid for p in self.psutil.Process(self.exclude).children(recursive=True))}
            except self.psutil.NoSuchProcess:
                pass
        for proc in [me, *me.children(recursive=True)]:
            if proc.pid in skip:
                continue
            try:
                info = proc.memory_full_info()
            except (self.psutil.NoSuchProcess, self.psutil.AccessDenied, self.psutil.ZombieProcess):
                continue
            rss += info.rss
            kind = "python" if proc.pid == me.pid else ("node" if "node" in proc.name() else "chromium")
            self._by_kind[kind] = self._by_kind.get(kind, 0) + info.rss
            pss += getattr(info, "pss", info.rss)
            count += 1
        self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
        self.peak_processes = max(self.peak_processes, count)
        for kind, value in self._by_kind.items():
            self.peak_by_kind[kind] = max(self.peak_by_kind.get(kind, 0), value)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> "TreeSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


def scenarios(*, birthdays: int, visits: int) -> list[tuple[str, str, dict, dict]]:
    """(name, bot type, bot config, sandbox scenario changes) for every page the bench runs against."""
    from bots.sandbox.scenario import person

    def today(prefix: str, count: int) -> list[dict]:
        return [{"slug": f"{prefix}-{i}", "name": f"Bench{i} {prefix.title()}", "headline": "Engineer",
                 "location": "Paris", "when": "Today"} for i in range(count)]

    many = today("bench", birthdays)
    send_all = {"max_messages_per_run": min(max(birthdays, 1), 100)}
    dated = [{**person(i), "days_ago": days, "style": "date", "card_headline": "Building tomorrow, today"}
             for i, days in enumerate((-3, -2, -1, 0, 1, 2, 5))]
    gone = [{**person(i), "gone": True if i % 4 == 1 else "soft" if i % 4 == 2 else False} for i in range(visits + 10)]
    return [
        ("birthday", "birthday", send_all, {"birthdays": many}),
        ("birthday_dropped_send", "birthday", send_all,
         {"birthdays": many, "faults": {"dropped_send": [b["slug"] for b in many[3:6]]}}),
        ("birthday_namesake", "birthday", send_all,
         {"birthdays": many, "faults": {"namesake_recipient": [many[0]["slug"], many[4]["slug"]]}}),
        ("birthday_slow_list", "birthday", send_all, {"birthdays": many, "faults": {"slow_list_ms": 1800}}),
        ("birthday_list_stalls", "birthday", send_all, {"birthdays": many, "faults": {"list_stalls_after": 9}}),
        ("birthday_stale_cards", "birthday", send_all, {"birthdays": many, "faults": {"stale_cards": True}}),
        ("birthday_dates_and_headlines", "birthday", {"process_late": True, "max_days_late": 365},
         {"birthdays": dated}),
        ("birthday_french", "birthday", send_all, {"language": "fr"}),
        ("birthday_expired_session", "birthday", send_all, {"faults": {"expired_session": True}}),
        ("visitor", "visitor", {"limit": visits}, {}),
        ("visitor_not_found_profiles", "visitor", {"limit": visits}, {"people": gone}),
        ("visitor_session_expires_mid_run", "visitor", {"limit": visits}, {"faults": {"expire_after_visits": 7}}),
    ]


def sandbox_start() -> tuple[subprocess.Popen, Any]:
    """``manage.py sandbox`` on a free port, in its own process, and a client for its control endpoints."""
    import socket
    from urllib.error import URLError

    from bots.sandbox.server import SandboxClient

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "sandbox", "--port", str(port)],
                               cwd=ROOT, stdout=subprocess.DEVNULL)
    client = SandboxClient(f"http://127.0.0.1:{port}")
    for _ in range(200):
        try:
            client.state()
            return process, client
        except (URLError, ConnectionError):
            if process.poll() is not None:
                raise SystemExit("the sandbox did not start") from None
            time.sleep(0.05)
    process.kill()
    raise SystemExit("the sandbox did not answer within 10 s")


def pool_child_imports() -> None:
    """What a worker's pool child holds before it runs a task: it is forked from the worker's main
    process after that one imported the worker, its pool and broker transport and loaded the task
    modules (Celery's Django fixup runs Django's system checks then, unless CELERY_SKIP_CHECKS is
    set). Pages shared with the parent count in the child's RSS as in any other process's."""
    import celery.apps.worker  # noqa: F401
    import celery.concurrency.prefork  # noqa: F401
    import celery.worker.consumer  # noqa: F401

    from config.celery import app

    app.connection_for_write().transport  # noqa: B018 - imports the broker's transport, connects to nothing
    app.loader.import_default_modules()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--birthdays", type=int, default=15)
    parser.add_argument("--visits", type=int, default=20)
    parser.add_argument("--only", help="run only the scenarios whose name contains this")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-bot-"))
    os.environ.update(
        {
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
            "VAR_DIR": str(workdir),
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),  # DEBUG=0 refuses the development key
            "LOG_LEVEL": "CRITICAL",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "LINKEDIN_STORAGE_STATE": str(workdir / "linkedin-state.json"),
            "BOT_PAUSE_MIN_SECONDS": "0",
            "BOT_PAUSE_MAX_SECONDS": "0",
            "BOT_SCROLL_WAIT_MS": "800",
            "BOT_SEND_CONFIRM_MS": "3000",
            "BOT_WORKING_HOURS": "",
            "BOT_MESSAGES_PER_DAY": str(max(args.birthdays, 15) * 20),
            "BOT_MESSAGES_PER_WEEK": str(max(args.birthdays, 100) * 20),
            "BOT_VISITS_PER_DAY": str(max(args.visits, 100) * 20),
        }
    )
    if not os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE"):
        for candidate in ("/usr/lib/chromium/chromium-headless-shell", "/usr/bin/chromium"):
            if Path(candidate).exists():
                os.environ["PLAYWRIGHT_CHROMIUM_EXECUTABLE"] = candidate
                break
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--verbosity", "0"], check=True, cwd=ROOT)

    from bots.sandbox.server import sandbox_storage_state_write

    sandbox_process, sandbox = sandbox_start()
    os.environ["LINKEDIN_BASE_URL"] = sandbox.base_url
    sandbox_storage_state_write(Path(os.environ["LINKEDIN_STORAGE_STATE"]), base_url=sandbox.base_url)

    import django

    django.setup()
    pool_child_imports()
    from bots.browser import chromium_processes
    from bots.models import BirthdayMessage, ProfileVisit
    from bots.runner import BOT_CONFIGS, BotError, BotRun, run_bot

    def bot_run(bot_type: str, config: dict) -> BotRun:
        return BotRun(execution_id=uuid.uuid4(), job_id=uuid.uuid4(), bot_type=bot_type,
                      config=BOT_CONFIGS[bot_type].model_validate(config), timezone="Europe/Paris")

    figures = {}
    for name, bot_type, config, changes in scenarios(birthdays=args.birthdays, visits=args.visits):
        if args.only and args.only not in name:
            continue
        sandbox.reset(**changes)
        BirthdayMessage.objects.all().delete()
        ProfileVisit.objects.all().delete()
        started = time.monotonic()
        error = None
        with TreeSampler(exclude=sandbox_process.pid) as sampler:
            try:
                outcome = run_bot(bot_run(bot_type, config))
            except BotError as exc:
                outcome, error = exc.outcome, str(exc)
        state = sandbox.state()
        figures[name] = {
            "seconds": round(time.monotonic() - started, 1),
            "messages_sent": outcome.messages_sent if outcome else 0,
            "profiles_visited": outcome.profiles_visited if outcome else 0,
            "sandbox_delivered": len(state["messages"]),
            "sandbox_visited": len(state["visits"]),
            "error": error,
            "peak_rss_mb": round(sampler.peak_rss / MB, 1),
            "peak_pss_mb": round(sampler.peak_pss / MB, 1),
            "peak_processes": sampler.peak_processes,
            "peak_rss_mb_by_kind": {k: round(v / MB, 1) for k, v in sorted(sampler.peak_by_kind.items())},
        }
        print(f"{name}: {figures[name]}")
    leftover = len(chromium_processes())
    sandbox_process.terminate()
    sandbox_process.wait(timeout=10)

    peak_rss = max(f["peak_rss_mb"] for f in figures.values())
    counts_true = all(f["messages_sent"] == f["sandbox_delivered"] and f["profiles_visited"] == f["sandbox_visited"]
                      for f in figures.values())
    print(
        json.dumps(
            {
                "bench": "bot_memory",
                "chromium": os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE", "playwright's own"),
                "scenarios": figures,
                "peak_rss_mb": peak_rss,
                "peak_pss_mb": max(f["peak_pss_mb"] for f in figures.values()),
                "target_peak_rss_mb": TARGET_PEAK_RSS_MB,
                "counts_equal_sandbox": counts_true,
                "ok": peak_rss < TARGET_PEAK_RSS_MB and leftover == 0 and counts_true,
                "chromium_left_after_runs": leftover,
            }
        )
    )


if __name__ == "__main__":
    main()
