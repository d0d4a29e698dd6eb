"""Live progress in headless Chromium (issue 22 item 5): a real birthday run against the sandbox,
slowed by real pauses, while the jobs page and the job's history show what it is doing now and its
counts so far, changing without a reload; once the run ends, neither page asks again.

"Run now" would send a Celery message: a thread calls ``execution_run`` instead, as a worker
would, so the bot, its lease keeper and the progress they write are the production ones.
"""
import os
import re
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from bots.sandbox.server import SandboxClient, SandboxServer, sandbox_storage_state_write
from scheduler_app.models import ExecutionStatus, JobExecution
from scheduler_app.services import execution_run
from tests.bots.conftest import CHROMIUM as BOT_CHROMIUM
from tests.factories import make_job

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop in this thread, the ORM too

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"
CHROMIUM = os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-gpu"]
FRAGMENTS = re.compile(r"/dashboard/jobs/[0-9a-f-]+/(last-run|history/rows)/$")
QUIET_SECONDS = 5  # two and a half polling periods


@pytest.fixture
def slow_sandbox(settings, tmp_path):
    """The sandbox with the real bots pointed at it, pausing 2 to 2.5 s between messages."""
    if not BOT_CHROMIUM or not Path(CHROMIUM).exists():
        pytest.skip("no Chromium")
    with SandboxServer() as server:
        client = SandboxClient(server.base_url)
        client.reset()
        settings.LINKEDIN_BASE_URL = server.base_url
        settings.LINKEDIN_STORAGE_STATE = sandbox_storage_state_write(tmp_path / "state.json",
                                                                      base_url=server.base_url)
        settings.PLAYWRIGHT_CHROMIUM_EXECUTABLE = BOT_CHROMIUM
        settings.BOT_HEADLESS = True
        settings.BOT_WORKING_HOURS = ""
        settings.BOT_PAUSE_MIN_SECONDS, settings.BOT_PAUSE_MAX_SECONDS = 2.0, 2.5
        settings.BOT_RUNNERS = {"birthday": "bots.birthday.run", "visitor": "bots.visitor.run"}
        settings.SCHEDULER_PROGRESS_SECONDS = 1.0
        yield client


@pytest.fixture
def worker_thread(monkeypatch):
    threads: list[threading.Thread] = []

    def run(kwargs):
        try:
            execution_run(**kwargs)
        finally:
            connection.close()

    def send_task(name, kwargs=None, **options):
        threads.append(threading.Thread(target=run, args=(kwargs,), daemon=True))
        threads[-1].start()

    monkeypatch.setattr("scheduler_app.services.jobs.celery_app.send_task", send_task)
    yield threads
    for thread in threads:
        thread.join(timeout=60)


@pytest.fixture
def context(live_server, django_user_model):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    django_user_model.objects.create_user(username="alice", password="s3cret-pass", is_staff=True)
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
        context.set_default_timeout(15000)
        yield context
        context.close()
        browser.close()


class Watched:
    """A page whose fragment requests, navigations and shown progress are recorded."""

    def __init__(self, context, name: str):
        self.page, self.name = context.new_page(), name
        self.requests: list[float] = []
        self.navigations = 0
        self.seen: list[tuple[str, str, str]] = []  # (step, counts, sent / visited cell) as shown
        self.page.on("request", lambda request: FRAGMENTS.search(request.url) and self.requests.append(
            time.monotonic()))
        self.page.on("framenavigated", lambda frame: frame == self.page.main_frame and self._navigated())

    def _navigated(self):
        self.navigations += 1

    def settle(self):
        """Mark the loaded document: a reload would lose the mark."""
        self.page.evaluate("window.__progressMark = 'kept'")
        self.navigations = 0

    def look(self, execution_id):
        step = self.page.locator(".progress-step")
        counts = self.page.locator(".progress-counts")
        cell = self.page.locator(f"#execution-{execution_id} td[data-label='Sent / visited']")
        shown = (step.first.text_content(timeout=500) if step.count() else "",
                 counts.first.text_content(timeout=500) if counts.count() else "",
                 cell.text_content(timeout=500) if cell.count() else "")
        if shown[0] and (not self.seen or self.seen[-1] != shown):
            if shown[1] and not any(counts for _, counts, _ in self.seen):
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                self.page.screenshot(path=str(ARTIFACTS / f"progress-{self.name}-running.png"), full_page=True)
            self.seen.append(shown)


def test_the_jobs_page_and_the_history_follow_a_real_run_then_stop_asking(slow_sandbox, worker_thread, context):
    expect = playwright_api.expect
    job = make_job(name="Wishes", bot_config={"dry_run": False, "process_late": True, "max_days_late": 3})
    history = Watched(context, "history")
    jobs = Watched(context, "jobs")

    history.page.goto("/dashboard/login/")
    history.page.get_by_label("Username").fill("alice")
    history.page.get_by_label("Password").fill("s3cret-pass")
    history.page.get_by_role("button", name="Log in").click()
    history.page.wait_for_url(re.compile(r"/dashboard/$"))
    history.page.get_by_role("button", name="Run Wishes now").click()
    history.page.wait_for_url(re.compile(r"/history/$"))
    jobs.page.goto("/dashboard/")
    execution = JobExecution.objects.get(job=job)
    for watched in (history, jobs):
        watched.settle()
    expect(jobs.page.locator(f"#last-run-{job.pk}")).to_have_attribute("data-live", "true")
    expect(history.page.locator("#history-rows")).to_have_attribute("data-live", "true")

    give_up = time.monotonic() + 90
    while time.monotonic() < give_up:
        for watched in (history, jobs):
            watched.look(execution.pk)
        if JobExecution.objects.get(pk=execution.pk).status not in (ExecutionStatus.QUEUED, ExecutionStatus.RUNNING):
            break
        time.sleep(0.15)
    for watched in (history, jobs):
        watched.page.screenshot(path=str(ARTIFACTS / f"progress-{watched.name}-end.png"), full_page=True)

    execution.refresh_from_db()
    assert execution.status == ExecutionStatus.SUCCESS, execution.error
    assert execution.messages_sent == 4 and len(slow_sandbox.state()["messages"]) == 4
    for watched in (history, jobs):
        steps = [step for step, _, _ in watched.seen]
        counts = {count for _, count, _ in watched.seen if count}  # none before the list is read
        # What the bot does now, in words, changing as it goes (2 s polls of ~2.5 s steps).
        assert len(set(steps)) >= 2, (watched.name, watched.seen)
        assert any(re.fullmatch(r"(writing to .+ [1-4]/4|pausing [23] s)", step) for step in steps), watched.seen
        # Its counts so far, changing too, never past the plan.
        assert len(counts) >= 2 and counts <= {f"{n} of 4 sent" for n in range(5)}, (watched.name, watched.seen)
        assert watched.navigations == 0 and watched.page.evaluate("window.__progressMark") == "kept"
    assert len({cell for _, _, cell in history.seen}) >= 2, history.seen  # the Sent / visited column moves

    # The run is over: both pages show it final, and neither asks for its fragment again.
    expect(jobs.page.locator(f"#last-run-{job.pk}")).to_have_attribute("data-live", "false", timeout=5000)
    expect(jobs.page.locator(f"#last-run-{job.pk} .badge")).to_have_text("Success")
    expect(jobs.page.locator(".progress-now")).to_have_count(0)
    expect(history.page.locator("#history-rows")).to_have_attribute("data-live", "false", timeout=5000)
    row = history.page.locator(f"#execution-{execution.pk}")
    expect(row).to_have_attribute("data-status", "success")
    expect(row.locator("td[data-label='Sent / visited']")).to_have_text("4 / 0")
    asked = (len(history.requests), len(jobs.requests))
    assert all(asked), asked
    # Playwright hands events over while it waits (a plain sleep would deliver none of them).
    jobs.page.wait_for_timeout(QUIET_SECONDS * 1000)
    history.page.wait_for_timeout(100)
    assert (len(history.requests), len(jobs.requests)) == asked, "a page still polls after the run ended"
