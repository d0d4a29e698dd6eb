"""Notification endpoints: channels, rules, a channel's test send, and the deliveries, one API
class per operation (nested Input/OutputSerializer), as in scheduler_app/api/jobs.py.

Request bodies are documented by the DRF fields and validated by the services
(scheduler_app/notify/services/channels.py), so the API, the dashboard and the admin share one
set of rules and one error shape. A channel's ``secret`` is write-only: answers show only
``secret_hint``, except the create answer of a webhook given no secret, which shows the
generated one once in ``secret``.
"""
import uuid

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from scheduler_app.api.auth import api_actor
from scheduler_app.api.base import SchedulerApi
from scheduler_app.api.jobs import plain_list
from scheduler_app.api.schema import configs_any_of
from scheduler_app.api.serializers import optional
from scheduler_app.models import BotType
from scheduler_app.notify.configs import (
    CHANNEL_CONFIGS,
    MIN_FAILURES_MAX,
    REALERT_MIN_SECONDS,
    RULE_EVENTS,
    SECRET_MAX_LENGTH,
    secret_hint,
)
from scheduler_app.notify.models import ChannelKind, DeliveryStatus, Event
from scheduler_app.notify.selectors import channel_get, channel_list, delivery_list, rule_get, rule_list
from scheduler_app.notify.services.channels import (
    channel_create,
    channel_delete,
    channel_update,
    rule_create,
    rule_delete,
    rule_update,
)
from scheduler_app.notify.services.deliveries import delivery_send_test

TAGS = ["notifications"]
CHANNEL_CONFIG_SCHEMA = configs_any_of(CHANNEL_CONFIGS, "kind", "config")


def _get_or_404(getter, key: str, value: str, what: str):
    """Malformed ids are ids no row has: 404, like a well-formed unknown one."""
    try:
        parsed = uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        parsed = None
    row = getter(**{key: parsed}) if parsed else None
    if row is None:
        raise NotFound(f"{what} {value} not found.")
    return row


def get_channel_or_404(channel_id: str):
    return _get_or_404(channel_get, "channel_id", channel_id, "Notification channel")


def get_rule_or_404(rule_id: str):
    return _get_or_404(rule_get, "rule_id", rule_id, "Notification rule")


@extend_schema_field(CHANNEL_CONFIG_SCHEMA)
class ChannelConfigField(serializers.JSONField):
    pass


class BodySerializer(serializers.Serializer):
    """A JSON object. Unknown keys, wrong types and out-of-range values are refused with a 400
    naming each field."""

    # The fields document the body (OpenAPI); the body goes to the service untouched, which
    # validates it (so every client gets one set of rules and the services' error paths).

    def run_validation(self, data=serializers.empty):
        if data is serializers.empty or data is None:
            data = {}
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Expected a JSON object."]})
        return dict(data)


# --- channels -------------------------------------------------------------------------------


class ChannelBodySerializer(BodySerializer):
    name = serializers.CharField(min_length=1, max_length=200)
    kind = serializers.ChoiceField(choices=ChannelKind.choices, help_text="Immutable after create.")
    config = ChannelConfigField(required=False, default=dict)
    secret = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, write_only=True, max_length=SECRET_MAX_LENGTH,
        help_text="Write-only: webhook signing secret, Telegram bot token (required), ntfy access token or SMTP "
                  "password. Answers show only secret_hint. A webhook created without one gets a generated "
                  "secret, shown once in the create answer. Left out of an update it is kept; \"\" clears it.")
    enabled = serializers.BooleanField(required=False, default=True,
                                       help_text="Enabling a channel clears its disabled_reason.")


class ChannelOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=ChannelKind.choices)
    config = ChannelConfigField()
    secret_hint = serializers.SerializerMethodField(help_text="The secret's last 4 characters, or null.")
    enabled = serializers.BooleanField()
    disabled_reason = serializers.CharField(allow_null=True,
                                            help_text="Why a permanent delivery failure disabled the channel.")
    last_notified_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    created_by = serializers.CharField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_secret_hint(self, channel) -> str | None:
        return secret_hint(channel.secret)


class ChannelListApi(SchedulerApi):
    OutputSerializer = ChannelOutputSerializer

    @extend_schema(tags=TAGS, responses={200: ChannelOutputSerializer(many=True)})
    def get(self, request):
        return Response(plain_list(ChannelListApi.OutputSerializer, channel_list()))


class ChannelCreateApi(SchedulerApi):
    class InputSerializer(ChannelBodySerializer):
        pass

    class OutputSerializer(ChannelOutputSerializer):
        secret = serializers.CharField(
            allow_null=True,
            help_text="The generated webhook signing secret, shown this once; null when the request gave one.")

    @extend_schema(tags=TAGS, request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request):
        body = ChannelCreateApi.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        channel = channel_create(data=body.validated_data, actor=api_actor(request))
        answer = ChannelCreateApi.OutputSerializer(channel).data
        # A stored secret the request did not give is the one the service generated.
        answer["secret"] = channel.secret if channel.secret and not body.validated_data.get("secret") else None
        return Response(answer, status=status.HTTP_201_CREATED)


class ChannelDetailApi(SchedulerApi):
    OutputSerializer = ChannelOutputSerializer

    @extend_schema(tags=TAGS, responses={200: ChannelOutputSerializer})
    def get(self, request, channel_id: str):
        return Response(ChannelDetailApi.OutputSerializer(get_channel_or_404(channel_id)).data)


class ChannelUpdateApi(SchedulerApi):
    class InputSerializer(ChannelBodySerializer):
        def get_fields(self):
            return optional(super().get_fields())

    OutputSerializer = ChannelOutputSerializer

    def _update(self, request, channel_id: str, *, partial: bool):
        channel = get_channel_or_404(channel_id)
        body = ChannelUpdateApi.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        channel = channel_update(channel=channel, changes=body.validated_data, partial=partial,
                                 actor=api_actor(request))
        return Response(ChannelUpdateApi.OutputSerializer(channel).data)

    @extend_schema(tags=TAGS, request=InputSerializer, responses={200: ChannelOutputSerializer},
                   description="Changes the fields given; a config given replaces the stored one.")
    def put(self, request, channel_id: str):
        return ChannelUpdateApi._update(self, request, channel_id, partial=False)

    @extend_schema(tags=TAGS, request=InputSerializer, responses={200: ChannelOutputSerializer},
                   description="Changes the fields given; a config given is merged into the stored one "
                               "(JSON merge patch: keys given replace, null removes a key back to its default).")
    def patch(self, request, channel_id: str):
        return ChannelUpdateApi._update(self, request, channel_id, partial=True)


class ChannelDeleteApi(SchedulerApi):
    @extend_schema(tags=TAGS, responses={204: None}, description="Deletes the channel with its rules and deliveries.")
    def delete(self, request, channel_id: str):
        channel_delete(channel=get_channel_or_404(channel_id), actor=api_actor(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ChannelsApi(ChannelListApi, ChannelCreateApi):
    """``/notification-channels``: list (GET) and create (POST)."""


class ChannelApi(ChannelDetailApi, ChannelUpdateApi, ChannelDeleteApi):
    """``/notification-channels/{id}``: read, update, delete."""


# --- deliveries -----------------------------------------------------------------------------


class DeliveryOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="Also the X-Scheduler-Delivery header a receiver deduplicates on.")
    channel_id = serializers.UUIDField()
    channel_name = serializers.CharField(source="channel.name")
    rule_id = serializers.UUIDField(allow_null=True)
    event = serializers.ChoiceField(choices=Event.choices)
    job_id = serializers.UUIDField(allow_null=True)
    execution_id = serializers.UUIDField(allow_null=True)
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    attempts = serializers.IntegerField()
    http_status = serializers.IntegerField(allow_null=True)
    error = serializers.CharField(allow_null=True)
    payload = serializers.JSONField()
    attempt_log = serializers.JSONField()
    created_at = serializers.DateTimeField()
    next_attempt_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


class ChannelTestApi(SchedulerApi):
    """Send a ``test`` event to the channel now (a disabled one too) and answer with the delivery
    as it stands after its first attempt."""

    OutputSerializer = DeliveryOutputSerializer

    @extend_schema(tags=TAGS, request=None, responses={200: DeliveryOutputSerializer})
    def post(self, request, channel_id: str):
        delivery = delivery_send_test(channel=get_channel_or_404(channel_id))
        return Response(ChannelTestApi.OutputSerializer(delivery).data)


class DeliveryListApi(SchedulerApi):
    """Newest first."""

    class FilterSerializer(serializers.Serializer):
        job_id = serializers.UUIDField(required=False)
        status = serializers.ChoiceField(choices=DeliveryStatus.choices, required=False)
        channel_id = serializers.UUIDField(required=False)
        limit = serializers.IntegerField(min_value=1, max_value=200, required=False, default=50)

    OutputSerializer = DeliveryOutputSerializer

    @extend_schema(tags=TAGS, parameters=[FilterSerializer], responses={200: DeliveryOutputSerializer(many=True)})
    def get(self, request):
        filters = DeliveryListApi.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        deliveries = delivery_list(**filters.validated_data)
        return Response(plain_list(DeliveryListApi.OutputSerializer, deliveries))


# --- rules ----------------------------------------------------------------------------------


class RuleBodySerializer(BodySerializer):
    channel_id = serializers.UUIDField()
    events = serializers.ListField(child=serializers.ChoiceField(choices=list(RULE_EVENTS)), min_length=1)
    job_id = serializers.UUIDField(required=False, allow_null=True, default=None,
                                   help_text="Only this job. Give job_id or bot_type or neither (every job).")
    # BotType.values, as the job's own bot_type field has them: one BotTypeEnum in the document.
    bot_type = serializers.ChoiceField(choices=BotType.values, required=False, allow_null=True, default=None,
                                       help_text="Only jobs of this bot type.")
    min_consecutive_failures = serializers.IntegerField(
        min_value=1, max_value=MIN_FAILURES_MAX, required=False, default=1,
        help_text="The final failure in a row that opens an incident.")
    realert_every = serializers.IntegerField(
        min_value=REALERT_MIN_SECONDS, required=False, allow_null=True, default=None,
        help_text="Seconds between re-alerts of an open incident; null: once per incident.")
    enabled = serializers.BooleanField(required=False, default=True)


class RuleOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    channel_id = serializers.UUIDField()
    channel_name = serializers.CharField(source="channel.name")
    events = serializers.ListField(child=serializers.ChoiceField(choices=list(RULE_EVENTS)))
    job_id = serializers.UUIDField(allow_null=True)
    bot_type = serializers.ChoiceField(choices=BotType.values, allow_null=True)
    min_consecutive_failures = serializers.IntegerField()
    realert_every = serializers.IntegerField(source="realert_every_seconds", allow_null=True)
    enabled = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class RuleListApi(SchedulerApi):
    """Oldest first; ``job_id`` keeps the rules scoped to that one job."""

    class FilterSerializer(serializers.Serializer):
        channel_id = serializers.UUIDField(required=False)
        job_id = serializers.UUIDField(required=False)

    OutputSerializer = RuleOutputSerializer

    @extend_schema(tags=TAGS, parameters=[FilterSerializer], responses={200: RuleOutputSerializer(many=True)})
    def get(self, request):
        filters = RuleListApi.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        return Response(plain_list(RuleListApi.OutputSerializer, rule_list(**filters.validated_data)))


class RuleCreateApi(SchedulerApi):
    class InputSerializer(RuleBodySerializer):
        pass

    OutputSerializer = RuleOutputSerializer

    @extend_schema(tags=TAGS, request=InputSerializer, responses={201: RuleOutputSerializer})
    def post(self, request):
        body = RuleCreateApi.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rule = rule_create(data=body.validated_data, actor=api_actor(request))
        return Response(RuleCreateApi.OutputSerializer(rule).data, status=status.HTTP_201_CREATED)


class RuleDetailApi(SchedulerApi):
    OutputSerializer = RuleOutputSerializer

    @extend_schema(tags=TAGS, responses={200: RuleOutputSerializer})
    def get(self, request, rule_id: str):
        return Response(RuleDetailApi.OutputSerializer(get_rule_or_404(rule_id)).data)


class RuleUpdateApi(SchedulerApi):
    """PUT and PATCH both change the fields given; the rule as it would be stored is validated
    whole (moving a bot-type rule to one job means sending ``bot_type: null`` with the job_id)."""

    class InputSerializer(RuleBodySerializer):
        def get_fields(self):
            return optional(super().get_fields())

    OutputSerializer = RuleOutputSerializer

    def _update(self, request, rule_id: str):
        rule = get_rule_or_404(rule_id)
        body = RuleUpdateApi.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rule = rule_update(rule=rule, changes=body.validated_data, actor=api_actor(request))
        return Response(RuleUpdateApi.OutputSerializer(rule).data)

    @extend_schema(tags=TAGS, request=InputSerializer, responses={200: RuleOutputSerializer},
                   description="Changes the fields given.")
    def put(self, request, rule_id: str):
        return RuleUpdateApi._update(self, request, rule_id)

    @extend_schema(tags=TAGS, request=InputSerializer, responses={200: RuleOutputSerializer},
                   description="Changes the fields given.")
    def patch(self, request, rule_id: str):
        return RuleUpdateApi._update(self, request, rule_id)


class RuleDeleteApi(SchedulerApi):
    @extend_schema(tags=TAGS, responses={204: None})
    def delete(self, request, rule_id: str):
        rule_delete(rule=get_rule_or_404(rule_id), actor=api_actor(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class RulesApi(RuleListApi, RuleCreateApi):
    """``/notification-rules``: list (GET) and create (POST)."""


class RuleApi(RuleDetailApi, RuleUpdateApi, RuleDeleteApi):
    """``/notification-rules/{id}``: read, update, delete."""
