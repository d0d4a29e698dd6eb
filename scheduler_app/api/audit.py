"""``GET /audit``: the audit trail, newest first, paged like ``/jobs`` (``limit`` and an opaque
``cursor``; the next and previous pages in the ``Link`` header). Read-only: there is no route
that writes an event, so every other method answers 405."""
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from scheduler_app.api.base import SchedulerApi
from scheduler_app.api.jobs import plain_list
from scheduler_app.api.paging import PAGE_PARAMETERS, PageSerializer, page_link_header
from scheduler_app.api.serializers import QueryMomentField
from scheduler_app.audit.models import AuditEvent, AuditSource
from scheduler_app.audit.selectors import audit_page

TAGS = ["audit"]


class AuditListApi(SchedulerApi):
    """Who changed what, from where, old → new (secrets redacted). Any key may read it, a
    read-only one too."""

    class FilterSerializer(PageSerializer):
        job_id = serializers.UUIDField(required=False, help_text="Only the events of this job (kept after it is "
                                                                 "deleted).")
        since = QueryMomentField(allow_date=True, required=False,
                                 help_text="Only events at or after this ISO 8601 date or date-time; naive = "
                                           "TIME_ZONE.")
        actor = serializers.CharField(required=False, max_length=200,
                                      help_text="Only this actor's events: a user or API key name, or system.")

        def validate_since(self, value: date | datetime) -> datetime:
            if not isinstance(value, datetime):
                value = datetime.combine(value, time())
            if value.tzinfo is None:
                value = value.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))
            return value

    class OutputSerializer(serializers.Serializer):
        id = serializers.UUIDField()
        at = serializers.DateTimeField(source="created_at")
        actor = serializers.CharField(help_text="A user name, an API key's name, or system.")
        source = serializers.ChoiceField(choices=AuditSource.choices)
        action = serializers.CharField(help_text="create, update, delete, toggle, pause, resume, run_now, "
                                                 "key_created, key_revoked, session_saved, import, ...")
        object_type = serializers.CharField(help_text="job, blackout, channel, rule, account, template, api_key")
        object_id = serializers.CharField()
        object_label = serializers.CharField()
        job_id = serializers.UUIDField(allow_null=True)
        changes = serializers.DictField(child=serializers.DictField(), help_text='{field: {"old": ..., "new": ...}}; '
                                                                                  'secrets show as "[redacted]".')
        note = serializers.CharField()
        request_id = serializers.CharField()
        client_address = serializers.CharField()

        def to_representation(self, event: AuditEvent) -> dict:
            return {
                "id": str(event.pk), "at": event.created_at, "actor": event.actor, "source": event.source,
                "action": event.action, "object_type": event.object_type, "object_id": event.object_id,
                "object_label": event.object_label, "job_id": str(event.job_id) if event.job_id else None,
                "changes": event.changes, "note": event.note, "request_id": event.request_id,
                "client_address": event.client_address,
            }

    @extend_schema(tags=TAGS, operation_id="audit_list", parameters=[
        OpenApiParameter("job_id", OpenApiTypes.UUID, description="only this job's events"),
        OpenApiParameter("since", OpenApiTypes.DATETIME, description="ISO 8601 date or date-time; naive = TIME_ZONE"),
        OpenApiParameter("actor", str, description="a user or API key name, or system"),
        *PAGE_PARAMETERS,
    ], responses={200: OutputSerializer(many=True)})
    def get(self, request):
        filters = AuditListApi.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        page = audit_page(**filters.validated_data)
        return Response(plain_list(AuditListApi.OutputSerializer, page.items), headers=page_link_header(request, page))
