"""Validation of a whole job before any write: one function, used by every writer.

Errors come back keyed by field path (``schedule_config.hour``) so the API, the admin and the
dashboard can each put every message next to its field.
"""
import zoneinfo
from functools import lru_cache
from typing import Annotated, Any, Literal

from django.conf import settings
from pydantic import BaseModel, Field, ValidationError, field_validator

from scheduler_app.configs import BOT_CONFIGS, SCHEDULE_CONFIGS, STRICT

WRITABLE_FIELDS = (
    "name",
    "description",
    "bot_type",
    "enabled",
    "schedule_type",
    "schedule_config",
    "bot_config",
    "timezone",
    "max_instances",
    "misfire_grace_time",
    "coalesce",
)


class JobValidationError(Exception):
    """Bad job input. ``errors`` maps each bad field's path to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


# No job field takes a number this large, and past it SQLite / PostgreSQL integer columns fail.
MAX_INT = 2**31 - 1


def unstorable_values(data: Any) -> dict[str, list[str]]:
    """Paths of values no database column can take: NUL characters and unpaired surrogates
    (PostgreSQL and UTF-8 refuse them) and integers beyond 32 bits. Iterative, so any nesting
    depth the JSON parser accepted is walked without recursion."""
    errors: dict[str, list[str]] = {}
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                if _bad_string(key):
                    errors.setdefault(path or "non_field_errors", []).append(
                        "keys must not contain NUL characters or unpaired surrogates"
                    )
                stack.append((child, item))
        elif isinstance(value, list):
            stack.extend((f"{path}.{index}", item) for index, item in enumerate(value))
        elif isinstance(value, str) and _bad_string(value):
            errors.setdefault(path, []).append("must not contain NUL characters or unpaired surrogates")
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
            errors.setdefault(path, []).append(f"must be at most {MAX_INT} in absolute value")
    return errors


def _bad_string(value: str) -> bool:
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


@lru_cache(maxsize=1)
def known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


class JobFields(BaseModel):
    model_config = STRICT
    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(max_length=500)] | None = None
    bot_type: Literal["birthday", "visitor"]
    enabled: bool = True
    schedule_type: Literal["daily", "weekly", "interval", "cron", "manual"]
    schedule_config: dict[str, Any] = Field(default_factory=dict)
    bot_config: dict[str, Any] = Field(default_factory=dict)
    timezone: str
    max_instances: Annotated[int, Field(ge=1, le=100)] = 1
    misfire_grace_time: Annotated[int, Field(ge=1, le=31 * 24 * 3600)] = 3600  # up to a month late
    coalesce: bool = True

    @field_validator("name")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value

    @field_validator("timezone")
    @classmethod
    def _iana(cls, value: str) -> str:
        if value not in known_timezones():
            raise ValueError(f"{value!r} is not an IANA time zone name (e.g. Europe/Paris)")
        return value


def _collect(exc: ValidationError, prefix: str = "") -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for err in exc.errors():
        path = ".".join(str(part) for part in err["loc"])
        key = f"{prefix}.{path}" if prefix and path else (prefix or path or "non_field_errors")
        message = err["msg"].removeprefix("Value error, ")
        errors.setdefault(key, []).append(message)
    return errors


def validate_job_data(data: dict[str, Any]) -> dict[str, Any]:
    """Full job fields in, normalised fields out (configs with defaults filled in).

    Raises JobValidationError listing every bad field, nested ones by path.
    """
    data = {"timezone": settings.TIME_ZONE, **data}
    errors = unstorable_values(data)
    try:
        fields = JobFields.model_validate(data)
    except ValidationError as exc:
        for path, messages in _collect(exc).items():
            errors.setdefault(path, []).extend(messages)
        # Still check the configs when their type is known, so one answer names every bad field.
        fields = None

    values = fields.model_dump() if fields else data
    normalised = dict(values)
    for key, registry, type_key in (
        ("schedule_config", SCHEDULE_CONFIGS, "schedule_type"),
        ("bot_config", BOT_CONFIGS, "bot_type"),
    ):
        config_model = registry.get(values.get(type_key)) if isinstance(values.get(type_key), str) else None
        config = values.get(key, {})
        if config_model is None or not isinstance(config, dict):
            continue
        try:
            normalised[key] = config_model.model_validate(config).model_dump(exclude_none=True)
        except ValidationError as exc:
            for path, messages in _collect(exc, prefix=key).items():
                errors.setdefault(path, []).extend(messages)
    if errors:
        raise JobValidationError(errors)
    return normalised


def merge_update(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The job as it would be after a partial update; enforces what may not change.

    A new schedule_type without a new schedule_config starts from that type's defaults, since
    the old config belongs to the old type.
    """
    unknown = sorted(set(changes) - set(WRITABLE_FIELDS))
    if unknown:
        raise JobValidationError({name: ["is not a writable job field"] for name in unknown})
    if "bot_type" in changes and changes["bot_type"] != current["bot_type"]:
        raise JobValidationError({"bot_type": ["cannot be changed after the job is created"]})
    merged = {**current, **changes}
    if changes.get("schedule_type", current["schedule_type"]) != current["schedule_type"] and (
        "schedule_config" not in changes
    ):
        merged["schedule_config"] = {}
    return merged


def job_validate(*, data: dict[str, Any], job=None) -> dict[str, Any]:
    """``data`` checked as a new job, or as a partial change of ``job``: normalised fields of the
    job as it would be stored. The one entry point for services, admin and API alike."""
    if job is None:
        return validate_job_data(data)
    current = {name: getattr(job, name) for name in WRITABLE_FIELDS}
    return validate_job_data(merge_update(current, data))
