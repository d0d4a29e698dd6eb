"""The job form: HTML fields built from the job spec, and back to service input.

There is no second set of rules here. The fields that change with the schedule type and bot
type are read off the spec's ``SCHEDULE_CONFIGS`` / ``BOT_CONFIGS`` (their names, types, bounds
and defaults), the job's own fields and defaults off ``WRITABLE_FIELDS`` (scheduler_app/spec.py);
the posted values are only coerced from text, and every judgement is left to the services, whose
``JobValidationError`` paths (``schedule_config.hour``) are the input names, so each message
lands next to its field.
"""
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel

from scheduler_app.models import ScheduledJob
from scheduler_app.spec import (
    BOT_CONFIGS,
    SCHEDULE_CONFIGS,
    WRITABLE_FIELDS,
    JobFields,
    field_default,
    field_facts,
    job_bot_config,
    job_field_value,
    job_schedule,
)

# Checkboxes post nothing when unticked; each rendered one also posts its name here, so an
# absent value means "unticked" rather than "not on the form" (which keeps the default).
PRESENT = "_present"

LABELS = {
    "schedule_config.hour": (_("Hour"), _("0–23, in the job's time zone")),
    "schedule_config.minute": (_("Minute"), _("0–59")),
    "schedule_config.day_of_week": (_("Days of the week"), _("mon..sun: a list (mon,wed,fri) or a range (mon-fri)")),
    "schedule_config.cron_expression": (
        _("Cron expression"),
        _("minute hour day-of-month month day-of-week, e.g. 0 8-18 * * 1-5 (0 and 7 = Sunday)"),
    ),
    "schedule_config.weeks": (_("Weeks"), ""),
    "schedule_config.days": (_("Days"), ""),
    "schedule_config.hours": (_("Hours"), ""),
    "schedule_config.minutes": (_("Minutes"), ""),
    "schedule_config.seconds": (_("Seconds"), ""),
    "bot_config.dry_run": (_("Dry run"), _("do everything but the final send / visit")),  # per bot: DRY_RUN_HELP
    "bot_config.process_late": (_("Also wish late birthdays"), ""),
    "bot_config.max_days_late": (_("Max days late"), _("1–365; used only when late birthdays are wished")),
    "bot_config.max_messages_per_run": (_("Max messages per run"), _("1–100")),
    "bot_config.limit": (_("Profiles to visit"), _("1–500 per run")),
    "bot_config.keywords": (_("Search keywords"), _("optional")),
    "bot_config.location": (_("Location"), _("optional")),
    "bot_config.message_language": (_("Message language"), _("fr, en or another BCP-47 tag; empty: the account's "
                                                             "language (else fr); a contact's own language wins")),
    "config.url": (_("URL"), _("http:// or https:// only; redirects are not followed")),
    "config.to": (_("To"), _("one or more addresses, comma-separated")),
    "config.smtp_host": (_("SMTP host"), _("optional: the server's EMAIL_HOST otherwise")),
    "config.smtp_port": (_("SMTP port"), _("optional")),
    "config.smtp_username": (_("SMTP username"), _("optional")),
    "config.smtp_use_tls": (_("SMTP STARTTLS"), ""),
    "config.smtp_use_ssl": (_("SMTP over SSL"), ""),
    "config.from_email": (_("From"), _("optional: the server's DEFAULT_FROM_EMAIL otherwise")),
    "config.priority": (_("Priority"), _("ntfy's message priority")),
    "config.chat_id": (_("Chat id"), _("a number (-100… for groups) or @channel_name")),
}

# What a dry run does, under the checkbox, per bot type. A new job starts with dry run on (JobForm.for_job).
DRY_RUN_HELP = {
    "birthday": _("Opens each conversation and checks its recipient but types and sends nothing; "
                  "the run's history lists who would have been wished. Untick to send for real."),
    "visitor": _("Searches and lists the profiles it would visit but opens none of them. Untick to visit for real."),
}


@dataclass
class FormField:
    """One input as the template draws it; ``name`` is also the error path it answers to."""

    name: str
    label: str
    kind: str  # "number" | "checkbox" | "text" | "select" | "list" (comma-separated text)
    value: Any
    help: str = ""
    errors: list[str] = field(default_factory=list)
    required: bool = False
    min: int | None = None
    max: int | None = None
    maxlength: int | None = None
    choices: tuple = ()

    @property
    def id(self) -> str:
        return "id_" + self.name.replace(".", "_")


# "object" is a list of strings (a channel's email addresses): one text input, comma-separated.
INPUT_KINDS = {"bool": "checkbox", "int": "number", "choice": "select", "object": "list"}


def _kind(facts) -> str:
    """The input kind for a field's ``FieldFacts``: checkbox, number, select, list or text."""
    return INPUT_KINDS.get(facts.kind, "text")


def _coerce(kind: str, raw: str) -> Any:
    """Text to the type the model wants; text that is not a number stays text for pydantic to refuse."""
    raw = raw.strip()
    if kind == "number":
        try:
            return int(raw)
        except ValueError:
            return raw
    if kind == "list":
        return [item.strip() for item in raw.split(",") if item.strip()]
    return raw


def field_errors(errors: dict[str, list[str]], name: str) -> list[str]:
    """The messages for input ``name``: its own path and any path below it (``config.to.1`` for
    the second address of ``config.to``), the latter prefixed with what it points at."""
    found = list(errors.get(name, []))
    for path, messages in errors.items():
        if path.startswith(name + "."):
            found.extend(f"{path[len(name) + 1:]}: {message}" for message in messages)
    return found


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
        kind = _kind(field_facts(info))
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
        facts = field_facts(info)
        kind = _kind(facts)
        default = facts.default
        label, help_text = LABELS.get(key, (name.replace("_", " ").capitalize(), ""))
        value = values.get(name, default)
        if kind == "list" and isinstance(value, list | tuple):
            value = ", ".join(str(item) for item in value)
        fields.append(
            FormField(
                name=key,
                label=label,
                kind=kind,
                value=bool(value) if kind == "checkbox" else ("" if value is None else value),
                help=help_text,
                errors=field_errors(errors, key),
                required=facts.required,
                min=facts.minimum,
                max=facts.maximum,
                maxlength=facts.max_length,
                choices=facts.choices,
            )
        )
    return fields


TOP_LEVEL_FIELDS = tuple(name for name in WRITABLE_FIELDS if name not in ("schedule_config", "bot_config"))
_TOP_LEVEL_KINDS = {name: _kind(field_facts(JobFields.model_fields[name])) for name in TOP_LEVEL_FIELDS}
TOP_LEVEL_NUMBERS = tuple(name for name, kind in _TOP_LEVEL_KINDS.items() if kind == "number")
# Numbers a job may leave unset (null: a default that depends on something else, or "never").
TOP_LEVEL_OPTIONAL = tuple(name for name in TOP_LEVEL_NUMBERS if field_facts(JobFields.model_fields[name]).nullable)
TOP_LEVEL_CHECKBOXES = tuple(name for name, kind in _TOP_LEVEL_KINDS.items() if kind == "checkbox")


RUN_LABELS = {
    "retry_max": (_("Retries of a transient failure (0–5)"),
                  _("A browser crash, a navigation timeout, a network error or a lost worker is tried again on "
                    "the same run; a checkpoint, a rate limit or a used-up quota never is.")),
    "retry_backoff_seconds": (_("First retry after (seconds)"),
                              _("Doubled for each further attempt; never past the next slot or outside working "
                                "hours.")),
    "retry_backoff_max_seconds": (_("Longest wait between attempts (seconds)"), ""),
    "retry_jitter": (_("Spread retry delays at random"), ""),
    "max_run_seconds": (_("Time limit (seconds)"),
                        _("Empty: 1800 s for the birthday bot, 3600 s for the visitor bot. At the limit the bot "
                          "stops and closes Chromium; the run ends failed \"time limit\".")),
    "warn_after_seconds": (_("Warn when a run takes longer than (seconds)"),
                           _("Empty: never. Raises one long_running notification.")),
    "run_after": (_("Run after these jobs (names, comma-separated)"),
                  _("Each run of them starts one run of this job; jobs of the same account only. The job "
                    "keeps its own schedule too (choose Manual for none).")),
    "run_after_when": (_("After their runs that…"),
                       _("success: only after a successful run (a failed one leaves a skipped row here); "
                         "completion: after any run that ran.")),
}
# Inputs of the form that are plain text or a choice, read as posted (run_after: job names).
TEXT_INPUTS = ("name", "description", "schedule_type", "timezone", "account", "run_after", "run_after_when")


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
            values = {name: field_default(name) for name in TOP_LEVEL_FIELDS}
            # The form opens on the first type of each kind the spec lists.
            values.update(name="", description="", bot_type=next(iter(BOT_CONFIGS)),
                          schedule_type=next(iter(SCHEDULE_CONFIGS)), timezone=settings.TIME_ZONE)
            # A new job starts as a dry run, so a first try cannot write to anyone by mistake.
            return cls(job=None, values=values, schedule_values={}, bot_values={"dry_run": True})
        values = {name: job_field_value(job, name) for name in TOP_LEVEL_FIELDS}
        values["description"] = job.description or ""
        values["run_after"] = ", ".join(upstream.name for upstream in job.run_after.order_by("name"))
        return cls(
            job=job,
            values=values,
            schedule_values=job_schedule(job).model_dump(),
            bot_values=job_bot_config(job).model_dump(),
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
        for name in (*TEXT_INPUTS, *TOP_LEVEL_NUMBERS):
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
        }
        for name in TOP_LEVEL_CHECKBOXES:
            data[name] = bool(self.values[name])
        # Left out (no account chosen): a new job goes to the default account, an edited one keeps its own.
        if self.values.get("account"):
            data["account"] = self.values["account"]
        run_after = self.values.get("run_after")
        data["run_after"] = _coerce("list", run_after) if isinstance(run_after, str) else list(run_after or [])
        data["run_after_when"] = self.values.get("run_after_when") or "success"
        for name in TOP_LEVEL_NUMBERS:
            raw = "" if self.values[name] is None else str(self.values[name])
            if raw.strip():
                data[name] = _coerce("number", raw)
            elif name in TOP_LEVEL_OPTIONAL:
                data[name] = None  # emptied: back to the default it stands for
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
                kind = _kind(field_facts(info))
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
        fields = config_fields("bot_config", model, self.bot_values, self.errors) if model else []
        for form_field in fields:
            if form_field.name == "bot_config.dry_run" and self.values["bot_type"] in DRY_RUN_HELP:
                form_field.help = DRY_RUN_HELP[self.values["bot_type"]]
        return fields

    @property
    def run_fields(self) -> list[FormField]:
        """Retries and time limits, drawn from the spec like the config fields (their labels in RUN_LABELS)."""
        fields = []
        for name, (label, help_text) in RUN_LABELS.items():
            facts = field_facts(JobFields.model_fields[name])
            value = self.values.get(name)
            if isinstance(value, list):
                value = ", ".join(value)
            fields.append(FormField(
                name=name, label=label, kind=_kind(facts), help=help_text, errors=field_errors(self.errors, name),
                value=bool(value) if facts.kind == "bool" else ("" if value is None else value),
                min=facts.minimum, max=facts.maximum, choices=facts.choices,
            ))
        return fields

    @property
    def known_error_names(self) -> set[str]:
        names = {f.name for f in self.schedule_fields} | {f.name for f in self.bot_fields}
        return names | set(WRITABLE_FIELDS)

    @property
    def other_errors(self) -> dict[str, list[str]]:
        """Errors no input answers to; shown at the top of the form with their path."""
        return {k: v for k, v in self.errors.items() if k not in self.known_error_names}

    @property
    def advanced_has_errors(self) -> bool:
        return any(k in self.errors for k in (*TOP_LEVEL_NUMBERS, *TOP_LEVEL_CHECKBOXES, *RUN_LABELS))
