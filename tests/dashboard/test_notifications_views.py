"""The dashboard's Notifications page (issue 19): channels, rules, incidents and deliveries listed;
channel and rule forms that write through the notify services, show their errors next to the
field and store nothing when refused; the write-only secret; re-enable and send test against a
real webhook receiver on 127.0.0.1; the banner; a job's history page; staff only."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from scheduler_app.notify.models import Incident, NotificationChannel, NotificationDelivery, NotificationRule
from scheduler_app.notify.services.channels import channel_create, rule_create
from scheduler_app.notify.services.deliveries import delivery_send_test
from tests.factories import make_job, record_run
from tests.support.receivers import WebhookReceiver

pytestmark = pytest.mark.django_db

PAGE = "/dashboard/notifications/"
NEW_CHANNEL = "/dashboard/notifications/channels/new/"
NEW_RULE = "/dashboard/notifications/rules/new/"
SECRET = "whsec-the-user-typed-this-0123456789-WXYZ"


def webhook(name="ops hook", url="https://hooks.example.com/in", **overrides):
    return channel_create(data={"name": name, "kind": "webhook", "config": {"url": url}, "secret": SECRET,
                                **overrides})


def channel_post(**overrides):
    data = {"name": "ops hook", "kind": "webhook", "_present": ["enabled"], "enabled": "on",
            "config.url": "https://hooks.example.com/in", "secret": ""}
    data.update(overrides)
    return data


def rule_post(channel, **overrides):
    data = {"channel_id": str(channel.pk), "_present": ["events", "enabled"], "events": ["failed", "recovered"],
            "scope": "all", "bot_type": "", "job_id": "", "min_consecutive_failures": "1", "realert_every": "",
            "enabled": "on"}
    data.update(overrides)
    return data


@pytest.fixture
def receiver_404():
    with WebhookReceiver(answers=[404]) as receiver:
        yield receiver


def disabled_by_404(receiver) -> NotificationChannel:
    """A channel a receiver answered 404: the delivery service disabled it with the reason."""
    channel = webhook(name="broken hook", url=receiver.url + "/gone")
    delivery = delivery_send_test(channel=channel)
    assert delivery.status == "failed" and delivery.http_status == 404
    channel.refresh_from_db()
    assert not channel.enabled and "404" in channel.disabled_reason
    return channel


def failing_job(channel, name="Morning wishes", *, every_job=False):
    """A job whose failed run opened an incident (and queued its alert) through the services; its
    rule covers that job, or (``every_job``) every job."""
    job = make_job(name=name)
    scope = {} if every_job else {"job_id": str(job.pk)}
    rule_create(data={"channel_id": str(channel.pk), "events": ["failed", "recovered"], **scope})
    record_run(job, "failed")
    assert Incident.objects.get(job=job).state == "failing"
    return job


# --- the page -------------------------------------------------------------------------------


def test_the_page_lists_channels_rules_incidents_and_deliveries(client_in):
    hook = webhook()
    mail = channel_create(data={"name": "ops mail", "kind": "email", "config": {"to": ["ops@example.com"]}})
    job = failing_job(hook, name="Morning wishes")
    rule_create(data={"channel_id": str(mail.pk), "events": ["silent"], "bot_type": "visitor",
                      "min_consecutive_failures": 3, "realert_every": 7200})
    rule_create(data={"channel_id": str(mail.pk), "events": ["missed"], "job_id": str(job.pk)})
    counts = []
    for more in (range(3), range(3, 6)):  # more channels, rules, incidents and deliveries, each with a job
        for n in more:
            failing_job(webhook(name=f"hook {n}"), name=f"Other job {n}")
        with CaptureQueriesContext(connection) as queries:
            response = client_in.get(PAGE)
        counts.append(len(queries))
    assert counts[0] == counts[1], [q["sql"] for q in queries]  # no query per row
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="channels-table"' in html and "ops hook" in html and "ops mail" in html
    assert "https://hooks.example.com/in" in html and "ops@example.com" in html  # the target
    assert "…WXYZ" in html and SECRET not in html  # the secret as its last 4 only
    assert "Visitor bot jobs" in html and "every 2 h" in html and "once per incident" in html
    assert f"job “{job.name}”" in html
    incident = Incident.objects.get(job=job)
    assert f'id="incident-{incident.pk}"' in html
    assert reverse("dashboard:job_history", kwargs={"job_id": job.pk}) in html  # links to its history
    delivery = NotificationDelivery.objects.filter(job=job).get()
    assert f'id="delivery-{delivery.pk}"' in html and 'data-status="queued"' in html
    assert 'data-label="HTTP"' in html  # the tables become cards on a phone


def test_the_page_says_when_there_is_nothing_yet(client_in):
    html = client_in.get(PAGE).content.decode()
    assert "No channel yet" in html and "No rule yet" in html and "No open incident" in html


def test_the_nav_links_to_the_page(client_in):
    assert f'href="{PAGE}"' in client_in.get("/dashboard/").content.decode()


# --- channels -------------------------------------------------------------------------------


def test_create_a_channel(client_in):
    assert client_in.get(NEW_CHANNEL).status_code == 200
    response = client_in.post(NEW_CHANNEL, channel_post(secret=SECRET))
    assert response.status_code == 302 and response["Location"] == PAGE + "#channels"
    channel = NotificationChannel.objects.get()
    assert (channel.name, channel.kind, channel.config["url"], channel.secret) == (
        "ops hook", "webhook", "https://hooks.example.com/in", SECRET)
    assert channel.created_by == "alice"


def test_a_generated_webhook_secret_is_shown_once_on_the_answer_only(client_in):
    response = client_in.post(NEW_CHANNEL, channel_post())
    assert response.status_code == 200
    channel = NotificationChannel.objects.get()
    assert len(channel.secret) > 20 and channel.secret in response.content.decode()
    assert channel.secret not in client_in.get(PAGE).content.decode()
    assert channel.secret not in client_in.get(reverse("dashboard:channel_edit", args=[channel.pk])).content.decode()


def test_create_an_email_channel_with_its_list_of_addresses(client_in):
    response = client_in.post(NEW_CHANNEL, {"name": "mail", "kind": "email",
                                            "config.to": "a@example.com, b@example.org",
                                            "_present": ["config.smtp_use_tls", "config.smtp_use_ssl"]})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert NotificationChannel.objects.get().config["to"] == ["a@example.com", "b@example.org"]


@pytest.mark.parametrize(("post", "field_id", "message"), [
    (channel_post(**{"config.url": "ftp://hooks.example.com/in"}), "id_config_url-error", "http:// or https://"),
    (channel_post(**{"config.url": "not a url"}), "id_config_url-error", "http:// or https://"),
    (channel_post(name="  "), "id_name-error", "at least 1 character"),
    ({"name": "mail", "kind": "email", "config.to": ""}, "id_config_to-error", "Field required"),
    ({"name": "mail", "kind": "email", "config.to": "a@example.com, nobody"}, "id_config_to-error",
     "1: &#x27;nobody&#x27; is not an email address"),
    ({"name": "chat", "kind": "telegram", "config.chat_id": "-100123"}, "id_secret-error", "needs its bot token"),
    ({"name": "topic", "kind": "ntfy", "config.url": "https://ntfy.sh/t", "config.priority": "loud"},
     "id_config_priority-error", "Input should be"),
])
def test_bad_channel_input_is_shown_next_to_its_field_and_nothing_is_stored(client_in, post, field_id, message):
    response = client_in.post(NEW_CHANNEL, post)
    assert response.status_code == 200
    html = response.content.decode()
    assert "The channel was not saved" in html
    error = html[html.index(f'id="{field_id}"'):]
    assert message in error[: error.index("</ul>")]
    assert NotificationChannel.objects.count() == 0


def test_the_form_keeps_what_was_typed_but_never_echoes_the_secret(client_in):
    html = client_in.post(NEW_CHANNEL, channel_post(name="", secret=SECRET,
                                                    **{"config.url": "https://typed.example.com/x"})).content.decode()
    assert "https://typed.example.com/x" in html
    assert SECRET not in html


def test_the_kind_switch_swaps_the_config_inputs(client_in):
    html = client_in.get(reverse("dashboard:channel_fields"), {"kind": "email"}).content.decode()
    assert 'name="config.to"' in html and 'name="config.url"' not in html
    assert "SMTP password" in html  # the secret input is named for the kind too
    form = client_in.get(NEW_CHANNEL).content.decode()
    assert 'hx-params="not csrfmiddlewaretoken,secret"' in form  # a typed secret never goes into a GET URL
    html = client_in.post(NEW_CHANNEL, {"name": "x", "kind": "telegram", "_refresh": "1"}).content.decode()
    assert 'name="config.chat_id"' in html
    assert NotificationChannel.objects.count() == 0


def test_edit_a_channel_keeps_the_secret_when_left_blank(client_in):
    channel = webhook()
    url = reverse("dashboard:channel_edit", args=[channel.pk])
    html = client_in.get(url).content.decode()
    assert "…WXYZ" in html and SECRET not in html
    response = client_in.post(url, channel_post(name="renamed", **{"config.url": "https://other.example.com/h"}))
    assert response.status_code == 302, response.content.decode()[:3000]
    channel.refresh_from_db()
    assert channel.name == "renamed" and channel.config["url"] == "https://other.example.com/h"
    assert channel.secret == SECRET


def test_edit_a_channel_replaces_or_clears_the_secret(client_in):
    channel = webhook()
    url = reverse("dashboard:channel_edit", args=[channel.pk])
    client_in.post(url, channel_post(secret="a-brand-new-secret-5678"))
    channel.refresh_from_db()
    assert channel.secret == "a-brand-new-secret-5678"
    client_in.post(url, channel_post(secret_clear="1"))
    channel.refresh_from_db()
    assert channel.secret == ""


def test_a_telegram_token_cannot_be_cleared_and_nothing_changes(client_in):
    channel = channel_create(data={"name": "chat", "kind": "telegram", "config": {"chat_id": "-100123"},
                                   "secret": "123456:telegram-token-abcdefghijklmnop"})
    response = client_in.post(reverse("dashboard:channel_edit", args=[channel.pk]),
                              {"name": "renamed", "config.chat_id": "-100123", "secret_clear": "1"})
    assert response.status_code == 200 and "needs its bot token" in response.content.decode()
    channel.refresh_from_db()
    assert channel.name == "chat" and channel.secret.endswith("mnop")


def test_bad_channel_edit_changes_nothing(client_in):
    channel = webhook()
    before = NotificationChannel.objects.values().get()
    response = client_in.post(reverse("dashboard:channel_edit", args=[channel.pk]),
                              channel_post(**{"config.url": "javascript:alert(1)"}))
    assert response.status_code == 200 and 'id="id_config_url-error"' in response.content.decode()
    assert NotificationChannel.objects.values().get() == before


def test_delete_a_channel_asks_first(client_in):
    channel = webhook()
    url = reverse("dashboard:channel_delete", args=[channel.pk])
    assert "Delete this channel?" in client_in.get(url).content.decode()
    assert NotificationChannel.objects.exists()
    assert client_in.post(url).status_code == 302
    assert not NotificationChannel.objects.exists()


def test_unknown_ids_are_404s(client_in):
    missing = "00000000-0000-0000-0000-000000000000"
    assert client_in.get(reverse("dashboard:channel_edit", args=[missing])).status_code == 404
    assert client_in.post(reverse("dashboard:channel_test", args=[missing])).status_code == 404
    assert client_in.get(reverse("dashboard:rule_edit", args=[missing])).status_code == 404


# --- re-enable and send test, against a real receiver -----------------------------------------


def test_re_enable_a_channel_a_404_disabled(client_in, receiver_404):
    channel = disabled_by_404(receiver_404)
    html = client_in.get(PAGE).content.decode()
    assert "Re-enable" in html and channel.disabled_reason in html
    response = client_in.post(reverse("dashboard:channel_enable", args=[channel.pk]))
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.enabled and channel.disabled_reason is None
    assert "Re-enable" not in client_in.get(PAGE).content.decode()


def test_send_test_makes_a_delivery_and_says_how_it_went(client_in):
    with WebhookReceiver(secret=SECRET) as receiver:
        channel = webhook(url=receiver.url + "/in")
        response = client_in.post(reverse("dashboard:channel_test", args=[channel.pk]), follow=True)
        assert receiver.events() == ["test"] and not receiver.rejected  # signed with the stored secret
    delivery = NotificationDelivery.objects.get()
    assert (delivery.channel_id, delivery.event, delivery.status, delivery.http_status) == (
        channel.pk, "test", "delivered", 200)
    html = response.content.decode()
    assert "Test to “ops hook”: delivered (HTTP 200)." in html
    assert f'id="delivery-{delivery.pk}"' in html


def test_send_test_to_a_receiver_answering_404_reports_the_failure(client_in, receiver_404):
    channel = webhook(url=receiver_404.url + "/gone")
    html = client_in.post(reverse("dashboard:channel_test", args=[channel.pk]), follow=True).content.decode()
    assert "Test to “ops hook”: failed (HTTP 404)" in html
    channel.refresh_from_db()
    assert not channel.enabled


# --- the banner -----------------------------------------------------------------------------


def test_the_banner_names_a_disabled_channel_with_its_reason_and_counts_open_incidents(client_in, receiver_404):
    channel = disabled_by_404(receiver_404)
    healthy = webhook(name="healthy hook")
    failing_job(healthy, name="Morning wishes")
    failing_job(healthy, name="Evening visits")
    for url in ("/dashboard/", "/dashboard/stats/", PAGE):
        html = client_in.get(url).content.decode()
        banner = html[html.index('id="notify-banner"'):html.index("</section>")]
        assert "“broken hook”" in banner and channel.disabled_reason in banner
        assert "2 open incidents" in banner and "Morning wishes" in banner
        assert f'href="{PAGE}"' in banner


def test_no_banner_when_all_is_well_or_a_user_disabled_the_channel(client_in):
    webhook(enabled=False)  # disabled by a person: no reason, nothing to warn about
    assert 'id="notify-banner"' not in client_in.get("/dashboard/").content.decode()


def test_the_banner_is_for_staff_only(client, receiver_404):
    disabled_by_404(receiver_404)
    html = client.get(reverse("dashboard:login")).content.decode()
    assert 'id="notify-banner"' not in html and "broken hook" not in html


# --- rules ----------------------------------------------------------------------------------


def test_create_rules_for_every_job_a_bot_type_and_one_job(client_in):
    channel = webhook()
    job = make_job()
    assert client_in.post(NEW_RULE, rule_post(channel)).status_code == 302
    assert client_in.post(NEW_RULE, rule_post(channel, scope="bot_type", bot_type="visitor",
                                              realert_every="7200")).status_code == 302
    response = client_in.post(NEW_RULE, rule_post(channel, scope="job", job_id=str(job.pk), bot_type="visitor",
                                                  min_consecutive_failures="3", events=["failed"]))
    assert response.status_code == 302
    every, visitor, one = NotificationRule.objects.order_by("created_at")
    assert (every.job_id, every.bot_type, every.events) == (None, None, ["failed", "recovered"])
    assert (visitor.bot_type, visitor.realert_every_seconds) == ("visitor", 7200)
    # The scope chosen decides: the bot type left in the other input is not sent.
    assert (one.job_id, one.bot_type, one.min_consecutive_failures) == (job.pk, None, 3)


def test_the_rule_form_opens_on_a_channel_or_a_job(client_in):
    channel = webhook()
    job = make_job(name="Morning wishes")
    html = client_in.get(NEW_RULE, {"job": str(job.pk), "channel": str(channel.pk)}).content.decode()
    assert f'value="{job.pk}"' in html and "Morning wishes" in html
    assert f'<option value="{channel.pk}" selected' in html
    assert 'id="id_scope_job" name="scope" value="job" checked' in html


def test_the_rule_form_asks_for_a_channel_first(client_in):
    assert "there is none yet" in client_in.get(NEW_RULE).content.decode()


@pytest.mark.parametrize(("overrides", "field_id", "message"), [
    ({"events": []}, "id_events-error", "at least 1 item"),
    ({"channel_id": ""}, "id_channel_id-error", "must be a UUID"),
    ({"scope": "bot_type", "bot_type": ""}, "id_bot_type-error", "Input should be"),
    ({"scope": "job", "job_id": "nope"}, "id_job_id-error", "must be a UUID"),
    ({"scope": "job", "job_id": "00000000-0000-0000-0000-000000000000"}, "id_job_id-error", "no job has this id"),
    ({"min_consecutive_failures": "21"}, "id_min_consecutive_failures-error", "less than or equal to 20"),
    ({"min_consecutive_failures": "two"}, "id_min_consecutive_failures-error", "valid integer"),
    ({"realert_every": "60"}, "id_realert_every-error", "greater than or equal to 3600"),
])
def test_bad_rule_input_is_shown_next_to_its_field_and_nothing_is_stored(client_in, overrides, field_id, message):
    channel = webhook()
    response = client_in.post(NEW_RULE, rule_post(channel, **overrides))
    assert response.status_code == 200
    html = response.content.decode()
    assert "The rule was not saved" in html
    error = html[html.index(f'id="{field_id}"'):]
    assert message in error[: error.index("</ul>")]
    assert NotificationRule.objects.count() == 0


def test_edit_and_delete_a_rule(client_in):
    channel = webhook()
    rule = rule_create(data={"channel_id": str(channel.pk), "events": ["failed"], "bot_type": "birthday"})
    url = reverse("dashboard:rule_edit", args=[rule.pk])
    html = client_in.get(url).content.decode()
    assert 'id="id_scope_bot_type" name="scope" value="bot_type" checked' in html
    response = client_in.post(url, rule_post(channel, scope="all", bot_type="birthday", events=["missed"]))
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.events, rule.bot_type) == (["missed"], None)
    before = NotificationRule.objects.values().get()
    assert client_in.post(url, rule_post(channel, events=["bogus"])).status_code == 200
    assert NotificationRule.objects.values().get() == before
    delete = reverse("dashboard:rule_delete", args=[rule.pk])
    assert "Delete this rule?" in client_in.get(delete).content.decode()
    assert client_in.post(delete).status_code == 302
    assert not NotificationRule.objects.exists() and NotificationChannel.objects.exists()


# --- a job's history page -------------------------------------------------------------------


def test_the_history_page_shows_the_rules_that_apply_and_open_incidents(client_in):
    channel = webhook(name="ops hook")
    other = webhook(name="other hook")
    job = failing_job(channel, name="Morning wishes", every_job=True)  # and an open incident
    rule_create(data={"channel_id": str(other.pk), "events": ["silent"], "job_id": str(job.pk), "enabled": False})
    rule_create(data={"channel_id": str(other.pk), "events": ["missed"], "bot_type": "birthday"})
    not_this = rule_create(data={"channel_id": str(other.pk), "events": ["needs_attention"], "bot_type": "visitor"})
    elsewhere = rule_create(data={"channel_id": str(other.pk), "events": ["failed"], "job_id": str(make_job().pk)})
    html = client_in.get(reverse("dashboard:job_history", args=[job.pk])).content.decode()
    box = html[html.index('id="notifications"'):html.index("</section>", html.index('id="notifications"'))]
    assert "every job" in box and "this job" in box and "birthday jobs" in box
    assert "Rule disabled" in box  # listed all the same, marked
    assert f'id="rule-{not_this.pk}"' not in box and f'id="rule-{elsewhere.pk}"' not in box
    incident = Incident.objects.get(job=job)
    assert f'id="incident-{incident.pk}"' in box and "Runs failing" in box
    assert f"{NEW_RULE}?job={job.pk}" in box


def test_the_history_page_says_when_no_rule_covers_the_job(client_in):
    job = make_job()
    html = client_in.get(reverse("dashboard:job_history", args=[job.pk])).content.decode()
    assert "No rule covers this job" in html


def test_a_rule_added_from_a_history_page_goes_back_there(client_in):
    channel = webhook()
    job = make_job()
    history = reverse("dashboard:job_history", args=[job.pk])
    response = client_in.post(NEW_RULE, rule_post(channel, scope="job", job_id=str(job.pk), next=history))
    assert response.status_code == 302 and response["Location"] == history
    response = client_in.post(NEW_RULE, rule_post(channel, next="https://evil.example.com/"))
    assert response["Location"] == PAGE + "#rules"


# --- staff only, CSRF -------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "name", "needs"), [
    ("get", "notifications", None),
    ("get", "channel_create", None),
    ("post", "channel_create", None),
    ("post", "channel_test", "channel"),
    ("post", "channel_enable", "channel"),
    ("post", "channel_delete", "channel"),
    ("get", "rule_create", None),
    ("post", "rule_delete", "rule"),
])
def test_not_staff_is_sent_to_the_login_and_nothing_changes(client, django_user_model, method, name, needs):
    channel = webhook(enabled=False)
    rule = rule_create(data={"channel_id": str(channel.pk), "events": ["failed"]})
    kwargs = {"channel": {"channel_id": channel.pk}, "rule": {"rule_id": rule.pk}, None: {}}[needs]
    url = reverse(f"dashboard:{name}", kwargs=kwargs)
    for who in (None, "bob"):
        if who:
            client.force_login(django_user_model.objects.create_user(username=who, password="s3cret-pass"))
        response = getattr(client, method)(url, channel_post(name="sneaky") if method == "post" else {})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("dashboard:login") + "?next=")
    assert NotificationChannel.objects.values_list("name", "enabled").get() == ("ops hook", False)
    assert NotificationRule.objects.count() == 1 and NotificationDelivery.objects.count() == 0


def test_posts_need_the_csrf_token(user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    channel = webhook(enabled=False)
    assert client.post(reverse("dashboard:channel_enable", args=[channel.pk])).status_code == 403
    assert client.post(NEW_CHANNEL, channel_post()).status_code == 403
    html = client.get(PAGE).content.decode()
    assert html.count('name="csrfmiddlewaretoken"') >= 3  # logout, send test, re-enable
    channel.refresh_from_db()
    assert not channel.enabled
