"""When LinkedIn pushes back on an account, in real Chromium against the sandbox, through the
scheduler's own path (``execution_run``): a checkpoint brakes every job of the account and no
browser starts for it again until a new session passes the probe; a limit banner cools it down and
it comes back by itself."""
import time
from datetime import timedelta

import pytest
from django.utils.timezone import now as utc_now

from bots.models import AccountStatus, LinkedInAccount
from bots.selectors import warmup_week
from bots.services.accounts import account_session_save
from scheduler_app.brakes.accounts import account_probe, accounts_cooldowns_end
from scheduler_app.brakes.models import JobPause
from scheduler_app.brakes.selectors import job_standing_pauses
from scheduler_app.brakes.services import job_pause
from scheduler_app.models import ExecutionStatus, JobExecution, Trigger
from scheduler_app.notify.models import NotificationDelivery
from scheduler_app.notify.services.channels import channel_create, rule_create
from scheduler_app.services.executions import execution_run
from tests.bots.helpers import sent_to
from tests.bots.test_account_runs import ChromiumWatch, new_account
from tests.factories import make_job

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    """Alerts are rows here; their Celery message would go to a broker this test has not."""
    monkeypatch.setattr("scheduler_app.notify.services.deliveries.deliveries_dispatch", lambda **_: None)


def _warm(account: LinkedInAccount) -> LinkedInAccount:
    account.warmup_started_at = utc_now() - timedelta(days=365)
    account.save(update_fields=["warmup_started_at"])
    return account


def _slot(seconds: int):
    return utc_now().replace(microsecond=0) + timedelta(seconds=seconds)


def _checkpointed(sandbox, sandbox_server, tmp_path):
    """Account alpha (a birthday and a visitor job) and beta (a birthday job); a checkpoint hits
    alpha's birthday run after one message."""
    alpha = _warm(new_account(sandbox_server, tmp_path, "alpha"))
    _warm(new_account(sandbox_server, tmp_path, "beta"))
    wishes = make_job(name="alpha wishes", account="alpha", bot_config={"dry_run": False})
    visits = make_job(name="alpha visits", bot_type="visitor", account="alpha",
                      bot_config={"dry_run": False, "limit": 2, "keywords": "engineer"})
    other = make_job(name="beta wishes", account="beta", bot_config={"dry_run": False})
    channel = channel_create(data={"name": "ops", "kind": "webhook", "config": {"url": "https://hooks.example.com/in"}})
    rule_create(data={"channel_id": str(channel.pk), "events": ["needs_attention"]})
    sandbox.faults(checkpoint_after_sent=1)
    execution = execution_run(job_id=wishes.pk, scheduled_for=_slot(0))
    return alpha, wishes, visits, other, execution


def test_a_checkpoint_mid_run_brakes_every_job_of_the_account_and_no_browser_starts_for_it(
        sandbox, sandbox_server, tmp_path):
    alpha, wishes, visits, other, execution = _checkpointed(sandbox, sandbox_server, tmp_path)

    assert execution.status == ExecutionStatus.FAILED
    assert execution.error.startswith("checkpoint"), execution.error
    assert execution.messages_sent == 1 == sum(sent_to(sandbox.state()).values())
    alpha.refresh_from_db()
    assert alpha.status == AccountStatus.NEEDS_REAUTH and alpha.status_execution_id == execution.pk
    for job in (wishes, visits):
        [pause] = job_standing_pauses(job=job)
        assert pause.kind == "system" and pause.cause == "needs_reauth"
        assert str(execution.pk) in pause.note
    assert job_standing_pauses(job=other) == []
    # One needs_attention alert, from the run that met the checkpoint.
    assert list(NotificationDelivery.objects.values_list("event", flat=True)) == ["needs_attention"]

    sandbox.faults(checkpoint_after_sent=None)  # whatever LinkedIn would do now, no browser may ask it
    manual = JobExecution.objects.create(job=visits, trigger=Trigger.MANUAL)  # a forced run-now
    later = _slot(60)
    with ChromiumWatch() as watch:
        next_slots = [execution_run(job_id=job.pk, scheduled_for=later) for job in (wishes, visits)]
        forced = execution_run(job_id=visits.pk, execution_id=manual.pk)
    assert watch.seen == set(), "a Chromium started for an account that needs a new session"
    for skipped in next_slots:
        assert skipped is None  # recorded at the claim, never run
    rows = JobExecution.objects.filter(job__in=[wishes, visits], scheduled_for=later)
    assert sorted(row.status for row in rows) == ["skipped", "skipped"]
    assert all(row.error.startswith("paused by the system: needs_reauth: account 'alpha' needs a new session")
               for row in rows)
    assert forced.status == ExecutionStatus.SKIPPED
    assert forced.error.startswith("account 'alpha' needs a new session: checkpoint")
    assert NotificationDelivery.objects.count() == 1
    # The other account is untouched.
    assert execution_run(job_id=other.pk, scheduled_for=later).status == ExecutionStatus.SUCCESS


def test_a_valid_new_session_lifts_only_the_system_pauses(sandbox, sandbox_server, tmp_path):
    alpha, wishes, visits, other, _ = _checkpointed(sandbox, sandbox_server, tmp_path)
    job_pause(job=visits, note="on holiday", actor="ada")  # the user's own pause, set meanwhile
    sandbox.faults(checkpoint_after_sent=None)

    state = (tmp_path / "alpha.json").read_text()
    account_session_save(account=alpha, storage_state=state)
    assert account_probe(account_id=alpha.pk) == "ok"  # a real browser opens the feed with it

    alpha.refresh_from_db()
    assert alpha.status == AccountStatus.ACTIVE and alpha.last_ok_at is not None
    assert job_standing_pauses(job=wishes) == []
    assert [(p.kind, p.note) for p in job_standing_pauses(job=visits)] == [("user", "on holiday")]
    assert execution_run(job_id=wishes.pk, scheduled_for=_slot(120)).status == ExecutionStatus.SUCCESS


def test_a_session_that_does_not_load_the_feed_keeps_the_brakes_on(sandbox, sandbox_server, tmp_path):
    alpha, wishes, visits, _, _ = _checkpointed(sandbox, sandbox_server, tmp_path)
    sandbox.faults(checkpoint_after_sent=None, expired_session=True)  # the new session is no good either

    account_session_save(account=alpha, storage_state=(tmp_path / "alpha.json").read_text())
    assert account_probe(account_id=alpha.pk).startswith("session expired")

    alpha.refresh_from_db()
    assert alpha.status == AccountStatus.NEEDS_REAUTH
    assert alpha.status_reason.startswith("the saved session was checked and did not load the feed")
    assert [p.cause for p in job_standing_pauses(job=wishes)] == ["needs_reauth"]


def test_a_limit_banner_cools_the_account_down_and_it_resumes_by_itself(sandbox, sandbox_server, tmp_path):
    alpha = _warm(new_account(sandbox_server, tmp_path, "alpha", cooldown_hours=1))
    wishes = make_job(name="alpha wishes", account="alpha", bot_config={"dry_run": False})
    visits = make_job(name="alpha visits", bot_type="visitor", account="alpha",
                      bot_config={"dry_run": False, "limit": 2, "keywords": "engineer"})
    sandbox.faults(limit_after_sent=1)

    execution = execution_run(job_id=wishes.pk, scheduled_for=_slot(0))

    assert execution.status == ExecutionStatus.FAILED and execution.error.startswith("rate limited"), execution.error
    assert execution.messages_sent == 1
    alpha.refresh_from_db()
    assert alpha.status == AccountStatus.COOLING_DOWN
    assert timedelta(minutes=59) < alpha.cooldown_until - utc_now() <= timedelta(hours=1)
    [pause] = job_standing_pauses(job=visits)
    assert (pause.cause, pause.until) == ("cooling_down", alpha.cooldown_until)
    later = _slot(60)
    with ChromiumWatch() as watch:
        assert execution_run(job_id=visits.pk, scheduled_for=later) is None
    assert watch.seen == set()
    skipped = JobExecution.objects.get(job=visits, scheduled_for=later)
    assert skipped.status == "skipped" and skipped.error.startswith("paused by the system until ")

    # A short cool-down for the test: it ends in two seconds, and nobody lifts anything by hand.
    ends = utc_now() + timedelta(seconds=2)
    LinkedInAccount.objects.filter(pk=alpha.pk).update(cooldown_until=ends)
    JobPause.objects.filter(cause="cooling_down").update(until=ends)
    sandbox.faults(limit_after_sent=None)
    time.sleep(2.5)
    assert accounts_cooldowns_end() == 1  # the watchdog's round
    alpha.refresh_from_db()
    assert alpha.status == AccountStatus.ACTIVE
    assert warmup_week(alpha) == 1  # the ramp starts again after a restriction
    resumed = execution_run(job_id=visits.pk, scheduled_for=utc_now().replace(microsecond=0) + timedelta(minutes=2))
    assert resumed.status == ExecutionStatus.SUCCESS, resumed.error
    assert resumed.profiles_visited == 2
