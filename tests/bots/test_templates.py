"""Message templates: the syntax (bots/spintax.py), their validation on save, and how a message's
words are chosen (bots/messages.py): seeded per (contact, birthday), by weight, no repeats."""
import random
from collections import Counter
from datetime import date, timedelta

import pytest

from bots.messages import message_compose
from bots.models import BirthdayMessage, Contact, MessageStatus, MessageTemplate, TemplateKind
from bots.services import InvalidInput
from bots.services.claims import message_claim
from bots.services.templates import message_template_create, message_template_update
from bots.spintax import TemplateSyntaxError, distinct_renders, parse, render, variations

BIRTHDAY = date(2026, 6, 1)
VALUES = {"first_name": "Ada", "name": "Ada", "last_name": "Lovelace", "days_late": "2"}


# --- syntax ------------------------------------------------------------------------------------


def test_variables_spintax_and_literal_braces():
    template = parse("{{ {Bonjour|Salut} {first_name} {last_name}, {name} }} {days_late}")
    assert render(template, VALUES, random.Random(0)) in {
        "{ Bonjour Ada Lovelace, Ada } 2", "{ Salut Ada Lovelace, Ada } 2"}
    assert variations(template) == 2


def test_nested_spintax_counts_each_way_it_can_fall():
    template = parse("{Bonjour|Salut {first_name}|{Coucou|Hey} {toi|vous}} et {bonne année|!|}")
    assert variations(template) == (1 + 1 + 2 * 2) * 3
    renders = distinct_renders(template, VALUES, count=50)
    assert len(renders) == 18
    assert "Hey vous et bonne année" in renders and "Bonjour et" in renders  # an empty option leaves no space


def test_depth_three_is_allowed_and_a_variable_does_not_count_as_a_level():
    parse("{a|{b|{c|d}}}")
    parse("{a|{b|{c|{first_name}}}}")


def test_doubled_braces_are_literal_outside_groups_and_close_groups_inside():
    assert render(parse("{{first_name}}"), VALUES, random.Random(0)) == "{first_name}"
    assert render(parse("{Hi|Salut {first_name}}"), VALUES, random.Random(1)) in {
        "Hi", "Salut Ada"}
    with pytest.raises(TemplateSyntaxError, match="unmatched '}'") as bad:
        parse("{{Salut|Hi} toi|Coucou}")
    assert bad.value.position == 10


@pytest.mark.parametrize(
    ("body", "position", "message"),
    [
        ("Hello {firstname}!", 6, "unknown variable {firstname}"),
        ("Hi {first_name}, {days_late} days", 17, "only for late templates"),
        ("Hi {Bonjour|Salut", 3, "unclosed '{'"),
        ("Hi {first_name}}!", 15, "unmatched '}'"),
        ("x {a|{b|{c|{d|e}}}}", 11, "nested deeper than 3"),
        ("{}", 0, "empty braces"),
    ],
)
def test_bad_bodies_name_the_position(body, position, message):
    with pytest.raises(TemplateSyntaxError, match=message) as bad:
        parse(body, late=False)
    assert bad.value.position == position
    assert str(bad.value).endswith(f"at position {position}")


def test_three_way_spintax_is_uniform_over_1000_renders_and_leaves_no_brace():
    template = parse("{Bonjour|Salut|Coucou} {first_name} !")
    rng = random.Random(20261207)
    renders = [render(template, VALUES, rng) for _ in range(1000)]
    assert not any("{" in r or "}" in r for r in renders)
    counts = Counter(r.split()[0] for r in renders)
    assert set(counts) == {"Bonjour", "Salut", "Coucou"}
    expected = 1000 / 3
    chi2 = sum((n - expected) ** 2 / expected for n in counts.values())
    assert chi2 < 13.82  # χ² with 2 degrees of freedom, p = 0.001


# --- validation on save ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "body", "position"),
    [
        (TemplateKind.TODAY, "Joyeux anniversaire {prenom} !", 20),
        (TemplateKind.TODAY, "Bon anniversaire ({days_late} jours)", 18),
        (TemplateKind.LATE, "{Bonjour|Salut {first_name}", 0),
        (TemplateKind.LATE, "{a|{b|{c|{d|e}}}}", 9),
    ],
)
def test_a_bad_template_is_refused_with_its_position_and_nothing_is_stored(kind, body, position):
    with pytest.raises(InvalidInput, match=f"at position {position}$") as bad:
        message_template_create(kind=kind, body=body)
    assert bad.value.field == "body"
    assert not MessageTemplate.objects.exists()


@pytest.mark.django_db
def test_template_fields_are_checked_and_an_update_keeps_the_old_body_when_refused():
    template = message_template_create(body="{Bonjour|Salut} {first_name}", language="fr-ca", weight=4)
    assert (template.language, template.weight) == ("fr-CA", 4)
    with pytest.raises(InvalidInput, match="weight"):
        message_template_create(body="Hi", weight=11)
    with pytest.raises(InvalidInput, match="BCP-47"):
        message_template_create(body="Hi", language="français")
    with pytest.raises(InvalidInput, match="at most 1,000"):
        message_template_create(body="a" * 1001)
    with pytest.raises(InvalidInput, match="position 3$"):
        message_template_update(template=template, kind=TemplateKind.TODAY, body="Hi {days_late}", active=True)
    template.refresh_from_db()
    assert template.body == "{Bonjour|Salut} {first_name}"
    assert MessageTemplate.objects.count() == 1


# --- choosing the words ------------------------------------------------------------------------


def _contact(slug="ada-lovelace", name="Ada Lovelace"):
    return Contact.objects.create(slug=slug, name=name)


def _compose(contact, birthday=BIRTHDAY, **kwargs):
    return message_compose(full_name=contact.name, slug=contact.slug, birthday=birthday, contact=contact, **kwargs)


def _sent(contact, words, birthday):
    message = message_claim(contact=contact, birthday=birthday, days_late=0, text=words.text, execution_id=None,
                            template=words.template)
    BirthdayMessage.objects.filter(pk=message.pk).update(status=MessageStatus.SENT)
    return message


@pytest.mark.django_db
def test_same_contact_and_birthday_get_the_same_words_every_time():
    for i in range(5):
        message_template_create(body=f"{{Bonjour|Salut|Coucou|Hello}} {{first_name}} {{!|!!|:)}} #{i}", weight=i + 1)
    contact = _contact()
    first = _compose(contact)
    assert {(w.text, w.template.id) for w in (_compose(contact) for _ in range(10))} == {
        (first.text, first.template.id)}
    # Other birthdays and other people fall differently (the seed is theirs).
    others = {_compose(contact, BIRTHDAY + timedelta(days=365 * k)).text for k in range(1, 10)}
    others |= {_compose(_contact(f"p-{k}", f"Ada P{k}")).text for k in range(10)}
    assert len(others - {first.text}) >= 5


@pytest.mark.django_db
def test_a_template_used_for_a_contact_in_the_window_is_not_used_while_another_is_left(settings):
    settings.BOT_AVOID_REPETITION_DAYS = 730
    a = message_template_create(body="A {first_name}")
    b = message_template_create(body="B {first_name}", weight=10)
    c = message_template_create(body="C {first_name}")
    contact = _contact()
    last_year = BIRTHDAY - timedelta(days=365)
    two_years_ago = BIRTHDAY - timedelta(days=730)
    _sent(contact, message_compose(full_name="Ada", slug="x", birthday=last_year), last_year)
    BirthdayMessage.objects.filter(birthday=last_year).update(template=b)
    _sent(contact, message_compose(full_name="Ada", slug="x", birthday=two_years_ago), two_years_ago)
    BirthdayMessage.objects.filter(birthday=two_years_ago).update(template=a)  # 730 days ago: out of the window

    chosen = {_compose(contact).template.id}
    for k in range(30):  # whatever the seed falls on, b is never taken
        other = _contact(f"p-{k}", "Ada P")
        BirthdayMessage.objects.create(contact=other, birthday=last_year, template=b, status=MessageStatus.SENT,
                                       text="B Ada")
        chosen.add(_compose(other).template.id)
        assert _compose(other).reused is None
    assert b.id not in chosen
    assert chosen == {a.id, c.id}


@pytest.mark.django_db
def test_when_every_template_was_used_the_least_recently_used_is_taken_and_the_result_says_so():
    a = message_template_create(body="A {first_name}")
    b = message_template_create(body="B {first_name}")
    contact = _contact()
    for template, days in ((a, 100), (b, 400)):
        BirthdayMessage.objects.create(contact=contact, birthday=BIRTHDAY - timedelta(days=days), template=template,
                                       status=MessageStatus.SENT, text="x")
    words = _compose(contact)
    assert words.template == b
    assert words.text == "B Ada"
    assert "least recently used" in words.reused


@pytest.mark.django_db
def test_a_failed_attempt_does_not_count_as_a_use_and_the_language_picks_the_templates():
    fr = message_template_create(body="Joyeux anniversaire {first_name} !", language="fr")
    en = message_template_create(body="Happy birthday {first_name}!", language="en")
    contact = _contact()
    BirthdayMessage.objects.create(contact=contact, birthday=BIRTHDAY - timedelta(days=365), template=fr,
                                   status=MessageStatus.FAILED, text="x")
    assert _compose(contact).template == fr
    assert _compose(contact).reused is None
    assert _compose(contact, language="en").template == en
    assert _compose(contact, language="en").text == "Happy birthday Ada!"


@pytest.mark.django_db
def test_weights_make_a_template_more_likely():
    light = message_template_create(body="light {first_name}", weight=1)
    message_template_create(body="heavy {first_name}", weight=9)
    picks = Counter(
        message_compose(full_name="Ada", slug=f"s-{i}", birthday=BIRTHDAY).template == light for i in range(1000))
    assert 50 <= picks[True] <= 150  # expected 100


# --- the language ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_language_is_the_contacts_then_the_jobs_then_the_accounts_then_fr():
    from bots.messages import message_language_for
    from bots.services.accounts import account_create

    account = account_create(data={"label": "sales"})
    contact = _contact()
    assert message_language_for(contact=contact, job_language=None, account=account) == "fr"
    account.message_language = "de"
    assert message_language_for(contact=contact, job_language=None, account=account) == "de"
    assert message_language_for(contact=contact, job_language="en", account=account) == "en"
    contact.language = "es"
    assert message_language_for(contact=contact, job_language="en", account=account) == "es"
    assert message_language_for(contact=None, job_language=None, account=None) == "fr"


@pytest.mark.django_db
def test_a_contacts_language_is_checked_stored_and_cleared_and_a_profile_not_seen_yet_is_remembered():
    from bots.services.contacts import contact_language_set

    contact = contact_language_set(slug="/in/john-smith/", language="en-gb")
    assert (contact.slug, contact.name, contact.language) == ("john-smith", "", "en-GB")
    with pytest.raises(InvalidInput, match="BCP-47") as bad:
        contact_language_set(slug="john-smith", language="english please")
    assert bad.value.field == "language"
    with pytest.raises(InvalidInput) as bad:
        contact_language_set(slug="john smith", language="fr")
    assert bad.value.field == "slug"
    contact.refresh_from_db()
    assert contact.language == "en-GB" and Contact.objects.count() == 1
    assert contact_language_set(slug="john-smith", language="").language == ""


@pytest.mark.django_db
def test_a_regional_language_falls_back_to_its_primary_templates_then_to_built_in_words_in_the_language():
    from bots.messages import DEFAULT_TEMPLATES

    contact = _contact()
    # No template at all: the built-in words are French for fr*, English for anything else.
    for language, builtin in (("fr", "fr"), ("fr-CA", "fr"), ("en", "en"), ("de", "en")):
        for days_late, kind in ((0, TemplateKind.TODAY), (2, TemplateKind.LATE)):
            words = _compose(contact, language=language, days_late=days_late)
            assert words.template is None and words.language == language
            assert words.text in {t.replace("{name}", "Ada") for t in DEFAULT_TEMPLATES[builtin][kind]}
    fr = message_template_create(body="Joyeux anniversaire {first_name} !", language="fr")
    assert _compose(contact, language="fr-CA").template == fr
    quebec = message_template_create(body="Bonne fête {first_name} !", language="fr-CA")
    assert _compose(contact, language="fr-CA").template == quebec
    assert _compose(contact, language="fr").template == fr


@pytest.mark.django_db
def test_a_contacts_language_is_set_in_the_admin_with_the_services_rules(admin_client):
    contact = _contact()
    url = f"/admin/bots/contact/{contact.pk}/change/"
    refused = admin_client.post(url, {"slug": contact.slug, "name": contact.name, "language": "anglais"})
    assert refused.status_code == 200 and "BCP-47" in refused.content.decode()
    contact.refresh_from_db()
    assert contact.language == ""
    assert admin_client.post(url, {"slug": contact.slug, "name": contact.name, "language": "en-us"}).status_code == 302
    contact.refresh_from_db()
    assert contact.language == "en-US"


def test_the_results_entry_carries_the_text_its_language_template_and_a_forced_repeat():
    from bots.birthday import _words
    from bots.messages import Composed

    template = MessageTemplate(id=4, body="Hi {first_name}")
    assert _words(Composed(text="Hi Ada", template=template, reused="every today template ...", language="en")) == {
        "message": "Hi Ada", "language": "en", "template_id": 4, "template_reused": "every today template ..."}
    assert _words(Composed(text="Joyeux anniversaire Ada !", template=None)) == {
        "message": "Joyeux anniversaire Ada !", "language": "fr", "template_id": None}


# --- in a real run -----------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db
def test_french_and_english_contacts_each_get_their_language_in_one_run(sandbox):
    """Today's two birthdays: Alice is set to English, Bruno has no language of his own; the job
    names none, the account says French."""
    from bots.selectors import account_default
    from bots.services.accounts import account_update
    from bots.services.contacts import contact_language_set
    from tests.bots.helpers import run_birthday

    fr = message_template_create(body="{Joyeux anniversaire|Bon anniversaire} {first_name} !", language="fr")
    en = message_template_create(body="{Happy birthday|Many happy returns} {first_name}!", language="en")
    run_birthday(dry_run=True)  # meets the default account (made on first use) and both contacts
    account_update(account=account_default(), changes={"message_language": "fr"})
    contact_language_set(slug="alice-martin-0", language="en")

    real = run_birthday()

    sent = {c["profile"]: c for c in real.result["contacts"] if c["status"] == "sent"}
    assert set(sent) == {"/in/alice-martin-0/", "/in/bruno-bernard-1/"}, real.result
    alice, bruno = sent["/in/alice-martin-0/"], sent["/in/bruno-bernard-1/"]
    assert (alice["language"], alice["template_id"]) == ("en", en.id)
    assert alice["message"] in {"Happy birthday Alice!", "Many happy returns Alice!"}
    assert (bruno["language"], bruno["template_id"]) == ("fr", fr.id)
    assert bruno["message"] in {"Joyeux anniversaire Bruno !", "Bon anniversaire Bruno !"}
    on_the_page = {m["to"]: m["text"] for m in sandbox.state()["messages"]}
    rows = {row.contact.slug: row for row in BirthdayMessage.objects.select_related("template")}
    for slug, entry in (("alice-martin-0", alice), ("bruno-bernard-1", bruno)):
        assert on_the_page[slug] == rows[slug].text == entry["message"]
        assert rows[slug].template.language == entry["language"]



@pytest.mark.browser
@pytest.mark.django_db
def test_a_dry_run_shows_exactly_what_the_real_run_sends(sandbox):
    from tests.bots.helpers import by_status, run_birthday

    for i in range(4):
        message_template_create(body=f"{{Joyeux anniversaire|Bon anniversaire|Belle journée}} {{first_name}} #{i}",
                                weight=i + 1)
    message_template_create(body="{Happy birthday|Many happy returns} {first_name}!", language="en")
    message_template_create(kind=TemplateKind.LATE, body="{Avec|Après} {days_late} jour(s) de retard, {first_name}")

    dry = run_birthday(dry_run=True, process_late=True, max_days_late=1)
    real = run_birthday(process_late=True, max_days_late=1)

    would = {c["profile"]: c["message"] for c in dry.result["contacts"] if c["status"] == "would_send"}
    sent = {c["profile"]: c["message"] for c in real.result["contacts"] if c["status"] == "sent"}
    assert would == sent and len(sent) == 3, (would, sent)
    assert {f"/in/{m['to']}/": m["text"] for m in sandbox.state()["messages"]} == sent
    late = next(c for c in real.result["contacts"] if c["days_late"] == 1)
    assert late["message"].endswith("1 jour(s) de retard, Chloé")
    rows = BirthdayMessage.objects.filter(status=MessageStatus.SENT)
    assert all(row.template_id is not None and row.template.language == "fr" for row in rows)
    assert {f"/in/{row.contact.slug}/": row.text for row in rows} == sent
    assert by_status(real)["sent"] == {p.strip("/").split("/")[-1] for p in sent}
