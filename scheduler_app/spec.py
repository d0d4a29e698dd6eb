"""The job spec: the one typed definition of a job, from the request to beat's row.

``scheduler_app.validation`` turns input (API body, admin form, dashboard form) into a
``JobSpec``; everything after it takes typed objects: the services store ``JobSpec.columns()``,
the schedule maths and sync take a ``Schedule`` model, the bots get their own config model
(bots/configs.py, reached through ``bots.runner``). A stored job's JSON columns are read back into
the same models here, by ``job_schedule`` / ``job_bot_config``, and nowhere else.

The field lists (``WRITABLE_FIELDS``, ``JOB_FIELDS``), the defaults and the bounds live here too:
the DRF serializers (scheduler_app/api/serializers.py), the dashboard form
(scheduler_app/dashboard/forms.py) and the admin are generated from them, so the OpenAPI document
states exactly what validation enforces.
"""
import re
import zoneinfo
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any, ClassVar, Literal, get_args, get_origin

import orjson
from annotated_types import Ge, Le, MaxLen, MinLen
from croniter import CroniterBadDateError, croniter
from django.conf import settings
from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from bots.runner import BOT_CONFIGS, BotConfig

# Schedules are frozen: a stored job's schedule is parsed once and shared (``job_schedule``).
STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Hour = Annotated[int, Field(ge=0, le=23)]
Minute = Annotated[int, Field(ge=0, le=59)]
NonNegative = Annotated[int, Field(ge=0)]
MAX_INTERVAL_SECONDS = 366 * 24 * 3600


def parse_day_of_week(spec: str) -> list[int]:
    """``"mon,wed-fri"`` -> ``[0, 2, 3, 4]`` (Monday = 0). Raises ValueError naming the bad part."""
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(_("must name at least one day (mon..sun)"))
    days: set[int] = set()
    for part in spec.lower().replace(" ", "").split(","):
        bounds = part.split("-")
        if len(bounds) > 2 or not all(b in DAY_NAMES for b in bounds):
            raise ValueError(_("%(part)r is not a day name (mon..sun), a list or a range like mon-fri")
                             % {"part": part})
        first, last = DAY_NAMES.index(bounds[0]), DAY_NAMES.index(bounds[-1])
        if last < first:
            raise ValueError(_("range %(part)r runs backwards; write it as two ranges") % {"part": part})
        days.update(range(first, last + 1))
    return sorted(days)


@dataclass(frozen=True)
class CrontabFields:
    """The five crontab fields in Celery's notation (day_of_week: Sunday = 0), values expanded."""

    minute: str
    hour: str
    day_of_month: str
    month_of_year: str
    day_of_week: str

    @property
    def expression(self) -> str:
        return f"{self.minute} {self.hour} {self.day_of_month} {self.month_of_year} {self.day_of_week}"


def _join(values: list) -> str:
    return "*" if values == ["*"] else ",".join(str(v) for v in values)


class DailySchedule(BaseModel):
    """Every day at hour:minute in the job's time zone."""

    type: ClassVar[str] = "daily"
    model_config = STRICT
    hour: Hour = 8
    minute: Minute = 0

    def crontab(self) -> CrontabFields:
        return CrontabFields(str(self.minute), str(self.hour), "*", "*", "*")


class WeeklySchedule(BaseModel):
    """On the named days (mon..sun: a list or ranges) at hour:minute in the job's time zone."""

    type: ClassVar[str] = "weekly"
    model_config = STRICT
    day_of_week: str = "mon"
    hour: Hour = 8
    minute: Minute = 0

    @field_validator("day_of_week")
    @classmethod
    def _days(cls, value: str) -> str:
        parse_day_of_week(value)
        return value.lower().replace(" ", "")

    @property
    def days(self) -> list[int]:
        """The days, Monday = 0."""
        return parse_day_of_week(self.day_of_week)

    def crontab(self) -> CrontabFields:
        # Our day numbers have Monday = 0; cron's have Sunday = 0.
        days = sorted((d + 1) % 7 for d in self.days)
        return CrontabFields(str(self.minute), str(self.hour), "*", "*", "*" if len(days) == 7 else _join(days))


class IntervalSchedule(BaseModel):
    """Every so much elapsed time, counted from the schedule's anchor (absolute time, no DST)."""

    type: ClassVar[str] = "interval"
    model_config = STRICT
    weeks: NonNegative = 0
    days: NonNegative = 0
    hours: NonNegative = 0
    minutes: NonNegative = 0
    seconds: NonNegative = 0

    @property
    def total_seconds(self) -> int:
        return (((self.weeks * 7 + self.days) * 24 + self.hours) * 60 + self.minutes) * 60 + self.seconds

    @model_validator(mode="after")
    def _positive(self) -> "IntervalSchedule":
        if self.total_seconds <= 0:
            raise ValueError(_("the interval must be longer than zero (set weeks, days, hours, minutes or seconds)"))
        if self.total_seconds > MAX_INTERVAL_SECONDS:
            raise ValueError(_("the interval must be at most 366 days (use a cron schedule for rarer runs)"))
        return self


CRON_FIELD_NAMES = ("minute", "hour", "day-of-month", "month", "day-of-week")
CRON_NAMES = {
    3: ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
    4: ("sun", "mon", "tue", "wed", "thu", "fri", "sat"),
}
_CRON_TERM = re.compile(r"^(?P<range>\*|(?P<first>[0-9a-z]+)(-(?P<last>[0-9a-z]+))?)(/(?P<step>[0-9]+))?$")


def _cron_value(token: str, index: int) -> int:
    if token.isdigit():
        return int(token)
    names = CRON_NAMES.get(index, ())
    if token in names:
        return names.index(token) + (1 if index == 3 else 0)
    raise ValueError(f"the {CRON_FIELD_NAMES[index]} field has {token!r}, which is not a number"
                     + (f" or a name ({names[0]}..{names[-1]})" if names else ""))


def cron_syntax_problem(fields: list[str]) -> str | None:
    """Why five cron fields use syntax beat and next-runs would not both honour, or None.

    Accepted: numbers, ``*``, lists, ranges ``a-b`` (forwards), steps ``*/n`` and ``a-b/n`` (and
    ``a/n`` except in day-of-week, whose end is ambiguous), month and day names. Refused:
    croniter's extensions (``L``, ``W``, ``#``, ``?``, ``H``), which Celery's crontab rows
    cannot carry and which would otherwise be stored but silently run differently, and ranges
    with equal ends (``3-3``, ``mon-mon``), which croniter expands to the whole field.
    """
    for index, text in enumerate(fields):
        for term in text.lower().split(","):
            match = _CRON_TERM.match(term)
            if match is None:
                return (f"the {CRON_FIELD_NAMES[index]} field has {term!r}: only numbers, names, '*', lists, "
                        "ranges (a-b) and steps (/n) are supported (no L, W, # or ?)")
            first = _cron_value(match["first"], index) if match["first"] else None
            last = _cron_value(match["last"], index) if match["last"] else None
            if first is not None and last is not None and last < first:
                return f"the {CRON_FIELD_NAMES[index]} range {term!r} runs backwards; write it as two ranges"
            if first is not None and first == last:
                # croniter reads a range with equal ends as the whole field ("3-3" as "*").
                return (f"the {CRON_FIELD_NAMES[index]} range {term!r} starts and ends at the same value; "
                        f"write the single value {match['first']}")
            if match["step"] is not None and int(match["step"]) == 0:
                return f"the {CRON_FIELD_NAMES[index]} step in {term!r} must be at least 1"
            if index == 4 and match["step"] is not None and first is not None and last is None:
                return f"the day-of-week term {term!r} is ambiguous; write a range with the step, e.g. 1-5/2"
    return None


class CronSchedule(BaseModel):
    """Standard five-field cron: minute hour day-of-month month day-of-week (0 and 7 = Sunday)."""

    type: ClassVar[str] = "cron"
    model_config = STRICT
    cron_expression: str

    @field_validator("cron_expression")
    @classmethod
    def _cron(cls, value: str, info: ValidationInfo) -> str:
        fields = value.split()
        if len(fields) != 5:
            raise ValueError(_("must have exactly 5 fields: minute hour day-of-month month day-of-week"))
        # A stored row is read back without the syntax rules: one written before they existed
        # must not make every reader fail (migration 0005 disabled such jobs and says why).
        problem = None if (info.context or {}).get("stored") else cron_syntax_problem(fields)
        if problem:
            raise ValueError(problem)
        if not croniter.is_valid(" ".join(fields)):
            raise ValueError(_("%(value)r is not a valid cron expression") % {"value": value})
        if fields[2] != "*" and fields[4] != "*":
            # Standard cron ORs a restricted day-of-month with a restricted day-of-week, Celery's
            # crontab ANDs them: refuse rather than fire on days the user did not mean.
            raise ValueError(_("restrict day-of-month or day-of-week, not both"))
        try:
            croniter(" ".join(fields)).get_next(datetime)
        except CroniterBadDateError:
            raise ValueError(_("%(value)r never fires: no month has that day") % {"value": value}) from None
        return " ".join(fields)

    def crontab(self) -> CrontabFields:
        minute, hour, dom, month, dow = croniter.expand(self.cron_expression)[0]
        # croniter folds 7 into 0, so "1-5" stays Monday..Friday and "7" is Sunday.
        return CrontabFields(_join(minute), _join(hour), _join(dom), _join(month), _join(dow))


class ManualSchedule(BaseModel):
    """Never fires by itself; runs only through "run now"."""

    type: ClassVar[str] = "manual"
    model_config = STRICT


Schedule = DailySchedule | WeeklySchedule | IntervalSchedule | CronSchedule | ManualSchedule

SCHEDULE_CONFIGS: dict[str, type[Schedule]] = {
    model.type: model for model in (DailySchedule, WeeklySchedule, IntervalSchedule, CronSchedule, ManualSchedule)
}

# Zone names the tz database ships that are not IANA zones: "localtime" is the host's zone, which
# would make a job's schedule depend on the machine that reads it.
NOT_IANA = frozenset({"localtime", "Factory", "posixrules"})


@lru_cache(maxsize=1)
def known_timezones() -> frozenset[str]:
    return frozenset(
        name for name in zoneinfo.available_timezones()
        if name not in NOT_IANA and not name.startswith(("posix/", "right/"))
    )


DEFAULT_MAX_INSTANCES = 1
MAX_MAX_INSTANCES = 100
DEFAULT_MISFIRE_GRACE_TIME = 3600
MAX_MISFIRE_GRACE_TIME = 31 * 24 * 3600  # up to a month late
DEFAULT_JITTER_SECONDS = 0
MAX_JITTER_SECONDS = 86400
MAX_RETRY_MAX = 5
DEFAULT_RETRY_BACKOFF_SECONDS = 60
DEFAULT_RETRY_BACKOFF_MAX_SECONDS = 1800
MAX_RETRY_BACKOFF_SECONDS = 86400
MIN_MAX_RUN_SECONDS = 60
MAX_RUN_AFTER = 20
MAX_MAX_RUN_SECONDS = 14400


class JobFields(BaseModel):
    """A job's writable fields as a client sends them; the configs are checked against their
    type's model once the types are known (scheduler_app.validation)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(max_length=500)] | None = None
    bot_type: Literal[tuple(BOT_CONFIGS)] = Field(description="Immutable after create.")
    enabled: bool = True
    schedule_type: Literal[tuple(SCHEDULE_CONFIGS)]
    schedule_config: dict[str, Any] = Field(default_factory=dict)
    bot_config: dict[str, Any] = Field(default_factory=dict)
    timezone: str = Field(default_factory=lambda: settings.TIME_ZONE,
                          description="IANA name, e.g. Europe/Paris; default the server's TIME_ZONE.")
    max_instances: Annotated[int, Field(ge=1, le=MAX_MAX_INSTANCES)] = DEFAULT_MAX_INSTANCES
    misfire_grace_time: Annotated[int, Field(ge=1, le=MAX_MISFIRE_GRACE_TIME)] = DEFAULT_MISFIRE_GRACE_TIME
    coalesce: bool = True
    account: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        default=None,
        description="The LinkedIn account the bot acts on: its id or label; default the 'default' account "
                    "(or the only one).")
    jitter_seconds: Annotated[int, Field(ge=0, le=MAX_JITTER_SECONDS)] = Field(
        default=DEFAULT_JITTER_SECONDS,
        description="Delay each slot's fire time by a stable per-slot amount up to this many seconds "
                    "(never past the next slot or the working-hours end); 0 fires on the slot.")
    retry_max: Annotated[int, Field(ge=0, le=MAX_RETRY_MAX)] = Field(
        default=0,
        description="Further attempts of a run that failed for a transient reason (browser crash, navigation "
                    "timeout, network error, worker lost); never for a checkpoint, an expired session, a rate "
                    "limit, a used-up quota or an unconfirmed send. Attempts stay on the slot's one row.")
    retry_backoff_seconds: Annotated[int, Field(ge=1, le=MAX_RETRY_BACKOFF_SECONDS)] = Field(
        default=DEFAULT_RETRY_BACKOFF_SECONDS,
        description="Delay before the first retry; doubled for each further one.")
    retry_backoff_max_seconds: Annotated[int, Field(ge=1, le=MAX_RETRY_BACKOFF_SECONDS)] = Field(
        default=DEFAULT_RETRY_BACKOFF_MAX_SECONDS, description="The longest delay between two attempts.")
    retry_jitter: bool = Field(
        default=True, description="Spread each retry delay at random over its second half.")
    max_run_seconds: Annotated[int, Field(ge=MIN_MAX_RUN_SECONDS, le=MAX_MAX_RUN_SECONDS)] | None = Field(
        default=None,
        description="The run's time limit: at it the bot stops, closes Chromium and the run ends failed "
                    "'time limit'; default 1800 s for the birthday bot, 3600 s for the visitor bot.")
    warn_after_seconds: Annotated[int, Field(ge=1, le=MAX_MAX_RUN_SECONDS)] | None = Field(
        default=None, description="A run still going after this long raises one long_running event.")
    run_after: Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]],
                         Field(max_length=MAX_RUN_AFTER)] = Field(
        default_factory=list,
        description="Jobs (ids or unique names) whose final runs each start one run of this job, keyed on the "
                    "run that triggered it; same account only, no cycles. The job may keep its own schedule.")
    run_after_when: Literal["success", "completion"] = Field(
        default="success",
        description="success: only after an upstream run that succeeded (a failed one leaves a skipped row "
                    "saying so); completion: after any upstream run that ran (success or failed).")

    @field_validator("name")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError(_("must not be blank"))
        return value

    @field_validator("timezone")
    @classmethod
    def _iana(cls, value: str) -> str:
        if value not in known_timezones():
            raise ValueError(_("%(value)r is not an IANA time zone name (e.g. Europe/Paris)") % {"value": value})
        return value


WRITABLE_FIELDS: tuple[str, ...] = tuple(JobFields.model_fields)
# Kept from the latest execution and from beat; shown, never written by a client.
READ_ONLY_FIELDS = ("created_at", "updated_at", "created_by", "last_run_at", "last_run_status", "last_run_error",
                    "next_run_at")
JOB_FIELDS: tuple[str, ...] = ("id", *WRITABLE_FIELDS, *READ_ONLY_FIELDS)


@dataclass(frozen=True)
class FieldFacts:
    """What a model field accepts, read off its annotation: the one reading the DRF serializers
    and the dashboard form are both generated from, so neither can state other bounds."""

    kind: str  # "bool" | "int" | "str" | "choice" | "object"
    required: bool
    nullable: bool = False
    default: Any = None
    minimum: int | None = None
    maximum: int | None = None
    min_length: int | None = None
    max_length: int | None = None
    choices: tuple = ()
    description: str | None = None


def field_facts(info) -> FieldFacts:
    """``FieldFacts`` of a pydantic ``FieldInfo``."""
    annotation, metadata = info.annotation, list(info.metadata)
    args = get_args(annotation)
    nullable = type(None) in args
    if nullable:
        (annotation,) = [arg for arg in args if arg is not type(None)]
    if get_args(annotation) and get_origin(annotation) is Annotated:
        annotation, *extra = get_args(annotation)
        for item in extra:
            metadata.extend(getattr(item, "metadata", [item]))
    bounds: dict[str, int] = {}
    for item in metadata:
        if isinstance(item, Ge):
            bounds["minimum"] = item.ge
        elif isinstance(item, Le):
            bounds["maximum"] = item.le
        elif isinstance(item, MinLen):
            bounds["min_length"] = item.min_length
        elif isinstance(item, MaxLen):
            bounds["max_length"] = item.max_length
    choices: tuple = ()
    if get_origin(annotation) is Literal:
        kind, choices = "choice", get_args(annotation)
    elif annotation is bool:
        kind = "bool"
    elif annotation is int:
        kind = "int"
    elif annotation is str:
        kind = "str"
    else:
        kind = "object"
    required = info.is_required()
    default = None if required else info.get_default(call_default_factory=True)
    return FieldFacts(kind=kind, required=required, nullable=nullable, default=default, choices=choices,
                      description=info.description, **bounds)


def field_default(name: str) -> Any:
    """A writable field's default as the spec states it (None when it has none)."""
    return field_facts(JobFields.model_fields[name]).default


# Spec fields stored under another column name.
STORED_AS = {"account": "account_id"}
# Spec fields stored as rows of their own (JobLink, scheduler_app/services/chains.py), not columns.
LINK_FIELDS = frozenset({"run_after"})


@dataclass(frozen=True)
class JobSpec:
    """A validated job: what the services store and everything downstream reads."""

    name: str
    description: str | None
    bot_type: str
    enabled: bool
    schedule_type: str
    schedule: Schedule
    bot: BotConfig
    timezone: str
    max_instances: int
    misfire_grace_time: int
    coalesce: bool
    jitter_seconds: int = DEFAULT_JITTER_SECONDS
    account: str | None = None  # the account's id, resolved by validation
    retry_max: int = 0
    retry_backoff_seconds: int = DEFAULT_RETRY_BACKOFF_SECONDS
    retry_backoff_max_seconds: int = DEFAULT_RETRY_BACKOFF_MAX_SECONDS
    retry_jitter: bool = True
    max_run_seconds: int | None = None
    warn_after_seconds: int | None = None
    run_after: list[str] = dataclass_field(default_factory=list)  # upstream job ids, resolved by validation
    run_after_when: str = "success"

    @property
    def schedule_config(self) -> dict[str, Any]:
        return self.schedule.model_dump(exclude_none=True)

    @property
    def bot_config(self) -> dict[str, Any]:
        return self.bot.model_dump(exclude_none=True)

    def columns(self) -> dict[str, Any]:
        """The ScheduledJob column values, configs stored with their defaults filled in."""
        return {STORED_AS.get(name, name): getattr(self, name) for name in WRITABLE_FIELDS
                if name not in LINK_FIELDS}


def job_field_value(job, name: str) -> Any:
    """A stored job's writable field as the spec states it (the account as its id)."""
    if name == "account":
        return str(job.account_id) if job.account_id else None
    if name == "run_after":
        return sorted(str(pk) for pk in job.upstream_links.values_list("upstream_id", flat=True)) \
            if not job._state.adding else []
    return getattr(job, name)


@lru_cache(maxsize=4096)
def _stored_schedule(schedule_type: str, config_json: bytes) -> Schedule:
    return SCHEDULE_CONFIGS[schedule_type].model_validate(orjson.loads(config_json), context={"stored": True})


def job_schedule(job) -> Schedule:
    """A stored job's schedule as its model (validated when it was written, read back under the
    rules it was written with; cached: a fleet shares a few schedules)."""
    return _stored_schedule(job.schedule_type, orjson.dumps(job.schedule_config, option=orjson.OPT_SORT_KEYS))


def job_bot_config(job) -> BotConfig:
    """A stored job's bot_config as its bot's model."""
    return BOT_CONFIGS[job.bot_type].model_validate(job.bot_config)
