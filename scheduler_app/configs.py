"""pydantic models for a job's ``schedule_config`` and ``bot_config``, one per type.

They are the single definition of what a config may hold: the services validate with them
before any write, the API documents them in OpenAPI, the admin and dashboard show their
errors. ``extra="forbid"`` turns an unknown key into an error, ``strict`` keeps ``"8"`` from
passing for ``8``.
"""
from datetime import datetime
from typing import Annotated, Any

from croniter import CroniterBadDateError, croniter
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

STRICT = ConfigDict(extra="forbid", strict=True)

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Hour = Annotated[int, Field(ge=0, le=23)]
Minute = Annotated[int, Field(ge=0, le=59)]
NonNegative = Annotated[int, Field(ge=0)]
MAX_INTERVAL_SECONDS = 366 * 24 * 3600


def parse_day_of_week(spec: str) -> list[int]:
    """``"mon,wed-fri"`` -> ``[0, 2, 3, 4]`` (Monday = 0). Raises ValueError naming the bad part."""
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError("must name at least one day (mon..sun)")
    days: set[int] = set()
    for part in spec.lower().replace(" ", "").split(","):
        bounds = part.split("-")
        if len(bounds) > 2 or not all(b in DAY_NAMES for b in bounds):
            raise ValueError(f"{part!r} is not a day name (mon..sun), a list or a range like mon-fri")
        first, last = DAY_NAMES.index(bounds[0]), DAY_NAMES.index(bounds[-1])
        if last < first:
            raise ValueError(f"range {part!r} runs backwards; write it as two ranges")
        days.update(range(first, last + 1))
    return sorted(days)


class DailySchedule(BaseModel):
    model_config = STRICT
    hour: Hour = 8
    minute: Minute = 0


class WeeklySchedule(BaseModel):
    model_config = STRICT
    day_of_week: str = "mon"
    hour: Hour = 8
    minute: Minute = 0

    @field_validator("day_of_week")
    @classmethod
    def _days(cls, value: str) -> str:
        parse_day_of_week(value)
        return value.lower().replace(" ", "")


class IntervalSchedule(BaseModel):
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
            raise ValueError("the interval must be longer than zero (set weeks, days, hours, minutes or seconds)")
        if self.total_seconds > MAX_INTERVAL_SECONDS:
            raise ValueError("the interval must be at most 366 days (use a cron schedule for rarer runs)")
        return self


class CronSchedule(BaseModel):
    """Standard five-field cron: minute hour day-of-month month day-of-week (0 and 7 = Sunday)."""

    model_config = STRICT
    cron_expression: str

    @field_validator("cron_expression")
    @classmethod
    def _cron(cls, value: str) -> str:
        fields = value.split()
        if len(fields) != 5:
            raise ValueError("must have exactly 5 fields: minute hour day-of-month month day-of-week")
        if not croniter.is_valid(" ".join(fields)):
            raise ValueError(f"{value!r} is not a valid cron expression")
        if fields[2] != "*" and fields[4] != "*":
            # Standard cron ORs a restricted day-of-month with a restricted day-of-week, Celery's
            # crontab ANDs them: refuse rather than fire on days the user did not mean.
            raise ValueError("restrict day-of-month or day-of-week, not both")
        try:
            croniter(" ".join(fields)).get_next(datetime)
        except CroniterBadDateError:
            raise ValueError(f"{value!r} never fires: no month has that day") from None
        return " ".join(fields)

    def expanded(self) -> list[list]:
        """Each field expanded to its values (``['*']`` when unrestricted); Sunday is 0."""
        fields, _ = croniter.expand(self.cron_expression)
        return fields


class ManualSchedule(BaseModel):
    model_config = STRICT


SCHEDULE_CONFIGS: dict[str, type[BaseModel]] = {
    "daily": DailySchedule,
    "weekly": WeeklySchedule,
    "interval": IntervalSchedule,
    "cron": CronSchedule,
    "manual": ManualSchedule,
}


class BirthdayBotConfig(BaseModel):
    model_config = STRICT
    dry_run: bool = False
    process_late: bool = False
    max_days_late: Annotated[int, Field(ge=1, le=365)] = 7
    max_messages_per_run: Annotated[int, Field(ge=1, le=100)] = 10

    @model_validator(mode="after")
    def _late_window_only_when_late(self) -> "BirthdayBotConfig":
        # Seed rule: without process_late the window means nothing, so it goes back to the default.
        if not self.process_late:
            self.max_days_late = 7
        return self


class VisitorBotConfig(BaseModel):
    model_config = STRICT
    dry_run: bool = False
    limit: Annotated[int, Field(ge=1, le=500)] = 50
    keywords: Annotated[str, Field(max_length=200)] | None = None
    location: Annotated[str, Field(max_length=200)] | None = None


BOT_CONFIGS: dict[str, type[BaseModel]] = {
    "birthday": BirthdayBotConfig,
    "visitor": VisitorBotConfig,
}


def schedule_model(schedule_type: str, config: dict[str, Any]) -> BaseModel:
    return SCHEDULE_CONFIGS[schedule_type].model_validate(config)


def bot_model(bot_type: str, config: dict[str, Any]) -> BaseModel:
    return BOT_CONFIGS[bot_type].model_validate(config)
