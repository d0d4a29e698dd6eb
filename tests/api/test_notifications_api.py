"""Notification channels, rules, test sends and deliveries through the API: round trips, the
write-only secret, and bad input (each a 400 naming the field, with nothing stored)."""
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from scheduler_app.notify.models import NotificationChannel, NotificationDelivery, NotificationRule
from tests.factories import make_job

pytestmark = pytest.mark.django_db

CHANNELS = "/scheduler/notification-channels"
RULES = "/scheduler/notification-rules"
DELIVERIES = "/scheduler/notification-deliveries"
NIL = "00000000-0000-0000-0000-000000000000"
SECRET = "s3cr3t-the-client-chose-0123456789"
TOKEN = "123456:telegram-token-abcdefghijklmnop"


def webhook(**overrides):
    return {"name": "ops hook", "kind": "webhook", "config": {"url": "https://hooks.example.com/in"}, **overrides}


def email(**overrides):
    return {"name": "ops mail", "kind": "email", "config": {"to": ["ops@example.com"]}, **overrides}


def telegram(**overrides):
    return {"name": "ops chat", "kind": "telegram", "config": {"chat_id": "-100123"}, "secret": TOKEN, **overrides}


def create_channel(client, body) -> dict:
    response = client.post(CHANNELS, body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def create_rule(client, channel_id, **overrides) -> dict:
    response = client.post(RULES, {"channel_id": channel_id, "events": ["failed"], **overrides}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def counts() -> tuple[int, int, int]:
    return NotificationChannel.objects.count(), NotificationRule.objects.count(), NotificationDelivery.objects.count()


# --- channels -------------------------------------------------------------------------------


def test_channel_crud_round_trip(client):
    created = create_channel(client, email(config={"to": ["a@example.com", "b@example.org"]}))
    assert created["kind"] == "email" and created["enabled"] is True and created["created_by"] == "tests"
    assert created["config"]["to"] == ["a@example.com", "b@example.org"]
    assert created["config"]["smtp_use_tls"] is False  # stored with the defaults filled in
    assert created["secret"] is None and created["secret_hint"] is None
    assert set(created) == {"id", "name", "kind", "config", "secret_hint", "enabled", "disabled_reason",
                            "last_notified_at", "last_error", "created_at", "updated_at", "created_by", "secret"}
    url = f"{CHANNELS}/{created['id']}"

    read = client.get(url).json()
    assert read == {key: value for key, value in created.items() if key != "secret"}
    assert [c["id"] for c in client.get(CHANNELS).json()] == [created["id"]]

    patched = client.patch(url, {"name": "renamed", "config": {"smtp_port": 2525}}, format="json").json()
    assert patched["name"] == "renamed"
    assert patched["config"]["to"] == ["a@example.com", "b@example.org"]  # PATCH merges the config
    assert patched["config"]["smtp_port"] == 2525
    assert patched["updated_at"] > created["updated_at"]

    put = client.put(url, {"config": {"to": ["c@example.com"]}}, format="json").json()
    assert put["config"]["to"] == ["c@example.com"] and put["config"]["smtp_port"] is None  # PUT replaces
    assert put["name"] == "renamed"

    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    assert NotificationChannel.objects.count() == 0


def test_webhook_without_secret_gets_a_generated_one_shown_only_in_the_create_answer(client):
    created = create_channel(client, webhook())
    secret = created["secret"]
    assert secret and len(secret) >= 40
    channel = NotificationChannel.objects.get()
    assert channel.secret == secret
    assert created["secret_hint"] == "…" + secret[-4:]
    url = f"{CHANNELS}/{created['id']}"
    answers = [
        client.get(url), client.get(CHANNELS),
        client.patch(url, {"name": "still secret"}, format="json"),
        client.put(url, {"enabled": False}, format="json"),
    ]
    for answer in answers:
        assert answer.status_code == 200
        assert secret not in answer.content.decode()
        assert secret[:-4] not in answer.content.decode()
    channel.refresh_from_db()
    assert channel.secret == secret  # an update without "secret" keeps it


def test_a_given_secret_is_never_answered_back(client):
    created = create_channel(client, webhook(secret=SECRET))
    assert created["secret"] is None and created["secret_hint"] == "…" + SECRET[-4:]
    url = f"{CHANNELS}/{created['id']}"
    texts = [json.dumps(created), client.get(url).content.decode(), client.get(CHANNELS).content.decode(),
             client.patch(url, {"secret": SECRET + "x"}, format="json").content.decode()]
    for text in texts:
        assert SECRET not in text
    assert NotificationChannel.objects.get().secret == SECRET + "x"


def test_an_empty_secret_clears_it_unless_the_kind_needs_one(client):
    hook = create_channel(client, webhook(secret=SECRET))
    cleared = client.patch(f"{CHANNELS}/{hook['id']}", {"secret": ""}, format="json")
    assert cleared.status_code == 200 and cleared.json()["secret_hint"] is None
    assert NotificationChannel.objects.get(pk=hook["id"]).secret == ""

    chat = create_channel(client, telegram())
    renamed = client.patch(f"{CHANNELS}/{chat['id']}", {"name": "kept token"}, format="json")
    assert renamed.status_code == 200, renamed.content  # the stored token still counts
    refused = client.patch(f"{CHANNELS}/{chat['id']}", {"secret": ""}, format="json")
    assert refused.status_code == 400 and "secret" in refused.json()["errors"]
    assert NotificationChannel.objects.get(pk=chat["id"]).secret == TOKEN


def test_kind_cannot_change(client):
    created = create_channel(client, webhook())
    same = client.patch(f"{CHANNELS}/{created['id']}", {"kind": "webhook"}, format="json")
    assert same.status_code == 200
    changed = client.patch(f"{CHANNELS}/{created['id']}", {"kind": "ntfy"}, format="json")
    assert changed.status_code == 400 and list(changed.json()["errors"]) == ["kind"]
    assert NotificationChannel.objects.get().kind == "webhook"


def test_enabling_a_channel_clears_its_disabled_reason(client):
    created = create_channel(client, webhook())
    NotificationChannel.objects.filter(pk=created["id"]).update(enabled=False, disabled_reason="HTTP 404")
    url = f"{CHANNELS}/{created['id']}"
    assert client.get(url).json()["disabled_reason"] == "HTTP 404"
    assert client.patch(url, {"name": "x"}, format="json").json()["disabled_reason"] == "HTTP 404"
    enabled = client.patch(url, {"enabled": True}, format="json").json()
    assert enabled["enabled"] is True and enabled["disabled_reason"] is None


def test_every_endpoint_wants_a_key(anon, client):
    channel = create_channel(client, webhook())
    rule = create_rule(client, channel["id"])
    calls = [
        ("get", CHANNELS), ("post", CHANNELS), ("get", f"{CHANNELS}/{channel['id']}"),
        ("put", f"{CHANNELS}/{channel['id']}"), ("patch", f"{CHANNELS}/{channel['id']}"),
        ("delete", f"{CHANNELS}/{channel['id']}"), ("post", f"{CHANNELS}/{channel['id']}/test"),
        ("get", RULES), ("post", RULES), ("get", f"{RULES}/{rule['id']}"), ("put", f"{RULES}/{rule['id']}"),
        ("patch", f"{RULES}/{rule['id']}"), ("delete", f"{RULES}/{rule['id']}"), ("get", DELIVERIES),
    ]
    for method, path in calls:
        response = getattr(anon, method)(path, {}, format="json")
        assert response.status_code == 401, (method, path)
        assert "detail" in response.json()
    assert counts() == (1, 1, 0)


@pytest.mark.parametrize("path", [f"{CHANNELS}/{NIL}", f"{CHANNELS}/not-a-uuid", f"{RULES}/{NIL}", f"{RULES}/42",
                                  f"{CHANNELS}/{NIL}/test", f"{CHANNELS}/nope/test"])
def test_unknown_or_malformed_ids_are_json_404s(client, path):
    method = "post" if path.endswith("/test") else "get"
    response = getattr(client, method)(path)
    assert response.status_code == 404 and "not found" in response.json()["detail"]
    if method == "get":
        for other in ("patch", "put", "delete"):
            assert getattr(client, other)(path, {}, format="json").status_code == 404


# --- bad input ------------------------------------------------------------------------------

BAD_CHANNELS = [
    # (case, body, field the 400 must name)
    ("url-not-a-url", webhook(config={"url": "not a url"}), "config.url"),
    ("url-ftp", webhook(config={"url": "ftp://files.example.com/in"}), "config.url"),
    ("url-javascript", webhook(config={"url": "javascript:alert(1)"}), "config.url"),
    ("url-no-host", webhook(config={"url": "https://"}), "config.url"),
    ("url-credentials", webhook(config={"url": "https://user:pw@example.com/"}), "config.url"),
    ("url-missing", webhook(config={}), "config.url"),
    ("ntfy-file-url", {"name": "n", "kind": "ntfy", "config": {"url": "file:///etc/passwd"}}, "config.url"),
    ("email-without-to", email(config={}), "config.to"),
    ("email-empty-to", email(config={"to": []}), "config.to"),
    ("email-bad-address", email(config={"to": ["ops@example.com", "not-an-address"]}), "config.to.1"),
    ("email-to-string", email(config={"to": "ops@example.com"}), "config.to"),
    ("telegram-without-secret", telegram(secret=None), "secret"),
    ("telegram-empty-secret", telegram(secret=""), "secret"),
    ("telegram-bad-chat", telegram(config={"chat_id": "chat room"}), "config.chat_id"),
    ("config-unknown-key", webhook(config={"url": "https://example.com/", "method": "GET"}), "config.method"),
    ("config-not-object", webhook(config=["https://example.com/"]), "config"),
    ("unknown-field", webhook(colour="red"), "colour"),
    ("read-only-field", webhook(secret_hint="…abcd"), "secret_hint"),
    ("no-name", {"kind": "webhook", "config": {"url": "https://example.com/"}}, "name"),
    ("blank-name", webhook(name="   "), "name"),
    ("long-name", webhook(name="n" * 201), "name"),
    ("name-nul", webhook(name="a\x00b"), "name"),
    ("no-kind", {"name": "x", "config": {"url": "https://example.com/"}}, "kind"),
    ("unknown-kind", webhook(kind="pager"), "kind"),
    ("secret-number", webhook(secret=1234), "secret"),
    ("enabled-string", webhook(enabled="false"), "enabled"),
]


@pytest.mark.parametrize("body,field", [case[1:] for case in BAD_CHANNELS], ids=[case[0] for case in BAD_CHANNELS])
def test_bad_channel_input_is_a_400_naming_the_field_and_stores_nothing(client, body, field):
    response = client.post(CHANNELS, body, format="json")
    assert response.status_code == 400, response.content
    body_json = response.json()
    assert field in body_json["errors"], body_json
    assert field in body_json["detail"]
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize("changes,field", [
    ({"config": {"url": "ftp://example.com/"}}, "config.url"),
    ({"config": {"url": None}}, "config.url"),  # a merge patch removing a required key
    ({"config": {"extra": 1}}, "config.extra"),
    ({"name": ""}, "name"),
    ({"created_by": "me"}, "created_by"),
])
def test_bad_channel_update_is_a_400_and_changes_nothing(client, changes, field):
    created = create_channel(client, webhook())
    before = NotificationChannel.objects.values().get()
    response = client.patch(f"{CHANNELS}/{created['id']}", changes, format="json")
    assert response.status_code == 400 and field in response.json()["errors"], response.content
    assert NotificationChannel.objects.values().get() == before


def test_a_body_that_is_not_an_object_is_a_400(client):
    for path in (CHANNELS, RULES):
        response = client.post(path, ["a"], format="json")
        assert response.status_code == 400 and "non_field_errors" in response.json()["errors"]
    assert counts() == (0, 0, 0)


# --- rules ----------------------------------------------------------------------------------


def test_rule_crud_round_trip(client):
    channel = create_channel(client, webhook())
    job = make_job()
    rule = create_rule(client, channel["id"], events=["failed", "recovered", "failed"], job_id=str(job.pk),
                       min_consecutive_failures=3, realert_every=7200)
    assert rule["events"] == ["failed", "recovered"]
    assert rule["job_id"] == str(job.pk) and rule["bot_type"] is None
    assert rule["min_consecutive_failures"] == 3 and rule["realert_every"] == 7200
    assert rule["channel_id"] == channel["id"] and rule["channel_name"] == "ops hook" and rule["enabled"] is True
    stored = NotificationRule.objects.get()
    assert stored.realert_every_seconds == 7200 and stored.job_id == job.pk
    url = f"{RULES}/{rule['id']}"
    assert client.get(url).json() == rule

    every = create_rule(client, channel["id"], events=["silent"])
    assert every["job_id"] is None and every["bot_type"] is None
    assert every["min_consecutive_failures"] == 1 and every["realert_every"] is None

    assert [r["id"] for r in client.get(RULES).json()] == [rule["id"], every["id"]]
    assert [r["id"] for r in client.get(RULES, {"job_id": str(job.pk)}).json()] == [rule["id"]]
    assert [r["id"] for r in client.get(RULES, {"channel_id": channel["id"]}).json()] == [rule["id"], every["id"]]
    assert client.get(RULES, {"channel_id": NIL}).json() == []

    moved = client.patch(url, {"job_id": None, "bot_type": "visitor", "realert_every": None}, format="json")
    assert moved.status_code == 200, moved.content
    assert moved.json()["bot_type"] == "visitor" and moved.json()["job_id"] is None
    assert moved.json()["realert_every"] is None and moved.json()["events"] == ["failed", "recovered"]
    put = client.put(url, {"enabled": False}, format="json").json()
    assert put["enabled"] is False and put["bot_type"] == "visitor"

    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    assert client.delete(f"{CHANNELS}/{channel['id']}").status_code == 204
    assert NotificationRule.objects.count() == 0  # a channel's rules go with it


BAD_RULES = [
    # (case, overrides of a valid rule, field the 400 must name)
    ("unknown-event", {"events": ["failed", "exploded"]}, "events.1"),
    ("test-event", {"events": ["test"]}, "events.0"),
    ("no-events", {"events": []}, "events"),
    ("events-string", {"events": "failed"}, "events"),
    ("missing-events", {"events": None}, "events"),
    ("realert-60", {"realert_every": 60}, "realert_every"),
    ("realert-string", {"realert_every": "3600"}, "realert_every"),
    ("realert-huge", {"realert_every": 2**40}, "realert_every"),
    ("min-failures-0", {"min_consecutive_failures": 0}, "min_consecutive_failures"),
    ("min-failures-21", {"min_consecutive_failures": 21}, "min_consecutive_failures"),
    ("min-failures-float", {"min_consecutive_failures": 2.5}, "min_consecutive_failures"),
    ("unknown-job", {"job_id": NIL}, "job_id"),
    ("malformed-job", {"job_id": "job-1"}, "job_id"),
    ("unknown-bot-type", {"bot_type": "poster"}, "bot_type"),
    ("unknown-channel", {"channel_id": NIL}, "channel_id"),
    ("malformed-channel", {"channel_id": 7}, "channel_id"),
    ("unknown-field", {"severity": "high"}, "severity"),
    ("enabled-number", {"enabled": 1}, "enabled"),
]


@pytest.mark.parametrize("overrides,field", [case[1:] for case in BAD_RULES], ids=[case[0] for case in BAD_RULES])
def test_bad_rule_input_is_a_400_naming_the_field_and_stores_nothing(client, overrides, field):
    channel = create_channel(client, webhook())
    body = {"channel_id": channel["id"], "events": ["failed"], **overrides}
    body = {key: value for key, value in body.items() if value is not None or key != "events"}
    before = counts()
    response = client.post(RULES, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
    assert counts() == before == (1, 0, 0)


def test_a_rule_scoped_to_a_job_and_a_bot_type_is_refused(client):
    channel = create_channel(client, webhook())
    job = make_job()
    response = client.post(RULES, {"channel_id": channel["id"], "events": ["failed"], "job_id": str(job.pk),
                                   "bot_type": "birthday"}, format="json")
    assert response.status_code == 400
    assert {"job_id", "bot_type"} <= set(response.json()["errors"])
    assert NotificationRule.objects.count() == 0

    rule = create_rule(client, channel["id"], bot_type="birthday")
    widened = client.patch(f"{RULES}/{rule['id']}", {"job_id": str(job.pk)}, format="json")
    assert widened.status_code == 400 and "bot_type" in widened.json()["errors"]
    assert NotificationRule.objects.get().job_id is None


@pytest.mark.parametrize("changes,field", [
    ({"events": ["nope"]}, "events.0"), ({"realert_every": 3599}, "realert_every"),
    ({"min_consecutive_failures": 21}, "min_consecutive_failures"), ({"job_id": NIL}, "job_id"),
    ({"id": NIL}, "id"),
])
def test_bad_rule_update_is_a_400_and_changes_nothing(client, changes, field):
    channel = create_channel(client, webhook())
    rule = create_rule(client, channel["id"])
    before = NotificationRule.objects.values().get()
    response = client.patch(f"{RULES}/{rule['id']}", changes, format="json")
    assert response.status_code == 400 and field in response.json()["errors"], response.content
    assert NotificationRule.objects.values().get() == before


# --- test sends and deliveries --------------------------------------------------------------


class Receiver:
    """A webhook receiver on 127.0.0.1 answering ``status``; keeps what it got."""

    def __init__(self):
        self.status = 200
        self.requests: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append((dict(self.headers), body))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


def test_test_send_delivers_a_signed_test_event_and_answers_the_delivery(client, receiver):
    created = create_channel(client, webhook(config={"url": receiver.url}))
    response = client.post(f"{CHANNELS}/{created['id']}/test")
    assert response.status_code == 200, response.content
    delivery = response.json()
    assert delivery["event"] == "test" and delivery["status"] == "delivered" and delivery["attempts"] == 1
    assert delivery["http_status"] == 200 and delivery["channel_id"] == created["id"]
    assert delivery["channel_name"] == "ops hook" and delivery["job_id"] is None
    assert set(delivery) == {"id", "channel_id", "channel_name", "rule_id", "event", "job_id", "execution_id",
                             "status", "attempts", "http_status", "error", "payload", "attempt_log", "created_at",
                             "next_attempt_at", "delivered_at", "finished_at"}
    assert created["secret"] not in response.content.decode()
    (headers, body), = receiver.requests
    assert headers["X-Scheduler-Delivery"] == delivery["id"]
    signed = f"{headers['X-Scheduler-Timestamp']}.".encode() + body
    expected = hmac.new(created["secret"].encode(), signed, hashlib.sha256).hexdigest()
    assert headers["X-Scheduler-Signature"] == f"sha256={expected}"  # the secret shown once signs

    listed = client.get(DELIVERIES).json()
    assert [d["id"] for d in listed] == [delivery["id"]] and listed[0]["status"] == "delivered"
    assert client.get(DELIVERIES, {"channel_id": created["id"], "status": "delivered"}).json() == listed
    assert client.get(DELIVERIES, {"status": "failed"}).json() == []
    assert client.get(DELIVERIES, {"job_id": NIL}).json() == []


def test_a_test_send_answered_404_fails_and_disables_the_channel(client, receiver):
    receiver.status = 404
    created = create_channel(client, webhook(config={"url": receiver.url}))
    delivery = client.post(f"{CHANNELS}/{created['id']}/test").json()
    assert delivery["status"] == "failed" and delivery["http_status"] == 404
    channel = client.get(f"{CHANNELS}/{created['id']}").json()
    assert channel["enabled"] is False and "404" in channel["disabled_reason"]
    assert client.get(DELIVERIES, {"status": "failed"}).json()[0]["id"] == delivery["id"]


def test_delivery_list_limit_keeps_the_newest(client, receiver):
    created = create_channel(client, webhook(config={"url": receiver.url}))
    ids = [client.post(f"{CHANNELS}/{created['id']}/test").json()["id"] for _ in range(3)]
    assert [d["id"] for d in client.get(DELIVERIES, {"limit": 2}).json()] == ids[::-1][:2]


@pytest.mark.parametrize("query,field", [
    ({"status": "lost"}, "status"), ({"limit": 0}, "limit"), ({"limit": 201}, "limit"), ({"limit": "x"}, "limit"),
    ({"job_id": "nope"}, "job_id"), ({"channel_id": "42"}, "channel_id"),
])
def test_bad_delivery_filters_are_400s(client, query, field):
    response = client.get(DELIVERIES, query)
    assert response.status_code == 400 and field in response.json()["errors"], response.content


@pytest.mark.parametrize("query,field", [({"job_id": "nope"}, "job_id"), ({"channel_id": "x"}, "channel_id")])
def test_bad_rule_filters_are_400s(client, query, field):
    response = client.get(RULES, query)
    assert response.status_code == 400 and field in response.json()["errors"]


def test_the_schema_documents_the_notification_bodies(anon):
    schema = anon.get("/scheduler/schema").json()
    for path in [CHANNELS, f"{CHANNELS}/{{channel_id}}", f"{CHANNELS}/{{channel_id}}/test", RULES,
                 f"{RULES}/{{rule_id}}", DELIVERIES]:
        assert path in schema["paths"], path
    components = schema["components"]["schemas"]
    config = components["ChannelCreateInputRequest"]["properties"]["config"]
    assert [variant["title"] for variant in config["anyOf"]] == [
        f"config for kind={kind}" for kind in ("webhook", "email", "ntfy", "telegram")]
    assert "secret" in components["ChannelCreateInputRequest"]["properties"]
    assert "secret" not in components["ChannelOutput"]["properties"]
    assert "secret_hint" in components["ChannelOutput"]["properties"]
    assert components["RuleCreateInputRequest"]["properties"]["realert_every"]["minimum"] == 3600
    assert "attempt_log" in components["DeliveryOutput"]["properties"]


def test_the_schema_generates_without_warnings(tmp_path):
    """drf-spectacular warns (enum name collisions, unresolvable fields) rather than failing; the
    command with --fail-on-warn turns each warning into an error, and --validate checks the
    document against the OpenAPI 3 schema."""
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
