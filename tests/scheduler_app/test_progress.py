"""The reporter plumbing of live progress (issue 22 item 5): a bot's report, the run's memory of
it, the lease keeper that writes it to the row, and the words people read."""
import time
import uuid

import pytest
from django.utils import translation

from bots import pacing
from bots.runner import BOT_CONFIGS, BotError, BotOutcome, BotRun
from bots.steps import PAUSING, STEPS, WRITING_TO, step, step_display
from scheduler_app.models import JobExecution
from scheduler_app.services import execution_claim, execution_run, job_run_now
from scheduler_app.services.executions import _lease_keeper
from scheduler_app.services.progress import RunProgress
from tests.factories import make_job


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    """Run-now's Celery message goes nowhere: these tests claim and run the rows themselves."""
    monkeypatch.setattr("scheduler_app.services.jobs.celery_app.send_task", lambda *args, **kwargs: None)


def a_run(progress=None) -> BotRun:
    return BotRun(execution_id=uuid.uuid4(), job_id=uuid.uuid4(), bot_type="birthday",
                  config=BOT_CONFIGS["birthday"].model_validate({}), timezone="Europe/Paris", progress=progress)


def test_run_progress_keeps_counts_not_given_and_hands_each_report_over_once():
    progress = RunProgress()
    assert progress.take() is None and progress.last() is None

    progress.report("reading the birthday list", messages_sent=0, planned=9)
    progress.report("writing to Ann Lee 1/9")
    newest = progress.take()
    assert newest["step"] == "writing to Ann Lee 1/9"
    assert newest["counts"] == {"messages_sent": 0, "planned": 9}
    assert progress.take() is None, "nothing new: nothing to write"

    progress.report("writing to Ann Lee 1/9", messages_sent=1)
    assert progress.take()["counts"] == {"messages_sent": 1, "planned": 9}
    assert progress.last()["counts"]["messages_sent"] == 1 and progress.take() is None


def test_bot_run_report_reaches_the_reporter_and_never_fails_the_run(caplog):
    seen = []
    a_run(progress=lambda text, **counts: seen.append((text, counts))).report("opening LinkedIn", planned=3)
    assert seen == [("opening LinkedIn", {"planned": 3})]

    a_run().report("nobody listens")  # no reporter: nothing happens

    def broken(text, **counts):
        raise ValueError("the reporter is broken")

    a_run(progress=broken).report("opening LinkedIn")
    assert "progress report 'opening LinkedIn' not taken" in caplog.text


def test_human_pause_says_how_long_it_pauses_before_it_sleeps(settings, monkeypatch):
    settings.BOT_PAUSE_MIN_SECONDS, settings.BOT_PAUSE_MAX_SECONDS = 41.2, 41.2
    slept, seen = [], []
    monkeypatch.setattr(pacing.time, "sleep", lambda seconds: slept.append((seconds, list(seen))))

    pacing.human_pause(report=seen.append)

    assert slept == [(pytest.approx(41.2), ["pausing 42 s"])]
    settings.BOT_PAUSE_MIN_SECONDS = settings.BOT_PAUSE_MAX_SECONDS = 0
    pacing.human_pause(report=seen.append)
    assert seen == ["pausing 42 s"], "no pause: nothing said"


def test_every_step_reads_back_its_parts_and_shows_in_the_readers_language(monkeypatch):
    assert step_display("an exception's own words") == "an exception's own words"
    with translation.override("fr"):
        assert step_display(step(WRITING_TO, name="Ann Lee", number=3, total=9)) == "écriture à Ann Lee 3/9"
        assert step_display(step(PAUSING, seconds=42)) == "pause de 42 s"

    # A translation that wraps the msgid: each stored step comes back filled with its own parts.
    monkeypatch.setattr("bots.steps._", lambda msgid: f"<{msgid}>")
    for text in STEPS:
        stored = step(text, name="Zoé N'Diaye 2/3", number=3, total=9, page=2, seconds=42)
        assert step_display(stored) == f"<{stored}>", text


@pytest.mark.django_db(transaction=True)
def test_the_lease_keeper_writes_the_newest_report_to_the_row_within_the_progress_period(settings):
    settings.SCHEDULER_PROGRESS_SECONDS = 0.3
    job = make_job()
    execution = execution_claim(job_id=job.pk, execution_id=job_run_now(job=job).pk)
    progress = RunProgress()

    def stored(step_text: str) -> dict:
        give_up = time.monotonic() + 3
        while time.monotonic() < give_up:
            row = JobExecution.objects.get(pk=execution.pk).progress
            if row and row["step"] == step_text:
                return row
            time.sleep(0.05)
        raise AssertionError(f"{step_text!r} never reached the row: {row}")

    with _lease_keeper(execution.pk, progress):
        progress.report("writing to Ann Lee 1/2", messages_sent=0, planned=2)
        assert stored("writing to Ann Lee 1/2")["counts"] == {"messages_sent": 0, "planned": 2}
        progress.report("writing to Ann Lee 2/2", messages_sent=1)
        assert stored("writing to Ann Lee 2/2")["counts"] == {"messages_sent": 1, "planned": 2}


def failing_after_two_steps(run: BotRun) -> BotOutcome:
    run.report("writing to Ann Lee 1/2", messages_sent=0, planned=2)
    run.report("writing to Bob Stone 2/2", messages_sent=1)
    raise BotError("the page changed", outcome=BotOutcome(messages_sent=1))


@pytest.mark.django_db
def test_a_failed_run_keeps_the_step_it_failed_at(settings):
    settings.BOT_RUNNERS = {"birthday": f"{__name__}.failing_after_two_steps"}
    job = make_job()

    execution = execution_run(job_id=job.pk, execution_id=job_run_now(job=job).pk)

    assert execution.status == "failed" and execution.messages_sent == 1
    row = JobExecution.objects.get(pk=execution.pk)
    assert row.progress["step"] == "writing to Bob Stone 2/2"
    assert row.progress["counts"] == {"messages_sent": 1, "planned": 2}
