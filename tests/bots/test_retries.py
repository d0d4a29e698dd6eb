"""Retries and time limits on real Chromium against the sandbox, through ``execution_run`` (what
the Celery task calls). The retry's message is recorded instead of going through a broker; the
test then delivers it at its time, as a worker would (the broker path is the same ``run_job``
message a manual run uses, tests/integration)."""
import threading
import time

import psutil
import pytest
from django.utils.timezone import now as utc_now

from bots.browser import MARKER_SWITCH, chromium_processes
from bots.models import BirthdayMessage, MessageStatus
from scheduler_app.models import ExecutionStatus, JobExecution
from scheduler_app.services.executions import execution_run
from tests.bots.helpers import sent_to
from tests.factories import make_job

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


@pytest.fixture
def sent_messages(monkeypatch):
    sent = []
    monkeypatch.setattr("scheduler_app.services.executions.celery_app.send_task",
                        lambda name, kwargs, **options: sent.append((kwargs, options)))
    return sent


def _kill_chromium_once_it_loads(sandbox, *, after: float) -> threading.Thread:
    """SIGKILL the run's Chromium (every process carrying a run marker) ``after`` seconds after it
    starts, while the sandbox is slow, then make the sandbox fast again: a browser crash."""
    def crash():
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not chromium_processes():
            time.sleep(0.05)
        time.sleep(after)
        victims = [p for p in chromium_processes() if any(a.startswith(MARKER_SWITCH) for a in p.cmdline())]
        sandbox.faults(slow_ms=0)
        for proc in victims:
            proc.kill()
        psutil.wait_procs(victims, timeout=5)

    thread = threading.Thread(target=crash, daemon=True)
    thread.start()
    return thread


def test_a_browser_crash_is_retried_on_the_same_row_and_the_second_attempt_succeeds(
        sandbox, sent_messages, django_capture_on_commit_callbacks):
    sandbox.faults(slow_ms=4000)
    job = make_job(bot_config={"dry_run": False}, retry_max=2, retry_backoff_seconds=1, retry_jitter=False)
    crash = _kill_chromium_once_it_loads(sandbox, after=1.5)

    with django_capture_on_commit_callbacks(execute=True):
        first = execution_run(job_id=job.pk, scheduled_for=utc_now())
    crash.join(timeout=30)

    assert (first.status, first.attempt) == (ExecutionStatus.QUEUED, 2), first.error
    assert "browser error" in first.attempts[0]["error"], first.attempts
    ((kwargs, options),) = sent_messages
    assert kwargs == {"job_id": str(job.pk), "execution_id": str(first.pk)}
    assert 0.5 <= (options["eta"] - utc_now()).total_seconds() <= 1.5  # backoff 1 s, no jitter

    time.sleep(max((options["eta"] - utc_now()).total_seconds(), 0))
    final = execution_run(job_id=job.pk, execution_id=kwargs["execution_id"])

    assert JobExecution.objects.filter(job=job).count() == 1
    assert (final.status, final.attempt, final.error) == (ExecutionStatus.SUCCESS, 2, None)
    assert [a["attempt"] for a in final.attempts] == [1] and final.attempts[0]["status"] == "failed"
    assert final.messages_sent == 2 == sum(sent_to(sandbox.state()).values())
    assert not chromium_processes()


def test_a_checkpoint_is_never_retried(sandbox, sent_messages, django_capture_on_commit_callbacks):
    sandbox.faults(checkpoint=True)
    job = make_job(bot_config={"dry_run": False}, retry_max=3, retry_backoff_seconds=1, retry_jitter=False)

    with django_capture_on_commit_callbacks(execute=True):
        execution = execution_run(job_id=job.pk, scheduled_for=utc_now())

    assert (execution.status, execution.attempt, execution.attempts) == (ExecutionStatus.FAILED, 1, [])
    assert execution.error.startswith("checkpoint")
    assert sent_messages == []


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)  # the lease keepers' threads write while the run goes on, as in a worker
def test_a_hung_message_overlay_ends_failed_at_the_jobs_time_limit_and_the_next_slot_runs(sandbox, settings):
    settings.BOT_RUN_TIME_LIMIT = None  # no cap: the job's own max_run_seconds is the limit
    settings.BOT_SEND_CONFIRM_MS = 120_000
    sandbox.faults(hang_after_sent=1)  # one message delivered, then the overlay hangs
    job = make_job(bot_config={"dry_run": False}, max_run_seconds=60, retry_max=2)

    started = time.monotonic()
    execution = execution_run(job_id=job.pk, scheduled_for=utc_now())
    took = time.monotonic() - started

    assert execution.status == ExecutionStatus.FAILED and execution.error.startswith("time limit of 60s reached")
    assert execution.attempt == 1  # a time limit is not retried
    assert took <= 60 + 5, took  # the limit, plus 5 s
    assert execution.messages_sent == 1 == BirthdayMessage.objects.filter(status=MessageStatus.SENT).count()
    assert not chromium_processes()

    sandbox.faults(hang_after_sent=0)
    following = execution_run(job_id=job.pk, scheduled_for=utc_now())
    assert following.status == ExecutionStatus.SUCCESS, following.error
