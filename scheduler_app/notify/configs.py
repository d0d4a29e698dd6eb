"""What each channel kind and each rule accept (pydantic, unknown keys refused), read by the
API, the dashboard, the admin and the senders alike. The secret is not part of a config: it is
stored on its own (``NotificationChannel.secret``) and never returned."""
import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from scheduler_app.notify.models import ChannelKind, Event

EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
REALERT_MIN_SECONDS = 3600
MIN_FAILURES_MAX = 20
# Which kinds need a secret, and what the secret is for them (forms and errors name it).
SECRET_NAMES = {
    ChannelKind.WEBHOOK: "signing secret",
    ChannelKind.TELEGRAM: "bot token",
    ChannelKind.NTFY: "access token",
    ChannelKind.EMAIL: "SMTP password",
}
SECRET_REQUIRED = frozenset({ChannelKind.TELEGRAM})


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https"):
        raise ValueError("must be an http:// or https:// URL")
    if not parts.hostname:
        raise ValueError("must name a host")
    if parts.username or parts.password:
        raise ValueError("must not carry credentials (give a token as the channel's secret)")
    return value


def _email(value: str) -> str:
    if not EMAIL.match(value):
        raise ValueError(f"{value!r} is not an email address")
    return value


HttpUrl = Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(_http_url)]
EmailAddress = Annotated[str, Field(max_length=254), AfterValidator(_email)]


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WebhookConfig(_Config):
    url: HttpUrl


class EmailConfig(_Config):
    to: list[EmailAddress] = Field(min_length=1, max_length=20)
    # Optional per-channel SMTP server; the environment's (EMAIL_* settings) otherwise.
    smtp_host: str | None = Field(default=None, max_length=253)
    smtp_port: int | None = Field(default=None, ge=1, le=65535)
    smtp_username: str | None = Field(default=None, max_length=200)
    smtp_use_tls: bool = False
    smtp_use_ssl: bool = False
    from_email: EmailAddress | None = None


class NtfyConfig(_Config):
    url: HttpUrl  # the topic URL, e.g. https://ntfy.sh/my-topic
    priority: Literal["min", "low", "default", "high", "max"] = "default"


class TelegramConfig(_Config):
    chat_id: str = Field(min_length=1, max_length=64, pattern=r"^(-?\d+|@[A-Za-z0-9_]{5,64})$")


CHANNEL_CONFIGS: dict[str, type[_Config]] = {
    ChannelKind.WEBHOOK: WebhookConfig,
    ChannelKind.EMAIL: EmailConfig,
    ChannelKind.NTFY: NtfyConfig,
    ChannelKind.TELEGRAM: TelegramConfig,
}

# Events a rule may subscribe to ("test" is sent on demand, to a channel, never by a rule).
RULE_EVENTS = tuple(event for event in Event.values if event != Event.TEST)


def channel_config(channel) -> _Config:
    """A stored channel's config as its typed model (stored rows were validated on write)."""
    return CHANNEL_CONFIGS[channel.kind].model_validate(channel.config)


def secret_hint(secret: str) -> str | None:
    """What the API and the dashboard show of a secret: its last 4 characters, never more."""
    if not secret:
        return None
    return "…" + secret[-4:] if len(secret) > 8 else "…"
