"""LinkedIn displayed in French: the bots read the page's language and do there exactly what they
do in English; a language they have no words for fails the run before anything is sent.

Each comparison runs the same scenario twice in real Chromium against the sandbox, once per
display language, the bots' records wiped in between (the sandbox is the same person list).
"""
from datetime import date
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest
from django.utils.timezone import now as utc_now

from bots.birthday import card_days_late
from bots.driver import BirthdayCard, display_language
from bots.models import BirthdayMessage, Contact, LinkedInAccount, ProfileVisit
from bots.runner import AccountPushback, UnsupportedLanguage
from bots.sandbox.scenario import SESSION_TOKEN, default_scenario, person
from bots.sandbox.server import SandboxClient
from scheduler_app.models import ExecutionStatus
from scheduler_app.services.executions import execution_run
from scheduler_app.services.retries import retryable
from tests.bots.helpers import birthday, failed_run, run_birthday, run_visitor, sent_to
from tests.factories import make_job

UNKNOWN = "LinkedIn is displayed in de; supported: fr, en"


def _one_language_birthdays() -> list[dict]:
    """The default cards, each in the page's own language (LinkedIn does not mix), plus a bare
    French date ("12 mars"), an upcoming birthday and one too late."""
    cards = [{key: value for key, value in card.items() if key != "lang"} for card in default_scenario()["birthdays"]]
    return [
        *cards,
        birthday("bare-date-8", "Hugo Leroy", days_ago=2, style="bare"),
        birthday("upcoming-9", "Inès Moreau", days_ago=-2),
        birthday("upcoming-dated-10", "Jules Martin", days_ago=-4, style="date"),
    ]


def _forget_runs() -> None:
    """The bots' own records of a run (messages, visits, contacts), so the next run starts from nothing."""
    BirthdayMessage.objects.all().delete()
    ProfileVisit.objects.all().delete()
    Contact.objects.all().delete()


def _per_contact(outcome) -> list[tuple]:
    """What the run did to whom, in order: profile, status, days late, and why a contact was skipped
    (a not-found reason quotes the page's heading, in its language)."""
    return [(c["profile"], c["status"], c.get("days_late"), c.get("reason") if c["status"] == "skipped" else None)
            for c in outcome.result["contacts"]]


def _page(base_url: str, path: str) -> str:
    request = Request(base_url + path, headers={"Cookie": f"li_at={SESSION_TOKEN}"})
    with urlopen(request, timeout=5) as response:
        return response.read().decode()


# --- the sandbox speaks French -------------------------------------------------------------------
def test_sandbox_serves_french_pages(sandbox_server):
    client_url = sandbox_server.base_url
    SandboxClient(client_url).reset(language="fr", birthdays=_one_language_birthdays(), batch_size=20)
    try:
        birthdays = _page(client_url, "/mynetwork/catch-up/birthday/")
        search = _page(client_url, "/search/results/people/?keywords=&page=1")
        profile = _page(client_url, "/in/alice-martin-0/")
    finally:
        SandboxClient(client_url).reset()
    assert "<html lang='fr'>" in birthdays and "<h1>Anniversaires</h1>" in birthdays
    assert "Souhaitez un joyeux anniversaire" in birthdays  # today's cards
    assert "Envoyer un message" in birthdays and "Il y a 3 jours" in birthdays and "Hier" in birthdays
    assert "Sponsorisé" in birthdays and "<p>Dans 2 jours</p>" in birthdays
    assert "Environ 25 résultats" in search and "Suivant" in search and "<html lang='fr'>" in profile


# --- the same work in both languages ------------------------------------------------------------
@pytest.mark.browser
@pytest.mark.django_db
def test_birthday_run_in_french_sends_what_it_sends_in_english(sandbox):
    runs = {}
    for language in ("en", "fr"):
        _forget_runs()
        sandbox.reset(language=language, birthdays=_one_language_birthdays())
        outcome = run_birthday(process_late=True, max_days_late=7)
        runs[language] = (outcome, sent_to(sandbox.state()))

    (english, english_sent), (french, french_sent) = runs["en"], runs["fr"]
    assert (english.result["page_language"], french.result["page_language"]) == ("en", "fr")
    assert french_sent == english_sent and len(english_sent) == 7  # same people, once each
    assert french.messages_sent == english.messages_sent == 7
    assert _per_contact(french) == _per_contact(english)
    assert french.result["summary"] == english.result["summary"] == {"sent": 7, "skipped": 3}
    late = {c["profile"]: c.get("days_late") for c in french.result["contacts"]}
    assert late["/in/bare-date-8/"] == 2 and late["/in/upcoming-dated-10/"] == -4


@pytest.mark.browser
@pytest.mark.django_db
def test_visitor_run_in_french_visits_what_it_visits_in_english(sandbox):
    people = [person(i) for i in range(25)]
    people[3] = {**people[3], "gone": "soft"}  # 200 with "This page doesn't exist" / "Cette page n'existe pas"
    people[5] = {**people[5], "gone": True}  # 404
    runs = {}
    for language in ("en", "fr"):
        _forget_runs()
        sandbox.reset(language=language, people=people)
        outcome = run_visitor(limit=14)
        runs[language] = (outcome, [v["slug"] for v in sandbox.state()["visits"]])

    (english, english_visits), (french, french_visits) = runs["en"], runs["fr"]
    assert (english.result["page_language"], french.result["page_language"]) == ("en", "fr")
    assert french_visits == english_visits and len(english_visits) == 14
    assert french.profiles_visited == english.profiles_visited == 14
    assert _per_contact(french) == _per_contact(english)
    assert french.result["summary"] == {"not_found": 2, "visited": 14}
    assert french.result["pages"] == english.result["pages"] == 2


# --- a language the bots do not know ----------------------------------------------------------------
@pytest.mark.browser
@pytest.mark.django_db
@pytest.mark.parametrize("bot", ["birthday", "visitor"])
def test_unknown_display_language_fails_the_run_before_anything_is_done(sandbox, bot):
    # English words, German declared: only the declared language tells the bots the page is not theirs.
    sandbox.faults(html_lang="de")

    error, outcome = failed_run(run_birthday if bot == "birthday" else run_visitor, match="displayed in")

    assert error == UNKNOWN
    state = sandbox.state()
    assert state["messages"] == [] and state["typed"] == [] and state["visits"] == []
    assert outcome.result["contacts"] == []
    assert not BirthdayMessage.objects.exists() and not ProfileVisit.objects.exists()


@pytest.mark.browser
@pytest.mark.django_db
def test_display_language_is_read_on_every_page(sandbox, monkeypatch):
    """Switched mid-run (after the first visit), the next profile page is refused: the language is not
    remembered from the feed. That page was loaded, so LinkedIn may count the visit: it stays unknown."""
    import bots.visitor

    monkeypatch.setattr(bots.visitor, "human_pause", lambda **kwargs: sandbox.faults(html_lang="de"))

    error, outcome = failed_run(run_visitor, match="displayed in", limit=5)

    assert error == UNKNOWN
    assert outcome.profiles_visited == 1 and outcome.result["summary"] == {"visited": 1, "unknown": 1}
    assert [v["slug"] for v in sandbox.state()["visits"]] == [person(0)["slug"], person(1)["slug"]]


@pytest.mark.browser
@pytest.mark.django_db
def test_unknown_display_language_is_a_failed_execution_with_that_reason_and_no_brake(sandbox):
    sandbox.faults(html_lang="de-DE")
    job = make_job(bot_config={"dry_run": False, "process_late": True}, retry_max=2)

    execution = execution_run(job_id=job.pk, scheduled_for=utc_now())

    assert execution.status == ExecutionStatus.FAILED
    assert execution.error == "LinkedIn is displayed in de-DE; supported: fr, en"
    assert execution.attempt == 1  # not retried, though the job allows two retries
    assert sandbox.state()["messages"] == []
    # A person fixes the display language; LinkedIn has nothing against the account: no brake.
    assert set(LinkedInAccount.objects.values_list("status", flat=True)) == {"active"}


# --- the language a page declares --------------------------------------------------------------------
@pytest.mark.parametrize(("declared", "language"), [("fr", "fr"), ("fr-FR", "fr"), ("FR_fr", "fr"), ("en", "en"),
                                                    ("en-US", "en"), (" en-GB ", "en")])
def test_display_language_reads_the_primary_subtag(declared, language):
    assert display_language(declared) == language


@pytest.mark.parametrize(("declared", "error"), [
    ("de", UNKNOWN),
    ("es-ES", "LinkedIn is displayed in es-ES; supported: fr, en"),
    ("", "LinkedIn is displayed in an undeclared language (no lang on <html>); supported: fr, en"),
])
def test_display_language_refuses_what_it_cannot_read(declared, error):
    with pytest.raises(UnsupportedLanguage) as refused:
        display_language(declared)
    assert str(refused.value) == error
    assert not isinstance(refused.value, AccountPushback)  # never brakes the account nor counts as LinkedIn's
    assert not retryable(refused.value)  # a person switches the display language: another attempt reads nothing


def test_sandbox_refuses_a_language_it_has_no_words_for(sandbox_server):
    with pytest.raises(HTTPError) as refused:
        SandboxClient(sandbox_server.base_url).reset(language="de")
    assert refused.value.code == 400


def test_french_card_lines_date_the_same_birthdays_as_english_ones():
    today = date(2026, 3, 14)
    pairs = [(["Today"], ["Aujourd’hui"]), (["Yesterday"], ["Hier"]), (["3 days ago"], ["Il y a 3 jours"]),
             (["Mar 12"], ["12 mars"]), (["Mar 12"], ["le 12 mars"]), (["Tomorrow"], ["Demain"]),
             (["Data engineer", "Feb 28", "Message"], ["Data engineer", "28 févr.", "Envoyer un message"])]
    for english, french in pairs:
        en = card_days_late(BirthdayCard(name="A", slug="a", lines=tuple(english)), today=today, language="en")
        fr = card_days_late(BirthdayCard(name="A", slug="a", lines=tuple(french)), today=today, language="fr")
        assert en == fr is not None, (english, french)
