"""The admin writes the blacklist and templates through bots.services: one set of rules."""
import pytest

import bots.admin
from bots.models import BlacklistEntry, MessageTemplate, TemplateKind
from bots.services import InvalidInput
from bots.services.templates import message_template_create

pytestmark = pytest.mark.django_db

BLACKLIST_ADD = "/admin/bots/blacklistentry/add/"
TEMPLATE_ADD = "/admin/bots/messagetemplate/add/"


def spy_on(monkeypatch, name):
    calls = []
    real = getattr(bots.admin, name)

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(bots.admin, name, spy)
    return calls


def test_admin_blacklist_add_goes_through_the_service(admin_client, monkeypatch):
    calls = spy_on(monkeypatch, "blacklist_entry_create")

    response = admin_client.post(
        BLACKLIST_ADD, {"slug": " https://www.linkedin.com/in/Ada-L/ ", "name": "  Ada   Lovelace ", "reason": "asked"}
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert len(calls) == 1
    entry = BlacklistEntry.objects.get()
    assert (entry.slug, entry.name, entry.reason) == ("ada-l", "Ada Lovelace", "asked")  # the service's spacing


def test_admin_blacklist_change_goes_through_the_service(admin_client, monkeypatch):
    entry = BlacklistEntry.objects.create(slug="ada-l", name="Ada")
    calls = spy_on(monkeypatch, "blacklist_entry_update")

    response = admin_client.post(
        f"/admin/bots/blacklistentry/{entry.pk}/change/", {"slug": "/in/ADA-L2/", "name": "Ada  L", "reason": ""}
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert len(calls) == 1
    entry.refresh_from_db()
    assert (entry.slug, entry.name) == ("ada-l2", "Ada L")


def test_admin_blacklist_refuses_an_empty_entry_with_the_services_words(admin_client):
    response = admin_client.post(BLACKLIST_ADD, {"slug": " ", "name": " ", "reason": "x"})

    assert response.status_code == 200
    assert "A blacklist entry needs a profile slug/address or a name." in response.content.decode()
    assert not BlacklistEntry.objects.exists()


def test_admin_template_add_and_change_go_through_the_service(admin_client, monkeypatch):
    created = spy_on(monkeypatch, "message_template_create")
    updated = spy_on(monkeypatch, "message_template_update")

    response = admin_client.post(TEMPLATE_ADD, {"kind": "late", "language": "en", "body": "  Belated wishes, {name}!  ",
                                                "weight": "3", "active": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    template = MessageTemplate.objects.get()
    assert (template.kind, template.language, template.body, template.weight, template.active) == (
        "late", "en", "Belated wishes, {name}!", 3, True)

    response = admin_client.post(
        f"/admin/bots/messagetemplate/{template.pk}/change/",
        {"kind": "today", "language": "fr", "body": " Happy birthday {name}! ", "weight": "1"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    template.refresh_from_db()
    assert (template.kind, template.language, template.body, template.active) == (
        "today", "fr", "Happy birthday {name}!", False)
    assert len(created) == len(updated) == 1


def test_admin_template_refuses_blank_text(admin_client):
    response = admin_client.post(TEMPLATE_ADD, {"kind": "today", "language": "fr", "body": "   ", "weight": "1",
                                                "active": "on"})

    assert response.status_code == 200
    assert not MessageTemplate.objects.exists()


def test_template_service_rules():
    assert message_template_create(kind=TemplateKind.LATE, body=" Hi {name} ").body == "Hi {name}"
    with pytest.raises(InvalidInput, match="needs some text") as blank:
        message_template_create(body="  ")
    assert blank.value.field == "body"
    with pytest.raises(InvalidInput, match="unknown template kind"):
        message_template_create(kind="weekly", body="Hi")
