"""LinkedIn pushing back, in real headless Chromium against the sandbox: a checkpoint, an expired
session or a limit banner ends the run with ``SessionLost`` / ``RateLimited`` (bots.runner), whose
message names the cause ("checkpoint", "session expired", "rate limited") and whose outcome keeps
what was done before; a send the pushback refused after the click stays ``unknown``.
"""
import json
from urllib.error import HTTPError
from urllib.request import HTTPRedirectHandler, Request, build_opener

import pytest

from bots.driver import limit_banner_line
from bots.models import BirthdayMessage, MessageStatus, ProfileVisit, VisitStatus
from bots.runner import AccountPushback, BotOutcome, RateLimited, SessionLost
from bots.sandbox.pages import LIMIT_BANNERS
from bots.sandbox.scenario import SESSION_TOKEN, person
from tests.bots.helpers import birthday, by_status, run_birthday, run_visitor, sent_to, typed_in

CHECKPOINT = (r"^checkpoint: LinkedIn asks for a security check \(/checkpoint/challenge/AgH[\w-]+\); "
              r"pass it when you log in again")
RESTRICTED = {language: texts["restricted"][0] for language, texts in LIMIT_BANNERS.items()}


def pushed_back(run, kind: type[AccountPushback], *, match: str, **config) -> tuple[str, BotOutcome]:
    """Run a bot that LinkedIn must push back on with ``kind``; its message and the outcome it carries."""
    with pytest.raises(kind, match=match) as failed:
        run(**config)
    assert failed.value.outcome is not None, "the error carries what the run did"
    return str(failed.value), failed.value.outcome


def visited(sandbox) -> list[str]:
    return [v["slug"] for v in sandbox.state()["visits"]]


def _today(count: int) -> list[dict]:
    return [birthday(f"person-{i}", f"Person{i} Test", when="Today") for i in range(count)]


# --- what counts as a limit banner (no browser) ------------------------------------------------------
@pytest.mark.parametrize(
    "line",
    [
        "YOU\u2019VE REACHED THE WEEKLY LIMIT FOR PROFILE VIEWS",
        "You\u2019ve reached the monthly limit for profile searches",
        "We\u2019ve restricted your account temporarily",
        "Votre compte est TEMPORAIREMENT restreint",
        "Vous avez atteint la limite d'utilisation commerciale",  # a plain apostrophe
        "Votre compte a ete restreint",  # accents dropped
    ],
)
def test_limit_banner_line_ignores_case_accents_and_apostrophes(line):
    assert limit_banner_line(["", line]) == line


def test_limit_banner_line_is_the_matching_line_spacing_collapsed():
    texts = ["Dismiss\n  You've reached the  weekly invitation limit \nGot it"]
    assert limit_banner_line(texts) == "You've reached the weekly invitation limit"
    assert limit_banner_line(["Add a note to your invitation. Limit 200 characters.", "Happy birthday!"]) is None


# --- the sandbox's pushback faults over HTTP ------------------------------------------------------------
class _NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _call(url: str, *, body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = Request(url, data=data, headers={"Cookie": f"li_at={SESSION_TOKEN}", "Content-Type": "application/json"})
    try:
        response = build_opener(_NoRedirect).open(request, timeout=5)
        return response.status, dict(response.headers), response.read().decode()
    except HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


def _send(sandbox, slug: str = "alice-martin-0"):
    status, _, body = _call(sandbox.base_url + "/__sandbox__/api/messages",
                            body={"slug": slug, "name": "Alice Martin", "text": "Happy birthday Alice!"})
    return status, json.loads(body)


def test_sandbox_checkpoint_redirects_pages_and_refuses_sends(sandbox):
    sandbox.faults(checkpoint=True)

    status, headers, _ = _call(sandbox.base_url + "/mynetwork/catch-up/birthday/")
    assert status == 302 and headers["Location"].startswith("/checkpoint/challenge/AgH")
    status, _, page = _call(sandbox.base_url + headers["Location"])
    assert status == 200 and "Let\u2019s do a quick security check" in page and 'id="global-nav"' not in page
    status, answer = _send(sandbox)
    assert status == 403 and answer["redirect"].startswith("/checkpoint/challenge/AgH")
    assert sandbox.state()["messages"] == []


def test_sandbox_checkpoint_page_in_french(sandbox):
    sandbox.reset(language="fr", faults={"checkpoint_after_visits": 0})

    status, headers, _ = _call(sandbox.base_url + "/feed/")
    _, _, page = _call(sandbox.base_url + headers["Location"])
    assert "V\u00e9rification de s\u00e9curit\u00e9" in page and 'id="global-nav"' not in page


def test_sandbox_limit_banner_on_pages_in_the_faults_language(sandbox):
    sandbox.faults(limit_banner="fr")

    _, _, feed = _call(sandbox.base_url + "/feed/")
    _, _, search = _call(sandbox.base_url + "/search/results/people/?keywords=&page=1")
    _, _, profile = _call(sandbox.base_url + "/in/alice-martin-0/")
    assert 'role="alert"' in feed and "Votre compte est temporairement restreint" in feed
    assert "Vous avez atteint la limite mensuelle de recherches de profils" in search
    assert "Vous avez atteint la limite hebdomadaire" in profile
    assert sandbox.state()["visits"] == []  # a profile shown under the banner is no visit
    status, answer = _send(sandbox)
    assert status == 429 and "artdeco-inline-feedback--error" in answer["banner"]
    assert sandbox.state()["messages"] == []


def test_sandbox_limit_after_sent_shows_the_banner_with_the_last_delivered_message(sandbox):
    sandbox.faults(limit_after_sent=1)
    _, _, feed = _call(sandbox.base_url + "/feed/")
    assert "artdeco-global-alert" not in feed

    first_status, first = _send(sandbox)
    second_status, second = _send(sandbox, "bruno-bernard-1")

    assert first_status == 200 and "Your account has been temporarily restricted" in first["banner"]
    assert second_status == 429
    assert [m["to"] for m in sandbox.state()["messages"]] == ["alice-martin-0"]
    _, _, feed = _call(sandbox.base_url + "/feed/")
    assert "Your account has been temporarily restricted" in feed


def test_sandbox_faults_off_show_no_banner_and_no_checkpoint(sandbox):
    status, _, feed = _call(sandbox.base_url + "/feed/")
    assert status == 200 and 'role="alert"' not in feed and "artdeco-global-alert" not in feed


def test_sandbox_refuses_an_unknown_banner_language(sandbox):
    with pytest.raises(HTTPError) as refused:
        sandbox.faults(limit_banner="de")
    assert refused.value.code == 400


# --- the bots, pushed back -------------------------------------------------------------------------------

@pytest.mark.parametrize("bot", ["birthday", "visitor"])
@pytest.mark.browser
@pytest.mark.django_db
def test_checkpoint_from_the_start_fails_before_anything(sandbox, bot):
    sandbox.faults(checkpoint=True)
    run = run_birthday if bot == "birthday" else run_visitor

    error, outcome = pushed_back(run, SessionLost, match=CHECKPOINT)

    assert "python manage.py linkedin_login" in error
    state = sandbox.state()
    assert state["messages"] == state["visits"] == state["typed"] == []
    assert (outcome.messages_sent, outcome.profiles_visited) == (0, 0)
    assert not BirthdayMessage.objects.exists() and not ProfileVisit.objects.exists()


@pytest.mark.parametrize("bot", ["birthday", "visitor"])
@pytest.mark.browser
@pytest.mark.django_db
def test_expired_session_is_session_lost(sandbox, bot):
    sandbox.faults(expired_session=True)
    run = run_birthday if bot == "birthday" else run_visitor

    pushed_back(run, SessionLost, match="^session expired: LinkedIn sent the feed page to /authwall")

    assert sandbox.state()["messages"] == sandbox.state()["visits"] == []


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("bot", ["birthday", "visitor"])
@pytest.mark.browser
@pytest.mark.django_db
def test_limit_banner_from_the_start_is_rate_limited(sandbox, bot, language):
    sandbox.faults(limit_banner=language)
    run = run_birthday if bot == "birthday" else run_visitor

    error, outcome = pushed_back(run, RateLimited, match="^rate limited: LinkedIn says '")

    assert error == f"rate limited: LinkedIn says '{RESTRICTED[language]}'"
    state = sandbox.state()
    assert state["messages"] == state["visits"] == state["typed"] == []
    assert (outcome.messages_sent, outcome.profiles_visited) == (0, 0)


@pytest.mark.browser
@pytest.mark.django_db
def test_birthday_checkpoint_after_two_sends_keeps_the_counts_and_the_refused_send_unknown(sandbox):
    # The third send meets the checkpoint: refused (nothing delivered) and the page is taken away.
    sandbox.reset(birthdays=_today(4), faults={"checkpoint_after_sent": 2})

    error, outcome = pushed_back(run_birthday, SessionLost, match=CHECKPOINT)

    state = sandbox.state()
    assert outcome.messages_sent == 2 == sum(sent_to(state).values())
    statuses = by_status(outcome)
    assert statuses["sent"] == {"person-0", "person-1"}
    assert statuses["unknown"] == {"person-2"}  # clicked, not confirmed: never wished twice
    assert "person-3" not in typed_in(state)  # the run stopped there
    rows = dict(BirthdayMessage.objects.values_list("contact__slug", "status"))
    assert rows == {"person-0": MessageStatus.SENT, "person-1": MessageStatus.SENT,
                    "person-2": MessageStatus.UNKNOWN}


@pytest.mark.browser
@pytest.mark.django_db
def test_birthday_limit_reached_by_a_send_stops_the_run_with_that_message_sent(sandbox):
    # The second message reaches the limit: it is delivered, and the banner shows at once.
    sandbox.reset(birthdays=_today(4), faults={"limit_after_sent": 2})

    error, outcome = pushed_back(run_birthday, RateLimited, match="^rate limited: LinkedIn says '")

    assert error == f"rate limited: LinkedIn says '{RESTRICTED['en']}'"
    state = sandbox.state()
    assert outcome.messages_sent == 2 == sum(sent_to(state).values())
    statuses = by_status(outcome)
    assert statuses["sent"] == {"person-0", "person-1"} and "unknown" not in statuses
    assert typed_in(state) == {"person-0", "person-1"}  # nothing typed after the banner
    assert BirthdayMessage.objects.filter(status=MessageStatus.SENT).count() == 2
    assert BirthdayMessage.objects.count() == 2


@pytest.mark.browser
@pytest.mark.django_db
def test_birthday_send_refused_by_a_limit_after_the_click_is_unknown_and_never_retried(sandbox, monkeypatch):
    import bots.birthday

    sandbox.reset(birthdays=_today(3))
    claims = []
    original = bots.birthday.message_claim

    def claim_then_limit(**kwargs):
        claims.append(kwargs["contact"].slug)
        if len(claims) == 2:  # the page is loaded, no banner on it: LinkedIn refuses the next send (429)
            sandbox.faults(limit_banner="fr")
        return original(**kwargs)

    monkeypatch.setattr(bots.birthday, "message_claim", claim_then_limit)

    error, outcome = pushed_back(run_birthday, RateLimited, match="^rate limited: LinkedIn says '")

    assert error == f"rate limited: LinkedIn says '{RESTRICTED['fr']}'"
    assert outcome.messages_sent == 1 == sum(sent_to(sandbox.state()).values())
    assert by_status(outcome)["unknown"] == {"person-1"}
    assert BirthdayMessage.objects.get(contact__slug="person-1").status == MessageStatus.UNKNOWN
    monkeypatch.undo()
    sandbox.faults(limit_banner=None)
    again = run_birthday()
    assert sent_to(sandbox.state()) == {"person-0": 1, "person-2": 1}  # person-1 is not wished twice
    assert again.messages_sent == 1


@pytest.mark.browser
@pytest.mark.django_db
def test_visitor_checkpoint_after_two_visits_keeps_the_counts(sandbox):
    sandbox.faults(checkpoint_after_visits=2)

    error, outcome = pushed_back(run_visitor, SessionLost, match=CHECKPOINT, limit=5)

    assert outcome.profiles_visited == 2 == len(visited(sandbox))
    assert by_status(outcome)["visited"] == {person(0)["slug"], person(1)["slug"]}
    assert ProfileVisit.objects.filter(status=VisitStatus.VISITED).count() == 2


@pytest.mark.browser
@pytest.mark.django_db
def test_visitor_session_expired_mid_run_is_session_lost_with_the_counts(sandbox):
    sandbox.faults(expire_after_visits=2)

    error, outcome = pushed_back(run_visitor, SessionLost, match="^session expired: LinkedIn sent the profile", limit=5)

    assert outcome.profiles_visited == 2 == len(visited(sandbox))


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.browser
@pytest.mark.django_db
def test_visitor_limit_after_three_visits_is_rate_limited_with_the_counts(sandbox, language):
    sandbox.reset(language=language, faults={"limit_after_visits": 3})

    error, outcome = pushed_back(run_visitor, RateLimited, match="^rate limited: LinkedIn says '", limit=6)

    assert error == f"rate limited: LinkedIn says '{LIMIT_BANNERS[language]['profile'][0]}'"
    assert outcome.profiles_visited == 3 == len(visited(sandbox))
    statuses = by_status(outcome)
    assert statuses["visited"] == {person(i)["slug"] for i in range(3)}
    # The fourth profile was opened under the banner: LinkedIn may have counted it, so it counts.
    assert statuses["unknown"] == {person(3)["slug"]}
    rows = dict(ProfileVisit.objects.values_list("contact__slug", "status"))
    assert rows[person(3)["slug"]] == VisitStatus.UNKNOWN
    assert ProfileVisit.objects.filter(status=VisitStatus.VISITED).count() == 3
