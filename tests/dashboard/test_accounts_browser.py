"""The Accounts page in headless Chromium: reached from the nav, an account made with the form, a
storage-state file uploaded through the real file input (multipart), a bad one refused next to
its field; the session never on a page. Screenshots in test-artifacts/dashboard/."""
import re

import pytest

from bots.models import LinkedInAccount
from tests.dashboard.test_browser import browser, log_in, page, shot  # noqa: F401  (fixtures)
from tests.support.accounts import SECRET, storage_state_text

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("no_session_file")]


def test_accounts_page_create_upload_and_refuse(page, probes, tmp_path):  # noqa: F811
    log_in(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Accounts").click()
    page.wait_for_url(re.compile(r"/dashboard/accounts/$"))
    page.get_by_role("link", name="+ New account").click()
    page.get_by_label("Label").fill("sales")
    page.get_by_label("Cool-down (hours)").fill("500")
    page.get_by_role("button", name="Create account").click()
    error = page.locator("#id_cooldown_hours-error")
    assert "1..168" in error.inner_text()
    shot(page, "30-account-form-error")
    assert not LinkedInAccount.objects.filter(label="sales").exists()
    page.get_by_label("Cool-down (hours)").fill("12")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r"/dashboard/accounts/#account-"))
    account = LinkedInAccount.objects.get(label="sales")
    row = page.locator(f"#account-{account.pk}")
    assert "Needs a new session" in row.inner_text() and "No session saved" in row.inner_text()

    row.get_by_role("link", name="Save session…").click()
    bad = tmp_path / "bad.json"
    bad.write_text(storage_state_text(domain=".example.org"))
    page.get_by_label("Storage-state JSON file").set_input_files(str(bad))
    page.get_by_role("button", name="Save and check the session").click()
    assert "holds no li_at cookie" in page.locator("#id_storage_state-error").inner_text()
    shot(page, "31-account-session-refused")
    account.refresh_from_db()
    assert account.session_encrypted == "" and probes == []

    good = tmp_path / "state.json"
    good.write_text(storage_state_text())
    page.get_by_label("Storage-state JSON file").set_input_files(str(good))
    page.get_by_role("button", name="Save and check the session").click()
    page.wait_for_url(re.compile(r"/dashboard/accounts/#account-"))
    assert "Session of “sales” saved" in page.locator(".messages").inner_text()
    row = page.locator(f"#account-{account.pk}")
    assert "Saved" in row.inner_text() and "Expires" in row.inner_text()
    shot(page, "32-accounts")
    assert SECRET not in page.content()
    account.refresh_from_db()
    assert account.session_encrypted and probes == [str(account.pk)]

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    shot(page, "33-accounts-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, f"the Accounts page scrolls sideways on a phone ({width}px)"
