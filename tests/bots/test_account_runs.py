"""Runs on LinkedIn accounts, in real Chromium against the sandbox, as the scheduler makes them
(``execution_run``): the account's brakes stop a run before any browser starts, the warm-up caps
a new account, one browser at a time drives an account, and a host never runs more browsers than
BOT_BROWSER_SLOTS."""
import fcntl
import os
import threading
import time
import uuid
from datetime import timedelta

import pytest
from django.utils.timezone import now as utc_now

from bots.browser import chromium_processes
from bots.models import AccountStatus, BirthdayMessage, LinkedInAccount, MessageStatus
from bots.sandbox.server import sandbox_storage_state_write
from bots.services.accounts import account_browser_acquire, account_browser_release, account_create
from scheduler_app.models import ExecutionStatus
from scheduler_app.services.executions import execution_run
from tests.bots.helpers import sent_to
from tests.factories import make_job

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class ChromiumWatch:
    """Polls this process's tree for Chromium while a run goes on: how many were ever seen."""

    def __init__(self) -> None:
        self.seen: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.seen.update(proc.pid for proc in chromium_processes())
            time.sleep(0.02)

    def __enter__(self) -> "ChromiumWatch":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()


def new_account(sandbox_server, tmp_path, label: str, **fields) -> LinkedInAccount:
    """An account holding the sandbox's session, as a saved login would."""
    state = sandbox_storage_state_write(tmp_path / f"{label}.json", base_url=sandbox_server.base_url).read_text()
    return account_create(data={"label": label, "storage_state": state, **fields})


def test_a_new_account_sends_at_most_its_warm_up_cap_on_day_one(sandbox, sandbox_server, tmp_path):
    account = new_account(sandbox_server, tmp_path, "fresh")
    job = make_job(account=account.label, bot_config={"dry_run": False, "process_late": True, "max_days_late": 7})

    execution = execution_run(job_id=job.pk, scheduled_for=utc_now())

    assert execution.status == ExecutionStatus.SUCCESS, execution.error
    assert execution.messages_sent == 3 == sum(sent_to(sandbox.state()).values())  # 6 were due
    assert execution.result["stopped"] == "daily quota of 3 messages (warm-up week 1) reached"
    assert BirthdayMessage.objects.filter(account=account, status=MessageStatus.SENT).count() == 3
    account.refresh_from_db()
    assert account.last_ok_at is not None and account.last_ok_at >= execution.started_at


def test_a_used_up_quota_skips_the_run_with_its_reset_time_and_starts_no_browser(sandbox, sandbox_server, tmp_path):
    account = new_account(sandbox_server, tmp_path, "capped", messages_per_day=2)
    account.warmup_started_at = utc_now() - timedelta(days=365)  # warmed up: its own cap binds
    account.save(update_fields=["warmup_started_at"])
    first = make_job(name="first", account=account.label, bot_config={"dry_run": False})
    assert execution_run(job_id=first.pk, scheduled_for=utc_now()).messages_sent == 2
    again = make_job(name="again", account=account.label, bot_config={"dry_run": False, "process_late": True})

    with ChromiumWatch() as watch:
        execution = execution_run(job_id=again.pk, scheduled_for=utc_now())

    assert execution.status == ExecutionStatus.SKIPPED
    assert execution.error.startswith("quota used up until ")
    assert "daily quota of 2 messages" in execution.error and "'capped'" in execution.error
    assert watch.seen == set(), "no Chromium may start for a run with nothing left to send"
    assert sum(sent_to(sandbox.state()).values()) == 2


def test_quotas_are_per_account(sandbox, sandbox_server, tmp_path):
    for label in ("one", "two"):
        account = new_account(sandbox_server, tmp_path, label, messages_per_day=1)
        account.warmup_started_at = utc_now() - timedelta(days=365)
        account.save(update_fields=["warmup_started_at"])
    runs = [execution_run(job_id=make_job(name=label, account=label, bot_config={"dry_run": False}).pk,
                          scheduled_for=utc_now()) for label in ("one", "two")]
    assert [run.messages_sent for run in runs] == [1, 1]
    # Each account wished a different person: one message per (account, contact, birthday).
    assert sent_to(sandbox.state()) == {"alice-martin-0": 2}


def test_a_run_waits_for_its_accounts_browser_then_skips_naming_the_holder(sandbox, sandbox_server, tmp_path,
                                                                          settings):
    settings.ACCOUNT_WAIT_SECONDS = 2
    account = new_account(sandbox_server, tmp_path, "busy")
    holder = uuid.uuid4()
    assert account_browser_acquire(account_id=account.pk, execution_id=holder, job_id=None, lease_seconds=60,
                                   holder="job 'visits at nine'")
    job = make_job(account=account.label, bot_config={"dry_run": False})

    started = time.monotonic()
    with ChromiumWatch() as watch:
        execution = execution_run(job_id=job.pk, scheduled_for=utc_now())

    assert execution.status == ExecutionStatus.SKIPPED
    assert execution.error.startswith(f"account busy with job 'visits at nine' (execution {holder})")
    assert time.monotonic() - started >= 2
    assert watch.seen == set()
    # Released, the account serves the next run.
    account_browser_release(account_id=account.pk, execution_id=holder)
    again = execution_run(job_id=job.pk, scheduled_for=utc_now())
    assert again.status == ExecutionStatus.SUCCESS, again.error
    assert LinkedInAccount.objects.get(pk=account.pk).browser_execution_id is None


def test_an_expired_lease_frees_the_account(sandbox, sandbox_server, tmp_path):
    account = new_account(sandbox_server, tmp_path, "crashed")
    gone = uuid.uuid4()
    account_browser_acquire(account_id=account.pk, execution_id=gone, job_id=None, lease_seconds=60)
    LinkedInAccount.objects.filter(pk=account.pk).update(browser_lease_expires_at=utc_now() - timedelta(seconds=1))
    job = make_job(account=account.label, bot_config={"dry_run": False})

    assert execution_run(job_id=job.pk, scheduled_for=utc_now()).status == ExecutionStatus.SUCCESS


def test_a_host_runs_no_more_browsers_than_its_slots(sandbox, sandbox_server, tmp_path, settings):
    settings.BOT_BROWSER_SLOTS = 1
    settings.BOT_BROWSER_SLOTS_DIR = tmp_path / "slots"
    settings.ACCOUNT_WAIT_SECONDS = 2
    new_account(sandbox_server, tmp_path, "pi")
    (tmp_path / "slots").mkdir()
    taken = os.open(tmp_path / "slots" / "slot-0.lock", os.O_CREAT | os.O_RDWR)
    fcntl.flock(taken, fcntl.LOCK_EX)  # another worker's browser, as far as this host knows
    job = make_job(account="pi", bot_config={"dry_run": False})
    try:
        with ChromiumWatch() as watch:
            execution = execution_run(job_id=job.pk, scheduled_for=utc_now())
    finally:
        os.close(taken)  # what the kernel does when that worker dies

    assert execution.status == ExecutionStatus.SKIPPED
    assert execution.error.startswith("no browser slot free on this host (BOT_BROWSER_SLOTS=1)")
    assert watch.seen == set()
    assert execution_run(job_id=job.pk, scheduled_for=utc_now()).status == ExecutionStatus.SUCCESS


def test_an_account_without_a_session_starts_no_browser(sandbox):
    account = account_create(data={"label": "empty"})
    assert account.status == AccountStatus.NEEDS_REAUTH
    job = make_job(account="empty", bot_config={"dry_run": False})

    with ChromiumWatch() as watch:
        execution = execution_run(job_id=job.pk, scheduled_for=utc_now())

    assert execution.status == ExecutionStatus.SKIPPED
    assert execution.error == "account 'empty' needs a new session: no session saved yet; no browser started"
    assert watch.seen == set()
