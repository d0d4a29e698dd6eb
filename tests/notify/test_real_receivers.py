"""The senders against real receivers on 127.0.0.1 (tests/support/receivers.py): a webhook
receiver that verifies the signature, an aiosmtpd server; retries, permanent failures and
redirects through the delivery services (scheduler_app/notify/services/deliveries.py)."""
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from django.utils.timezone import now as utc_now

from scheduler_app.notify.models import NotificationChannel, NotificationDelivery, NotificationRule
from scheduler_app.notify.senders import send
from scheduler_app.notify.services.deliveries import delivery_attempt
from scheduler_app.services.executions import execution_claim, execution_finish
from tests.factories import make_job
from tests.support.receivers import SmtpReceiver, WebhookReceiver

pytestmark = pytest.mark.django_db

SECRET = "whsec-test-secret-1234"
TOKEN = "123456:telegram-token-ABCDEFG"


@pytest.fixture(autouse=True)
def _fast_retries(settings):
    settings.NOTIFY_RETRY_BASE_SECONDS = 0.01
    settings.NOTIFY_HTTP_TIMEOUT_SECONDS = 5


def failed_delivery(kind="webhook", config=None, secret=SECRET) -> NotificationDelivery:
    """A job's failed run, alerted through a rule to one channel: its queued delivery."""
    channel = NotificationChannel.objects.create(name=kind, kind=kind, config=config, secret=secret)
    NotificationRule.objects.create(channel=channel, events=["failed", "recovered"])
    job = make_job(name="birthday wishes")
    execution = execution_claim(job_id=job.pk, scheduled_for=utc_now())
    execution_finish(execution=execution, status="failed", error="the test runner failed on purpose")
    return NotificationDelivery.objects.get(channel=channel)


def attempt_until_final(delivery, *, max_attempts=10):
    for _ in range(max_attempts):
        delivery.refresh_from_db()
        if delivery.status in ("delivered", "failed"):
            return delivery
        time.sleep(0.05)
        delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    return delivery


def post(url, body: bytes, headers: dict) -> int:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code


def signed(body: bytes, timestamp: int, secret=SECRET) -> dict:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Scheduler-Timestamp": str(timestamp), "X-Scheduler-Signature": f"sha256={digest}",
            "X-Scheduler-Delivery": "forged", "Content-Type": "application/json"}


# --- the receiver's check, and the real sender passing it -------------------------------------

def test_receiver_rejects_a_tampered_body_and_an_old_timestamp_and_accepts_a_genuine_one():
    body = json.dumps({"event": "failed"}).encode()
    with WebhookReceiver(SECRET) as receiver:
        assert post(receiver.url, body.replace(b"failed", b"success"), signed(body, int(time.time()))) == 400
        assert post(receiver.url, body, signed(body, int(time.time()) - 301)) == 400
        assert post(receiver.url, body, signed(body, int(time.time()), secret="another")) == 400
        assert post(receiver.url, body, signed(body, int(time.time()) - 5)) == 200
    assert [why for why, _ in receiver.rejected] == ["bad signature", "timestamp outside the tolerance",
                                                     "bad signature"]
    assert list(receiver.hits) == ["forged"]


def test_the_real_sender_passes_the_receivers_check():
    with WebhookReceiver(SECRET) as receiver:
        delivery = failed_delivery(config={"url": "http://127.0.0.1:1/"})
        delivery.channel.config = {"url": receiver.url + "/hook"}
        result = send(delivery.channel, delivery)
    assert result.ok and result.http_status == 200, result
    assert receiver.rejected == []
    (request,) = receiver.accepted
    assert request.path == "/hook"
    assert request.headers["X-Scheduler-Delivery"] == str(delivery.pk)
    assert request.headers["X-Scheduler-Event"] == "failed"
    document = json.loads(request.body)
    assert document["event"] == "failed" and document["delivery_id"] == str(delivery.pk)
    assert document["job"]["name"] == "birthday wishes"
    assert document["error"] == "the test runner failed on purpose"


# --- retries, permanent failures, redirects ---------------------------------------------------

def webhook_delivery(receiver):
    return failed_delivery(config={"url": receiver.url + "/hook"})


def test_500_then_200_is_two_attempts_one_delivered():
    with WebhookReceiver(SECRET, answers=[500, 200]) as receiver:
        delivery = attempt_until_final(webhook_delivery(receiver))
    assert delivery.status == "delivered" and delivery.attempts == 2
    assert [a["http_status"] for a in delivery.attempt_log] == [500, 200]
    assert len(receiver.requests) == 2 and receiver.hits == {str(delivery.pk): 2}
    delivery.channel.refresh_from_db()
    assert delivery.channel.enabled and delivery.channel.last_notified_at is not None


def test_404_fails_the_delivery_and_disables_the_channel_naming_the_404():
    with WebhookReceiver(SECRET, answers=[404]) as receiver:
        delivery = attempt_until_final(webhook_delivery(receiver))
    assert delivery.status == "failed" and delivery.attempts == 1 and delivery.http_status == 404
    channel = NotificationChannel.objects.get(pk=delivery.channel_id)
    assert not channel.enabled
    assert "404" in channel.disabled_reason and str(delivery.pk) in channel.disabled_reason
    assert len(receiver.requests) == 1


def test_unknown_host_is_permanent():
    delivery = attempt_until_final(failed_delivery(config={"url": "http://no-such-host.invalid/hook"}))
    assert delivery.status == "failed" and delivery.attempts == 1
    assert "unknown host" in delivery.error
    assert not NotificationChannel.objects.get(pk=delivery.channel_id).enabled


def test_a_redirect_is_not_followed():
    with WebhookReceiver(SECRET) as target, WebhookReceiver(
            SECRET, answers=[(302, {"Location": "http://127.0.0.1:9/elsewhere"})] * 2) as receiver:
        target_url = target.url
        receiver.answers = [(302, {"Location": target_url + "/elsewhere"})] * 10
        delivery = webhook_delivery(receiver)
        delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.http_status == 302 and "not followed" in delivery.error
    assert delivery.status != "delivered"
    assert target.requests == [], "the redirect's target was requested"


# --- email, ntfy, telegram --------------------------------------------------------------------

def test_email_arrives_through_a_real_smtp_server_with_text_and_html_and_the_error():
    with SmtpReceiver() as smtp:
        delivery = failed_delivery("email", {"to": ["owner@example.com"], "smtp_host": "127.0.0.1",
                                             "smtp_port": smtp.port}, secret="")
        delivery = attempt_until_final(delivery)
        deadline = time.monotonic() + 5
        while not smtp.messages and time.monotonic() < deadline:
            time.sleep(0.05)
    assert delivery.status == "delivered", delivery.error
    (message,) = smtp.messages
    assert message["To"] == "owner@example.com"
    assert message["X-Scheduler-Delivery"] == str(delivery.pk)
    assert "birthday wishes" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for part in (text, html):
        assert "the test runner failed on purpose" in part
    assert "<" in html and "<" not in text.replace("<token>", "")


def test_ntfy_sends_a_short_text_with_the_token_as_a_bearer_header_only():
    with WebhookReceiver() as receiver:
        delivery = failed_delivery("ntfy", {"url": receiver.url + "/my-topic", "priority": "high"}, secret=TOKEN)
        delivery = attempt_until_final(delivery)
    assert delivery.status == "delivered"
    (request,) = receiver.requests
    assert request.path == "/my-topic"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Priority"] == "high" and "birthday wishes" in request.headers["Title"]
    text = request.body.decode()
    assert "the test runner failed on purpose" in text and len(text) < 1000
    assert TOKEN not in text and not text.lstrip().startswith("{")


def test_telegram_puts_the_token_in_the_path_only_and_never_in_an_error_or_log(settings, caplog):
    caplog.set_level(logging.DEBUG)
    with WebhookReceiver(answers=[500, 200]) as receiver:
        settings.TELEGRAM_API_URL = receiver.url
        delivery = failed_delivery("telegram", {"chat_id": "-100123"}, secret=TOKEN)
        delivery = attempt_until_final(delivery)
    assert delivery.status == "delivered" and delivery.attempts == 2
    for request in receiver.requests:
        assert request.path == f"/bot{TOKEN}/sendMessage"
        document = json.loads(request.body)
        assert document["chat_id"] == "-100123"
        assert "the test runner failed on purpose" in document["text"] and len(document["text"]) < 1000
        assert TOKEN not in request.body.decode()
        assert all(TOKEN not in value for value in request.headers.values())
    channel = NotificationChannel.objects.get(pk=delivery.channel_id)
    stored = json.dumps([delivery.error, delivery.attempt_log, delivery.payload, channel.last_error,
                         channel.disabled_reason])
    assert "500" in stored and TOKEN not in stored
    assert TOKEN not in caplog.text


def test_telegram_error_naming_the_url_hides_the_token(settings):
    # A connection error mentions nothing of the URL; a closed port is the nearest real failure.
    settings.TELEGRAM_API_URL = "http://no-such-host.invalid"
    delivery = attempt_until_final(failed_delivery("telegram", {"chat_id": "-100123"}, secret=TOKEN))
    channel = NotificationChannel.objects.get(pk=delivery.channel_id)
    assert delivery.status == "failed"
    assert TOKEN not in json.dumps([delivery.error, delivery.attempt_log, channel.disabled_reason])


def test_an_attempt_claims_the_row_so_a_held_or_finished_delivery_is_not_sent_again():
    with WebhookReceiver(SECRET) as receiver:
        delivery = webhook_delivery(receiver)
        held = utc_now() + timedelta(seconds=60)
        NotificationDelivery.objects.filter(pk=delivery.pk).update(status="sending", lease_expires_at=held)
        assert delivery_attempt(delivery_id=delivery.pk) is None  # another worker holds the lease
        assert receiver.requests == []
        NotificationDelivery.objects.filter(pk=delivery.pk).update(status="queued", lease_expires_at=None)
        assert attempt_until_final(delivery).status == "delivered"
        delivery_attempt(delivery_id=delivery.pk)  # a redelivered message for a delivered row
    assert len(receiver.requests) == 1
