"""Reads of LinkedIn accounts as the API and the dashboard show them: the status in words (what
it means, how to get out of it), today's allowances, the warm-up week and the jobs count.

Never the session: only whether there is one (``has_session``).
"""
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from bots.accounts import (
    AccountStatus,
    Allowance,
    LinkedInAccount,
    account_effective_status,
    account_find,
    account_has_session,
    account_message_allowance,
    account_visit_allowance,
    accounts_with_jobs_count,
    warmup_week,
)


@dataclass(frozen=True)
class StatusWords:
    label: str
    meaning: str
    way_out: str
    # A session was saved after the account was braked: its check on the feed has not answered yet,
    # so the stored reason is older than the session.
    checking: bool = False


def _session_newer_than_status(account: LinkedInAccount) -> bool:
    return bool(account.session_saved_at and (account.status_changed_at is None
                                              or account.session_saved_at > account.status_changed_at))


def account_status_words(account: LinkedInAccount, now: datetime | None = None) -> StatusWords:
    """What the account's status means for its jobs, and what gets it out of it."""
    now = now or timezone.now()
    status = account_effective_status(account, now)
    if status == AccountStatus.NEEDS_REAUTH and _session_newer_than_status(account):
        saved = date_format(timezone.localtime(account.session_saved_at), "d M Y H:i")
        return StatusWords(
            label=_("Checking the new session"),
            meaning=_("A new session was saved on %(saved)s; a check of LinkedIn's feed with it is queued. Its jobs "
                      "stay paused by the system until the check answers.") % {"saved": saved},
            way_out=_("Wait for the check (it needs the worker running): when the feed loads, the account is active "
                      "again and the system pauses lift by themselves; if it does not, the reason shows here."),
            checking=True,
        )
    if status == AccountStatus.NEEDS_REAUTH:
        return StatusWords(
            label=_("Needs a new session"),
            meaning=_("No bot starts a browser for this account: LinkedIn asked for a login (or no session was "
                      "saved yet), and its jobs are paused by the system."),
            way_out=_("Save a new session (upload a storage-state file, PUT /scheduler/accounts/{id}/session, or "
                      "`manage.py linkedin_login --account %(label)s`). A check of LinkedIn's feed follows; "
                      "when it loads, the system pauses lift by themselves.") % {"label": account.label},
        )
    if status == AccountStatus.COOLING_DOWN:
        until = date_format(timezone.localtime(account.cooldown_until), "d M Y H:i") if account.cooldown_until \
            else _("its cool-down ends")
        return StatusWords(
            label=_("Cooling down"),
            meaning=_("LinkedIn showed a limit or a warning: the account rests for %(hours)s h and "
                      "its jobs are paused by the system; its warm-up starts again afterwards.")
            % {"hours": account.cooldown_hours},
            way_out=_("Nothing to do: its jobs start again by themselves at %(until)s. Resuming a job with its "
                      "system pauses overrides the rest (not advised).") % {"until": until},
        )
    if account.status == AccountStatus.COOLING_DOWN:  # over, not yet written back by the watchdog
        return StatusWords(label=_("Active"), meaning=_("Its cool-down is over: the bots may use it again."),
                           way_out="")
    return StatusWords(label=_("Active"), meaning=_("The bots may use it, within its working hours and quotas."),
                       way_out="")


@dataclass(frozen=True)
class AccountOverview:
    account: LinkedInAccount
    status: str  # the effective status (a cool-down whose time is over is active)
    words: StatusWords
    has_session: bool
    warmup_week: int | None
    messages: Allowance
    visits: Allowance
    jobs: int
    busy: bool  # a run (or a probe) holds its browser now


def account_overview(account: LinkedInAccount, now: datetime | None = None) -> AccountOverview:
    """One account as shown; three counts for the allowances, one for the jobs unless annotated
    (``accounts_with_jobs_count``)."""
    now = now or timezone.now()
    jobs = getattr(account, "jobs_count", None)
    busy = bool(account.browser_execution_id and account.browser_lease_expires_at
                and account.browser_lease_expires_at > now)
    return AccountOverview(
        account=account,
        status=account_effective_status(account, now),
        words=account_status_words(account, now),
        has_session=account_has_session(account),
        warmup_week=warmup_week(account, now),
        messages=account_message_allowance(account, now),
        visits=account_visit_allowance(account, now),
        jobs=jobs if jobs is not None else account.jobs.count(),
        busy=busy,
    )


def account_overview_list(now: datetime | None = None) -> list[AccountOverview]:
    """Every account, by label (a handful: each costs a few small counts)."""
    now = now or timezone.now()
    return [account_overview(account, now) for account in accounts_with_jobs_count()]


def account_overview_get(*, account_id) -> AccountOverview | None:
    """One account by id (None when malformed or unknown), with its jobs counted."""
    account = accounts_with_jobs_count_get(account_id=account_id)
    return account_overview(account) if account is not None else None


def accounts_with_jobs_count_get(*, account_id) -> LinkedInAccount | None:
    try:
        return accounts_with_jobs_count().filter(pk=account_id).first()
    except (ValueError, TypeError, ValidationError):  # not a UUID
        return None


def account_choices() -> QuerySet[LinkedInAccount]:
    """The accounts a job or a holiday form offers, by label."""
    return LinkedInAccount.objects.order_by("label").only("id", "label", "status")



def account_by_ref(ref) -> LinkedInAccount | None:
    """The account a request names by id or label (a job's ``account``, a bulk filter); None
    when no account has it."""
    return account_find(ref.strip() if isinstance(ref, str) else None)
