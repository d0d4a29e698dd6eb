"""Each bot's ``bot_config``, as a typed model the bot owns.

The scheduler validates a job's ``bot_config`` with these (through ``bots.runner``, its one door
into this app) and hands the bot the validated model back, so a bot never reads a dict.
``extra="forbid"`` turns an unknown key into an error, ``strict`` keeps ``"8"`` from passing for
``8``.
"""
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

STRICT = ConfigDict(extra="forbid", strict=True)
DEFAULT_MAX_DAYS_LATE = 7


class BirthdayBotConfig(BaseModel):
    """Birthday bot: wish today's birthdays (and, with process_late, those up to max_days_late ago)."""

    model_config = STRICT
    dry_run: bool = False
    process_late: bool = False
    max_days_late: Annotated[int, Field(ge=1, le=365)] = DEFAULT_MAX_DAYS_LATE
    max_messages_per_run: Annotated[int, Field(ge=1, le=100)] = 10
    # The language of the templates the messages come from (BCP-47: fr, en, fr-CA...). A contact's
    # own language wins over it; unset, the account's, else "fr" (bots/messages.py message_language_for).
    message_language: Annotated[str, Field(min_length=2, max_length=35,
                                           pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")] | None = None

    @model_validator(mode="after")
    def _late_window_only_when_late(self) -> "BirthdayBotConfig":
        # Without process_late the window means nothing, so it goes back to the default.
        if not self.process_late:
            self.max_days_late = DEFAULT_MAX_DAYS_LATE
        return self


class VisitorBotConfig(BaseModel):
    """Visitor bot: visit up to ``limit`` profiles from a people search."""

    model_config = STRICT
    dry_run: bool = False
    limit: Annotated[int, Field(ge=1, le=500)] = 50
    keywords: Annotated[str, Field(max_length=200)] | None = None
    location: Annotated[str, Field(max_length=200)] | None = None


BotConfig = BirthdayBotConfig | VisitorBotConfig

BOT_CONFIGS: dict[str, type[BotConfig]] = {
    "birthday": BirthdayBotConfig,
    "visitor": VisitorBotConfig,
}
