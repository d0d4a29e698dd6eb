"""``GET /jobs/export`` and ``POST /jobs/import``: the jobs document over HTTP (the format and the
rules are scheduler_app/services/transfer.py's, shared with ``manage.py jobs``).

The import's body is the document itself, byte for byte what the export gave (JSON, or YAML by
its Content-Type), so ``mode`` and ``dry_run`` are query parameters. The body may be larger than
other requests' (``IMPORT_BODY_FACTOR`` times SCHEDULER_API_MAX_BODY_BYTES): a fleet's document
is one request.
"""
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response

from scheduler_app.api.auth import api_actor
from scheduler_app.api.base import SchedulerApi
from scheduler_app.api.exceptions import RequestTooLarge
from scheduler_app.api.jobs import QueryBooleanField
from scheduler_app.api.parsers import max_body_bytes
from scheduler_app.api.renderers import FastJSONRenderer
from scheduler_app.services.transfer import (
    MODES,
    ExportRefused,
    document_dump,
    document_load,
    jobs_export_document,
    jobs_import,
)

TAGS = ["jobs"]
IMPORT_BODY_FACTOR = 16
YAML_MEDIA_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
EXPORT_FORMATS = ("json", "yaml")

DOCUMENT_SCHEMA = {
    "type": "object",
    "required": ["version", "jobs"],
    "properties": {
        "version": {"type": "integer", "enum": [1]},
        "jobs": {"type": "object", "description": "Jobs by name (names are unique in a document). Each holds the "
                                                  "job's writable fields but the name: account as its label, "
                                                  "run_after as job names; a field left out takes its default.",
                 "additionalProperties": {"type": "object"}},
    },
}
DOCUMENT_EXAMPLE = {"version": 1, "jobs": {"Morning wishes": {
    "description": None, "bot_type": "birthday", "enabled": True, "schedule_type": "daily",
    "schedule_config": {"hour": 8, "minute": 0}, "bot_config": {"dry_run": True, "process_late": False},
    "timezone": "Europe/Paris", "account": "default"}}}


class ExportConflict(exceptions.APIException):
    """Two jobs share a name: a document keyed by name cannot hold them both."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("Some names are held by several jobs.")
    default_code = "duplicate_names"


class DocumentYAMLRenderer(BaseRenderer):
    """The document as YAML (``?format=yaml`` or ``Accept: application/yaml``); any other answer
    (an error) the same way, so a client asking for YAML reads YAML."""

    media_type = "application/yaml"
    format = "yaml"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return b"" if data is None else document_dump(data).encode("utf-8")


class DocumentJSONRenderer(FastJSONRenderer):
    format = "json"


class _DocumentParser(BaseParser):
    """Reads the body as a document's text; duplicate names and YAML aliases are refused (400) by
    ``document_load``, which DRF's JSON parser would let through (the last duplicate wins)."""

    document_format = "json"

    def parse(self, stream, media_type=None, parser_context=None):
        limit = max_body_bytes() * IMPORT_BODY_FACTOR
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise RequestTooLarge(f"Request body is larger than {limit} bytes.")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise exceptions.ParseError(f"the body is not UTF-8 text (byte {exc.start})") from None
        return document_load(text, fmt=self.document_format)


class DocumentJSONParser(_DocumentParser):
    media_type = "application/json"


class DocumentYAMLParser(_DocumentParser):
    media_type = "application/yaml"
    document_format = "yaml"


# The other names YAML goes by (DRF matches a parser's media type exactly, wildcards aside).
YAML_PARSERS = [DocumentYAMLParser, *(type("DocumentYAMLParser", (DocumentYAMLParser,), {"media_type": name})
                                      for name in YAML_MEDIA_TYPES[1:])]


class JobsExportApi(SchedulerApi):
    """Every job as a version 1 document keyed by job name: no ids, no secrets (the account by its
    label, run_after by job names). 409 when two jobs share a name (rename one first)."""

    renderer_classes = [DocumentJSONRenderer, DocumentYAMLRenderer]

    def perform_content_negotiation(self, request, force=False):
        # DRF answers an unknown ?format= with 404; it is a bad parameter.
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:
            raise serializers.ValidationError(
                {"format": [_("must be json or yaml")]}) from None

    @extend_schema(
        tags=TAGS, operation_id="jobs_export",
        parameters=[OpenApiParameter("format", str, enum=list(EXPORT_FORMATS),
                                     description="json (default) or yaml; Accept: application/yaml works too")],
        responses={200: DOCUMENT_SCHEMA, 409: {"type": "object", "properties": {"detail": {"type": "string"}}}},
        examples=[OpenApiExample("a document", value=DOCUMENT_EXAMPLE, response_only=True)],
    )
    def get(self, request):
        try:
            document = jobs_export_document()
        except ExportRefused as exc:
            raise ExportConflict(str(exc)) from None
        return Response(document)


class JobsImportApi(SchedulerApi):
    """Make the jobs match a document, all or nothing, every job validated like any write. 400
    names each problem by its place (``jobs.<name>.<field>``) and stores nothing."""

    parser_classes = [DocumentJSONParser, *YAML_PARSERS]

    class QuerySerializer(serializers.Serializer):
        mode = serializers.ChoiceField(choices=MODES, required=False, default="merge",
                                       help_text="merge (default): create and update the document's jobs, keep "
                                                 "the others; replace: also delete the jobs it does not name.")
        dry_run = QueryBooleanField(required=False, default=False,
                                    help_text="true: store nothing, answer what the import would do.")

    class OutputSerializer(serializers.Serializer):
        mode = serializers.ChoiceField(choices=MODES)
        dry_run = serializers.BooleanField()
        created = serializers.ListField(child=serializers.CharField())
        updated = serializers.ListField(child=serializers.CharField())
        unchanged = serializers.ListField(child=serializers.CharField())
        deleted = serializers.ListField(child=serializers.CharField(), help_text="replace mode only")
        changes = serializers.DictField(child=serializers.ListField(child=serializers.CharField()),
                                        help_text="The fields each updated job changes.")

    @extend_schema(
        tags=TAGS, operation_id="jobs_import", parameters=[QuerySerializer],
        request={"application/json": DOCUMENT_SCHEMA, "application/yaml": DOCUMENT_SCHEMA},
        responses={200: OutputSerializer},
        examples=[OpenApiExample("a document", value=DOCUMENT_EXAMPLE, request_only=True)],
    )
    def post(self, request):
        query = JobsImportApi.QuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        report = jobs_import(document=request.data, **query.validated_data,
                             actor=api_actor(request))
        return Response(JobsImportApi.OutputSerializer(report.as_dict()).data)
