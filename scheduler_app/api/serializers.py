"""Serializer building blocks the API classes share.

Request bodies are *documented* by DRF fields but validated by the services (pydantic,
strict), so the API, the admin and the dashboard apply one set of rules and one error format.
The job's DRF fields are generated from the job spec (``job_spec_fields``, from
scheduler_app/spec.py), so the OpenAPI document states exactly the bounds and defaults validation
enforces.
``JobBodySerializer`` therefore does not coerce: it passes the fields through untouched
(strings stay verbatim, ``"8"`` stays a string and is refused as one) after refusing what is
not a job field at all and what no database could store.
"""
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from scheduler_app.api.schema import BOT_CONFIG_SCHEMA, SCHEDULE_CONFIG_SCHEMA
from scheduler_app.spec import MAX_RUN_AFTER, READ_ONLY_FIELDS, JobFields, field_facts
from scheduler_app.validation import JobValidationError, job_validate

# Fields a client may send back from a GET (round trip of the upstream dashboard's edit dialog);
# they are ignored on write.
# ``pauses`` is shown with a job but written through /pause and /resume only.
READ_ONLY_JOB_FIELDS = frozenset({"id", *READ_ONLY_FIELDS, "pauses"})

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


def job_spec_fields(*, for_input: bool) -> dict[str, serializers.Field]:
    """DRF fields for the job's writable fields, read off the spec (``JobFields``): types, bounds,
    choices, defaults and help texts as validation has them."""
    fields: dict[str, serializers.Field] = {}
    for name, info in JobFields.model_fields.items():
        facts = field_facts(info)
        options: dict[str, Any] = {"help_text": facts.description} if facts.description else {}
        if facts.nullable:
            options["allow_null"] = True
        if for_input:
            options["required"] = facts.required
            # timezone's default is the server's TIME_ZONE, filled in at write time: not a constant.
            if not facts.required and name not in ("timezone", "run_after"):
                options["default"] = facts.default
        if name == "schedule_config":
            field = ScheduleConfigField(**options)
        elif name == "bot_config":
            field = BotConfigField(**options)
        elif facts.kind == "choice":
            field = serializers.ChoiceField(choices=list(facts.choices), **options)
        elif facts.kind == "bool":
            field = StrictBooleanField(**options) if for_input else serializers.BooleanField(**options)
        elif facts.kind == "int":
            field = serializers.IntegerField(min_value=facts.minimum, max_value=facts.maximum, **options)
        elif facts.kind == "str":
            field = serializers.CharField(min_length=facts.min_length, max_length=facts.max_length,
                                          allow_blank=not facts.min_length, trim_whitespace=False, **options)
        elif name == "run_after":  # job ids or names (scheduler_app/services/chains.py)
            field = serializers.ListField(child=serializers.CharField(min_length=1, max_length=200),
                                          max_length=MAX_RUN_AFTER, **options)
        else:
            field = serializers.JSONField(**options)
        fields[name] = field
    return fields


def _job_errors(known: dict[str, Any], job, merge_bot_config: bool) -> dict[str, list[str]]:
    """The services' validation errors for these fields (as a create, or as a change of
    ``job``), without writing anything."""
    try:
        job_validate(data=known, job=job, merge_bot_config=merge_bot_config)
    except JobValidationError as exc:
        return exc.errors
    return {}


class JobBodySerializer(serializers.Serializer):
    """A job's writable fields, documented (generated from the spec); passed through for the
    services to validate."""

    def get_fields(self):
        return job_spec_fields(for_input=True)

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
            for path, messages in _job_errors(known, job, self.context.get("merge_bot_config", False)).items():
                errors.setdefault(path, []).extend(messages)
            raise serializers.ValidationError(errors)
        return known

    def run_validation(self, data=serializers.empty):
        # Skip DRF's required/default handling: the services own defaults and required fields.
        if data is serializers.empty or data is None:
            data = {}
        return self.to_internal_value(data)


def in_zone(timezone_name: str) -> Callable[[datetime | None], datetime | None]:
    """Datetimes moved into a job's own time zone (the zone its schedule is read in), so every
    time the API shows for a job carries the offset next-runs uses. The renderer writes them as
    ISO 8601 in one pass, which is much cheaper per value than formatting each here."""
    tz = ZoneInfo(timezone_name)  # ZoneInfo caches its instances

    def local(value: datetime | None) -> datetime | None:
        return None if value is None else value.astimezone(tz)

    return local


class QueryMomentField(serializers.Field):
    """An ISO 8601 date-time in a query string (``allow_date``: a plain date too), years 1970..9000.
    A ``+`` of an offset that arrived unencoded (read as a space) is put back. What a naive value
    means is the endpoint's to say (next-runs: the job's wall clock; stats: TIME_ZONE)."""

    def __init__(self, *, allow_date: bool = False, **kwargs):
        self.allow_date = allow_date
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        text = str(data).strip()
        if len(text) > 19 and text[-6] == " ":
            text = f"{text[:-6]}+{text[-5:]}"
        try:
            value = date.fromisoformat(text) if self.allow_date and len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            example = "2025-03-01 or 2025-03-30T01:00:00+01:00" if self.allow_date else "2025-03-30T01:00:00+01:00"
            raise serializers.ValidationError(f"Must be an ISO 8601 {'date or ' if self.allow_date else ''}"
                                              f"date-time, e.g. {example}.") from None
        if not 1970 <= value.year <= 9000:
            raise serializers.ValidationError("Must be between the years 1970 and 9000.")
        return value

    def to_representation(self, value):
        return value.isoformat()


def optional(fields: dict[str, serializers.Field]) -> dict[str, serializers.Field]:
    """The same fields for an update: any may be left out, and none has a creation default (a
    client generated from the document would send it and reset the row)."""
    for field in fields.values():
        field.required, field.default = False, serializers.empty
    return fields
