"""The birthday bot in real headless Chromium against the sandbox site.

Default sandbox scenario (bots/sandbox/scenario.py): Alice (today, EN), Bruno (today, FR
"Aujourd'hui"), Chloé (yesterday), David ("Il y a 3 jours"), Emma (dated, 5 days ago), Farid
(dated in French, 6 days ago), Gaëlle (dated, 20 days ago); an ad card; a decoy conversation
already open on the page.
"""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from bots import linkedin_locators
from bots.models import BirthdayMessage, BlacklistEntry, Contact, MessageStatus, MessageTemplate, TemplateKind
from bots.runner import BotError, BotSkipped
from bots.selectors import week_start
from tests.bots.helpers import birthday, by_status, crash_at_pause, failed_run, run_birthday, sent_to, typed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

TODAY = {"alice-martin-0", "bruno-bernard-1"}
LATE_UP_TO_3 = {"chloe-dubois-2", "david-thomas-3"}
LATE_UP_TO_7 = LATE_UP_TO_3 | {"emma-robert-4", "farid-richard-5"}
TOO_LATE = "gaelle-petit-6"


def test_birthday_sends_only_todays_birthdays_by_default(sandbox):
    outcome = run_birthday()

    assert set(sent_to(sandbox.state())) == TODAY
    assert outcome.messages_sent == 2
    statuses = by_status(outcome)
    assert statuses["sent"] == TODAY
    assert statuses["skipped"] == LATE_UP_TO_7 | {TOO_LATE}
    assert outcome.result["cards_found"] == 7  # the ad card is not a person
    sent_rows = BirthdayMessage.objects.filter(status=MessageStatus.SENT)
    assert set(sent_rows.values_list("contact__slug", flat=True)) == TODAY


def test_birthday_late_ones_within_max_days_late_with_late_templates(sandbox):
    MessageTemplate.objects.create(kind=TemplateKind.TODAY, body="Joyeux anniversaire {name} !")
    MessageTemplate.objects.create(kind=TemplateKind.LATE, body="Belated wishes, {name}!")

    outcome = run_birthday(process_late=True, max_days_late=3)

    texts = {m["to"]: m["text"] for m in sandbox.state()["messages"]}
    assert set(texts) == TODAY | LATE_UP_TO_3
    assert texts["alice-martin-0"] == "Joyeux anniversaire Alice !"
    assert texts["bruno-bernard-1"] == "Joyeux anniversaire Bruno !"
    assert texts["chloe-dubois-2"] == "Belated wishes, Chloé!"
    assert texts["david-thomas-3"] == "Belated wishes, David!"
    days = {c["profile"]: c.get("days_late") for c in outcome.result["contacts"]}
    assert days["/in/david-thomas-3/"] == 3 and days["/in/emma-robert-4/"] == 5


def test_birthday_reads_dated_cards_in_both_languages(sandbox):
    outcome = run_birthday(process_late=True, max_days_late=7)

    assert set(sent_to(sandbox.state())) == TODAY | LATE_UP_TO_7
    skipped = [c for c in outcome.result["contacts"] if c["status"] == "skipped"]
    assert [c["profile"] for c in skipped] == [f"/in/{TOO_LATE}/"]
    assert "more than max_days_late (7)" in skipped[0]["reason"]


def test_birthday_stops_at_max_messages_per_run(sandbox):
    outcome = run_birthday(process_late=True, max_messages_per_run=3)

    assert sum(sent_to(sandbox.state()).values()) == 3
    assert outcome.messages_sent == 3
    assert outcome.result["stopped"] == "max_messages_per_run (3) reached"


def test_birthday_daily_quota_holds_across_runs(sandbox, settings):
    settings.BOT_MESSAGES_PER_DAY = 3

    first = run_birthday(process_late=True, max_messages_per_run=2)
    second = run_birthday(process_late=True)

    assert (first.messages_sent, second.messages_sent) == (2, 1)
    assert second.result["stopped"] == "daily quota of 3 messages reached"
    assert sum(sent_to(sandbox.state()).values()) == 3


def test_birthday_weekly_quota_counts_earlier_days(sandbox, settings):
    settings.BOT_MESSAGES_PER_DAY = 10
    settings.BOT_MESSAGES_PER_WEEK = 3
    earlier = Contact.objects.create(slug="someone-from-monday", name="Someone Monday")
    for days_ago in (10, 11):
        BirthdayMessage.objects.create(
            contact=earlier,
            birthday=timezone.localdate() - timedelta(days=days_ago),
            status=MessageStatus.SENT,
            claimed_at=week_start() + timedelta(minutes=1),
        )

    outcome = run_birthday(process_late=True)

    assert outcome.messages_sent == 1
    assert outcome.result["stopped"] == "weekly quota of 3 messages reached"


def test_birthday_never_wishes_the_same_birthday_twice(sandbox):
    run_birthday()
    again = run_birthday()

    assert again.messages_sent == 0
    assert sent_to(sandbox.state()) == {slug: 1 for slug in TODAY}
    reasons = {c["reason"] for c in again.result["contacts"] if c["profile"].strip("/").split("/")[-1] in TODAY}
    assert all(r.startswith("already wished for the birthday of") for r in reasons)


def test_birthday_skips_blacklisted_by_profile_and_by_name(sandbox):
    BlacklistEntry.objects.create(slug="alice-martin-0", reason="asked not to")
    BlacklistEntry.objects.create(name="chloe DUBOIS")

    outcome = run_birthday(process_late=True, max_days_late=3)

    assert set(sent_to(sandbox.state())) == {"bruno-bernard-1", "david-thomas-3"}
    reasons = {c["profile"]: c.get("reason") for c in outcome.result["contacts"]}
    assert reasons["/in/alice-martin-0/"] == "blacklisted: asked not to"
    assert reasons["/in/chloe-dubois-2/"] == "blacklisted"


def test_birthday_refuses_a_dialog_addressed_to_someone_else(sandbox):
    sandbox.faults(wrong_recipient=["alice-martin-0"])

    outcome = run_birthday()

    assert set(sent_to(sandbox.state())) == {"bruno-bernard-1"}  # nobody else got Alice's message
    alice = next(c for c in outcome.result["contacts"] if c["profile"] == "/in/alice-martin-0/")
    assert alice["status"] == "failed"
    assert "addressed to 'Someone Else', not 'Alice Martin'" in alice["reason"]
    # Nothing was sent, so the birthday stays open for a later run.
    assert BirthdayMessage.objects.get(contact__slug="alice-martin-0").status == MessageStatus.FAILED


def test_birthday_types_in_its_own_overlay_not_the_decoy_conversation(sandbox):
    sandbox.faults(decoy_overlay=True)

    run_birthday()

    assert "rita-recruiter" not in sent_to(sandbox.state())


def test_birthday_acts_by_profile_link_when_the_list_rerenders(sandbox):
    many = [birthday(f"person-{i}", f"Person{i} Test", when="Today") for i in range(9)]
    sandbox.reset(birthdays=many, faults={"stale_cards": True})

    outcome = run_birthday(max_messages_per_run=20)

    state = sandbox.state()
    assert outcome.result["cards_found"] == 9  # every lazy-loaded card was read
    assert sent_to(state) == {f"person-{i}": 1 for i in range(9)}
    for message in state["messages"]:
        # The text greets the person it was sent to: no message went to a neighbour's card.
        assert message["text"].split()[2].rstrip("!") == message["name"].split()[0]


def test_birthday_dry_run_sends_nothing_and_says_what_it_would_do(sandbox):
    outcome = run_birthday(dry_run=True, process_late=True, max_days_late=3)

    assert sandbox.state()["messages"] == []
    assert sandbox.state()["typed"] == []  # typing shows on the other side: nothing is typed in any composer
    assert outcome.messages_sent == 0
    assert by_status(outcome)["would_send"] == TODAY | LATE_UP_TO_3
    assert not BirthdayMessage.objects.exists()


def test_birthday_unconfirmed_send_is_unknown_and_never_retried(sandbox):
    sandbox.faults(no_echo=["alice-martin-0"])

    _, first = failed_run(run_birthday, match="^1 send\\(s\\) not confirmed in the conversation: Alice Martin$")
    second = run_birthday()

    assert by_status(first)["unknown"] == {"alice-martin-0"}
    assert first.messages_sent == 1  # Bruno only: a click is not a sent message
    assert BirthdayMessage.objects.get(contact__slug="alice-martin-0").status == MessageStatus.UNKNOWN
    assert second.messages_sent == 0
    assert sent_to(sandbox.state())["alice-martin-0"] == 1


def test_birthday_in_french_interface(sandbox):
    sandbox.reset(language="fr")

    outcome = run_birthday()

    assert outcome.messages_sent == 2


def test_birthday_empty_list_is_a_successful_zero(sandbox):
    sandbox.reset(birthdays=[])

    outcome = run_birthday()

    assert outcome.messages_sent == 0
    assert outcome.result["cards_found"] == 0


def test_birthday_expired_session_fails_clearly(sandbox):
    sandbox.faults(expired_session=True)

    with pytest.raises(BotError, match="session expired: LinkedIn sent the feed page to /authwall"):
        run_birthday()


def test_birthday_without_a_saved_session_fails_clearly(sandbox, settings, tmp_path):
    settings.LINKEDIN_STORAGE_STATE = tmp_path / "missing.json"

    with pytest.raises(BotError, match="no LinkedIn session: .*missing.json does not exist"):
        run_birthday()


def test_birthday_missing_button_fails_naming_the_selector(sandbox):
    sandbox.faults(missing_button=True)

    with pytest.raises(BotError, match=r"selector message button .* not found in the card of Alice Martin"):
        run_birthday()
    assert sandbox.state()["messages"] == []
    assert BirthdayMessage.objects.get(contact__slug="alice-martin-0").status == MessageStatus.FAILED


def test_birthday_rotated_card_selector_is_not_a_silent_zero(sandbox, monkeypatch):
    rotated = linkedin_locators.Locator("birthday card", "li.artdeco-card")
    monkeypatch.setattr(linkedin_locators, "BIRTHDAY_CARD", rotated)

    with pytest.raises(BotError, match=r"found no birthday card on the birthday page, yet the page links to \d+ prof"):
        run_birthday()


def test_birthday_missing_list_names_the_selector_and_page(sandbox, monkeypatch):
    monkeypatch.setattr(linkedin_locators, "BIRTHDAY_LIST", linkedin_locators.Locator("birthday list", "ul.gone"))

    with pytest.raises(BotError, match=r"selector birthday list \(ul.gone\) not found on the birthday page"):
        run_birthday()


def test_birthday_hard_time_limit_closes_the_browser(sandbox, settings):
    settings.BOT_RUN_TIME_LIMIT = 3
    settings.BOT_ACTION_TIMEOUT_MS = 30000
    sandbox.faults(slow_ms=20000)

    with pytest.raises(BotError, match="time limit of 3s reached"):
        run_birthday()
    # The sandbox fixture then checks that no Chromium process is left.


def test_birthday_one_message_whatever_the_jobs_timezone(sandbox):
    # UTC-12 and UTC+14 are 26 hours apart: their dates always differ, as for two jobs either side
    # of midnight. The birthday is dated on one calendar (settings.TIME_ZONE), so Alice's
    # "Today" card is the same birthday for both jobs.
    today = timezone.localdate()
    first = run_birthday(timezone="Etc/GMT+12")
    second = run_birthday(timezone="Pacific/Kiritimati")

    assert first.messages_sent == 2 and second.messages_sent == 0
    assert sent_to(sandbox.state()) == {slug: 1 for slug in TODAY}
    assert set(BirthdayMessage.objects.values_list("birthday", flat=True)) == {today}


def _today(count: int) -> list[dict]:
    return [birthday(f"person-{i}", f"Person{i} Test", when="Today") for i in range(count)]


def test_birthday_dropped_sends_fail_the_run_naming_who_and_stop_after_two(sandbox):
    # Send clicked, nothing delivered: the thread does not grow and the composer keeps the text.
    sandbox.reset(birthdays=_today(4), faults={"dropped_send": ["person-1", "person-2", "person-3"]})

    error, outcome = failed_run(
        run_birthday,
        match=r"^2 send\(s\) not confirmed in the conversation: Person1 Test, Person2 Test; "
        r"stopped after 2 unconfirmed sends in a row",
        max_messages_per_run=10,
    )

    state = sandbox.state()
    assert outcome.messages_sent == 1 == sum(sent_to(state).values())  # counts stay exact
    statuses = by_status(outcome)
    assert (statuses["sent"], statuses["unknown"], statuses["skipped"]) == ({"person-0"}, {"person-1", "person-2"},
                                                                             {"person-3"})
    assert "person-3" not in typed_in(state)  # the bot stopped before writing to the fourth
    assert BirthdayMessage.objects.filter(status=MessageStatus.SENT).count() == outcome.messages_sent


def test_birthday_slow_lazy_list_is_read_to_the_end(sandbox, settings):
    # Each batch takes longer than one BOT_SCROLL_WAIT_MS to arrive (but less than the longer retries).
    sandbox.reset(birthdays=_today(14), faults={"slow_list_ms": int(settings.BOT_SCROLL_WAIT_MS * 2.3)})

    outcome = run_birthday(max_messages_per_run=20)

    assert outcome.result["cards_found"] == 14
    assert outcome.messages_sent == 14 == sum(sent_to(sandbox.state()).values())


def test_birthday_list_that_stops_short_of_its_heading_fails_the_run(sandbox):
    # The page announces "14 birthdays today" but stops loading after the first items.
    sandbox.reset(birthdays=_today(14), faults={"list_stalls_after": 5})  # 4 people and the ad

    error, outcome = failed_run(
        run_birthday,
        match=r"^the birthday list was not read to the end: the page announces 14 birthday\(s\) today, 4 read$",
        max_messages_per_run=20,
    )

    assert outcome.result["cards_found"] == 4
    assert outcome.messages_sent == 4 == sum(sent_to(sandbox.state()).values())  # those read were wished


def test_birthday_endless_list_walk_is_bounded_and_says_so(sandbox, settings):
    settings.BOT_LIST_MAX_SCROLLS = 4
    settings.BOT_RUN_TIME_LIMIT = 30
    sandbox.reset(faults={"endless_list": True})

    error, outcome = failed_run(
        run_birthday, match=r"^the birthday list was not read to the end: the list was still growing after 4 scrolls",
        dry_run=True,
    )

    assert outcome.result["cards_found"] == 4 * 5  # the first batch and one per scroll


def test_birthday_never_wishes_an_upcoming_birthday_whatever_max_days_late(sandbox):
    sandbox.reset(birthdays=[
        birthday("in-two-days", "Soon Dated", days_ago=-2, style="date"),
        birthday("in-three-days-fr", "Bientôt Daté", days_ago=-3, lang="fr", style="date"),
        birthday("tomorrow", "Tomorrow Person", days_ago=-1),
        birthday("today", "Alice Today", days_ago=0),
    ])

    outcome = run_birthday(process_late=True, max_days_late=365)

    assert set(sent_to(sandbox.state())) == {"today"}
    reasons = {c["profile"]: c.get("reason", "") for c in outcome.result["contacts"]}
    assert reasons["/in/in-two-days/"] == "birthday is in 2 day(s): never wished before the day"
    assert reasons["/in/in-three-days-fr/"] == "birthday is in 3 day(s): never wished before the day"
    assert reasons["/in/tomorrow/"] == "birthday is in 1 day(s): never wished before the day"


def test_birthday_date_is_read_from_the_date_line_not_the_headline(sandbox):
    sandbox.reset(birthdays=[
        birthday("headline-today", "Hana Headline", days_ago=5, style="date",
                 card_headline="Building tomorrow's products today"),
        birthday("plain-today", "Alice Today", days_ago=0, card_headline="Engineer since 2 days ago"),
    ])

    outcome = run_birthday()

    assert set(sent_to(sandbox.state())) == {"plain-today"}
    hana = next(c for c in outcome.result["contacts"] if c["profile"] == "/in/headline-today/")
    assert (hana["days_late"], hana["status"]) == (5, "skipped")


def test_birthday_time_limit_after_one_delivered_message_keeps_the_counts(sandbox, settings):
    settings.BOT_RUN_TIME_LIMIT = 10
    settings.BOT_SEND_CONFIRM_MS = 60000
    sandbox.faults(hang_after_sent=1)  # Alice's message is delivered, then sending hangs

    error, outcome = failed_run(run_birthday, match="^time limit of 10s reached while message card")

    assert outcome.messages_sent == 1 == sum(sent_to(sandbox.state()).values())
    statuses = by_status(outcome)
    assert statuses["sent"] == {"alice-martin-0"} and statuses["unknown"] == {"bruno-bernard-1"}
    rows = dict(BirthdayMessage.objects.values_list("contact__slug", "status"))
    assert rows == {"alice-martin-0": MessageStatus.SENT, "bruno-bernard-1": MessageStatus.UNKNOWN}


def test_birthday_crash_mid_run_keeps_the_counts(sandbox, monkeypatch):
    import bots.birthday

    crash_at_pause(monkeypatch, bots.birthday, number=2)

    error, outcome = failed_run(run_birthday, match="^the run crashed: RuntimeError: bot bug$", process_late=True)

    assert outcome.messages_sent == 2 == sum(sent_to(sandbox.state()).values())


def test_birthday_refuses_a_namesake_with_another_profile_link(sandbox):
    sandbox.faults(namesake_recipient=["alice-martin-0"])  # the dialog says "Alice Martin", links elsewhere

    outcome = run_birthday()

    state = sandbox.state()
    assert set(sent_to(state)) == {"bruno-bernard-1"}
    assert "alice-martin-0-namesake" not in typed_in(state)
    alice = next(c for c in outcome.result["contacts"] if c["profile"] == "/in/alice-martin-0/")
    assert alice["status"] == "failed"
    assert "links to /in/alice-martin-0-namesake/, not the card's /in/alice-martin-0/" in alice["reason"]


def test_birthday_outside_working_hours_is_skipped_before_any_browser(sandbox, settings):
    now = datetime.now(ZoneInfo("Europe/Paris"))
    settings.BOT_WORKING_HOURS = f"{(now.hour + 2) % 24:02d}:00-{(now.hour + 3) % 24:02d}:00"

    with pytest.raises(BotSkipped, match="^outside working hours: it is .* in Europe/Paris, bots act only"):
        run_birthday()
    assert sandbox.state()["messages"] == [] and sandbox.state()["typed"] == []
