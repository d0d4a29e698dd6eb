"""Serializer building blocks the API classes share.

Request bodies are *documented* by DRF fields but validated by the services (pydantic,
strict), so the API, the admin and the dashboard apply one set of rules and one error format.
``JobBodySerializer`` therefore does not coerce: it passes the fields through untouched
(strings stay verbatim, ``"8"`` stays a string and is refused as one) after refusing what is
not a job field at all and what no database could store.
"""
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from scheduler_app.api.schema import BOT_CONFIG_SCHEMA, SCHEDULE_CONFIG_SCHEMA
from scheduler_app.models import BotType, ScheduleType
from scheduler_app.validation import JobValidationError, job_validate

# Fields a client may send back from a GET (round trip of the seed dashboard's edit dialog);
# they are ignored on write.
READ_ONLY_JOB_FIELDS = frozenset(
    {"id", "created_at", "updated_at", "created_by", "last_run_at", "last_run_status", "last_run_error", "next_run_at"}
)
@extend_schema_field(SCHEDULE_CONFIG_SCHEMA)
class ScheduleConfigField(serializers.JSONField):
    pass


@extend_schema_field(BOT_CONFIG_SCHEMA)
class BotConfigField(serializers.JSONField):
    pass


class StrictBooleanField(serializers.BooleanField):
    """JSON ``true``/``false`` only: a body saying ``"false"`` is a mistake, not a value."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        self.fail("invalid", input=data)


def _job_errors(known: dict[str, Any], job) -> dict[str, list[str]]:
    """The services' validation errors for these fields (as a create, or as a change of
    ``job``), without writing anything."""
    try:
        job_validate(data=known, job=job)
    except JobValidationError as exc:
        return exc.errors
    return {}


class JobBodySerializer(serializers.Serializer):
    """A job's writable fields, documented; passed through for the services to validate."""

    name = serializers.CharField(min_length=1, max_length=200)
    description = serializers.CharField(max_length=500, allow_null=True, required=False, default=None)
    bot_type = serializers.ChoiceField(choices=BotType.choices, help_text="Immutable after create.")
    enabled = serializers.BooleanField(required=False, default=True)
    schedule_type = serializers.ChoiceField(choices=ScheduleType.choices)
    schedule_config = ScheduleConfigField(required=False, default=dict)
    bot_config = BotConfigField(required=False, default=dict)
    timezone = serializers.CharField(required=False, help_text="IANA name; default the server's TIME_ZONE.")
    max_instances = serializers.IntegerField(min_value=1, required=False, default=1)
    misfire_grace_time = serializers.IntegerField(min_value=1, required=False, default=3600)
    coalesce = serializers.BooleanField(required=False, default=True)

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Expected a JSON object of job fields."]})
        errors: dict[str, list[str]] = {}
        for name in sorted(set(data) - set(self.fields) - READ_ONLY_JOB_FIELDS, key=str):
            errors[name] = ["Unknown field."]
        job = self.context.get("job")
        if job is not None and "id" in data and str(data["id"]) != str(job.pk):
            errors["id"] = ["does not match the job in the URL"]
        known = {name: value for name, value in data.items() if name in self.fields}
        if errors:
            # One answer names every bad field: add what the services would say about the rest.
            for path, messages in _job_errors(known, job).items():
                errors.setdefault(path, []).extend(messages)
            raise serializers.ValidationError(errors)
        return known

    def run_validation(self, data=serializers.empty):
        # Skip DRF's required/default handling: the services own defaults and required fields.
        if data is serializers.empty or data is None:
            data = {}
        return self.to_internal_value(data)


def local_time_formatter(serializer: serializers.BaseSerializer) -> Callable[[datetime | None], datetime | None]:
    """Datetimes moved into the current timezone, as DRF's DateTimeField shows them; the renderer
    writes them as ISO 8601 (``Z`` for UTC) in one pass, which is much cheaper per value than
    formatting each here. The timezone is looked up once per serializer, not once per value."""
    tz = getattr(serializer, "_output_tz", None)
    if tz is None:
        tz = serializer._output_tz = timezone.get_current_timezone()

    def local(value: datetime | None) -> datetime | None:
        return None if value is None else value.astimezone(tz)

    return local
