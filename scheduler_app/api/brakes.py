"""Pause, resume and blackout endpoints: thin views over scheduler_app.brakes.services.

Bodies are strict JSON objects (unknown keys → 400); ``until`` is an ISO 8601 date-time with an
offset or null. Field errors come back as the API's usual 400 naming each field, and nothing is
stored.
"""
import uuid
from datetime import datetime

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from scheduler_app.accounts.selectors import account_by_ref
from scheduler_app.api.auth import api_actor
from scheduler_app.api.base import SchedulerApi
from scheduler_app.api.jobs import JobOutputSerializer, get_job_or_404, plain_list, strict_body
from scheduler_app.api.serializers import StrictBooleanField
from scheduler_app.brakes.models import Blackout, BlackoutScope
from scheduler_app.brakes.selectors import blackout_get, blackout_list
from scheduler_app.brakes.services import (
    NOTE_MAX,
    blackout_create,
    blackout_delete,
    blackout_update,
    job_pause,
    job_resume,
    jobs_pause,
    jobs_resume,
)
from scheduler_app.models import BotType
from scheduler_app.selectors import job_list

TAGS = ["pauses and blackouts"]


@extend_schema_field({"type": "string", "format": "date-time", "nullable": True})
class UntilField(serializers.Field):
    """An ISO 8601 date-time with an offset, or null (until resumed)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError("must be an ISO 8601 date-time string with an offset, or null")
        try:
            value = datetime.fromisoformat(data.strip())
        except ValueError:
            raise serializers.ValidationError("not an ISO 8601 date-time, e.g. 2026-12-27T08:00:00+01:00") from None
        if value.tzinfo is None:
            raise serializers.ValidationError("needs an offset (e.g. +01:00 or Z)")
        return value

    def to_representation(self, value):
        return value.isoformat()


class PauseBodySerializer(serializers.Serializer):
    until = UntilField(required=False, allow_null=True, default=None,
                       help_text="ISO 8601 with offset; null or absent: until resumed.")
    note = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_MAX, default="",
                                 trim_whitespace=False)


class ResumeBodySerializer(serializers.Serializer):
    include_system = StrictBooleanField(required=False, default=False,
                                        help_text="Also lift the system's pauses (checkpoint, cool-down...).")
    note = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_MAX, default="",
                                 help_text="Why; kept on the audit event.")


class BulkFilterMixin(serializers.Serializer):
    bot_type = serializers.ChoiceField(choices=list(BotType.values), required=False,
                                       help_text="Only the jobs of this bot type; absent: every job.")
    account = serializers.CharField(required=False, max_length=100,
                                    help_text="Only the jobs of this LinkedIn account (id or label); absent: every "
                                              "account's. An unknown one is a 400, never every job.")


class BulkPauseSerializer(BulkFilterMixin, PauseBodySerializer):
    pass


class BulkResumeSerializer(BulkFilterMixin, ResumeBodySerializer):
    pass


class BulkAnswerSerializer(serializers.Serializer):
    jobs = serializers.IntegerField(help_text="Jobs paused, or pauses lifted.")


def _bulk_jobs(body: dict):
    ref = body.get("account")
    account = account_by_ref(ref) if ref is not None else None
    if ref is not None and account is None:
        raise serializers.ValidationError({"account": [f"no LinkedIn account has the id or label {ref!r}"]})
    return job_list(bot_type=body.get("bot_type"), account_id=account.pk if account else None)


class JobPauseApi(SchedulerApi):
    """Pause one job for its user (``enabled`` is left alone). Pausing again replaces the note
    and until."""

    @extend_schema(tags=TAGS, operation_id="job_pause", request=PauseBodySerializer,
                   responses={200: JobOutputSerializer})
    def post(self, request, job_id: str):
        job = get_job_or_404(job_id)
        body = strict_body(PauseBodySerializer, request.data)
        job_pause(job=job, until=body.get("until"), note=body.get("note", ""), actor=api_actor(request))
        return Response(JobOutputSerializer(job).data)


class JobResumeApi(SchedulerApi):
    """Lift the user's pause; the slots it covered stay skipped (no backlog is sent)."""

    @extend_schema(tags=TAGS, operation_id="job_resume", request=ResumeBodySerializer,
                   responses={200: JobOutputSerializer})
    def post(self, request, job_id: str):
        job = get_job_or_404(job_id)
        body = strict_body(ResumeBodySerializer, request.data)
        job_resume(job=job, actor=api_actor(request, note=body.get("note")),
                   include_system=body.get("include_system", False))
        return Response(JobOutputSerializer(job).data)


class JobsPauseApi(SchedulerApi):
    """The holiday button: pause every job, or every job of a bot type."""

    @extend_schema(tags=TAGS, operation_id="jobs_pause_bulk", request=BulkPauseSerializer,
                   responses={200: BulkAnswerSerializer})
    def post(self, request):
        body = strict_body(BulkPauseSerializer, request.data)
        count = jobs_pause(jobs=_bulk_jobs(body), until=body.get("until"), note=body.get("note", ""),
                           actor=api_actor(request))
        return Response({"jobs": count})


class JobsResumeApi(SchedulerApi):
    @extend_schema(tags=TAGS, operation_id="jobs_resume_bulk", request=BulkResumeSerializer,
                   responses={200: BulkAnswerSerializer})
    def post(self, request):
        body = strict_body(BulkResumeSerializer, request.data)
        count = jobs_resume(jobs=_bulk_jobs(body), actor=api_actor(request, note=body.get("note")),
                            include_system=body.get("include_system", False))
        return Response({"jobs": count})


class BlackoutSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(max_length=200)
    start_date = serializers.DateField(required=False, allow_null=True, help_text="Local date the window starts.")
    start_time = serializers.TimeField(required=False, allow_null=True, help_text="Local time; default 00:00.")
    end_date = serializers.DateField(required=False, allow_null=True, help_text="Local date the window ends.")
    end_time = serializers.TimeField(required=False, allow_null=True,
                                     help_text="Local time, exclusive; default 00:00.")
    yearly = StrictBooleanField(required=False, help_text="Every year on these dates (may wrap the year end).")
    country = serializers.CharField(required=False, allow_blank=True, max_length=8,
                                    help_text="ISO country code: its public holidays are blacked out too.")
    scope = serializers.ChoiceField(choices=BlackoutScope.choices, required=False)
    bot_type = serializers.ChoiceField(choices=list(BotType.values), required=False, allow_blank=True)
    account = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=100,
                                    help_text="The LinkedIn account (id or label), with scope account; answered as "
                                              "its id.")
    jobs = serializers.ListField(child=serializers.UUIDField(), required=False,
                                 help_text="Job ids, with scope jobs.")
    created_at = serializers.DateTimeField(read_only=True)
    created_by = serializers.CharField(read_only=True)

    def to_representation(self, blackout):
        if isinstance(blackout, Blackout):
            values = {name: getattr(blackout, name) for name in self.fields if name not in ("jobs", "account")}
            values["account"] = str(blackout.account_id) if blackout.account_id else None
            values["jobs"] = [job.pk for job in blackout.jobs.all()]
            blackout = values
        return super().to_representation(blackout)


def _blackout_body(data, *, partial: bool) -> dict:
    serializer = BlackoutSerializer(data=data, partial=partial)
    if not isinstance(data, dict):
        raise serializers.ValidationError({"non_field_errors": [_("Expected a JSON object.")]})
    unknown = sorted(set(data) - {name for name, field in serializer.fields.items() if not field.read_only}, key=str)
    errors = {} if serializer.is_valid() else dict(serializer.errors)
    errors.update({name: [_("Unknown field.")] for name in unknown})
    if errors:
        raise serializers.ValidationError(errors)
    return dict(serializer.validated_data)


def _blackout_or_404(blackout_id: str):
    try:
        parsed = uuid.UUID(blackout_id)
    except (ValueError, TypeError, AttributeError):  # a malformed id is an id no blackout has
        parsed = None
    blackout = blackout_get(blackout_id=parsed) if parsed else None
    if blackout is None:
        raise NotFound(_("Blackout %(id)s not found.") % {"id": blackout_id})
    return blackout


class BlackoutsApi(SchedulerApi):
    @extend_schema(tags=TAGS, responses={200: BlackoutSerializer(many=True)})
    def get(self, request):
        return Response(plain_list(BlackoutSerializer, blackout_list()))

    @extend_schema(tags=TAGS, request=BlackoutSerializer, responses={201: BlackoutSerializer})
    def post(self, request):
        blackout = blackout_create(data=_blackout_body(request.data, partial=False), actor=api_actor(request))
        return Response(BlackoutSerializer(blackout_get(blackout_id=blackout.pk)).data, status=status.HTTP_201_CREATED)


class BlackoutApi(SchedulerApi):
    @extend_schema(tags=TAGS, responses={200: BlackoutSerializer})
    def get(self, request, blackout_id: str):
        return Response(BlackoutSerializer(_blackout_or_404(blackout_id)).data)

    @extend_schema(tags=TAGS, request=BlackoutSerializer, responses={200: BlackoutSerializer})
    def patch(self, request, blackout_id: str):
        blackout = _blackout_or_404(blackout_id)
        blackout_update(blackout=blackout, changes=_blackout_body(request.data, partial=True),
                        actor=api_actor(request))
        return Response(BlackoutSerializer(blackout_get(blackout_id=blackout.pk)).data)

    @extend_schema(tags=TAGS, request=BlackoutSerializer, responses={200: BlackoutSerializer})
    def put(self, request, blackout_id: str):
        return BlackoutApi.patch(self, request, blackout_id)

    @extend_schema(tags=TAGS, responses={204: None})
    def delete(self, request, blackout_id: str):
        blackout_delete(blackout=_blackout_or_404(blackout_id), actor=api_actor(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
