"""The admin writes channels and rules through the notify services (same checks, nothing invalid
stored), keeps the secret write-only, and shows incidents and deliveries read-only."""
import json

import pytest

import scheduler_app.notify.admin as notify_admin
from scheduler_app.notify.models import Incident, NotificationChannel, NotificationDelivery, NotificationRule
from scheduler_app.notify.services.channels import channel_create, rule_create
from tests.factories import make_job, record_run

pytestmark = pytest.mark.django_db

CHANNELS = "/admin/scheduler_app/notificationchannel/"
RULES = "/admin/scheduler_app/notificationrule/"
SECRET = "admin-typed-secret-0123456789-QRST"


def spy_on(monkeypatch, name):
    calls = []
    real = getattr(notify_admin, name)

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(notify_admin, name, spy)
    return calls


def channel_form(**overrides):
    data = {"name": "ops hook", "kind": "webhook", "config": json.dumps({"url": "https://hooks.example.com/in"}),
            "enabled": "on", "new_secret": SECRET}
    data.update(overrides)
    return data


def webhook(**overrides):
    return channel_create(data={"name": "ops hook", "kind": "webhook", "config": {"url": "https://hooks.example.com/in"},
                                "secret": SECRET, **overrides})


def rule_form(channel, **overrides):
    data = {"channel": str(channel.pk), "events": ["failed", "recovered"], "bot_type": "", "job": "",
            "min_consecutive_failures": "1", "realert_every_seconds": "", "enabled": "on"}
    data.update(overrides)
    return data


def test_admin_add_channel_goes_through_the_service(admin_client, admin_user, monkeypatch):
    calls = spy_on(monkeypatch, "channel_create")
    response = admin_client.post(CHANNELS + "add/", channel_form())
    assert response.status_code == 302, response.content.decode()[:3000]
    channel = NotificationChannel.objects.get()
    assert len(calls) == 1 and calls[0]["actor"].name == admin_user.username
    assert calls[0]["actor"].source == "admin"
    assert (channel.kind, channel.secret, channel.config["url"]) == ("webhook", SECRET, "https://hooks.example.com/in")


@pytest.mark.parametrize(("overrides", "message"), [
    ({"config": json.dumps({"url": "ftp://x.example.com"})}, "url: must be an http:// or https:// URL"),
    ({"config": json.dumps({"url": "https://x.example.com", "extra": 1})}, "extra: Extra inputs are not permitted"),
    ({"kind": "email", "config": json.dumps({})}, "to: Field required"),
    ({"kind": "telegram", "config": json.dumps({"chat_id": "-100"}), "new_secret": ""}, "needs its bot token"),
])
def test_admin_refuses_a_bad_channel_and_stores_nothing(admin_client, overrides, message):
    response = admin_client.post(CHANNELS + "add/", channel_form(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert NotificationChannel.objects.count() == 0


def test_admin_never_shows_the_secret_keeps_it_when_blank_and_clears_it_when_asked(admin_client, monkeypatch):
    channel = webhook()
    url = f"{CHANNELS}{channel.pk}/change/"
    for page in (admin_client.get(CHANNELS), admin_client.get(url)):
        html = page.content.decode()
        assert SECRET not in html and "…QRST" in html
    calls = spy_on(monkeypatch, "channel_update")
    form = channel_form(name="renamed", new_secret="")
    form.pop("kind")  # read-only once created
    assert admin_client.post(url, form).status_code == 302
    channel.refresh_from_db()
    assert (channel.name, channel.secret) == ("renamed", SECRET) and len(calls) == 1
    assert admin_client.post(url, {**form, "clear_secret": "on"}).status_code == 302
    channel.refresh_from_db()
    assert channel.secret == ""


def test_admin_change_refused_changes_nothing(admin_client):
    channel = webhook()
    before = NotificationChannel.objects.values().get()
    form = channel_form(config=json.dumps({"url": "javascript:alert(1)"}))
    form.pop("kind")
    response = admin_client.post(f"{CHANNELS}{channel.pk}/change/", form)
    assert response.status_code == 200 and "must be an http:// or https:// URL" in response.content.decode()
    assert NotificationChannel.objects.values().get() == before


def test_admin_delete_and_enable_go_through_the_services(admin_client, monkeypatch):
    first, second = webhook(enabled=False), webhook(name="second")
    NotificationChannel.objects.filter(pk=first.pk).update(disabled_reason="answered 404")  # as a delivery does
    admin_client.post(CHANNELS, {"action": "enable_through_services", "_selected_action": [str(first.pk)]})
    first.refresh_from_db()
    assert first.enabled and first.disabled_reason is None
    calls = spy_on(monkeypatch, "channel_delete")
    response = admin_client.post(CHANNELS, {"action": "delete_through_services",
                                            "_selected_action": [str(first.pk), str(second.pk)]})
    assert response.status_code == 302
    assert len(calls) == 2 and not NotificationChannel.objects.exists()


def test_admin_rules_go_through_the_services(admin_client, monkeypatch):
    channel = webhook()
    job = make_job()
    calls = spy_on(monkeypatch, "rule_create")
    response = admin_client.post(RULES + "add/", rule_form(channel, job=str(job.pk), min_consecutive_failures="3"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    rule = NotificationRule.objects.get()
    assert len(calls) == 1 and (rule.job_id, rule.min_consecutive_failures) == (job.pk, 3)
    url = f"{RULES}{rule.pk}/change/"
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, rule_form(channel, events=["missed"])).status_code == 302
    rule.refresh_from_db()
    assert (rule.events, rule.job_id) == (["missed"], None)
    assert admin_client.post(f"{RULES}{rule.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not NotificationRule.objects.exists()


@pytest.mark.parametrize(("overrides", "message"), [
    ({"events": []}, "This field is required"),
    ({"events": ["test"]}, "Select a valid choice"),
    ({"realert_every_seconds": "60"}, "greater than or equal to 3600"),
    ({"min_consecutive_failures": "21"}, "less than or equal to 20"),
    ({"bot_type": "visitor", "job": "JOB"}, "give job_id or bot_type, not both"),
])
def test_admin_refuses_a_bad_rule_and_stores_nothing(admin_client, overrides, message):
    channel = webhook()
    if overrides.get("job") == "JOB":
        overrides["job"] = str(make_job().pk)
    response = admin_client.post(RULES + "add/", rule_form(channel, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert NotificationRule.objects.count() == 0


def test_admin_shows_incidents_and_deliveries_read_only(admin_client):
    channel = webhook()
    job = make_job(name="Morning wishes")
    rule_create(data={"channel_id": str(channel.pk), "events": ["failed"]})
    record_run(job, "failed")
    incident, delivery = Incident.objects.get(), NotificationDelivery.objects.get()
    for url in ("/admin/scheduler_app/incident/", "/admin/scheduler_app/notificationdelivery/",
                f"/admin/scheduler_app/incident/{incident.pk}/change/",
                f"/admin/scheduler_app/notificationdelivery/{delivery.pk}/change/"):
        response = admin_client.get(url)
        assert response.status_code == 200 and "Morning wishes" in response.content.decode()
        assert SECRET not in response.content.decode()
    assert admin_client.get("/admin/scheduler_app/incident/add/").status_code == 403
    response = admin_client.post(f"/admin/scheduler_app/notificationdelivery/{delivery.pk}/change/",
                                 {"status": "delivered"})
    assert response.status_code == 403
    delivery.refresh_from_db()
    assert delivery.status == "queued"
    response = admin_client.post(f"/admin/scheduler_app/incident/{incident.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403 and Incident.objects.exists()
