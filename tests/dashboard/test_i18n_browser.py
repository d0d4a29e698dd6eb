"""The dashboard in French in real Chromium, at desktop (1280) and phone (390) width.

The browser asks for English; the person picks FR in the header, and every page after that (and
every reload) is French: none of them shows an English text of our catalog. Screenshots land in
test-artifacts/dashboard-fr/.
"""
import os
import re
from pathlib import Path

import polib
import pytest

from scheduler_app.brakes.services import job_pause
from scheduler_app.models import JobExecution
from scheduler_app.notify.services.channels import channel_create, rule_create
from tests.factories import make_job, record_run

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API and the ORM in one thread

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "dashboard-fr"
CATALOG = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"
CHROMIUM = os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-gpu"]
# Everything a person reads on the page: its text, its title and the read attributes (a phone shows
# each cell's data-label before it).
PAGE_WORDS_JS = """() => {
  const parts = [document.title, document.body.innerText];
  for (const el of document.querySelectorAll('[title], [aria-label], [placeholder], [data-label]')) {
    for (const name of ['title', 'aria-label', 'placeholder', 'data-label']) {
      if (el.getAttribute(name)) parts.push(el.getAttribute(name));
    }
  }
  return parts.join('\\n');
}"""
PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]|\{\w+\}|<[^>]+>")
CODE = re.compile(r"<code[^>]*>.*?</code>", re.S)  # commands and settings: the same in French


def english_phrases() -> list[tuple[str, re.Pattern]]:
    """What would betray an untranslated page: each msgid of our catalog whose French differs, as
    the phrases a page would show (placeholders and tags cut out; lone lowercase words such as
    "status" are left out, since French pages quote code and user data that may hold them)."""
    phrases = {}
    entries = [entry for entry in polib.pofile(str(CATALOG)) if not entry.obsolete]  # untranslated ones too
    french = "\n".join(text for e in entries for text in ([e.msgstr] + list(e.msgstr_plural.values())) if text)
    for entry in entries:
        for msgid in filter(None, (entry.msgid, entry.msgid_plural)):
            for fragment in PLACEHOLDER.split(CODE.sub("", msgid)):
                fragment = fragment.strip(" .:;,()·—")
                words = re.findall(r"[A-Za-z]+", fragment)
                if len(words) >= 2 and len(fragment) >= 5 or (len(words) == 1 and fragment[:1].isupper()
                                                               and len(fragment) >= 4 and fragment == words[0]):
                    pattern = re.compile(r"(?<![\w])" + re.escape(fragment) + r"(?![\w])")
                    if not pattern.search(french):  # a word French uses too ("Pause", "Notifications") tells nothing
                        phrases[fragment] = pattern
    return sorted(phrases.items())


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def fleet(django_user_model):
    """A few jobs with a history, a pause, a failure reason, a channel and a rule, named in French."""
    django_user_model.objects.create_user(username="alice", password="s3cret-pass", is_staff=True)
    wishes = make_job(name="Vœux du matin", schedule_config={"hour": 9, "minute": 30})
    visits = make_job(name="Visites de profils", bot_type="visitor", schedule_type="weekly",
                      schedule_config={"day_of_week": "mon-fri", "hour": 10, "minute": 0})
    make_job(name="Relances (cron)", schedule_type="cron", schedule_config={"cron_expression": "0 8-18 * * 1-5"})
    record_run(wishes, "success", messages=3)
    lost = record_run(wishes, "failed")
    JobExecution.objects.filter(pk=lost.pk).update(
        error="worker lost: no sign of life since its lease expired at 2026-12-07T09:00:00+00:00")
    record_run(visits, "skipped")
    job_pause(job=visits, note="congés", actor="alice")
    channel = channel_create(data={"name": "Équipe", "kind": "ntfy", "config": {"url": "https://ntfy.example/equipe"}})
    rule_create(data={"channel_id": str(channel.pk), "events": ["failed"]})
    return {"wishes": wishes, "visits": visits}


def _switch_to(page, code: str) -> None:
    page.locator(f".lang-switch button[value='{code}']").click()
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == code


def _log_in_french(page) -> None:
    page.goto("/dashboard/")
    assert page.locator("html").get_attribute("lang") == "en"  # the browser asks for English
    _switch_to(page, "fr")
    expect = playwright_api.expect
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    page.get_by_label("Nom d'utilisateur").fill("alice")
    page.get_by_label("Mot de passe").fill("s3cret-pass")
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))


def _english_on(page, phrases) -> list[str]:
    words = page.evaluate(PAGE_WORDS_JS)
    return [phrase for phrase, pattern in phrases if pattern.search(words)]


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize(("width", "height", "device"), [(1280, 900, "desktop"), (390, 844, "phone")])
def test_the_dashboard_in_french_shows_no_english_text_and_keeps_the_choice(browser, live_server, fleet,
                                                                             width, height, device):
    phrases = english_phrases()
    assert len(phrases) > 300  # the check has something to look for
    context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=device == "phone",
                                  locale="en-US", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        _log_in_french(page)
        pages = [
            ("jobs", "/dashboard/"),
            ("job-new", "/dashboard/jobs/new/"),
            ("job-edit", f"/dashboard/jobs/{fleet['visits'].pk}/edit/"),
            ("history", f"/dashboard/jobs/{fleet['wishes'].pk}/history/"),
            ("stats", "/dashboard/stats/"),
            ("accounts", "/dashboard/accounts/"),
            ("templates", "/dashboard/templates/"),
            ("notifications", "/dashboard/notifications/"),
            ("rule-new", "/dashboard/notifications/rules/new/"),
        ]
        found = {}
        for name, path in pages:
            page.goto(path)
            page.wait_for_load_state("networkidle")
            assert page.locator("html").get_attribute("lang") == "fr", path
            english = _english_on(page, phrases)
            if english:
                found[path] = english
            if device == "phone":
                assert page.evaluate("document.documentElement.scrollWidth") <= width, path
            _shot(page, f"{device}-{name}")
        assert not found, f"English texts on French pages: {found}"

        # What the pages say, in French: schedules, statuses, reasons, dates.
        page.goto(f"/dashboard/jobs/{fleet['wishes'].pk}/history/")
        body = page.locator("body").inner_text().replace("\u00a0", " ")
        assert "tous les jours à 09:30 (Europe/Paris)" in body
        assert "worker perdu : aucun signe de vie" in body and "Succès" in body and "Échec" in body
        page.goto("/dashboard/")
        body = page.locator("body").inner_text().replace("\u00a0", " ")
        assert "du lundi au vendredi à 10:00 (Europe/Paris)" in body and "mise en pause par alice : congés" in body
        assert "De 08:00 à 18:59, de lundi à vendredi (Europe/Paris) — cron 0 8-18 * * 1-5" in " ".join(body.split())

        # The choice outlives reloads and new pages; switching back to English is as easy.
        page.reload()
        assert page.locator("html").get_attribute("lang") == "fr"
        assert "Tâches planifiées" in page.locator("h1").inner_text()
        _switch_to(page, "en")
        assert "Scheduled jobs" in page.locator("h1").inner_text()
        page.goto("/dashboard/stats/")
        assert page.locator("html").get_attribute("lang") == "en"
    finally:
        context.close()
