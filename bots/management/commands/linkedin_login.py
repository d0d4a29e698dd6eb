"""``python manage.py linkedin_login [--account LABEL]``: log in by hand once, save the session for
the bots.

Opens a visible Chromium on LINKEDIN_BASE_URL's login page; you sign in (2FA included), and as
soon as a logged-in page shows the global navigation, the Playwright storage state (cookies,
li_at among them) is saved. The bots never see a password.

- With ``--account LABEL`` the state goes into that LinkedIn account, encrypted in the database
  (bots.services.accounts ``account_session_save``: checked like any upload), and no file is
  written. An account that does not exist is created first (and says so). Then the check of the
  new session on LinkedIn's feed is queued (the ``probe_account`` task): when it loads, the
  account is active again and the system pauses of its jobs lift.
- Without ``--account`` the session goes into the ``default`` account the same way (that is the
  account whose jobs existed before accounts; a file it might read would be ignored once it has
  a stored session, and its jobs' pauses lift only after the check).
- ``--output FILE`` writes the state to a file instead (for another machine, or tests).
"""
import json
import shutil
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from playwright.sync_api import sync_playwright

from bots import linkedin_locators as L
from bots.audit import ActorRef
from bots.browser import LAUNCH_ARGS
from bots.models import DEFAULT_ACCOUNT_LABEL
from bots.selectors import account_find
from bots.services.accounts import AccountValidationError, account_create, account_session_save

# The scheduler's task that checks a new session (scheduler_app.tasks.probe_account), sent by
# name: the bots do not import the scheduler.
PROBE_TASK = "scheduler_app.tasks.probe_account"


def probe_send(account_id: str) -> None:
    from config.celery import app

    app.send_task(PROBE_TASK, args=[account_id])


def _errors(exc: AccountValidationError) -> str:
    return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.errors.items())


class Command(BaseCommand):
    help = "Open a browser, let you log in to LinkedIn, and save the session for the bots (or for one account)."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=int, default=300, help="Seconds to wait for the login.")
        parser.add_argument("--account", default=None, metavar="LABEL",
                            help="Save the session into this LinkedIn account (created if missing), encrypted in "
                                 f"the database (default: {DEFAULT_ACCOUNT_LABEL!r}).")
        parser.add_argument("--output", default=None, help="Write the session to this file instead of an account; "
                                                           "not with --account.")
        parser.add_argument("--headless", action="store_true", help="For the sandbox only (no window).")

    def handle(self, *args, timeout, account, output, headless, **options):
        if account is not None and output is not None:
            raise CommandError("--account saves into the database; --output writes a file: give one of them")
        target = None if output is not None else self._account(account or DEFAULT_ACCOUNT_LABEL)
        state = self.wait_for_login(timeout=timeout, headless=headless)
        if target is None:
            self._write(Path(output), state)
        else:
            self._save(target, state)

    def _account(self, label: str):
        """The account to save into; created (waiting for its session) when missing, before the
        browser opens, so a bad label costs no login."""
        found = account_find(label)
        if found is not None:
            return found
        try:
            created = account_create(data={"label": label}, actor=ActorRef(source="cli"))
        except AccountValidationError as exc:
            raise CommandError(f"cannot create account {label!r}: {_errors(exc)}") from None
        self.stdout.write(self.style.WARNING(
            f"No LinkedIn account is labelled {label!r}: created it (quotas and working hours from the BOT_* "
            "settings, warm-up from today; change them on the dashboard's Accounts page or in the admin)."))
        return created

    def wait_for_login(self, *, timeout: int, headless: bool) -> dict[str, Any]:
        """The storage state once a logged-in page shows; CommandError after ``timeout`` seconds."""
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
                        return context.storage_state()
                    page.wait_for_timeout(1000)
            finally:
                browser.close()
        raise CommandError(f"no logged-in page within {timeout}s; nothing saved")

    def _write(self, path: Path, state: dict[str, Any]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600, exist_ok=True)
        path.chmod(0o600)
        path.write_text(json.dumps(state))
        self.stdout.write(self.style.SUCCESS(f"Session saved to {path}"))

    def _save(self, account, state: dict[str, Any]) -> None:
        try:
            account_session_save(account=account, storage_state=state, actor=ActorRef(source="cli"))
        except AccountValidationError as exc:
            raise CommandError(f"the session was not saved into {account.label!r}: {_errors(exc)}") from None
        self.stdout.write(self.style.SUCCESS(f"Session saved into account {account.label!r} (encrypted)."))
        try:
            probe_send(str(account.pk))
        except Exception as exc:  # the broker is down: the session is saved all the same
            self.stdout.write(self.style.WARNING(
                f"Its check could not be queued ({exc}): with the scheduler running, save the session again "
                "(or upload it on the dashboard) so its jobs' system pauses lift."))
            return
        self.stdout.write("Its check on LinkedIn's feed is queued: when the feed loads, the account is active "
                          "again and the pauses the system put on its jobs lift.")
