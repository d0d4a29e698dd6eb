"""The one door between the scheduler and the bots: bot type -> runner.

The scheduler validates a job's ``bot_config`` with ``BOT_CONFIGS`` (the bots own their config
models, bots/configs.py), hands a ``BotRun`` carrying the validated model to ``run_bot`` and gets
a ``BotOutcome`` back (the run is a
``success``), or a ``BotError`` whose message becomes the execution's error (``failed``), or a
``BotSkipped`` (``skipped``: the bot chose not to act, e.g. outside working hours). Either error
may carry the ``outcome`` of what the run did before it ended, so the history keeps its counts.
Which callable runs a bot type is ``settings.BOT_RUNNERS`` (dotted paths), so a test worker can
plug in a test runner without touching the scheduler.
"""
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.conf import settings
from django.utils.module_loading import import_string

from bots.configs import BOT_CONFIGS, BotConfig
from bots.renewal import PeriodicRenewal

__all__ = ["BOT_CONFIGS", "AccountPushback", "BotConfig", "BotError", "BotOutcome", "BotRun", "BotSkipped",
           "PeriodicRenewal", "RateLimited", "SessionLost", "TransientBotError", "UnsupportedLanguage",
           "outside_working_hours", "quota_usage", "run_bot", "run_time_limit", "step_display",
           "unconfirmed_sends", "working_hours_end"]


class BotError(Exception):
    """A run that failed for a reason the user should read (session expired, selector gone...).

    ``outcome`` is what the run did before it failed: the scheduler keeps its counts and report.
    """

    def __init__(self, message: str, *, outcome: "BotOutcome | None" = None):
        super().__init__(message)
        self.outcome = outcome


class TransientBotError(BotError):
    """A failure another attempt may not meet: Chromium crashed, a page did not load in time, the
    network failed. The scheduler may retry it (scheduler_app/services/retries.py)."""


class BotSkipped(BotError):
    """A run the bot declined to start (outside working hours...): recorded ``skipped``."""


class AccountPushback(BotError):
    """LinkedIn pushed back on the run's account: a person (or time) must fix it, so the run is
    never retried and the scheduler brakes the whole account (scheduler_app/brakes/accounts.py).
    ``cause`` is the account status it leads to."""

    cause = ""


class SessionLost(AccountPushback):
    """A checkpoint, a login wall or an expired session: the account needs a new session."""

    cause = "needs_reauth"


class RateLimited(AccountPushback):
    """LinkedIn shows a limit or warning banner: the account cools down."""

    cause = "cooling_down"


class UnsupportedLanguage(BotError):
    """LinkedIn shows the account's pages in a display language the bots have no words for
    (bots.linkedin_locators.PAGE_TEXTS): every run of the account would read nothing, so a person
    must fix it (switch the display language, or add the language's table) and a retry never
    helps. Not an AccountPushback: LinkedIn has nothing against the account, so it is not braked."""


@dataclass(frozen=True)
class BotRun:
    """One execution of one job, as the bot sees it."""

    execution_id: UUID
    job_id: UUID
    bot_type: str
    config: BotConfig  # the job's validated bot_config; its dry_run is the run's (decided by the scheduler)
    timezone: str
    account_id: UUID | None = None  # the job's LinkedIn account; None: the default account
    job_name: str = ""  # for people: "account busy with <job>"
    time_limit: float | None = None  # seconds; None: the bot type's default (``run_time_limit``)
    # Called with what the run is doing now ("writing to Ann 3/9") and its counts so far; the
    # scheduler shows it while the run goes on (scheduler_app/services/progress.py).
    progress: Callable[..., None] | None = field(default=None, compare=False, repr=False)

    def report(self, step: str, **counts: int) -> None:
        """Tell the scheduler what the run is doing now; never fails the run."""
        if self.progress is None:
            return
        try:
            self.progress(step, **counts)
        except Exception:  # what the run is doing matters less than doing it
            logging.getLogger(__name__).warning("progress report %r not taken", step, exc_info=True)

    @property
    def dry_run(self) -> bool:
        return self.config.dry_run


@dataclass
class BotOutcome:
    """What a run did: counts for the history row and a per-contact ``result``."""

    messages_sent: int = 0
    profiles_visited: int = 0
    result: dict[str, Any] = field(default_factory=dict)


Runner = Callable[[BotRun], BotOutcome]


def runner_for(bot_type: str) -> Runner:
    try:
        path = settings.BOT_RUNNERS[bot_type]
    except KeyError:
        raise BotError(f"No runner is configured for bot type {bot_type!r}") from None
    return import_string(path)


def run_bot(run: BotRun) -> BotOutcome:
    return runner_for(run.bot_type)(run)


def working_hours_end(*, timezone: str, moment):
    """The end of the working-hours window holding ``moment`` (bots/pacing.py), or None: the
    scheduler clips a jittered fire time to it (scheduler_app/jitter.py)."""
    from bots.pacing import working_hours_end as window_end

    return window_end(timezone=timezone, moment=moment)


def run_time_limit(bot_type: str, max_run_seconds: int | None) -> float:
    """A run's time limit: the job's ``max_run_seconds``, else the bot type's default
    (BOT_MAX_RUN_SECONDS), never above BOT_RUN_TIME_LIMIT when that cap is set."""
    limit = float(max_run_seconds or settings.BOT_MAX_RUN_SECONDS[bot_type])
    return min(limit, settings.BOT_RUN_TIME_LIMIT) if settings.BOT_RUN_TIME_LIMIT else limit


def outside_working_hours(*, account_id, timezone: str, moment) -> str | None:
    """Why a run of the account may not act at ``moment`` (its working hours, bots/pacing.py), or
    None: the scheduler never starts a retry outside them."""
    from bots.models import LinkedInAccount
    from bots.pacing import working_hours_check, working_hours_of

    account = LinkedInAccount.objects.filter(pk=account_id).first() if account_id else None
    spec, zone = working_hours_of(account, timezone=timezone)
    try:
        working_hours_check(timezone=zone, now=moment, spec=spec)
    except BotSkipped as exc:
        return str(exc)
    return None


def unconfirmed_sends(*, execution_id) -> int:
    """Messages of this execution still claimed (a send under way when the worker died) or
    unknown (clicked, not confirmed): the scheduler never retries such a run."""
    from bots.models import BirthdayMessage, MessageStatus

    return BirthdayMessage.objects.filter(execution_id=execution_id,
                                          status__in=[MessageStatus.CLAIMED, MessageStatus.UNKNOWN]).count()


def step_display(step: str) -> str:
    """A run's reported step (``BotRun.report``) in the active language (bots/steps.py)."""
    from bots.steps import step_display as display

    return display(step)


def quota_usage(now=None) -> dict:
    """What the bots have used of their daily and weekly quotas, and since when (the dashboard
    shows it): the bots' own counters over their own day and week."""
    from bots.selectors import day_start, messages_counted_since, visits_counted_since, week_start

    day, week = day_start(now), week_start(now)
    return {
        "day_start": day,
        "week_start": week,
        "messages_today": messages_counted_since(day),
        "messages_week": messages_counted_since(week),
        "visits_today": visits_counted_since(day),
    }
