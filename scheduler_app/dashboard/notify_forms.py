"""The channel and rule forms of the Notifications page: HTML values to service input and back.

As with the job form (scheduler_app/dashboard/forms.py), nothing is judged here: a channel's
config inputs are read off ``CHANNEL_CONFIGS`` (scheduler_app/notify/configs.py), posted text is
only coerced, and the services' ``JobValidationError`` paths (``config.url``, ``events``) are the
input names, so each message lands next to its field.

The secret is write-only: the form never holds the stored one, only its hint; an empty secret
input on edit keeps the stored secret, and "remove" clears it.
"""
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict

from scheduler_app.dashboard.forms import PRESENT, FormField, _coerce, config_fields, config_from_post, field_errors
from scheduler_app.models import BotType
from scheduler_app.notify.configs import CHANNEL_CONFIGS, RULE_EVENTS, SECRET_NAMES, SECRET_REQUIRED, secret_hint
from scheduler_app.notify.models import ChannelKind, Event, NotificationChannel, NotificationRule

CHANNEL_FIELDS = ("name", "kind", "enabled", "secret")
RULE_FIELDS = ("channel_id", "events", "bot_type", "job_id", "min_consecutive_failures", "realert_every", "enabled")
SCOPES = ("all", "bot_type", "job")


def _other_errors(errors: dict[str, list[str]], known: set[str]) -> dict[str, list[str]]:
    """Errors no input answers to (nor any input above them); shown at the top of the form."""
    def answered(path: str) -> bool:
        return any(path == name or path.startswith(name + ".") for name in known)

    return {path: messages for path, messages in errors.items() if not answered(path)}


@dataclass
class ChannelForm:
    channel: NotificationChannel | None
    values: dict[str, Any]
    config_values: dict[str, Any]
    errors: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def for_channel(cls, channel: NotificationChannel | None = None) -> "ChannelForm":
        if channel is None:
            return cls(channel=None, values={"name": "", "kind": ChannelKind.WEBHOOK, "enabled": True},
                       config_values={})
        return cls(channel=channel, values={"name": channel.name, "kind": channel.kind, "enabled": channel.enabled},
                   config_values=dict(channel.config))

    @classmethod
    def from_post(cls, post: QueryDict, channel: NotificationChannel | None = None) -> "ChannelForm":
        """What the user typed (the secret excepted: it is never sent back to the browser)."""
        base = cls.for_channel(channel)
        values = dict(base.values)
        if "name" in post:
            values["name"] = post.get("name", "").strip()
        if channel is None and post.get("kind") in CHANNEL_CONFIGS:
            values["kind"] = post.get("kind")
        if "enabled" in set(post.getlist(PRESENT)) or "enabled" in post:
            values["enabled"] = "enabled" in post
        same_kind = channel is not None and values["kind"] == channel.kind
        config_values = dict(base.config_values) if same_kind else {}
        config_values.update(config_from_post("config", CHANNEL_CONFIGS[values["kind"]], post, as_typed=True))
        return cls(channel=channel, values=values, config_values=config_values)

    def to_data(self, post: QueryDict) -> dict[str, Any]:
        """Service input: the API's channel body. The secret goes only when typed (or removed)."""
        data: dict[str, Any] = {
            "name": self.values["name"],
            "config": config_from_post("config", CHANNEL_CONFIGS[self.values["kind"]], post),
            "enabled": bool(self.values["enabled"]),
        }
        if self.channel is None:
            data["kind"] = self.values["kind"]
        secret = post.get("secret", "")
        if secret:
            data["secret"] = secret
        elif self.channel is not None and post.get("secret_clear"):
            data["secret"] = ""
        return data

    @property
    def kind(self) -> str:
        return self.values["kind"]

    @property
    def config_fields(self) -> list[FormField]:
        return config_fields("config", CHANNEL_CONFIGS[self.kind], self.config_values, self.errors)

    @property
    def secret_name(self) -> str:
        return SECRET_NAMES[self.kind]

    @property
    def secret_required(self) -> bool:
        return self.kind in SECRET_REQUIRED

    @property
    def secret_hint(self) -> str | None:
        return secret_hint(self.channel.secret) if self.channel is not None else None

    @property
    def secret_errors(self) -> list[str]:
        return field_errors(self.errors, "secret")

    @property
    def other_errors(self) -> dict[str, list[str]]:
        return _other_errors(self.errors, {*CHANNEL_FIELDS, "config", *(f.name for f in self.config_fields)})


@dataclass
class RuleForm:
    rule: NotificationRule | None
    values: dict[str, Any]
    errors: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def for_rule(cls, rule: NotificationRule | None = None, *, channel_id: str = "",
                 job_id: str = "") -> "RuleForm":
        if rule is None:
            return cls(rule=None, values={
                "channel_id": channel_id, "events": [Event.FAILED, Event.RECOVERED],
                "scope": "job" if job_id else "all", "bot_type": "", "job_id": job_id,
                "min_consecutive_failures": 1, "realert_every": "", "enabled": True,
            })
        scope = "job" if rule.job_id else "bot_type" if rule.bot_type else "all"
        return cls(rule=rule, values={
            "channel_id": str(rule.channel_id), "events": list(rule.events), "scope": scope,
            "bot_type": rule.bot_type or "", "job_id": str(rule.job_id or ""),
            "min_consecutive_failures": rule.min_consecutive_failures,
            "realert_every": "" if rule.realert_every_seconds is None else rule.realert_every_seconds,
            "enabled": rule.enabled,
        })

    @classmethod
    def from_post(cls, post: QueryDict, rule: NotificationRule | None = None) -> "RuleForm":
        values = dict(cls.for_rule(rule).values)
        for name in ("channel_id", "bot_type", "job_id", "min_consecutive_failures", "realert_every"):
            if name in post:
                values[name] = post.get(name, "").strip()
        if post.get("scope") in SCOPES:
            values["scope"] = post.get("scope")
        present = set(post.getlist(PRESENT))
        if "events" in present or "events" in post:
            values["events"] = post.getlist("events")
        if "enabled" in present or "enabled" in post:
            values["enabled"] = "enabled" in post
        return cls(rule=rule, values=values)

    def to_data(self) -> dict[str, Any]:
        """Service input: the API's rule body; the scope radio picks which of bot_type / job_id goes."""
        scope = self.values["scope"]
        data: dict[str, Any] = {
            "channel_id": self.values["channel_id"],
            "events": list(self.values["events"]),
            # As typed (even blank) for the chosen scope, so the service names what is missing.
            "bot_type": self.values["bot_type"] if scope == "bot_type" else None,
            "job_id": self.values["job_id"] if scope == "job" else None,
            "enabled": bool(self.values["enabled"]),
        }
        raw = str(self.values["min_consecutive_failures"])
        if raw.strip():
            data["min_consecutive_failures"] = _coerce("number", raw)
        raw = str(self.values["realert_every"])
        data["realert_every"] = _coerce("number", raw) if raw.strip() else None
        return data

    @property
    def event_choices(self) -> list[tuple[str, str, bool]]:
        return [(value, Event(value).label, value in self.values["events"]) for value in RULE_EVENTS]

    @property
    def bot_types(self) -> list[tuple[str, str]]:
        return BotType.choices

    @property
    def errors_by_field(self) -> dict[str, list[str]]:
        """Each input's messages, looked up by name in the template."""
        names = (*RULE_FIELDS, "channel")
        return {name: field_errors(self.errors, name) for name in names}

    @property
    def other_errors(self) -> dict[str, list[str]]:
        return _other_errors(self.errors, {*RULE_FIELDS, "channel", "job"})
