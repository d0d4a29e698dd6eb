"""History retention: executions older than EXECUTION_RETENTION_DAYS are pruned in small batches
by a task the leading beat sends; a job's newest row, runs not finished, the run counters and
the bots' per-contact records stay."""
from datetime import date, timedelta

import pytest
from django.utils.timezone import now

from bots.models import BirthdayMessage, Contact, MessageStatus, ProfileVisit
from scheduler_app import beat as beat_module
from scheduler_app.models import ExecutionDayCount, JobExecution
from scheduler_app.services import execution_claim
from scheduler_app.services.executions import executions_prune
from scheduler_app.tasks import prune_executions
from tests.factories import make_job, record_run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _ninety_days(settings):
    settings.EXECUTION_RETENTION_DAYS = 90


def _ages(job) -> list[int]:
    return sorted(round((now() - queued).total_seconds() / 86400)
                  for queued in JobExecution.objects.filter(job=job).values_list("queued_at", flat=True))


def test_rows_past_retention_go_and_newer_ones_stay():
    job = make_job()
    for days in (200, 120, 91, 89, 1):
        record_run(job, "success", at=now() - timedelta(days=days))
    assert executions_prune() == 3
    assert _ages(job) == [1, 89]


def test_a_jobs_newest_row_stays_however_old():
    quiet = make_job(name="quiet", schedule_type="manual", schedule_config={})
    for days in (300, 200):
        record_run(quiet, "failed", at=now() - timedelta(days=days))
    assert executions_prune() == 1
    assert _ages(quiet) == [200]
    assert executions_prune() == 0


def test_runs_not_finished_stay_however_old(settings):
    settings.SCHEDULER_LEASE_SECONDS = 10**9  # the reaper would otherwise end them
    job = make_job(max_instances=5)
    at = now() - timedelta(days=150)
    from unittest import mock

    with mock.patch("scheduler_app.services.executions.utc_now", return_value=at):
        running = execution_claim(job_id=job.pk, scheduled_for=at)
    record_run(job, "success", at=now() - timedelta(days=140))
    record_run(job, "success")
    assert executions_prune() == 1
    assert JobExecution.objects.get(pk=running.pk).status == "running"


def test_pruning_goes_in_small_batches_and_the_next_run_goes_on():
    job = make_job()
    for days in range(100, 107):
        record_run(job, "success", at=now() - timedelta(days=days))
    record_run(job, "success")
    assert executions_prune(batch_size=2, max_batches=2) == 4
    assert executions_prune(batch_size=2, max_batches=2) == 3
    assert executions_prune(batch_size=2, max_batches=2) == 0
    assert JobExecution.objects.count() == 1


def test_zero_keeps_everything(settings):
    settings.EXECUTION_RETENTION_DAYS = 0
    job = make_job()
    record_run(job, "success", at=now() - timedelta(days=4000))
    record_run(job, "success")
    assert executions_prune() == 0 and prune_executions() == 0
    assert JobExecution.objects.count() == 2


def test_the_bots_records_and_the_counters_are_not_pruned_with_the_history():
    job = make_job()
    old = record_run(job, "success", messages=1, visits=1, at=now() - timedelta(days=100))
    record_run(job, "success")
    contact = Contact.objects.create(slug="ada", name="Ada")
    BirthdayMessage.objects.create(contact=contact, birthday=date(2025, 1, 1), status=MessageStatus.SENT,
                                   execution_id=old.pk)
    ProfileVisit.objects.create(contact=contact, execution_id=old.pk)
    counted = sorted(ExecutionDayCount.objects.values_list("day", "runs", "messages_sent"))

    assert prune_executions() == 1
    assert not JobExecution.objects.filter(pk=old.pk).exists()
    # "Never twice" still holds: the message row that blocks a second wish is there.
    assert BirthdayMessage.objects.filter(execution_id=old.pk, contact=contact).count() == 1
    assert ProfileVisit.objects.filter(execution_id=old.pk).count() == 1
    assert sorted(ExecutionDayCount.objects.values_list("day", "runs", "messages_sent")) == counted


class _Factory:
    def build(self, task_name, kwargs, time_limit=None):
        return task_name.encode()


def _leader(monkeypatch) -> tuple[beat_module.FleetScheduler, list[str]]:
    """The housekeeping of a leading beat, without Redis: what it publishes is recorded."""
    scheduler = beat_module.FleetScheduler.__new__(beat_module.FleetScheduler)
    scheduler._factory = _Factory()
    scheduler._next_reap = scheduler._next_history_prune = 0.0
    scheduler._next_prune = scheduler._next_status = float("inf")
    sent: list[str] = []
    monkeypatch.setattr(scheduler, "_publish", lambda payloads, task_name: sent.append(task_name), raising=False)
    return scheduler, sent


def test_the_leading_beat_sends_the_prune_at_its_cadence(monkeypatch, settings):
    settings.EXECUTION_PRUNE_EVERY_SECONDS = 60
    scheduler, sent = _leader(monkeypatch)
    clock = [1000.0]
    monkeypatch.setattr(beat_module.time, "monotonic", lambda: clock[0])
    scheduler._housekeeping()
    assert beat_module.HISTORY_PRUNE_TASK in sent
    sent.clear()
    clock[0] += 30
    scheduler._housekeeping()
    assert beat_module.HISTORY_PRUNE_TASK not in sent
    clock[0] += 31
    scheduler._housekeeping()
    assert beat_module.HISTORY_PRUNE_TASK in sent
    assert beat_module.HISTORY_PRUNE_TASK == prune_executions.name


def test_the_leading_beat_sends_no_prune_when_history_is_kept_forever(monkeypatch, settings):
    settings.EXECUTION_RETENTION_DAYS = 0
    settings.AUDIT_RETENTION_DAYS = 0
    scheduler, sent = _leader(monkeypatch)
    scheduler._housekeeping()
    assert sent == [beat_module.REAP_TASK]


def test_the_leading_beat_sends_the_prune_for_the_audit_trail_alone(monkeypatch, settings):
    settings.EXECUTION_RETENTION_DAYS = 0
    settings.AUDIT_RETENTION_DAYS = 400
    scheduler, sent = _leader(monkeypatch)
    scheduler._housekeeping()
    assert beat_module.HISTORY_PRUNE_TASK in sent
