"""One sender per channel kind: a delivery's payload in, a ``SendResult`` out.

Webhooks are signed the Stripe/GitHub way (docs/notifications.md "Verifying a webhook"):
``X-Scheduler-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`` with
``X-Scheduler-Timestamp``; every request carries ``X-Scheduler-Delivery``, the same on every
attempt, so a receiver can drop a repeat. Redirects are never followed (a 3xx is an error), the
timeout is NOTIFY_HTTP_TIMEOUT_SECONDS (10 s), and only a 2xx is a success.

Which failures are permanent (the channel is disabled with the reason, no retry): a 4xx other
than 408 and 429, a host name that does not resolve, and an SMTP server refusing the sender,
the recipients or the login. Anything else is retried (scheduler_app/notify/services/deliveries.py).
"""
import hashlib
import hmac
import json
import smtplib
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from scheduler_app.notify.configs import channel_config
from scheduler_app.notify.models import ChannelKind
from scheduler_app.notify.texts import email_texts, short_text, title_text

RETRYABLE_4XX = frozenset({408, 429})
USER_AGENT = "bot-scheduler-notify/1"


@dataclass(frozen=True)
class SendResult:
    ok: bool
    http_status: int | None = None
    error: str | None = None
    permanent: bool = False


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Scheduler-Signature`` value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises HTTPError with the 3xx


_opener = urllib.request.build_opener(_NoRedirects())


def _unresolvable(reason) -> bool:
    return isinstance(reason, socket.gaierror) and reason.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA",
                                                                                              -5))


def http_post(url: str, body: bytes, headers: dict[str, str]) -> SendResult:
    """POST ``body``; classify the answer (see the module docstring)."""
    request = urllib.request.Request(url, data=body, method="POST", headers={"User-Agent": USER_AGENT, **headers})
    try:
        with _opener.open(request, timeout=settings.NOTIFY_HTTP_TIMEOUT_SECONDS) as answer:
            answer.read(65536)
            return SendResult(ok=True, http_status=answer.status)
    except urllib.error.HTTPError as exc:
        code = exc.code
        if 300 <= code < 400:
            where = exc.headers.get("Location", "?")
            return SendResult(ok=False, http_status=code, error=f"HTTP {code}: redirect to {where} not followed")
        permanent = 400 <= code < 500 and code not in RETRYABLE_4XX
        return SendResult(ok=False, http_status=code, error=f"HTTP {code} {exc.reason}", permanent=permanent)
    except urllib.error.URLError as exc:
        if _unresolvable(exc.reason):
            return SendResult(ok=False, error=f"unknown host: {exc.reason}", permanent=True)
        return SendResult(ok=False, error=f"connection failed: {exc.reason}")
    except (TimeoutError, OSError) as exc:
        return SendResult(ok=False, error=f"connection failed: {type(exc).__name__}: {exc}")


def _webhook(channel, delivery) -> SendResult:
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Scheduler-Event": delivery.event,
        "X-Scheduler-Delivery": str(delivery.id),
        "X-Scheduler-Timestamp": timestamp,
    }
    if channel.secret:
        headers["X-Scheduler-Signature"] = signature(channel.secret, timestamp, body)
    return http_post(channel_config(channel).url, body, headers)


def _ntfy(channel, delivery) -> SendResult:
    config = channel_config(channel)
    headers = {
        "Title": title_text(delivery.payload).encode("utf-8").decode("latin-1"),
        "Priority": config.priority,
        "Tags": delivery.event,
        "X-Scheduler-Delivery": str(delivery.id),
    }
    if url := delivery.payload.get("url"):
        headers["Click"] = url
    if channel.secret:
        headers["Authorization"] = f"Bearer {channel.secret}"
    return http_post(config.url, short_text(delivery.payload).encode(), headers)


def _telegram(channel, delivery) -> SendResult:
    config = channel_config(channel)
    url = f"{settings.TELEGRAM_API_URL.rstrip('/')}/bot{channel.secret}/sendMessage"
    body = json.dumps({"chat_id": config.chat_id, "text": short_text(delivery.payload),
                       "disable_web_page_preview": True}).encode()
    result = http_post(url, body, {"Content-Type": "application/json", "X-Scheduler-Delivery": str(delivery.id)})
    if result.error and channel.secret:
        result = SendResult(ok=result.ok, http_status=result.http_status, permanent=result.permanent,
                            error=result.error.replace(channel.secret, "<token>"))
    return result


PERMANENT_SMTP = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPAuthenticationError)


def _email(channel, delivery) -> SendResult:
    config = channel_config(channel)
    if config.smtp_host:
        connection = get_connection(
            backend="django.core.mail.backends.smtp.EmailBackend", host=config.smtp_host,
            port=config.smtp_port or 25, username=config.smtp_username or "", password=channel.secret or "",
            use_tls=config.smtp_use_tls, use_ssl=config.smtp_use_ssl, timeout=settings.NOTIFY_HTTP_TIMEOUT_SECONDS,
        )
    else:
        connection = get_connection(timeout=settings.NOTIFY_HTTP_TIMEOUT_SECONDS)
    subject, text, html = email_texts(delivery.payload)
    message = EmailMultiAlternatives(subject=subject, body=text, to=list(config.to), connection=connection,
                                     from_email=config.from_email or settings.DEFAULT_FROM_EMAIL,
                                     headers={"X-Scheduler-Delivery": str(delivery.id),
                                              "X-Scheduler-Event": delivery.event})
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except PERMANENT_SMTP as exc:
        return SendResult(ok=False, error=f"SMTP refused: {exc}", permanent=True)
    except socket.gaierror as exc:
        return SendResult(ok=False, error=f"unknown host: {exc}", permanent=_unresolvable(exc))
    except (smtplib.SMTPException, OSError) as exc:
        return SendResult(ok=False, error=f"SMTP failed: {type(exc).__name__}: {exc}")
    return SendResult(ok=True)


SENDERS = {
    ChannelKind.WEBHOOK: _webhook,
    ChannelKind.EMAIL: _email,
    ChannelKind.NTFY: _ntfy,
    ChannelKind.TELEGRAM: _telegram,
}


def send(channel, delivery) -> SendResult:
    """One attempt of ``delivery`` on ``channel``; never raises for a channel's own failure."""
    return SENDERS[channel.kind](channel, delivery)
