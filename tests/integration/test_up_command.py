"""`manage.py up` brings the embedded stack up and ctrl-C takes every process down."""
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

import psutil
import pytest

from scheduler_app.stack import free_port, redis_ping, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]
ROOT = Path(__file__).resolve().parents[2]


def test_up_starts_everything_and_ctrl_c_stops_everything(tmp_path):
    redis_url = f"redis://127.0.0.1:{free_port()}/0"
    port = free_port()
    env = {**os.environ, "VAR_DIR": str(tmp_path / "var"), "REDIS_URL": redis_url, "DJANGO_SETTINGS_MODULE":
           "config.settings", "SCHEDULER_API_KEY": "", "ADMIN_PASSWORD": ""}
    for name in ("DATABASE_URL", "EMAIL_BACKEND", "EMAIL_HOST", "LINKEDIN_ACCOUNTS_KEY", "BOT_BROWSER_SLOTS"):
        env.pop(name, None)
    log = open(tmp_path / "up.log", "w+")
    sandbox_port = free_port()
    env.pop("LINKEDIN_BASE_URL", None)
    up = subprocess.Popen([sys.executable, "manage.py", "up", "--port", str(port), "--concurrency", "1",
                           "--sandbox-port", str(sandbox_port)],
                          cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: "Bot scheduler is up." in (tmp_path / "up.log").read_text(), timeout=120,
                   what="the banner of `up`")
        banner = (tmp_path / "up.log").read_text()
        assert f"http://127.0.0.1:{port}/admin/" in banner
        assert "X-API-Key: " in banner and "log in as admin / " in banner
        assert f"Sandbox:   http://127.0.0.1:{sandbox_port}/" in banner
        # No SMTP server configured: email notifications go to the worker's log, and it says so.
        assert "(console backend)" in banner
        assert redis_ping(redis_url)
        # The API docs load Swagger UI from this server (issue 15), with every asset answering.
        with urlopen(f"http://127.0.0.1:{port}/scheduler/docs", timeout=10) as response:
            html = response.read().decode()
        assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
        assert assets and all(url.startswith("/static/") for url in assets), assets
        for url in assets:
            with urlopen(f"http://127.0.0.1:{port}{url}", timeout=10) as response:
                assert response.status == 200 and response.read(), url
        children = psutil.Process(up.pid).children(recursive=True)
        names = " ".join(" ".join(c.cmdline()) for c in children)
        for part in ("redis-server", "worker", "beat", "runserver", "sandbox"):
            assert part in names, names
        # The accounts' key is made once, private, and every process gets it; the worker one browser slot.
        key_file = tmp_path / "var" / "accounts.key"
        assert key_file.stat().st_mode & 0o777 == 0o600
        for child in psutil.Process(up.pid).children():
            line = " ".join(child.cmdline())
            if "worker" in line or "beat" in line or "runserver" in line:
                assert child.environ()["LINKEDIN_ACCOUNTS_KEY"] == key_file.read_text().strip(), line
            if "worker" in line:
                assert child.environ()["BOT_BROWSER_SLOTS"] == "1"

        # A worker that dies (kombu exits it when Redis dies under it) is started again.
        worker = next(c for c in psutil.Process(up.pid).children() if "worker" in " ".join(c.cmdline()))
        os.killpg(worker.pid, signal.SIGKILL)

        def command_line(process):
            try:
                return " ".join(process.cmdline())
            except psutil.Error:  # the killed worker, a zombie until `up` reaps it
                return ""

        def worker_back():
            return any("worker" in command_line(c) and c.pid != worker.pid for c in psutil.Process(up.pid).children())

        wait_until(worker_back, timeout=30, what="the worker to be started again")
        assert up.poll() is None
        assert "worker exited with code" in (tmp_path / "up.log").read_text()
        children = psutil.Process(up.pid).children(recursive=True)
    finally:
        up.send_signal(signal.SIGINT)
        up.wait(timeout=60)
    time.sleep(0.5)
    survivors = [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    assert survivors == [], [c.cmdline() for c in survivors]
    assert not redis_ping(redis_url)
    assert "Stopped." in (tmp_path / "up.log").read_text()
