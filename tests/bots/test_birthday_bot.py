"""The birthday bot in real headless Chromium against the sandbox site.

Default sandbox scenario (bots/sandbox/scenario.py): Alice (today, EN), Bruno (today, FR
"Aujourd'hui"), Chloé (yesterday), David ("Il y a 3 jours"), Emma (dated, 5 days ago), Farid
(dated in French, 6 days ago), Gaëlle (dated, 20 days ago); an ad card; a decoy conversation
already open on the page.
"""
from datetime import timedelta

import pytest
from django.utils import timezone

from bots import linkedin_locators
from bots.models import BirthdayMessage, BlacklistEntry, Contact, MessageStatus, MessageTemplate, TemplateKind
from bots.runner import BotError
from bots.selectors import week_start
from tests.bots.helpers import birthday, by_status, run_birthday, sent_to

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
    MessageTemplate.objects.create(kind=TemplateKind.TODAY, text="Joyeux anniversaire {name} !")
    MessageTemplate.objects.create(kind=TemplateKind.LATE, text="Belated wishes, {name}!")

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
    assert outcome.messages_sent == 0
    assert by_status(outcome)["would_send"] == TODAY | LATE_UP_TO_3
    assert not BirthdayMessage.objects.exists()


def test_birthday_unconfirmed_send_is_unknown_and_never_retried(sandbox):
    sandbox.faults(no_echo=["alice-martin-0"])

    first = run_birthday()
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
