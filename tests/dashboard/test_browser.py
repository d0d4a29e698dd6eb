"""The dashboard in headless Chromium: the issue's whole walk, with htmx doing its part.

The live server runs in this process; "run now" would send a Celery message, so the broker is
replaced by a thread that calls the same ``execution_run`` a worker would, with a slow test
runner, so the history row really goes queued -> running -> success while the page polls.
Screenshots of every page land in test-artifacts/dashboard/.
"""
import os
import re
import threading
from pathlib import Path

import pytest
from django.db import connection

from scheduler_app.models import ExecutionStatus, JobExecution, ScheduledJob
from scheduler_app.services import execution_run
from tests.factories import make_job

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a
# thread with a running loop unless told that this is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"
CHROMIUM = os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-gpu"]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def worker_threads(monkeypatch, settings):
    """Replace the broker: each run-now message is executed by a thread, as a worker would."""
    settings.BOT_RUNNERS = {"birthday": "tests.support.runners.slow", "visitor": "tests.support.runners.slow"}
    threads: list[threading.Thread] = []

    def run_in_thread(kwargs):
        try:
            execution_run(**kwargs)
        finally:
            connection.close()

    def send_task(name, kwargs=None, **options):
        thread = threading.Thread(target=run_in_thread, args=(kwargs,), daemon=True)
        threads.append(thread)
        thread.start()

    monkeypatch.setattr("scheduler_app.services.jobs.celery_app.send_task", send_task)
    yield threads
    for thread in threads:
        thread.join(timeout=30)


@pytest.fixture
def page(browser, live_server, django_user_model):
    django_user_model.objects.create_user(username="alice", password="s3cret-pass", is_staff=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def log_in(page) -> None:
    page.goto("/dashboard/")
    assert "/dashboard/login/" in page.url
    shot(page, "00-login")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("s3cret-pass")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))


def test_dashboard_walk_create_preview_edit_toggle_run_batch_delete(page, worker_threads):
    expect = playwright_api.expect
    log_in(page)
    expect(page.get_by_text("No scheduled jobs configured.")).to_be_visible()
    shot(page, "01-jobs-empty")

    # Create a daily job; the preview follows the hour and minute as they are typed.
    page.get_by_role("link", name="+ New job").click()
    page.locator("#id_name").fill("Morning wishes")
    page.get_by_label("Hour").fill("9")
    page.get_by_label("Minute").fill("30")
    times = page.locator("#preview-times li")
    expect(times).to_have_count(5)
    expect(times.first).to_contain_text("09:30")
    page.get_by_label("Dry run").check()
    shot(page, "02-create-form")
    page.get_by_role("button", name="Create job").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    job = ScheduledJob.objects.get(name="Morning wishes")
    assert job.schedule_config == {"hour": 9, "minute": 30} and job.bot_config["dry_run"] is True
    row = page.locator(f"#job-{job.pk}")
    expect(row).to_contain_text("every day at 09:30 (Europe/Paris)")
    expect(row.locator("td[data-label='Next run']")).to_contain_text(re.compile(r"in .+09:30 CES?T", re.S))
    expect(row).to_contain_text("Dry run")
    shot(page, "03-jobs-one")

    # Edit it to a cron schedule: the fields swap, a bad expression is refused next to its field.
    row.get_by_role("link", name="Edit Morning wishes").click()
    page.get_by_label("Schedule type").select_option("cron")
    cron = page.get_by_label("Cron expression")
    expect(cron).to_be_visible()
    expect(page.get_by_label("Hour")).to_have_count(0)
    cron.fill("0 25 * * *")
    expect(page.locator("#preview")).to_contain_text("schedule_config.cron_expression")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#id_schedule_config_cron_expression-error")).to_contain_text("not a valid cron expression")
    expect(page.get_by_label("Cron expression")).to_have_attribute("aria-invalid", "true")
    shot(page, "04-edit-cron-error")
    job.refresh_from_db()
    assert job.schedule_type == "daily"
    page.get_by_label("Cron expression").fill("0 8-18 * * 1-5")
    expect(page.locator("#preview-times li")).to_have_count(5)
    shot(page, "05-edit-cron-fixed")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    expect(row).to_contain_text("Monday through Friday")
    job.refresh_from_db()
    assert job.schedule_type == "cron" and job.schedule_config == {"cron_expression": "0 8-18 * * 1-5"}

    # Toggle it off and on: htmx swaps the row in place.
    switch = row.get_by_role("switch", name="Enabled: Morning wishes")
    switch.click()
    expect(row.get_by_role("switch")).to_have_attribute("aria-checked", "false")
    expect(row.locator("td[data-label='Next run']")).to_contain_text("disabled")
    job.refresh_from_db()
    assert job.enabled is False and job.next_run_at is None
    row.get_by_role("switch").click()
    expect(row.get_by_role("switch")).to_have_attribute("aria-checked", "true")
    job.refresh_from_db()
    assert job.enabled is True

    # Run now: the history page polls while the run is queued / running, and stops at success.
    row.get_by_role("button", name="Run Morning wishes now").click()
    page.wait_for_url(re.compile(r"/history/$"))
    history_row = page.locator("#history-rows tr").first
    expect(history_row).to_have_attribute("data-status", re.compile("queued|running"))
    shot(page, "06-history-running")
    expect(history_row).to_have_attribute("data-status", "success", timeout=20000)
    expect(page.locator("#history-rows")).to_have_attribute("data-live", "false")
    expect(history_row).to_contain_text("Manual")
    expect(history_row.locator("td[data-label='Sent / visited']")).to_contain_text("10 / 0")
    shot(page, "07-history-success")
    assert JobExecution.objects.get(job=job).status == ExecutionStatus.SUCCESS

    # Batch-disable two jobs from the list.
    other = make_job(name="Evening visits", bot_type="visitor", bot_config={"dry_run": False})
    page.goto("/dashboard/")
    page.get_by_label("Select all jobs").check()
    page.get_by_role("button", name="Disable", exact=True).click()
    page.wait_for_url(re.compile(r"/dashboard/"))
    expect(page.locator(".messages")).to_contain_text("2 jobs disabled")
    assert not ScheduledJob.objects.filter(enabled=True).exists()
    expect(page.get_by_role("switch", name="Enabled: Evening visits")).to_have_attribute("aria-checked", "false")
    shot(page, "08-jobs-batch-disabled")

    # Stats page.
    page.get_by_role("link", name="Stats").click()
    expect(page.locator("#runs-chart-title")).to_be_visible()
    expect(page.locator("#per-job-table")).to_contain_text("100.0%")
    shot(page, "09-stats")

    # Delete, with its confirmation page.
    page.goto("/dashboard/")
    page.locator(f"#job-{other.pk}").get_by_role("link", name="Delete Evening visits").click()
    expect(page.get_by_role("heading", name="Delete this job?")).to_be_visible()
    shot(page, "10-delete-confirm")
    page.get_by_role("button", name="Yes, delete “Evening visits”").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    expect(page.locator(f"#job-{other.pk}")).to_have_count(0)
    assert not ScheduledJob.objects.filter(pk=other.pk).exists()
    shot(page, "11-jobs-after-delete")


def test_dashboard_on_a_phone_width_and_dst_warning_in_preview(browser, live_server, django_user_model):
    django_user_model.objects.create_user(username="alice", password="s3cret-pass", is_staff=True)
    make_job(
        name="Phone job", schedule_type="weekly", schedule_config={"day_of_week": "mon-fri", "hour": 7, "minute": 0}
    )
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_server.url, is_mobile=True)
    page = context.new_page()
    try:
        log_in(page)
        expect = playwright_api.expect
        expect(page.get_by_text("Monday to Friday at 07:00")).to_be_visible()
        # The table becomes cards: nothing sticks out sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        shot(page, "20-phone-jobs")
        page.get_by_role("link", name="New job").first.click()
        # Five runs 10 weeks apart span most of a year: in New York they always cross a DST change.
        page.get_by_label("Schedule type").select_option("interval")
        page.get_by_label("Weeks").fill("10")
        page.get_by_label("Time zone").fill("America/New_York")
        expect(page.locator("#preview-times li")).to_have_count(5)
        expect(page.locator("#preview-times li").first).to_contain_text(re.compile(r"E[SD]T"))
        expect(page.locator("#preview .dst").first).to_contain_text(re.compile(r"Clocks change .*E[SD]T → E[SD]T"))
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        shot(page, "21-phone-form-dst")
        page.get_by_role("link", name="Stats").click()
        expect(page.locator("#runs-chart-title")).to_be_visible()
        shot(page, "22-phone-stats")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
