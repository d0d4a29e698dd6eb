"""Benchmark (a script, not a test): peak memory of one bot run, Chromium included.

    .venv/bin/python tests/benchmarks/bench_bot_memory.py [--birthdays N] [--visits N]

Starts the sandbox site in-process, then runs the birthday bot (N birthdays today, all sent)
and the visitor bot (N profiles) the way a worker does, sampling every 50 ms the memory of
this process and all its descendants (Playwright's driver, Chromium's browser, renderer and
utility processes). Reports the peak sum of RSS (what a process monitor adds up; counts shared
pages once per process, so it over-states) and the peak sum of PSS (shared pages split fairly:
the machine's real cost). Also checks no Chromium is left after the runs. Builds its own SQLite
database in a temporary directory. The last line of output is one JSON object.
"""
import argparse
import json
import os
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TARGET_PEAK_RSS_MB = 400.0
MB = 1024 * 1024


class TreeSampler:
    """Peak RSS and PSS of this process and its descendants, sampled on a thread."""

    def __init__(self, interval: float = 0.05) -> None:
        import psutil

        self.psutil = psutil
        self.interval = interval
        self.peak_rss = self.peak_pss = 0
        self.peak_processes = 0
        self.peak_by_kind: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> None:
        me = self.psutil.Process()
        rss = pss = count = 0
        self._by_kind: dict[str, int] = {}
        for proc in [me, *me.children(recursive=True)]:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--birthdays", type=int, default=15)
    parser.add_argument("--visits", type=int, default=20)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-bot-"))
    os.environ.update(
        {
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
            "VAR_DIR": str(workdir),
            "DEBUG": "0",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "LINKEDIN_STORAGE_STATE": str(workdir / "linkedin-state.json"),
            "BOT_PAUSE_MIN_SECONDS": "0",
            "BOT_PAUSE_MAX_SECONDS": "0",
            "BOT_SCROLL_WAIT_MS": "800",
            "BOT_MESSAGES_PER_DAY": str(max(args.birthdays, 15)),
            "BOT_MESSAGES_PER_WEEK": str(max(args.birthdays, 100)),
        }
    )
    if not os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE"):
        for candidate in ("/usr/lib/chromium/chromium-headless-shell", "/usr/bin/chromium"):
            if Path(candidate).exists():
                os.environ["PLAYWRIGHT_CHROMIUM_EXECUTABLE"] = candidate
                break

    from bots.sandbox.server import SandboxServer, sandbox_storage_state_write

    people = [
        {"slug": f"bench-{i}", "name": f"Bench{i} Person", "headline": "Engineer", "location": "Paris", "when": "Today"}
        for i in range(args.birthdays)
    ]
    sandbox = SandboxServer().start()
    sandbox.site.reset({"birthdays": people})
    os.environ["LINKEDIN_BASE_URL"] = sandbox.base_url
    sandbox_storage_state_write(Path(os.environ["LINKEDIN_STORAGE_STATE"]), base_url=sandbox.base_url)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from bots.browser import chromium_processes
    from bots.runner import BotRun, run_bot

    def bot_run(bot_type: str, config: dict) -> BotRun:
        return BotRun(execution_id=uuid.uuid4(), job_id=uuid.uuid4(), bot_type=bot_type, config=config,
                      timezone="Europe/Paris", dry_run=False)

    figures = {}
    for bot_type, config in (
        ("birthday", {"max_messages_per_run": min(max(args.birthdays, 1), 100)}),
        ("visitor", {"limit": args.visits}),
    ):
        started = time.monotonic()
        with TreeSampler() as sampler:
            outcome = run_bot(bot_run(bot_type, config))
        figures[bot_type] = {
            "seconds": round(time.monotonic() - started, 1),
            "messages_sent": outcome.messages_sent,
            "profiles_visited": outcome.profiles_visited,
            "peak_rss_mb": round(sampler.peak_rss / MB, 1),
            "peak_pss_mb": round(sampler.peak_pss / MB, 1),
            "peak_processes": sampler.peak_processes,
            "peak_rss_mb_by_kind": {k: round(v / MB, 1) for k, v in sorted(sampler.peak_by_kind.items())},
        }
        figures[bot_type]["chromium"] = os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE", "playwright's own")
        print(f"{bot_type}: {figures[bot_type]}")
    leftover = len(chromium_processes())
    sandbox.stop()

    peak_rss = max(f["peak_rss_mb"] for f in figures.values())
    print(
        json.dumps(
            {
                "bench": "bot_memory",
                **figures,
                "peak_rss_mb": peak_rss,
                "peak_pss_mb": max(f["peak_pss_mb"] for f in figures.values()),
                "target_peak_rss_mb": TARGET_PEAK_RSS_MB,
                "ok": peak_rss < TARGET_PEAK_RSS_MB and leftover == 0,
                "chromium_left_after_runs": leftover,
            }
        )
    )


if __name__ == "__main__":
    main()
