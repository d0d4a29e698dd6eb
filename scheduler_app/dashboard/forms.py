"""The job form: HTML fields built from the pydantic config models, and back to service input.

There is no second set of rules here. The fields that change with the schedule type and bot
type are read off ``SCHEDULE_CONFIGS`` / ``BOT_CONFIGS`` (their names, types, bounds and
defaults), the posted values are only coerced from text, and every judgement is left to the
services, whose ``JobValidationError`` paths (``schedule_config.hour``) are the input names, so
each message lands next to its field.
"""
from dataclasses import dataclass, field
from typing import Any, get_args

from annotated_types import Ge, Le, MaxLen
from django.conf import settings
from django.http import QueryDict
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from scheduler_app.configs import BOT_CONFIGS, SCHEDULE_CONFIGS
from scheduler_app.models import BotType, ScheduledJob, ScheduleType

# Checkboxes post nothing when unticked; each rendered one also posts its name here, so an
# absent value means "unticked" rather than "not on the form" (which keeps the default).
PRESENT = "_present"

LABELS = {
    "schedule_config.hour": ("Hour", "0–23, in the job's time zone"),
    "schedule_config.minute": ("Minute", "0–59"),
    "schedule_config.day_of_week": ("Days of the week", "mon..sun: a list (mon,wed,fri) or a range (mon-fri)"),
    "schedule_config.cron_expression": (
        "Cron expression",
        "minute hour day-of-month month day-of-week, e.g. 0 8-18 * * 1-5 (0 and 7 = Sunday)",
    ),
    "schedule_config.weeks": ("Weeks", ""),
    "schedule_config.days": ("Days", ""),
    "schedule_config.hours": ("Hours", ""),
    "schedule_config.minutes": ("Minutes", ""),
    "schedule_config.seconds": ("Seconds", ""),
    "bot_config.dry_run": ("Dry run", "do everything but the final send / visit"),
    "bot_config.process_late": ("Also wish late birthdays", ""),
    "bot_config.max_days_late": ("Max days late", "1–365; used only when late birthdays are wished"),
    "bot_config.max_messages_per_run": ("Max messages per run", "1–100"),
    "bot_config.limit": ("Profiles to visit", "1–500 per run"),
    "bot_config.keywords": ("Search keywords", "optional"),
    "bot_config.location": ("Location", "optional"),
}


@dataclass
class FormField:
    """One input as the template draws it; ``name`` is also the error path it answers to."""

    name: str
    label: str
    kind: str  # "number" | "checkbox" | "text"
    value: Any
    help: str = ""
    errors: list[str] = field(default_factory=list)
    required: bool = False
    min: int | None = None
    max: int | None = None
    maxlength: int | None = None

    @property
    def id(self) -> str:
        return "id_" + self.name.replace(".", "_")


def _kind(annotation: Any) -> tuple[str, bool]:
    """(input kind, optional) for a model field's annotation."""
    args = [a for a in get_args(annotation) if a is not type(None)]
    optional = bool(args) and len(args) < len(get_args(annotation))
    base = args[0] if optional else annotation
    base = get_args(base)[0] if get_args(base) else base
    if base is bool:
        return "checkbox", optional
    if base is int:
        return "number", optional
    return "text", optional


def _bounds(annotation: Any, metadata: list) -> dict[str, int]:
    found = list(metadata)
    for arg in get_args(annotation):
        found.extend(getattr(arg, "metadata", []) or [])
        for inner in get_args(arg):
            found.extend(getattr(inner, "metadata", []) or [])
    bounds: dict[str, int] = {}
    for item in found:
        if isinstance(item, Ge):
            bounds["min"] = item.ge
        elif isinstance(item, Le):
            bounds["max"] = item.le
        elif isinstance(item, MaxLen):
            bounds["maxlength"] = item.max_length
    return bounds


def _coerce(kind: str, raw: str) -> Any:
    """Text to the type the model wants; text that is not a number stays text for pydantic to refuse."""
    raw = raw.strip()
    if kind == "number":
        try:
            return int(raw)
        except ValueError:
            return raw
    return raw


def config_from_post(
    prefix: str, model: type[BaseModel], post: QueryDict, *, as_typed: bool = False
) -> dict[str, Any]:
    """The config dict a form posted for ``model``; checkboxes become booleans.

    By default (service input) blank inputs are left out so defaults apply, and numbers are
    coerced. ``as_typed`` keeps every posted text input as typed, blanks included, for showing
    the form again.
    """
    present = set(post.getlist(PRESENT))
    config: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        key = f"{prefix}.{name}"
        kind, _ = _kind(info.annotation)
        if kind == "checkbox":
            if key in present or key in post:
                config[name] = key in post
        elif as_typed:
            if key in post:
                config[name] = post.get(key, "")
        else:
            raw = post.get(key, "")
            if raw.strip():
                config[name] = _coerce(kind, raw)
    return config


def config_fields(
    prefix: str, model: type[BaseModel], values: dict[str, Any], errors: dict[str, list[str]]
) -> list[FormField]:
    fields = []
    for name, info in model.model_fields.items():
        key = f"{prefix}.{name}"
        kind, _optional = _kind(info.annotation)
        default = None if info.default is PydanticUndefined else info.default
        label, help_text = LABELS.get(key, (name.replace("_", " ").capitalize(), ""))
        value = values.get(name, default)
        fields.append(
            FormField(
                name=key,
                label=label,
                kind=kind,
                value=bool(value) if kind == "checkbox" else ("" if value is None else value),
                help=help_text,
                errors=errors.get(key, []),
                required=info.is_required(),
                **_bounds(info.annotation, info.metadata),
            )
        )
    return fields


TOP_LEVEL_NUMBERS = ("max_instances", "misfire_grace_time")
TOP_LEVEL_CHECKBOXES = ("enabled", "coalesce")


@dataclass
class JobForm:
    """Values for every input of the job form plus the service's errors, keyed by input name.

    ``schedule_values`` / ``bot_values`` hold what the inputs show: stored values when editing,
    the posted text after a failed save (so nothing the user typed is lost).
    """

    job: ScheduledJob | None
    values: dict[str, Any]
    schedule_values: dict[str, Any]
    bot_values: dict[str, Any]
    errors: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def for_job(cls, job: ScheduledJob | None = None) -> "JobForm":
        if job is None:
            return cls(
                job=None,
                values={
                    "name": "",
                    "description": "",
                    "bot_type": BotType.BIRTHDAY,
                    "enabled": True,
                    "schedule_type": ScheduleType.DAILY,
                    "timezone": settings.TIME_ZONE,
                    "max_instances": 1,
                    "misfire_grace_time": 3600,
                    "coalesce": True,
                },
                schedule_values={},
                bot_values={},
            )
        return cls(
            job=job,
            values={
                "name": job.name,
                "description": job.description or "",
                "bot_type": job.bot_type,
                "enabled": job.enabled,
                "schedule_type": job.schedule_type,
                "timezone": job.timezone,
                "max_instances": job.max_instances,
                "misfire_grace_time": job.misfire_grace_time,
                "coalesce": job.coalesce,
            },
            schedule_values=dict(job.schedule_config),
            bot_values=dict(job.bot_config),
        )

    @classmethod
    def from_post(cls, post: QueryDict, job: ScheduledJob | None = None) -> "JobForm":
        """What the user sent; inputs missing from ``post`` keep the job's (or the default) value.

        Missing inputs matter for the htmx field swaps, which send the whole form but may come
        from a form showing another type's fields.
        """
        base = cls.for_job(job)
        values = dict(base.values)
        present = set(post.getlist(PRESENT))
        for name in ("name", "description", "schedule_type", "timezone", *TOP_LEVEL_NUMBERS):
            if name in post:
                values[name] = post.get(name, "").strip()
        if job is None and "bot_type" in post:
            values["bot_type"] = post.get("bot_type")
        for name in TOP_LEVEL_CHECKBOXES:
            if name in present or name in post:
                values[name] = name in post
        schedule_model = SCHEDULE_CONFIGS.get(values["schedule_type"])
        bot_model = BOT_CONFIGS.get(values["bot_type"])
        same_schedule = job is not None and values["schedule_type"] == job.schedule_type
        schedule_values = dict(base.schedule_values) if same_schedule else {}
        bot_values = dict(base.bot_values)
        if schedule_model:
            schedule_values.update(config_from_post("schedule_config", schedule_model, post, as_typed=True))
        if bot_model:
            bot_values.update(config_from_post("bot_config", bot_model, post, as_typed=True))
        return cls(job=job, values=values, schedule_values=schedule_values, bot_values=bot_values)

    def to_data(self, post: QueryDict) -> dict[str, Any]:
        """The service input for this post: the same dict shape the API sends."""
        data: dict[str, Any] = {
            "name": self.values["name"],
            "description": self.values["description"] or None,
            "enabled": bool(self.values["enabled"]),
            "schedule_type": self.values["schedule_type"],
            "timezone": self.values["timezone"],
            "coalesce": bool(self.values["coalesce"]),
        }
        for name in TOP_LEVEL_NUMBERS:
            raw = str(self.values[name])
            if raw.strip():
                data[name] = _coerce("number", raw)
        if self.job is None:
            data["bot_type"] = self.values["bot_type"]
        schedule_model = SCHEDULE_CONFIGS.get(self.values["schedule_type"])
        bot_model = BOT_CONFIGS.get(self.values["bot_type"])
        data["schedule_config"] = config_from_post("schedule_config", schedule_model, post) if schedule_model else {}
        data["bot_config"] = config_from_post("bot_config", bot_model, post) if bot_model else {}
        return data

    def schedule_config_for_preview(self) -> dict[str, Any]:
        model = SCHEDULE_CONFIGS.get(self.values["schedule_type"])
        if model is None:
            return {}
        config = {}
        for name, info in model.model_fields.items():
            if name in self.schedule_values and str(self.schedule_values[name]).strip() != "":
                kind, _ = _kind(info.annotation)
                raw = self.schedule_values[name]
                config[name] = _coerce(kind, raw) if isinstance(raw, str) else raw
        return config

    @property
    def schedule_fields(self) -> list[FormField]:
        model = SCHEDULE_CONFIGS.get(self.values["schedule_type"])
        return config_fields("schedule_config", model, self.schedule_values, self.errors) if model else []

    @property
    def bot_fields(self) -> list[FormField]:
        model = BOT_CONFIGS.get(self.values["bot_type"])
        return config_fields("bot_config", model, self.bot_values, self.errors) if model else []

    @property
    def known_error_names(self) -> set[str]:
        names = {f.name for f in self.schedule_fields} | {f.name for f in self.bot_fields}
        return names | {
            "name",
            "description",
            "bot_type",
            "enabled",
            "schedule_type",
            "timezone",
            "max_instances",
            "misfire_grace_time",
            "coalesce",
            "schedule_config",
            "bot_config",
        }

    @property
    def other_errors(self) -> dict[str, list[str]]:
        """Errors no input answers to; shown at the top of the form with their path."""
        return {k: v for k, v in self.errors.items() if k not in self.known_error_names}

    @property
    def advanced_has_errors(self) -> bool:
        return any(k in self.errors for k in (*TOP_LEVEL_NUMBERS, "coalesce"))
