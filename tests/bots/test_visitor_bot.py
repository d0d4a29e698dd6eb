"""The visitor bot in real headless Chromium against the sandbox's people search and profiles.

Default sandbox scenario: 25 people, 10 per search page; every 4th is a "Python developer",
cities cycle Paris, Lyon, Nantes, Lille, Bordeaux.
"""
from datetime import timedelta

import pytest
from django.utils import timezone

from bots import linkedin_locators
from bots.browser import BrowserSession, chromium_processes
from bots.models import BlacklistEntry, Contact, ProfileVisit, VisitStatus
from bots.runner import BotError
from bots.sandbox.scenario import person
from tests.bots.helpers import by_status, crash_at_pause, failed_run, run_visitor

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def visited(sandbox) -> list[str]:
    return [v["slug"] for v in sandbox.state()["visits"]]


def test_visitor_walks_result_pages_up_to_the_limit(sandbox):
    outcome = run_visitor(limit=12)

    slugs = visited(sandbox)
    assert outcome.profiles_visited == 12
    assert slugs == [person(i)["slug"] for i in range(12)]  # page 1 then page 2, in order
    assert outcome.result["pages"] == 2
    assert outcome.result["stopped"] == "limit (12) reached"
    assert ProfileVisit.objects.filter(status=VisitStatus.VISITED).count() == 12


def test_visitor_stops_when_a_page_comes_back_empty(sandbox):
    outcome = run_visitor(limit=100)

    assert outcome.profiles_visited == 25
    assert outcome.result["pages"] == 3


def test_visitor_searches_keywords_and_location(sandbox):
    outcome = run_visitor(limit=50, keywords="developer", location="Paris")

    people = [person(i) for i in range(25)]
    expected = [p["slug"] for p in people if p["headline"] == "Python developer" and p["location"] == "Paris"]
    assert expected and visited(sandbox) == expected
    assert outcome.result["keywords"] == "developer Paris"


def test_visitor_skips_profiles_visited_in_the_last_30_days(sandbox):
    for index, days_ago in ((0, 10), (1, 29), (2, 31)):
        contact = Contact.objects.create(slug=person(index)["slug"], name=person(index)["name"])
        ProfileVisit.objects.create(
            contact=contact, status=VisitStatus.VISITED, visited_at=timezone.now() - timedelta(days=days_ago)
        )

    outcome = run_visitor(limit=3)

    assert visited(sandbox) == [person(2)["slug"], person(3)["slug"], person(4)["slug"]]
    assert by_status(outcome)["skipped"] == {person(0)["slug"], person(1)["slug"]}


def test_visitor_second_run_visits_new_people(sandbox):
    run_visitor(limit=5)
    second = run_visitor(limit=5)

    slugs = visited(sandbox)
    assert len(slugs) == len(set(slugs)) == 10
    assert second.profiles_visited == 5


def test_visitor_daily_cap_holds_across_runs(sandbox, settings):
    settings.BOT_VISITS_PER_DAY = 7

    first = run_visitor(limit=5)
    second = run_visitor(limit=5)

    assert (first.profiles_visited, second.profiles_visited) == (5, 2)
    assert second.result["stopped"] == "daily quota of 7 visits reached"
    assert len(visited(sandbox)) == 7


def test_visitor_skips_blacklisted_profiles(sandbox):
    BlacklistEntry.objects.create(slug=person(1)["slug"])

    outcome = run_visitor(limit=3)

    assert visited(sandbox) == [person(0)["slug"], person(2)["slug"], person(3)["slug"]]
    assert by_status(outcome)["skipped"] == {person(1)["slug"]}


def test_visitor_dry_run_visits_nothing(sandbox):
    outcome = run_visitor(limit=4, dry_run=True)

    assert visited(sandbox) == []
    assert outcome.profiles_visited == 0
    assert by_status(outcome)["would_visit"] == {person(i)["slug"] for i in range(4)}
    assert not ProfileVisit.objects.exists()


def test_visitor_rotated_result_selector_is_not_a_silent_zero(sandbox, monkeypatch):
    rotated = linkedin_locators.Locator("people search result", "li.reusable-search__result-container")
    monkeypatch.setattr(linkedin_locators, "SEARCH_RESULT", rotated)

    with pytest.raises(BotError, match=r"found no result on page 1 of the people search, yet the page links to 10"):
        run_visitor(limit=3)


def test_visitor_expired_session_fails_clearly(sandbox):
    sandbox.faults(expired_session=True)

    with pytest.raises(BotError, match="session expired"):
        run_visitor(limit=3)
    assert visited(sandbox) == []


def test_visitor_profile_opened_but_not_confirmed_is_unknown_and_counted(sandbox, settings, monkeypatch):
    settings.BOT_VISITS_PER_DAY = 2
    monkeypatch.setattr(linkedin_locators, "PROFILE_NAME", linkedin_locators.Locator("profile name", "h1.gone"))

    with pytest.raises(BotError, match=r"selector profile name \(h1.gone\) not found"):
        run_visitor(limit=3)

    # The profile page was requested, so LinkedIn may have recorded the visit.
    assert visited(sandbox) == [person(0)["slug"]]
    assert ProfileVisit.objects.get().status == VisitStatus.UNKNOWN
    monkeypatch.undo()
    second = run_visitor(limit=5)
    assert visited(sandbox) == [person(0)["slug"], person(1)["slug"]]  # person 0 is not visited twice
    reasons = {c["profile"]: c.get("reason") for c in second.result["contacts"]}
    assert "within 30 days" in reasons[f"/in/{person(0)['slug']}/"]
    assert second.result["stopped"] == "daily quota of 2 visits reached"  # the unknown visit counted


def _spy_restarts(monkeypatch, before_restart=None) -> list[tuple[set[int], set[int]]]:
    """Record the run's Chromium pids around each browser restart; ``before_restart(session)`` runs first."""
    restarts: list[tuple[set[int], set[int]]] = []
    original = BrowserSession.restart_browser

    def spy(session: BrowserSession) -> None:
        if before_restart:
            before_restart(session)
        old = {p.pid for p in chromium_processes(session.marker)}
        original(session)
        restarts.append((old, {p.pid for p in chromium_processes(session.marker)}))

    monkeypatch.setattr(BrowserSession, "restart_browser", spy)
    return restarts


def test_visitor_restarts_chromium_every_n_profiles_and_visits_each_once(sandbox, settings, monkeypatch):
    settings.BOT_RESTART_BROWSER_EVERY = 4
    restarts = _spy_restarts(monkeypatch)

    outcome = run_visitor(limit=12)

    assert len(restarts) == 2  # before profiles 5 and 9 (none after the 12th: nothing left to visit)
    for old, new in restarts:
        assert old and new and not old & new, "a new Chromium replaced the old one, which is gone"
    assert outcome.profiles_visited == 12
    assert visited(sandbox) == [person(i)["slug"] for i in range(12)]  # every profile once, in order
    assert ProfileVisit.objects.filter(status=VisitStatus.VISITED).count() == 12
    assert chromium_processes() == []


def test_visitor_restart_off_keeps_one_chromium(sandbox, settings, monkeypatch):
    settings.BOT_RESTART_BROWSER_EVERY = 0
    restarts = _spy_restarts(monkeypatch)

    assert run_visitor(limit=12).profiles_visited == 12
    assert restarts == []


def test_visitor_session_lost_at_a_restart_fails_before_claiming(sandbox, settings, monkeypatch):
    settings.BOT_RESTART_BROWSER_EVERY = 2
    _spy_restarts(monkeypatch, before_restart=lambda session: sandbox.faults(expired_session=True))

    with pytest.raises(BotError, match="session expired: LinkedIn sent the feed page"):
        run_visitor(limit=5)

    assert visited(sandbox) == [person(0)["slug"], person(1)["slug"]]
    assert ProfileVisit.objects.filter(status=VisitStatus.VISITED).count() == 2
    assert ProfileVisit.objects.count() == 2  # nothing claimed for the third: no visit in doubt
    assert chromium_processes() == []


def test_visitor_time_limit_holds_across_a_restart(sandbox, settings, monkeypatch):
    settings.BOT_RESTART_BROWSER_EVERY = 2
    settings.BOT_RUN_TIME_LIMIT = 6
    # A page wait longer than the run: what ends the run is its time limit, on a fast machine or a
    # slow one, because every wait is capped by the time the run has left.
    settings.BOT_ACTION_TIMEOUT_MS = 30000
    sessions: list[BrowserSession] = []

    def slow_down(session: BrowserSession) -> None:
        sessions.append(session)
        sandbox.faults(slow_ms=10000)

    _spy_restarts(monkeypatch, before_restart=slow_down)

    error, outcome = failed_run(
        run_visitor, match="^time limit of 6s reached while checking the session after restarting", limit=5
    )

    assert ProfileVisit.objects.count() == 2 == outcome.profiles_visited
    assert sessions[0].killed == 0, "the capped wait ended at the deadline: nothing had to be killed"
    assert chromium_processes() == []


def test_visitor_page_wait_shorter_than_the_run_names_the_page(sandbox, settings):
    settings.BOT_RUN_TIME_LIMIT = 60
    sandbox.faults(slow_ms=10000)  # longer than BOT_ACTION_TIMEOUT_MS (5 s), shorter than the run

    failed_run(run_visitor, match="^the feed page did not load within 5000 ms$", limit=3)


def test_visitor_not_found_profile_is_not_a_visit(sandbox):
    people = [person(i) for i in range(5)]
    people[1] = {**people[1], "gone": True}  # answers 404
    people[2] = {**people[2], "gone": "soft"}  # answers 200 with "This page doesn't exist"
    sandbox.reset(people=people)

    outcome = run_visitor(limit=3)

    assert visited(sandbox) == [people[0]["slug"], people[3]["slug"], people[4]["slug"]]
    assert outcome.profiles_visited == 3
    statuses = by_status(outcome)
    assert statuses["not_found"] == {people[1]["slug"], people[2]["slug"]}
    rows = dict(ProfileVisit.objects.values_list("contact__slug", "status"))
    assert rows[people[1]["slug"]] == rows[people[2]["slug"]] == VisitStatus.NOT_FOUND
    assert ProfileVisit.objects.filter(status=VisitStatus.VISITED).count() == 3


def test_visitor_session_expired_mid_run_keeps_the_counts(sandbox):
    sandbox.faults(expire_after_visits=2)

    error, outcome = failed_run(run_visitor, match="^session expired: LinkedIn sent the profile .* to /authwall",
                                limit=5)

    assert outcome.profiles_visited == 2 == len(visited(sandbox))
    assert by_status(outcome)["visited"] == {person(0)["slug"], person(1)["slug"]}
    assert ProfileVisit.objects.filter(status=VisitStatus.VISITED).count() == outcome.profiles_visited


def test_visitor_crash_mid_run_keeps_the_counts(sandbox, monkeypatch):
    import bots.visitor

    crash_at_pause(monkeypatch, bots.visitor, number=2)

    error, outcome = failed_run(run_visitor, match="^the run crashed: RuntimeError: bot bug$", limit=5)

    assert outcome.profiles_visited == 2 == len(visited(sandbox))


def test_visitor_search_pages_are_bounded_and_it_says_so(sandbox, settings):
    settings.BOT_SEARCH_MAX_PAGES = 1

    outcome = run_visitor(limit=50)

    assert outcome.profiles_visited == 10
    assert outcome.result["stopped"] == "BOT_SEARCH_MAX_PAGES (1) search pages read"
