"""Job endpoints: one API class per operation (nested Input/OutputSerializer), each parsing
the request, calling one service or selector, and serialising the answer.

Two operations share a path in the contract (GET/POST ``/jobs``; GET/PUT/PATCH/DELETE
``/jobs/{id}``), so ``JobsApi`` and ``JobApi`` only bind those operation classes to one URL.
"""
import uuid

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from scheduler_app.api.auth import api_actor
from scheduler_app.api.base import SchedulerApi
from scheduler_app.api.exceptions import JobPausedConflict, RunNotQueued
from scheduler_app.api.paging import PAGE_PARAMETERS, PageSerializer, page_link_header
from scheduler_app.api.serializers import (
    JobBodySerializer,
    QueryMomentField,
    StrictBooleanField,
    in_zone,
    job_spec_fields,
)
from scheduler_app.audit.actors import NOTE_MAX
from scheduler_app.brakes.models import PauseKind
from scheduler_app.brakes.rules import pause_reason
from scheduler_app.brakes.selectors import job_standing_pauses, standing_pauses
from scheduler_app.models import BotType, ExecutionStatus, ScheduledJob
from scheduler_app.reasons import reason_display
from scheduler_app.selectors import (
    execution_list,
    job_get,
    job_next_runs,
    job_next_runs_marked,
    job_page_rows,
)
from scheduler_app.services import job_create, job_delete, job_run_now, job_toggle, job_update
from scheduler_app.spec import JOB_FIELDS, job_field_value

TAGS = ["jobs"]
DETAIL_SCHEMA = {"type": "object", "properties": {"detail": {"type": "string"}}}


def plain_list(serializer_class, items, context=None) -> list:
    """``serializer_class(items, many=True).data`` as a plain list. ``.data`` is a ReturnList
    pointing back at its serializer, which caches it: a reference cycle that keeps a whole
    1,000-job answer alive until the next full GC pass, and those passes became the list's
    p99 (docs/benchmarks.md)."""
    return serializer_class(many=True, context=context or {}).to_representation(items)


def get_job_or_404(job_id: str) -> ScheduledJob:
    """Malformed ids are simply ids no job has: 404, like a well-formed unknown one."""
    try:
        parsed = uuid.UUID(job_id)
    except (ValueError, TypeError, AttributeError):
        parsed = None
    job = job_get(job_id=parsed) if parsed else None
    if job is None:
        raise NotFound(_("Job %(id)s not found.") % {"id": job_id})
    return job


class PauseOutputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PauseKind.choices)
    cause = serializers.CharField(help_text="user, or the system's cause (needs_reauth, cooling_down, ...)")
    note = serializers.CharField()
    until = serializers.DateTimeField(allow_null=True, help_text="null: until resumed")
    reason = serializers.CharField(help_text="What the skipped rows of its slots say.")
    created_at = serializers.DateTimeField()
    created_by = serializers.CharField()


def pause_output(pause, local) -> dict:
    return {"kind": pause.kind, "cause": pause.cause, "note": pause.note, "until": local(pause.until),
            "reason": pause_reason(pause), "created_at": local(pause.created_at), "created_by": pause.created_by}


class JobOutputSerializer(serializers.Serializer):
    """A job as the API shows it. The fields document the shape (OpenAPI); ``to_representation``
    builds the same dict directly, because DRF's per-field machinery made listing 1,000 jobs
    several times slower than the target (docs/benchmarks.md)."""

    def get_fields(self):
        return {
            "id": serializers.UUIDField(),
            **job_spec_fields(for_input=False),
            "created_at": serializers.DateTimeField(),
            "updated_at": serializers.DateTimeField(),
            "created_by": serializers.CharField(),
            "last_run_at": serializers.DateTimeField(allow_null=True),
            "last_run_status": serializers.ChoiceField(choices=ExecutionStatus.choices, allow_null=True),
            "last_run_error": serializers.CharField(allow_null=True),
            "next_run_at": serializers.DateTimeField(allow_null=True),
            "pauses": PauseOutputSerializer(many=True, help_text="Pauses in force now; empty when not paused."),
        }

    def to_representation(self, job: ScheduledJob | dict) -> dict:
        """Takes a job or a ``job_page_rows`` dict; its times are shown in its own time zone."""
        data = job if isinstance(job, dict) else {name: job_field_value(job, name) for name in JOB_FIELDS}
        local = in_zone(data["timezone"])
        # A list passes the page's pauses in the context (one query); a single job reads its own.
        pauses = self.context.get("pauses")
        pauses = pauses.get(str(data["id"]), []) if pauses is not None else job_standing_pauses(job=data["id"])
        return {
            **data,
            "id": str(data["id"]),
            "created_at": local(data["created_at"]),
            "updated_at": local(data["updated_at"]),
            "last_run_at": local(data["last_run_at"]),
            "next_run_at": local(data["next_run_at"]),
            "pauses": [pause_output(pause, local) for pause in pauses],
        }


class JobListApi(SchedulerApi):
    """Newest first, one page at a time: ``limit`` jobs (default 100, at most 500), the next and
    previous pages in the ``Link`` header. Without paging parameters this is the first page, so a
    fleet of up to 100 jobs still gets all of them in one plain array, as the upstream dashboard
    expects."""

    class FilterSerializer(PageSerializer):
        enabled_only = serializers.BooleanField(required=False, default=False)
        bot_type = serializers.ChoiceField(choices=BotType.choices, required=False)

    OutputSerializer = JobOutputSerializer

    @extend_schema(tags=TAGS, parameters=[
        OpenApiParameter("enabled_only", bool), OpenApiParameter("bot_type", str, enum=BotType.values),
        *PAGE_PARAMETERS,
    ], responses={200: JobOutputSerializer(many=True)})
    def get(self, request):
        filters = JobListApi.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        page = job_page_rows(**filters.validated_data)
        pauses = standing_pauses(job_ids=[item["id"] for item in page.items])
        return Response(plain_list(JobListApi.OutputSerializer, page.items, context={"pauses": pauses}),
                        headers=page_link_header(request, page))


class JobCreateApi(SchedulerApi):
    class InputSerializer(JobBodySerializer):
        pass

    OutputSerializer = JobOutputSerializer

    @extend_schema(tags=TAGS, request=InputSerializer, responses={201: JobOutputSerializer})
    def post(self, request):
        body = JobCreateApi.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        job = job_create(data=body.validated_data, actor=api_actor(request))
        return Response(JobCreateApi.OutputSerializer(job).data, status=status.HTTP_201_CREATED)


class JobDetailApi(SchedulerApi):
    OutputSerializer = JobOutputSerializer

    @extend_schema(tags=TAGS, responses={200: JobOutputSerializer})
    def get(self, request, job_id: str):
        return Response(JobDetailApi.OutputSerializer(get_job_or_404(job_id)).data)


class JobUpdateApi(SchedulerApi):
    """PUT and PATCH both change only the fields given (the original API's PUT is a partial update). A
    ``bot_config`` in a PATCH is merged into the stored one (JSON merge patch: ``null`` removes a
    key), so setting one key never resets the others; in a PUT it replaces the stored one."""

    class InputSerializer(JobBodySerializer):
        def get_fields(self):
            fields = super().get_fields()
            for field in fields.values():
                # A field left out of an update keeps its stored value: no creation defaults here,
                # or a client generated from the document would send them and reset the job.
                field.required, field.default = False, serializers.empty
            return fields

    OutputSerializer = JobOutputSerializer

    def _update(self, request, job_id: str, *, merge_bot_config: bool):
        job = get_job_or_404(job_id)
        context = {"job": job, "merge_bot_config": merge_bot_config}
        body = JobUpdateApi.InputSerializer(data=request.data, context=context)
        body.is_valid(raise_exception=True)
        job = job_update(job=job, changes=body.validated_data, merge_bot_config=merge_bot_config,
                         actor=api_actor(request))
        return Response(JobUpdateApi.OutputSerializer(job).data)

    @extend_schema(tags=TAGS, request=InputSerializer, responses={200: JobOutputSerializer},
                   description="Changes the fields given; a bot_config given replaces the stored one.")
    def put(self, request, job_id: str):
        return JobUpdateApi._update(self, request, job_id, merge_bot_config=False)

    @extend_schema(tags=TAGS, request=InputSerializer, responses={200: JobOutputSerializer},
                   description="Changes the fields given; a bot_config given is merged into the stored one "
                               "(JSON merge patch: keys given replace, null removes a key back to its default).")
    def patch(self, request, job_id: str):
        return JobUpdateApi._update(self, request, job_id, merge_bot_config=True)


class NoteField(serializers.CharField):
    """The optional ``note`` of a toggle, run or delete: why, kept on the change's audit event."""

    def __init__(self, **kwargs):
        super().__init__(**{"required": False, "allow_blank": True, "max_length": NOTE_MAX, "default": "",
                            "help_text": "Why (optional); kept on the change's audit event.", **kwargs})


class NoteSerializer(serializers.Serializer):
    note = NoteField()


def note_of(request) -> str:
    """A DELETE's optional note, from its JSON body (``{"note": ...}``) or ``?note=``; a bad one
    is a 400 naming ``note``."""
    body = request.data if isinstance(request.data, dict) else {}
    checked = NoteSerializer(data={"note": body.get("note", request.query_params.get("note", ""))})
    checked.is_valid(raise_exception=True)
    return checked.validated_data["note"]


class QueryBooleanField(serializers.BooleanField):
    """A boolean query parameter: absent is absent (not false, as DRF reads a missing HTML
    checkbox); present but empty (``?enabled=``) or repeated is an error, not a flip."""

    default_error_messages = {"blank": "must be true or false, not empty", "repeated": "give it once, not repeated"}

    def get_value(self, dictionary):
        values = dictionary.getlist(self.field_name)  # the query string: a QueryDict
        if not values:
            return serializers.empty
        return values if len(values) > 1 else values[0]

    def to_internal_value(self, data):
        if isinstance(data, list):
            self.fail("repeated")
        if str(data).strip() == "":
            self.fail("blank")
        return super().to_internal_value(data)


class JobDeleteApi(SchedulerApi):
    class DeleteQuerySerializer(serializers.Serializer):
        force = QueryBooleanField(required=False,
                                  help_text="true: delete even though other jobs run after it (unlinks them).")

    @extend_schema(tags=TAGS, parameters=[DeleteQuerySerializer], responses={204: None, 409: DETAIL_SCHEMA},
                   description="409 naming the jobs that run after this one (run_after), unless ?force=true.")
    def delete(self, request, job_id: str):
        query = JobDeleteApi.DeleteQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        job_delete(job=get_job_or_404(job_id), force=bool(query.validated_data.get("force")),
                   actor=api_actor(request, note=note_of(request)))
        return Response(status=status.HTTP_204_NO_CONTENT)


class JobsApi(JobListApi, JobCreateApi):
    """``/jobs``: list (GET) and create (POST)."""


class JobApi(JobDetailApi, JobUpdateApi, JobDeleteApi):
    """``/jobs/{id}``: read, update, delete."""


class JobToggleApi(SchedulerApi):
    """Set ``enabled`` from the JSON body (the upstream dashboard) or ``?enabled=`` (the original
    route); with neither, flip it."""

    class InputSerializer(serializers.Serializer):
        enabled = StrictBooleanField(required=False)
        note = NoteField()

    class QuerySerializer(serializers.Serializer):
        enabled = QueryBooleanField(required=False, help_text="true or false; absent flips the job.")

    OutputSerializer = JobOutputSerializer

    @extend_schema(tags=TAGS, request=InputSerializer, parameters=[QuerySerializer],
                   responses={200: JobOutputSerializer})
    def post(self, request, job_id: str):
        job = get_job_or_404(job_id)
        body = strict_body(JobToggleApi.InputSerializer, request.data)
        query = JobToggleApi.QuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        from_body, from_query = body.get("enabled"), query.validated_data.get("enabled")
        if from_body is not None and from_query is not None and from_body != from_query:
            raise serializers.ValidationError({"enabled": ["the body and ?enabled= disagree"]})
        job = job_toggle(job=job, enabled=from_body if from_body is not None else from_query,
                         actor=api_actor(request, note=body.get("note")))
        return Response(JobToggleApi.OutputSerializer(job).data)


def strict_body(serializer_class, data) -> dict:
    """Validate a small optional JSON object body, refusing keys it does not define."""
    if data is None or (hasattr(data, "keys") and not data):
        return {}
    if not isinstance(data, dict):
        raise serializers.ValidationError({"non_field_errors": [_("Expected a JSON object.")]})
    serializer = serializer_class(data=data)
    unknown = sorted(set(data) - set(serializer.fields), key=str)
    valid = serializer.is_valid()
    errors = dict(serializer.errors) if not valid else {}
    errors.update({name: [_("Unknown field.")] for name in unknown})
    if errors:
        raise serializers.ValidationError(errors)
    return serializer.validated_data


class JobRunApi(SchedulerApi):
    """Queue a run now. 202: the run happens on a worker; follow it with ``execution_id`` in
    the history."""

    class InputSerializer(serializers.Serializer):
        dry_run = StrictBooleanField(required=False, help_text="Override the job's bot_config.dry_run for this run.")
        note = NoteField()

    class QuerySerializer(serializers.Serializer):
        force = QueryBooleanField(required=False, help_text="true: run even though the job is paused.")

    class OutputSerializer(serializers.Serializer):
        message = serializers.CharField()
        job_id = serializers.UUIDField()
        execution_id = serializers.UUIDField()

    @extend_schema(tags=TAGS, request=InputSerializer, parameters=[QuerySerializer],
                   responses={202: OutputSerializer, 409: DETAIL_SCHEMA},
                   description="A paused job answers 409 naming its pause, unless ?force=true.")
    def post(self, request, job_id: str):
        job = get_job_or_404(job_id)
        body = strict_body(JobRunApi.InputSerializer, request.data)
        query = JobRunApi.QuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        pauses = job_standing_pauses(job=job)
        if pauses and not query.validated_data.get("force"):
            raise JobPausedConflict(_("The job is %(pause)s; resume it, or run it with ?force=true.")
                                    % {"pause": reason_display(pause_reason(pauses[0]))})
        execution = job_run_now(job=job, dry_run=body.get("dry_run"), actor=api_actor(request, note=body.get("note")))
        if execution.status == ExecutionStatus.FAILED:
            raise RunNotQueued()
        answer = {
            "message": f"Job {job.pk} queued for immediate execution",
            "job_id": job.pk,
            "execution_id": execution.pk,
        }
        return Response(JobRunApi.OutputSerializer(answer).data, status=status.HTTP_202_ACCEPTED)


class JobHistoryApi(SchedulerApi):
    class FilterSerializer(serializers.Serializer):
        limit = serializers.IntegerField(min_value=1, max_value=200, required=False, default=50)

    class OutputSerializer(serializers.Serializer):
        id = serializers.UUIDField()
        job_id = serializers.UUIDField()
        trigger = serializers.CharField(help_text="scheduled, manual, or chained (after another job's run).")
        triggered_by = serializers.UUIDField(allow_null=True,
                                             help_text="A chained run: the upstream execution that started it.")
        attempt = serializers.IntegerField(help_text="The attempt of the run (1 unless retried).")
        scheduled_for = serializers.DateTimeField(allow_null=True)
        queued_at = serializers.DateTimeField()
        started_at = serializers.DateTimeField(allow_null=True)
        finished_at = serializers.DateTimeField(allow_null=True)
        duration_seconds = serializers.FloatField(allow_null=True)
        status = serializers.ChoiceField(choices=ExecutionStatus.choices)
        result = serializers.JSONField(allow_null=True)
        error = serializers.CharField(allow_null=True)
        messages_sent = serializers.IntegerField()
        profiles_visited = serializers.IntegerField()
        dry_run = serializers.BooleanField()

        def to_representation(self, execution) -> dict:
            # Built directly for the same reason as JobOutputSerializer: history pages are hot.
            # Times in the job's own zone, like the job's (the view passes it).
            local = in_zone(self.context["timezone"])
            return {
                "id": str(execution.id),
                "job_id": str(execution.job_id),
                "trigger": execution.trigger,
                "triggered_by": str(execution.triggered_by_id) if execution.triggered_by_id else None,
                "attempt": execution.attempt,
                "scheduled_for": local(execution.scheduled_for),
                "queued_at": local(execution.queued_at),
                "started_at": local(execution.started_at),
                "finished_at": local(execution.finished_at),
                "duration_seconds": execution.duration_seconds,
                "status": execution.status,
                "result": execution.result,
                "error": execution.error,
                "messages_sent": execution.messages_sent,
                "profiles_visited": execution.profiles_visited,
                "dry_run": execution.dry_run,
            }

    @extend_schema(tags=TAGS, parameters=[FilterSerializer], responses={200: OutputSerializer(many=True)})
    def get(self, request, job_id: str):
        job = get_job_or_404(job_id)
        filters = JobHistoryApi.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        executions = execution_list(job=job, limit=filters.validated_data["limit"])
        return Response(plain_list(JobHistoryApi.OutputSerializer, executions, context={"timezone": job.timezone}))


class JobNextRunsApi(SchedulerApi):
    """The next fire times, in the job's timezone with their offsets (check DST here)."""

    class FilterSerializer(serializers.Serializer):
        count = serializers.IntegerField(min_value=1, max_value=100, required=False, default=10)
        after = QueryMomentField(required=False, help_text="ISO 8601; default now; naive = the job's timezone.")
        detail = QueryBooleanField(required=False, default=False)

    @extend_schema(
        tags=TAGS,
        parameters=[
            OpenApiParameter("count", int, description="1..100, default 10"),
            OpenApiParameter("after", OpenApiTypes.DATETIME, description="ISO 8601; default now; naive = job's tz"),
            OpenApiParameter("detail", bool, description="true: objects with scheduled_for, fire_at (jitter) and "
                                                         "skipped_because (a pause or blackout)"),
        ],
        responses={200: {"oneOf": [
            {"type": "array", "items": {"type": "string", "format": "date-time"}},
            {"type": "array", "items": {"type": "object", "properties": {
                "scheduled_for": {"type": "string", "format": "date-time", "description": "the slot (nominal)"},
                "fire_at": {"type": "string", "format": "date-time", "description": "the slot plus its jitter"},
                "skipped_because": {"type": "string", "nullable": True,
                                    "description": "the pause or blackout it falls in; null if it runs"},
            }}},
        ]}},
        description="An array of ISO times (the slots); with ?detail=true an array of slots marked with their "
                    "fire time and, for a slot in a pause or blackout, why it will be skipped.",
    )
    def get(self, request, job_id: str):
        job = get_job_or_404(job_id)
        filters = JobNextRunsApi.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        detail = filters.validated_data.pop("detail")
        if detail:
            return Response([{**slot, "scheduled_for": slot["scheduled_for"].isoformat(),
                              "fire_at": slot["fire_at"].isoformat()}
                             for slot in job_next_runs_marked(job=job, **filters.validated_data)])
        times = job_next_runs(job=job, **filters.validated_data)
        return Response([moment.isoformat() for moment in times])
