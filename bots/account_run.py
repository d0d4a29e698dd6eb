"""What stands between a bot run and a Chromium on its LinkedIn account.

``account_browser`` is what the bots open instead of a bare browser. In order:

1. the account's brakes, before anything waits: an account that needs a new session or is
   cooling down, and a quota with nothing left (warm-up included), end the run ``skipped`` with
   the reason and no Chromium started;
2. the account's browser lease (bots/services/accounts.py): one run drives an account at a
   time, fleet-wide. A run waits up to ACCOUNT_WAIT_SECONDS for it, then ends ``skipped``
   "account busy with <job>". The lease is renewed from a thread while the run holds it and
   released on every exit; a SIGKILLed worker's lease runs out after SCHEDULER_LEASE_SECONDS;
3. the brakes again (the run that held the account may have met a checkpoint meanwhile);
4. a host browser slot (BOT_BROWSER_SLOTS): lock files the kernel releases when a process dies,
   so a small machine never runs more browsers than it can hold, whatever the worker concurrency;
5. Chromium, with the account's session (decrypted in memory only).
"""
import contextlib
import fcntl
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError

from bots.browser import BrowserSession, linkedin_browser
from bots.driver import LinkedInDriver
from bots.models import DEFAULT_ACCOUNT_LABEL, AccountStatus, LinkedInAccount
from bots.renewal import PeriodicRenewal
from bots.runner import BotRun, BotSkipped, SessionLost, run_time_limit
from bots.selectors import (
    Allowance,
    account_effective_status,
    account_for_run,
    account_message_allowance,
    account_session_state,
    account_visit_allowance,
)
from bots.services.accounts import (
    account_browser_acquire,
    account_browser_release,
    account_browser_renew,
    account_ok,
)
from bots.steps import CLOSING_CHROMIUM, STARTING_CHROMIUM, WAITING_FOR_ACCOUNT

logger = logging.getLogger(__name__)

POLL_SECONDS = 1.0


@dataclass
class AccountBrowser:
    """An account's browser, held: the driver, its session (deadline), the account and what is
    left of the quota this run spends (``allowance``)."""

    driver: LinkedInDriver
    session: BrowserSession
    account: LinkedInAccount
    allowance: Allowance


def allowance_for(account: LinkedInAccount, bot_type: str) -> Allowance:
    return account_message_allowance(account) if bot_type == "birthday" else account_visit_allowance(account)


def account_refusal(account: LinkedInAccount, *, bot_type: str) -> str | None:
    """Why no browser may start on ``account`` now, or None."""
    status = account_effective_status(account)
    if status == AccountStatus.NEEDS_REAUTH:
        why = f": {account.status_reason}" if account.status_reason else ""
        return f"account {account.label!r} needs a new session{why}; no browser started"
    if status == AccountStatus.COOLING_DOWN:
        return (f"account {account.label!r} is cooling down until {account.cooldown_until.isoformat()}"
                f"{': ' + account.status_reason if account.status_reason else ''}")
    allowance = allowance_for(account, bot_type)
    if allowance.left <= 0:
        return f"quota used up until {allowance.resets_at.isoformat()}: {allowance.name} (account {account.label!r})"
    return None


def session_for(account: LinkedInAccount) -> dict | Path:
    """The account's session for Playwright; the default account may still use the file
    LINKEDIN_STORAGE_STATE (whose absence the browser reports)."""
    state = account_session_state(account)
    if state is not None:
        return state
    if account.label == DEFAULT_ACCOUNT_LABEL and not account.session_encrypted:
        return settings.LINKEDIN_STORAGE_STATE
    raise SessionLost(f"no LinkedIn session: account {account.label!r} has no readable session saved; save one "
                      f"with `python manage.py linkedin_login --account {account.label}` or in the dashboard")


def _holder(account_id) -> str:
    row = LinkedInAccount.objects.filter(pk=account_id).values("browser_holder", "browser_execution_id").first()
    if not row or not row["browser_execution_id"]:
        return "another run"
    return f"{row['browser_holder'] or 'a run'} (execution {row['browser_execution_id']})"


@contextlib.contextmanager
def account_lease(*, account: LinkedInAccount, execution_id, job_id, holder: str = "") -> Iterator[None]:
    """Hold ``account``'s browser lease (waiting up to ACCOUNT_WAIT_SECONDS), renewed while held."""
    lease = float(settings.SCHEDULER_LEASE_SECONDS)
    wait = settings.ACCOUNT_WAIT_SECONDS
    give_up = time.monotonic() + wait
    while not account_browser_acquire(account_id=account.pk, execution_id=execution_id, job_id=job_id,
                                      lease_seconds=lease, holder=holder):
        left = give_up - time.monotonic()
        if left <= 0:
            raise BotSkipped(f"account busy with {_holder(account.pk)}: its browser was not free within "
                             f"ACCOUNT_WAIT_SECONDS ({wait:.0f}s)")
        time.sleep(min(POLL_SECONDS, left))
    try:
        renew = partial(account_browser_renew, account_id=account.pk, execution_id=execution_id, lease_seconds=lease)
        with PeriodicRenewal(renew, every=lease / 3, what=f"the browser lease of account {account.label!r}"):
            yield
    finally:
        with contextlib.suppress(DatabaseError):
            account_browser_release(account_id=account.pk, execution_id=execution_id)


@contextlib.contextmanager
def host_browser_slot(*, give_up: float) -> Iterator[int | None]:
    """One of BOT_BROWSER_SLOTS on this host (None when there is no cap), until ``give_up``
    (a time.monotonic() value)."""
    slots = settings.BOT_BROWSER_SLOTS
    if slots <= 0:
        yield None
        return
    folder = Path(settings.BOT_BROWSER_SLOTS_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    while True:
        for index in range(slots):
            handle = os.open(folder / f"slot-{index}.lock", os.O_CREAT | os.O_RDWR, 0o600)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(handle)
                continue
            try:
                yield index
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
                os.close(handle)
            return
        left = give_up - time.monotonic()
        if left <= 0:
            raise BotSkipped(f"no browser slot free on this host (BOT_BROWSER_SLOTS={slots}) within "
                             f"ACCOUNT_WAIT_SECONDS ({settings.ACCOUNT_WAIT_SECONDS}s)")
        time.sleep(min(POLL_SECONDS / 2, left))


@contextlib.contextmanager
def account_browser(bot_run: BotRun) -> Iterator[AccountBrowser]:
    """The run's account, held, with Chromium on its session (see the module's docstring)."""
    account = account_for_run(bot_run.account_id)
    if refusal := account_refusal(account, bot_type=bot_run.bot_type):
        raise BotSkipped(refusal)
    give_up = time.monotonic() + settings.ACCOUNT_WAIT_SECONDS
    holder = f"job {bot_run.job_name!r}" if bot_run.job_name else f"job {bot_run.job_id}"
    bot_run.report(WAITING_FOR_ACCOUNT)
    with account_lease(account=account, execution_id=bot_run.execution_id, job_id=bot_run.job_id, holder=holder):
        account.refresh_from_db()
        if refusal := account_refusal(account, bot_type=bot_run.bot_type):
            raise BotSkipped(refusal)
        storage_state = session_for(account)
        bot_run.report(STARTING_CHROMIUM)
        with host_browser_slot(give_up=give_up), linkedin_browser(
                storage_state=storage_state, time_limit=bot_run.time_limit or run_time_limit(bot_run.bot_type, None)
        ) as (driver, session):
            yield AccountBrowser(driver=driver, session=session, account=account,
                                 allowance=allowance_for(account, bot_run.bot_type))
            bot_run.report(CLOSING_CHROMIUM)
        account_ok(account_id=account.pk)  # LinkedIn took the session for a whole run
