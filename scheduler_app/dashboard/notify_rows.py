"""Notification rows as the templates show them: where a channel sends, what a rule covers, in
words, and the secret only as its hint (last 4 characters), never the stored value."""
from dataclasses import dataclass

from django.utils.translation import gettext as _

from scheduler_app.models import BotType
from scheduler_app.notify.configs import secret_hint
from scheduler_app.notify.models import ChannelKind, Event, NotificationChannel, NotificationRule


def channel_target(channel: NotificationChannel) -> str:
    """Where the channel sends: the URL, the addresses or the chat."""
    config = channel.config or {}
    if channel.kind == ChannelKind.EMAIL:
        return ", ".join(config.get("to", []))
    if channel.kind == ChannelKind.TELEGRAM:
        return _("chat %(chat)s") % {"chat": config.get("chat_id", "")}
    return config.get("url", "")


def realert_in_words(seconds: int | None) -> str:
    if seconds is None:
        return _("once per incident")
    if seconds % 86400 == 0:
        return _("every %(count)s d") % {"count": seconds // 86400}
    if seconds % 3600 == 0:
        return _("every %(count)s h") % {"count": seconds // 3600}
    return _("every %(count)s s") % {"count": seconds}


def rule_scope(rule: NotificationRule) -> str:
    """"every job", "birthday jobs" or the job's name (the rule's ``job`` is select_related)."""
    if rule.job_id:
        return _("job “%(name)s”") % {"name": rule.job.name} if rule.job is not None else _("one job")
    if rule.bot_type:
        label = BotType(rule.bot_type).label if rule.bot_type in BotType.values else rule.bot_type
        return _("%(bot_type)s jobs") % {"bot_type": label}
    return _("every job")


def event_labels(events: list[str]) -> list[str]:
    return [Event(event).label if event in Event.values else event for event in events]


@dataclass
class ChannelRow:
    channel: NotificationChannel
    target: str
    secret_hint: str | None


def channel_row(channel: NotificationChannel) -> ChannelRow:
    return ChannelRow(channel=channel, target=channel_target(channel), secret_hint=secret_hint(channel.secret))


@dataclass
class RuleRow:
    rule: NotificationRule
    scope: str
    realert: str
    active: bool


def rule_row(rule: NotificationRule) -> RuleRow:
    return RuleRow(rule=rule, scope=rule_scope(rule), realert=realert_in_words(rule.realert_every_seconds),
                   active=rule.enabled and rule.channel.enabled)
