"""``python manage.py linkedin_login``: log in by hand once, save the session for the bots.

Opens a visible Chromium on LINKEDIN_BASE_URL's login page; you sign in (2FA included), and
as soon as a logged-in page shows the global navigation, the Playwright storage state
(cookies, li_at among them) is written to LINKEDIN_STORAGE_STATE. The bots never see a password.
"""
import shutil
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from playwright.sync_api import sync_playwright

from bots import linkedin_locators as L
from bots.browser import LAUNCH_ARGS


class Command(BaseCommand):
    help = "Open a browser, let you log in to LinkedIn, and save the session for the bots."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=int, default=300, help="Seconds to wait for the login.")
        parser.add_argument("--output", default=None, help="Where to save (default LINKEDIN_STORAGE_STATE).")
        parser.add_argument("--headless", action="store_true", help="For the sandbox only (no window).")

    def handle(self, *args, timeout, output, headless, **options):
        path = Path(output or settings.LINKEDIN_STORAGE_STATE)
        launch = {"headless": headless, "args": LAUNCH_ARGS}
        executable = settings.PLAYWRIGHT_CHROMIUM_EXECUTABLE
        if executable and "headless-shell" in executable and not headless:
            executable = shutil.which("chromium") or ""  # the headless shell cannot open a window
        if executable:
            launch["executable_path"] = executable
        markers = ", ".join(m.css for m in L.LOGGED_IN_MARKERS)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(**launch)
            try:
                context = browser.new_context()
                page = context.new_page()
                page.goto(settings.LINKEDIN_BASE_URL + "/login")
                self.stdout.write(f"Log in in the browser window; waiting up to {timeout}s...")
                stop = time.monotonic() + timeout
                while time.monotonic() < stop:
                    if page.locator(markers).count():
                        path.parent.mkdir(parents=True, exist_ok=True)
                        context.storage_state(path=str(path))
                        path.chmod(0o600)
                        self.stdout.write(self.style.SUCCESS(f"Session saved to {path}"))
                        return
                    page.wait_for_timeout(1000)
            finally:
                browser.close()
        raise CommandError(f"no logged-in page within {timeout}s; nothing saved")
