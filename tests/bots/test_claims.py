"""The database side of the safety rules, without a browser: claims, quotas, the constraint."""
from datetime import date, timedelta

import pytest
from django.db import IntegrityError, connection
from django.utils import timezone

from bots.models import BirthdayMessage, BlacklistEntry, Contact, MessageStatus, ProfileVisit, VisitStatus
from bots.selectors import blacklist_reason, message_quota_left
from bots.services.blacklist import blacklist_entry_create
from bots.services.claims import ClaimRefused, message_claim, message_finish, visit_claim, visit_finish
from bots.services.contacts import contact_upsert

pytestmark = pytest.mark.django_db
BIRTHDAY = date(2026, 5, 4)


def _claim(contact, birthday=BIRTHDAY):
    return message_claim(contact=contact, birthday=birthday, days_late=0, text="Hi", execution_id=None)


def test_one_message_per_birthday_is_a_database_constraint():
    contact = Contact.objects.create(slug="ada", name="Ada Lovelace")
    BirthdayMessage.objects.create(contact=contact, birthday=BIRTHDAY)
    with pytest.raises(IntegrityError):
        BirthdayMessage.objects.create(contact=contact, birthday=BIRTHDAY)


def test_claim_refuses_a_second_message_for_the_same_birthday():
    contact = Contact.objects.create(slug="ada", name="Ada Lovelace")
    message_finish(message=_claim(contact), status=MessageStatus.SENT)
    with pytest.raises(ClaimRefused, match="already wished") as refused:
        _claim(contact)
    assert refused.value.stop is False
    _claim(contact, birthday=BIRTHDAY.replace(year=2027))  # next year's birthday is another one


def test_claim_takes_over_a_failed_attempt_once():
    contact = Contact.objects.create(slug="ada", name="Ada Lovelace")
    message_finish(message=_claim(contact), status=MessageStatus.FAILED, error="dialog for someone else")
    again = _claim(contact)
    assert again.status == MessageStatus.CLAIMED and again.error == ""
    assert BirthdayMessage.objects.count() == 1
    with pytest.raises(ClaimRefused):
        _claim(contact)


def test_unknown_outcome_blocks_and_counts(settings):
    settings.BOT_MESSAGES_PER_DAY = 2
    contact = Contact.objects.create(slug="ada", name="Ada Lovelace")
    message_finish(message=_claim(contact), status=MessageStatus.UNKNOWN, error="not confirmed")
    with pytest.raises(ClaimRefused):
        _claim(contact)
    assert message_quota_left()[0] == 1


def test_daily_quota_stops_the_run(settings):
    settings.BOT_MESSAGES_PER_DAY = 2
    for i in range(2):
        _claim(Contact.objects.create(slug=f"p{i}", name=f"P{i}"))
    with pytest.raises(ClaimRefused, match="daily quota of 2 messages reached") as refused:
        _claim(Contact.objects.create(slug="p3", name="P3"))
    assert refused.value.stop is True


def test_failed_messages_do_not_count_against_quota(settings):
    settings.BOT_MESSAGES_PER_DAY = 1
    message_finish(message=_claim(Contact.objects.create(slug="a", name="A")), status=MessageStatus.FAILED)
    _claim(Contact.objects.create(slug="b", name="B"))


def test_yesterdays_messages_do_not_count_today(settings):
    settings.BOT_MESSAGES_PER_DAY = 1
    old = _claim(Contact.objects.create(slug="a", name="A"))
    BirthdayMessage.objects.filter(pk=old.pk).update(claimed_at=timezone.now() - timedelta(days=1, hours=1))
    _claim(Contact.objects.create(slug="b", name="B"))


def test_visit_claim_skips_recent_and_enforces_daily_cap(settings):
    settings.BOT_VISITS_PER_DAY = 2
    settings.BOT_VISIT_SKIP_DAYS = 30
    a, b, c = (Contact.objects.create(slug=s, name=s) for s in "abc")
    visit_claim(contact=a, execution_id=None)
    with pytest.raises(ClaimRefused, match="within 30 days") as recent:
        visit_claim(contact=a, execution_id=None)
    assert recent.value.stop is False
    visit_claim(contact=b, execution_id=None)
    with pytest.raises(ClaimRefused, match="daily quota of 2 visits reached") as cap:
        visit_claim(contact=c, execution_id=None)
    assert cap.value.stop is True


def test_failed_visit_neither_counts_nor_blocks(settings):
    settings.BOT_VISITS_PER_DAY = 1
    a = Contact.objects.create(slug="a", name="A")
    ProfileVisit.objects.create(contact=a, status=VisitStatus.FAILED)
    visit_claim(contact=a, execution_id=None)


def test_contact_upsert_keeps_one_row_per_profile_and_the_latest_name():
    first = contact_upsert(slug="ada", name="Ada")
    second = contact_upsert(slug="ada", name="Ada Lovelace")
    assert first.pk == second.pk and Contact.objects.get().name == "Ada Lovelace"


def test_blacklist_entry_create_normalises_and_requires_something():
    entry = blacklist_entry_create(slug="https://www.linkedin.com/in/Ada-L/", reason=" asked ")
    assert (entry.slug, entry.reason) == ("ada-l", "asked")
    assert blacklist_reason(slug="ada-l", name="Whoever") == "blacklisted: asked"
    with pytest.raises(ValueError):
        blacklist_entry_create()


def test_blacklist_name_entry_matches_without_case_or_accents():
    BlacklistEntry.objects.create(name="Zoé Martin")
    assert blacklist_reason(slug="zm", name="ZOE  martin") == "blacklisted"
    assert blacklist_reason(slug="zm", name="Zoé Martinez") is None


def test_blacklist_entry_with_slug_and_name_holds_under_another_address():
    # The same person shows up under their vanity slug or their ACoAA... member id.
    BlacklistEntry.objects.create(slug="ada-lovelace", name="Ada Lovelace", reason="asked not to")
    assert blacklist_reason(slug="ada-lovelace", name="Someone Else") == "blacklisted: asked not to"
    assert blacklist_reason(slug="acoaaabc123", name="ADA  lovelace") == "blacklisted: asked not to"
    assert blacklist_reason(slug="acoaaabc123", name="Ada Byron") is None


def test_unknown_visit_counts_toward_the_cap_and_the_skip_window(settings):
    settings.BOT_VISITS_PER_DAY = 2
    settings.BOT_VISIT_SKIP_DAYS = 30
    a, b, c = (Contact.objects.create(slug=s, name=s) for s in "abc")
    visit_finish(visit=visit_claim(contact=a, execution_id=None), status=VisitStatus.UNKNOWN, error="page changed")
    with pytest.raises(ClaimRefused, match="within 30 days"):
        visit_claim(contact=a, execution_id=None)
    visit_claim(contact=b, execution_id=None)
    with pytest.raises(ClaimRefused, match="daily quota of 2 visits reached"):
        visit_claim(contact=c, execution_id=None)


@pytest.mark.django_db(transaction=True)
def test_finishing_a_message_or_a_visit_writes_in_one_transaction(monkeypatch):
    seen = []
    for model in (BirthdayMessage, ProfileVisit):
        original = model.save

        def spy(self, *args, _original=original, **kwargs):
            seen.append((type(self).__name__, connection.in_atomic_block))
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(model, "save", spy)
    contact = Contact.objects.create(slug="ada", name="Ada Lovelace")
    message = BirthdayMessage.objects.create(contact=contact, birthday=BIRTHDAY)
    visit = ProfileVisit.objects.create(contact=contact)
    seen.clear()

    message_finish(message=message, status=MessageStatus.SENT)
    visit_finish(visit=visit, status=VisitStatus.VISITED)

    assert seen == [("BirthdayMessage", True), ("ProfileVisit", True)]
