"""Channel and rule writes: the whole row as it would be stored is validated first (pydantic,
strict, unknown keys refused; scheduler_app/notify/configs.py says what each kind and rule
accepts), so a bad field raises ``JobValidationError({path: [messages]})`` and nothing is written.

A channel's secret is write-only: left out of a change it stays as stored, ``""`` clears it
(refused where the kind needs one). A webhook created without one gets a generated signing
secret, which the caller can show once (``channel.secret`` right after the create).
"""
import secrets
from typing import Any

from django.db import transaction
from django.utils.timezone import now as utc_now

from scheduler_app.audit.actors import SYSTEM, Actor, as_actor
from scheduler_app.audit.services import Action, audit_record
from scheduler_app.models import ScheduledJob
from scheduler_app.notify.configs import (
    CHANNEL_WRITABLE,
    RULE_WRITABLE,
    ChannelFields,
    RuleFields,
    channel_fields,
    rule_fields,
)
from scheduler_app.notify.models import ChannelKind, NotificationChannel, NotificationRule
from scheduler_app.validation import JobValidationError, merge_patch


def _raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        raise JobValidationError(errors)


# --- channels -------------------------------------------------------------------------------


def _channel_validated(data: dict[str, Any]) -> tuple[ChannelFields, dict[str, Any]]:
    fields, config, errors = channel_fields(data)
    _raise_if(errors)
    return fields, config


CHANNEL_AUDITED = ("name", "kind", "config", "secret", "enabled")


def _channel_audit(channel: NotificationChannel, *, actor: Actor, action: str, before: dict | None,
                   after: dict | None) -> None:
    """The channel's event; its secret is redacted by the audit service (never stored there)."""
    audit_record(actor=actor, action=action, object_type="channel", object_id=channel.pk, label=channel.name,
                 before=before, after=after)


def _channel_view(channel: NotificationChannel) -> dict[str, Any]:
    return {name: getattr(channel, name) for name in CHANNEL_AUDITED}


def channel_create(*, data: dict[str, Any], created_by: str = "system", actor: Actor | None = None
                   ) -> NotificationChannel:
    """A new channel. A webhook given no secret gets a generated one (``channel.secret``)."""
    actor = actor or as_actor(created_by)
    fields, config = channel_validate(data=data)
    secret = fields.secret or ""
    if not secret and fields.kind == ChannelKind.WEBHOOK:
        secret = secrets.token_urlsafe(32)
    now = utc_now()
    with transaction.atomic():
        channel = NotificationChannel.objects.create(
            name=fields.name, kind=fields.kind, config=config, secret=secret, enabled=fields.enabled,
            created_at=now, updated_at=now, created_by=actor.name,
        )
        _channel_audit(channel, actor=actor, action=Action.CREATE, before=None, after=_channel_view(channel))
        return channel


def _channel_merged(channel: NotificationChannel, changes: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """``changes`` applied to the stored channel: the whole channel as it would be stored."""
    if not isinstance(changes, dict):
        raise JobValidationError({"non_field_errors": ["Expected a JSON object of channel fields."]})
    unknown = sorted(set(changes) - set(CHANNEL_WRITABLE), key=str)
    _raise_if({str(name): ["Unknown field."] for name in unknown})
    if "kind" in changes and changes["kind"] != channel.kind:
        raise JobValidationError({"kind": ["cannot be changed after the channel is created"]})
    merged = {"name": channel.name, "kind": channel.kind, "config": channel.config, "enabled": channel.enabled,
              **changes}
    if partial and isinstance(changes.get("config"), dict):
        merged["config"] = merge_patch(channel.config, changes["config"])
    if "secret" not in changes:
        merged["secret"] = channel.secret or None
    return merged


def channel_validate(*, data: dict[str, Any], channel: NotificationChannel | None = None,
                     partial: bool = True) -> tuple[ChannelFields, dict[str, Any]]:
    """``data`` checked as a new channel, or as a change of ``channel`` (merged as
    ``channel_update`` merges it), without writing: its fields and its config as stored. Raises
    ``JobValidationError``. The one check for the API, the dashboard and the admin alike."""
    if channel is None:
        return _channel_validated(data)
    return _channel_validated(_channel_merged(channel, data, partial=partial))


def channel_update(*, channel: NotificationChannel, changes: dict[str, Any], partial: bool = True,
                   actor: Actor | str = SYSTEM) -> NotificationChannel:
    """Change the fields given. ``partial`` (PATCH): a given ``config`` is merged into the stored
    one (JSON merge patch, ``null`` removes a key); otherwise (PUT) it replaces it. ``secret``
    left out keeps the stored one; ``""`` or ``null`` clears it. Enabling clears
    ``disabled_reason`` (the reason a failed delivery disabled it)."""
    with transaction.atomic():
        channel = NotificationChannel.objects.select_for_update().get(pk=channel.pk)
        fields, config = channel_validate(data=changes, channel=channel, partial=partial)
        before = _channel_view(channel)
        channel.name, channel.config, channel.secret = fields.name, config, fields.secret or ""
        channel.enabled = fields.enabled
        if fields.enabled:
            channel.disabled_reason = None
        channel.updated_at = utc_now()
        channel.save()
        _channel_audit(channel, actor=as_actor(actor), action=Action.UPDATE, before=before,
                       after=_channel_view(channel))
        return channel


def channel_delete(*, channel: NotificationChannel, actor: Actor | str = SYSTEM) -> None:
    """The channel, its rules and its deliveries (the foreign keys cascade)."""
    with transaction.atomic():
        _channel_audit(channel, actor=as_actor(actor), action=Action.DELETE, before=_channel_view(channel),
                       after=None)
        NotificationChannel.objects.filter(pk=channel.pk).delete()


# --- rules ----------------------------------------------------------------------------------


def _rule_validated(data: dict[str, Any]) -> RuleFields:
    fields, errors = rule_fields(data)
    if fields is not None:
        if not NotificationChannel.objects.filter(pk=fields.channel_id).exists():
            errors.setdefault("channel_id", []).append("no notification channel has this id")
        if fields.job_id is not None and not ScheduledJob.objects.filter(pk=fields.job_id).exists():
            errors.setdefault("job_id", []).append("no job has this id")
    _raise_if(errors)
    return fields


def _rule_columns(fields: RuleFields) -> dict[str, Any]:
    return {
        "channel_id": fields.channel_id, "events": list(fields.events), "job_id": fields.job_id,
        "bot_type": fields.bot_type, "min_consecutive_failures": fields.min_consecutive_failures,
        "realert_every_seconds": fields.realert_every, "enabled": fields.enabled,
    }


def _rule_audit(rule: NotificationRule, *, actor: Actor, action: str, before: dict | None,
                after: dict | None) -> None:
    audit_record(actor=actor, action=action, object_type="rule", object_id=rule.pk,
                 label=f"{', '.join(rule.events)} -> {rule.channel_id}", job_id=rule.job_id, before=before,
                 after=after)


def rule_create(*, data: dict[str, Any], actor: Actor | str = SYSTEM) -> NotificationRule:
    fields = rule_validate(data=data)
    now = utc_now()
    with transaction.atomic():
        rule = NotificationRule.objects.create(**_rule_columns(fields), created_at=now, updated_at=now)
        _rule_audit(rule, actor=as_actor(actor), action=Action.CREATE, before=None, after=_rule_current(rule))
        return rule


def _rule_current(rule: NotificationRule) -> dict[str, Any]:
    """A stored rule as its writable fields (what a change is merged into)."""
    return {
        "channel_id": str(rule.channel_id), "events": list(rule.events),
        "job_id": str(rule.job_id) if rule.job_id else None, "bot_type": rule.bot_type,
        "min_consecutive_failures": rule.min_consecutive_failures, "realert_every": rule.realert_every_seconds,
        "enabled": rule.enabled,
    }


def rule_validate(*, data: dict[str, Any], rule: NotificationRule | None = None) -> RuleFields:
    """``data`` checked as a new rule, or as a change of ``rule`` (validated whole), without
    writing. Raises ``JobValidationError``; the one check for the API, the dashboard and the admin."""
    if rule is None:
        return _rule_validated(data)
    if not isinstance(data, dict):
        raise JobValidationError({"non_field_errors": ["Expected a JSON object of rule fields."]})
    unknown = sorted(set(data) - set(RULE_WRITABLE), key=str)
    _raise_if({str(name): ["Unknown field."] for name in unknown})
    return _rule_validated({**_rule_current(rule), **data})


def rule_update(*, rule: NotificationRule, changes: dict[str, Any], actor: Actor | str = SYSTEM
                ) -> NotificationRule:
    """Change the fields given; the rule as it would be stored is validated whole (so moving a
    rule from one bot type to one job means sending ``bot_type: null`` with the ``job_id``)."""
    with transaction.atomic():
        rule = NotificationRule.objects.select_for_update().get(pk=rule.pk)
        fields = rule_validate(data=changes, rule=rule)
        before = _rule_current(rule)
        for name, value in _rule_columns(fields).items():
            setattr(rule, name, value)
        rule.updated_at = utc_now()
        rule.save()
        _rule_audit(rule, actor=as_actor(actor), action=Action.UPDATE, before=before, after=_rule_current(rule))
        return rule


def rule_delete(*, rule: NotificationRule, actor: Actor | str = SYSTEM) -> None:
    with transaction.atomic():
        _rule_audit(rule, actor=as_actor(actor), action=Action.DELETE, before=_rule_current(rule), after=None)
        NotificationRule.objects.filter(pk=rule.pk).delete()
