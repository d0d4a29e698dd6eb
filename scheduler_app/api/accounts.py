"""LinkedIn account endpoints: one API class per operation (nested Input/OutputSerializer), as in
scheduler_app/api/jobs.py and scheduler_app/notify/api.py.

Bodies are documented by the DRF fields and validated by the bots' account services
(bots/services/accounts.py, through ``bots.accounts``), so the API, the dashboard, the admin and
the CLI share one set of rules and one error shape: a 400 naming each bad field, nothing stored.

The session is write-only: no answer carries it, only ``has_session`` and its dates. It is
written by ``PUT /accounts/{id}/session`` (or given once at creation), validated (a Playwright
storage state holding LinkedIn's ``li_at`` cookie), stored encrypted, then checked on LinkedIn's
feed by the ``probe_account`` task, which lifts the account's needs_reauth pauses when it loads.
"""
import json
import uuid

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from bots.accounts import AccountStatus, account_update
from scheduler_app.accounts.selectors import (
    AccountOverview,
    account_overview,
    account_overview_get,
    account_overview_list,
)
from scheduler_app.accounts.services import account_add, account_remove, account_session_upload
from scheduler_app.api.auth import api_actor
from scheduler_app.api.base import SchedulerApi
from scheduler_app.api.exceptions import RequestTooLarge
from scheduler_app.api.jobs import DETAIL_SCHEMA
from scheduler_app.api.parsers import LimitedJSONParser, max_body_bytes
from scheduler_app.api.serializers import optional

TAGS = ["accounts"]
STORAGE_STATE_SCHEMA = {
    "type": "object",
    "description": "A Playwright storage state (what `context.storage_state()` or `manage.py linkedin_login` "
                   "saves): a `cookies` list holding LinkedIn's `li_at` cookie, and `origins`. Write-only.",
    "properties": {
        "cookies": {"type": "array", "items": {"type": "object", "properties": {
            "name": {"type": "string"}, "value": {"type": "string"}, "domain": {"type": "string"},
            "path": {"type": "string"}, "expires": {"type": "number"},
        }, "required": ["name", "value", "domain"]}},
        "origins": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["cookies"],
}


def get_account_or_404(account_id: str) -> AccountOverview:
    """Malformed ids are ids no account has: 404, like a well-formed unknown one."""
    try:
        parsed = uuid.UUID(account_id)
    except (ValueError, TypeError, AttributeError):
        parsed = None
    overview = account_overview_get(account_id=parsed) if parsed else None
    if overview is None:
        raise NotFound(_("Account %(id)s not found.") % {"id": account_id})
    return overview


@extend_schema_field(STORAGE_STATE_SCHEMA)
class StorageStateField(serializers.JSONField):
    pass


class AccountBodySerializer(serializers.Serializer):
    """An account's settings, documented; the body goes to the service untouched, which refuses
    unknown keys, wrong types and out-of-range values naming each field."""

    label = serializers.CharField(max_length=100, help_text="Unique; jobs may name their account by it.")
    timezone = serializers.CharField(required=False, allow_blank=True,
                                     help_text="IANA zone its working hours are read in; empty: each job's own.")
    working_hours = serializers.CharField(required=False, allow_blank=True,
                                          help_text="'09:00-19:00' (may span midnight); empty: BOT_WORKING_HOURS.")
    messages_per_day = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=10_000,
                                                help_text="Once warmed up; null: BOT_MESSAGES_PER_DAY.")
    messages_per_week = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=10_000,
                                                 help_text="null: BOT_MESSAGES_PER_WEEK.")
    visits_per_day = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=10_000,
                                              help_text="Once warmed up; null: BOT_VISITS_PER_DAY.")
    cooldown_hours = serializers.IntegerField(required=False, min_value=1, max_value=168,
                                              help_text="How long it rests after LinkedIn's limit banner (default 24).")
    message_language = serializers.CharField(
        required=False, allow_blank=True,
        help_text="BCP-47 tag its contacts are written in when neither the contact nor the job names one; "
                  "empty: fr.")

    def run_validation(self, data=serializers.empty):
        if data is serializers.empty or data is None:
            data = {}
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": [_("Expected a JSON object.")]})
        return dict(data)


class AllowanceSerializer(serializers.Serializer):
    used = serializers.IntegerField(help_text="Counted in the current period (sent, or in flight).")
    allowed = serializers.IntegerField(help_text="The cap that binds now (warm-up applied).")
    resets_at = serializers.DateTimeField(help_text="When the period ends (TIME_ZONE midnight, or Monday).")
    quota = serializers.CharField(help_text="The quota in words, e.g. 'daily quota of 5 messages (warm-up week 2)'.")


class AccountAllowancesSerializer(serializers.Serializer):
    messages = AllowanceSerializer(help_text="The tighter of the daily (warm-up applied) and weekly quotas.")
    visits = AllowanceSerializer()


class AccountOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    label = serializers.CharField()
    status = serializers.ChoiceField(choices=AccountStatus.choices,
                                     help_text="As a run meets it: a cool-down whose time is over is active.")
    status_reason = serializers.CharField(help_text="What LinkedIn (or the probe) said; empty when active.")
    cooldown_until = serializers.DateTimeField(allow_null=True)
    last_ok_at = serializers.DateTimeField(allow_null=True, help_text="Last time a run or a probe found it logged in.")
    has_session = serializers.BooleanField(help_text="A session is saved (the session itself is never shown).")
    session_saved_at = serializers.DateTimeField(allow_null=True)
    li_at_expires_at = serializers.DateTimeField(allow_null=True, help_text="When LinkedIn's li_at cookie expires.")
    warmup = serializers.IntegerField(allow_null=True, help_text="Warm-up week (1, 2, ...) while it lasts, else null.")
    allowance = AccountAllowancesSerializer(help_text="Today's allowances.")
    jobs = serializers.IntegerField(help_text="How many jobs act on this account.")
    busy = serializers.BooleanField(help_text="A run (or a probe) drives its browser now.")
    timezone = serializers.CharField()
    working_hours = serializers.CharField()
    messages_per_day = serializers.IntegerField(allow_null=True)
    messages_per_week = serializers.IntegerField(allow_null=True)
    visits_per_day = serializers.IntegerField(allow_null=True)
    cooldown_hours = serializers.IntegerField()
    message_language = serializers.CharField(help_text="Empty: fr (unless the contact or the job names one).")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def to_representation(self, overview: AccountOverview) -> dict:
        account = overview.account

        def local(moment):
            return timezone.localtime(moment) if moment is not None else None

        def allowance(found) -> dict:
            return {"used": found.used, "allowed": found.cap, "resets_at": local(found.resets_at),
                    "quota": found.name}

        return {
            "id": str(account.pk),
            "label": account.label,
            "status": overview.status,
            "status_reason": account.status_reason if overview.status != AccountStatus.ACTIVE else "",
            "cooldown_until": local(account.cooldown_until) if overview.status == AccountStatus.COOLING_DOWN
            else None,
            "last_ok_at": local(account.last_ok_at),
            "has_session": overview.has_session,
            "session_saved_at": local(account.session_saved_at),
            "li_at_expires_at": local(account.li_at_expires_at),
            "warmup": overview.warmup_week,
            "allowance": {"messages": allowance(overview.messages), "visits": allowance(overview.visits)},
            "jobs": overview.jobs,
            "busy": overview.busy,
            "timezone": account.timezone,
            "working_hours": account.working_hours,
            "messages_per_day": account.messages_per_day,
            "messages_per_week": account.messages_per_week,
            "visits_per_day": account.visits_per_day,
            "cooldown_hours": account.cooldown_hours,
            "message_language": account.message_language,
            "created_at": local(account.created_at),
            "updated_at": local(account.updated_at),
        }


class ProbedAccountSerializer(AccountOutputSerializer):
    probe = serializers.ChoiceField(
        choices=["queued", "not_queued"], allow_null=True,
        help_text="The check of the new session on LinkedIn's feed: queued (its outcome shows in status), "
                  "not_queued (the broker refused it; save the session again), null (no session given).")


def _answer(overview: AccountOverview, *, probe: str | None = None, code: int = status.HTTP_200_OK,
            probed: bool = False) -> Response:
    data = AccountOutputSerializer(overview).data
    if probed:
        data = {**data, "probe": probe}
    return Response(data, status=code)


class AccountListApi(SchedulerApi):
    OutputSerializer = AccountOutputSerializer

    @extend_schema(tags=TAGS, responses={200: AccountOutputSerializer(many=True)})
    def get(self, request):
        return Response([AccountListApi.OutputSerializer(overview).data for overview in account_overview_list()])


class AccountCreateApi(SchedulerApi):
    class InputSerializer(AccountBodySerializer):
        storage_state = StorageStateField(required=False, allow_null=True, write_only=True,
                                          help_text="Optional: its session now (else it starts needs_reauth).")

    @extend_schema(tags=TAGS, request=InputSerializer, responses={201: ProbedAccountSerializer},
                   description="A new account; without a storage_state it is needs_reauth until a session is saved. "
                               "Its warm-up starts now. With a storage_state, its probe is queued.")
    def post(self, request):
        body = AccountCreateApi.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        account, probe = account_add(data=body.validated_data, actor=api_actor(request))
        return _answer(account_overview(account), probe=probe, code=status.HTTP_201_CREATED, probed=True)


class AccountDetailApi(SchedulerApi):
    OutputSerializer = AccountOutputSerializer

    @extend_schema(tags=TAGS, responses={200: AccountOutputSerializer})
    def get(self, request, account_id: str):
        return Response(AccountDetailApi.OutputSerializer(get_account_or_404(account_id)).data)


class AccountUpdateApi(SchedulerApi):
    class InputSerializer(AccountBodySerializer):
        def get_fields(self):
            return optional(super().get_fields())

    @extend_schema(tags=TAGS, request=InputSerializer, responses={200: AccountOutputSerializer},
                   description="Changes the settings given. The session is written by PUT /accounts/{id}/session only.")
    def patch(self, request, account_id: str):
        overview = get_account_or_404(account_id)
        body = AccountUpdateApi.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        account_update(account=overview.account, changes=body.validated_data, actor=api_actor(request))
        return _answer(get_account_or_404(account_id))


class AccountDeleteApi(SchedulerApi):
    @extend_schema(tags=TAGS, responses={204: None, 409: DETAIL_SCHEMA},
                   description="409 while jobs act on it (named in detail) or it has a history of messages and "
                               "visits (kept so no one is wished twice).")
    def delete(self, request, account_id: str):
        account_remove(account=get_account_or_404(account_id).account, actor=api_actor(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class StorageStateParser(LimitedJSONParser):
    """The body as bytes (SCHEDULER_API_MAX_BODY_BYTES at most), parsed by the view: a body that
    is not JSON is a 400 on ``storage_state`` like any other bad session, not a parse error."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        limit = max_body_bytes()
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit or (request is not None and int(request.META.get("CONTENT_LENGTH") or 0) > limit):
            raise RequestTooLarge(_("Request body is larger than %(limit)s bytes.") % {"limit": limit})
        return raw


def storage_state_of(raw: bytes):
    """The storage state a session body carries: the body itself, or its ``storage_state``
    member. What is not JSON goes on as bytes, for the service to refuse on ``storage_state``."""
    if not isinstance(raw, bytes):  # no body at all: DRF's empty data
        return raw
    try:
        body = json.loads(raw.decode(settings.DEFAULT_CHARSET))
    except ValueError:  # UnicodeDecodeError is one
        return raw
    if isinstance(body, dict) and "storage_state" in body and "cookies" not in body:
        unknown = sorted(set(body) - {"storage_state"}, key=str)
        if unknown:
            raise serializers.ValidationError({name: [_("Unknown field.")] for name in unknown})
        return body["storage_state"]
    return body


class AccountSessionApi(SchedulerApi):
    parser_classes = [StorageStateParser]

    @extend_schema(
        tags=TAGS,
        request={"application/json": {"oneOf": [
            STORAGE_STATE_SCHEMA,
            {"type": "object", "properties": {"storage_state": STORAGE_STATE_SCHEMA}, "required": ["storage_state"]},
        ]}},
        responses={202: ProbedAccountSerializer},
        description="Save a new session (the storage state as the body, or as its storage_state member): validated "
                    "(400 on storage_state, nothing stored), stored encrypted, then checked on LinkedIn's feed by a "
                    "queued probe; when the feed loads, the account is active again and its needs_reauth pauses "
                    "lift. 202: follow the outcome in status / last_ok_at.",
    )
    def put(self, request, account_id: str):
        overview = get_account_or_404(account_id)
        probe = account_session_upload(account=overview.account, storage_state=storage_state_of(request.data),
                                       actor=api_actor(request))
        return _answer(get_account_or_404(account_id), probe=probe, code=status.HTTP_202_ACCEPTED, probed=True)


class AccountsApi(AccountListApi, AccountCreateApi):
    """``/accounts``: list (GET) and create (POST)."""


class AccountApi(AccountDetailApi, AccountUpdateApi, AccountDeleteApi):
    """``/accounts/{id}``: read, change, delete."""
