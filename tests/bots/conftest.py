"""Fixtures for the bots: one sandbox site per session, reset per test, and settings pointing the
bots at it with a saved session, Debian's Chromium and no pauses."""
import os
import shutil

import pytest

from bots.browser import chromium_processes
from bots.sandbox.server import SandboxClient, SandboxServer, sandbox_storage_state_write

# Debian's headless shell (package chromium-headless-shell) when present: what a worker should run.
HEADLESS_SHELL = "/usr/lib/chromium/chromium-headless-shell"
CHROMIUM = (
    os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE")
    or (HEADLESS_SHELL if os.path.exists(HEADLESS_SHELL) else "")
    or shutil.which("chromium")
    or ""
)


@pytest.fixture(scope="session")
def sandbox_server():
    with SandboxServer() as server:
        yield server


@pytest.fixture
def sandbox(sandbox_server, settings, tmp_path) -> SandboxClient:
    """The sandbox, fresh (default scenario, no faults, nothing recorded), and the bots pointed at it."""
    client = SandboxClient(sandbox_server.base_url)
    client.reset()
    settings.LINKEDIN_BASE_URL = sandbox_server.base_url
    settings.LINKEDIN_STORAGE_STATE = sandbox_storage_state_write(
        tmp_path / "linkedin-state.json", base_url=sandbox_server.base_url
    )
    settings.PLAYWRIGHT_CHROMIUM_EXECUTABLE = CHROMIUM
    settings.BOT_HEADLESS = True
    settings.BOT_PAUSE_MIN_SECONDS = 0
    settings.BOT_PAUSE_MAX_SECONDS = 0
    settings.BOT_ACTION_TIMEOUT_MS = 5000
    settings.BOT_SCROLL_WAIT_MS = 300
    settings.BOT_SEND_CONFIRM_MS = 1500
    settings.BOT_RUN_TIME_LIMIT = 120
    settings.BOT_WORKING_HOURS = ""
    settings.BOT_MESSAGES_PER_DAY = 15
    settings.BOT_MESSAGES_PER_WEEK = 100
    settings.BOT_VISITS_PER_DAY = 100
    settings.BOT_VISIT_SKIP_DAYS = 30
    settings.BOT_RUNNERS = {"birthday": "bots.birthday.run", "visitor": "bots.visitor.run"}
    yield client
    assert chromium_processes() == [], "a bot run left Chromium running"
