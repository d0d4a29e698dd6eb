"""What each channel kind and each rule accept (pydantic, unknown keys refused), read by the
API, the dashboard, the admin and the senders alike. The secret is not part of a config: it is
stored on its own (``NotificationChannel.secret``) and never returned."""
import re
import uuid
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from scheduler_app.models import BotType
from scheduler_app.notify.models import ChannelKind, Event
from scheduler_app.validation import MAX_INT, pydantic_message, unstorable_values

EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
REALERT_MIN_SECONDS = 3600
MIN_FAILURES_MAX = 20
# Which kinds need a secret, and what the secret is for them (forms and errors name it).
SECRET_NAMES = {
    ChannelKind.WEBHOOK: gettext_lazy("signing secret"),
    ChannelKind.TELEGRAM: gettext_lazy("bot token"),
    ChannelKind.NTFY: gettext_lazy("access token"),
    ChannelKind.EMAIL: gettext_lazy("SMTP password"),
}
SECRET_REQUIRED = frozenset({ChannelKind.TELEGRAM})


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https"):
        raise ValueError(_("must be an http:// or https:// URL"))
    if not parts.hostname:
        raise ValueError(_("must name a host"))
    if parts.username or parts.password:
        raise ValueError(_("must not carry credentials (give a token as the channel's secret)"))
    return value


def _email(value: str) -> str:
    if not EMAIL.match(value):
        raise ValueError(_("%(value)r is not an email address") % {"value": value})
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


# --- whole channels and rules, as a client sends them -----------------------------------------
# Checked here, before any write, by scheduler_app/notify/services/channels.py; errors are
# {dotted.path: [messages]} like a job's (scheduler_app/validation.py).

SECRET_MAX_LENGTH = 4096
ONE_SCOPE = gettext_noop("give job_id or bot_type, not both (a rule covers one job, one bot type, or every job)")


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError(_("must not be blank"))
    return value


def _uuid_text(value: Any) -> Any:
    # Strict mode takes only UUID objects; a JSON body carries ids as strings.
    if isinstance(value, str):
        try:
            return uuid.UUID(value)
        except ValueError:
            raise ValueError(_("must be a UUID")) from None
    return value


class ChannelFields(BaseModel):
    """A channel's writable fields; ``config`` is checked against its kind's model apart."""

    model_config = ConfigDict(extra="forbid", strict=True)
    name: Annotated[str, Field(min_length=1, max_length=200)]
    kind: Literal[tuple(ChannelKind.values)] = Field(description="Immutable after create.")
    config: dict[str, Any] = Field(default_factory=dict)
    secret: Annotated[str, Field(max_length=SECRET_MAX_LENGTH)] | None = None
    enabled: bool = True

    _name = field_validator("name")(_not_blank)


class RuleFields(BaseModel):
    """A rule's writable fields. Scope: ``job_id``, or ``bot_type``, or neither (every job)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    channel_id: uuid.UUID
    events: list[Literal[RULE_EVENTS]] = Field(min_length=1)
    job_id: uuid.UUID | None = None
    bot_type: Literal[tuple(BotType.values)] | None = None
    min_consecutive_failures: Annotated[int, Field(ge=1, le=MIN_FAILURES_MAX)] = 1
    realert_every: Annotated[int, Field(ge=REALERT_MIN_SECONDS, le=MAX_INT)] | None = None
    enabled: bool = True

    _ids = field_validator("channel_id", "job_id", mode="before")(_uuid_text)

    @field_validator("events")
    @classmethod
    def _once_each(cls, events: list[str]) -> list[str]:
        return list(dict.fromkeys(events))

    @model_validator(mode="after")
    def _one_scope(self) -> "RuleFields":
        if self.job_id is not None and self.bot_type is not None:
            raise ValueError(_(ONE_SCOPE))
        return self


CHANNEL_WRITABLE = tuple(ChannelFields.model_fields)
RULE_WRITABLE = tuple(RuleFields.model_fields)


def _collect(exc: ValidationError, errors: dict[str, list[str]], prefix: str = "") -> None:
    """pydantic's errors added as ``{dotted.path: [messages]}`` (``events.1``, ``config.url``);
    the rule's scope check is named on both of its fields."""
    for err in exc.errors():
        message = pydantic_message(err)
        if message == _(ONE_SCOPE):
            for name in ("job_id", "bot_type"):
                errors.setdefault(name, []).append(message)
            continue
        path = ".".join(str(part) for part in err["loc"])
        key = f"{prefix}.{path}" if prefix and path else (prefix or path or "non_field_errors")
        errors.setdefault(key, []).append(message)


def channel_fields(data: Any) -> tuple[ChannelFields | None, dict[str, Any] | None, dict[str, list[str]]]:
    """A whole channel checked: its fields, its config as it is stored (defaults filled in) and
    every error found (empty when both are good). The config is checked whenever the kind is
    known, so one answer names every bad field."""
    if not isinstance(data, dict):
        return None, None, {"non_field_errors": [_("Expected a JSON object of channel fields.")]}
    errors = unstorable_values(data)
    try:
        fields = ChannelFields.model_validate(data)
    except ValidationError as exc:
        _collect(exc, errors)
        fields = None
    kind, config = data.get("kind"), data.get("config", {})
    model = CHANNEL_CONFIGS.get(kind) if isinstance(kind, str) else None
    stored = None
    if model is not None and isinstance(config, dict):
        try:
            stored = model.model_validate(config).model_dump(mode="json")
        except ValidationError as exc:
            _collect(exc, errors, prefix="config")
    if model is not None and kind in SECRET_REQUIRED and not data.get("secret"):
        errors.setdefault("secret", []).append(_("a %(kind)s channel needs its %(secret)s")
                                               % {"kind": kind, "secret": SECRET_NAMES[kind]})
    return fields, stored, errors


def rule_fields(data: Any) -> tuple[RuleFields | None, dict[str, list[str]]]:
    """A whole rule checked: its fields and every error found (the caller checks that its
    channel and job exist)."""
    if not isinstance(data, dict):
        return None, {"non_field_errors": [_("Expected a JSON object of rule fields.")]}
    errors = unstorable_values(data)
    try:
        return RuleFields.model_validate(data), errors
    except ValidationError as exc:
        _collect(exc, errors)
        return None, errors
