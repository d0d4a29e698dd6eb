"""Execution service: claims, once per slot, max_instances, misfire, final statuses."""
from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils.timezone import now

from scheduler_app.models import JobExecution, ScheduledJob
from scheduler_app.services import execution_claim, execution_run, job_run_now
from tests.factories import make_job

pytestmark = pytest.mark.django_db


def slot(minutes_ago: int = 0):
    return (now() - timedelta(minutes=minutes_ago)).replace(second=0, microsecond=0)


def test_scheduled_run_records_success_with_counts_and_updates_job():
    job = make_job(bot_config={"max_messages_per_run": 4})
    execution = execution_run(job_id=job.pk, scheduled_for=slot())
    assert execution.status == "success"
    assert execution.trigger == "scheduled"
    assert execution.messages_sent == 4
    assert execution.result["runner"] == "tests.support.runners.succeed"
    assert execution.started_at <= execution.finished_at
    assert execution.duration_seconds >= 0
    job.refresh_from_db()
    assert job.last_run_status == "success"
    assert job.last_run_at == execution.started_at
    assert job.next_run_at > now()


def test_same_slot_runs_once():
    job = make_job()
    at = slot()
    first = execution_run(job_id=job.pk, scheduled_for=at)
    second = execution_run(job_id=job.pk, scheduled_for=at)
    assert first is not None and second is None
    assert JobExecution.objects.filter(job=job, scheduled_for=at).count() == 1


def test_database_refuses_second_row_for_a_slot():
    job = make_job()
    at = slot()
    JobExecution.objects.create(job=job, trigger="scheduled", scheduled_for=at, status="success")
    with pytest.raises(IntegrityError):
        JobExecution.objects.create(job=job, trigger="scheduled", scheduled_for=at, status="queued")


def test_manual_runs_do_not_collide_with_each_other():
    job = make_job()
    JobExecution.objects.create(job=job, trigger="manual", status="success")
    JobExecution.objects.create(job=job, trigger="manual", status="success")
    assert JobExecution.objects.filter(job=job).count() == 2


def test_failing_bot_records_failed_with_its_error(settings):
    settings.BOT_RUNNERS = {"birthday": "tests.support.runners.fail"}
    job = make_job()
    execution = execution_run(job_id=job.pk, scheduled_for=slot())
    assert execution.status == "failed"
    assert execution.error == "the test runner failed on purpose"
    job.refresh_from_db()
    assert (job.last_run_status, job.last_run_error) == ("failed", "the test runner failed on purpose")


def test_crashing_bot_still_ends_failed(settings):
    settings.BOT_RUNNERS = {"birthday": "tests.support.runners.crash"}
    job = make_job()
    execution = execution_run(job_id=job.pk, scheduled_for=slot())
    assert execution.status == "failed"
    assert "RuntimeError: unexpected crash" in execution.error


def test_bot_type_without_a_runner_fails_clearly(settings):
    settings.BOT_RUNNERS = {"visitor": "tests.support.runners.succeed"}
    job = make_job()
    execution = execution_run(job_id=job.pk, scheduled_for=slot())
    assert execution.status == "failed"
    assert execution.error == "No runner is configured for bot type 'birthday'"


def test_max_instances_reached_records_skipped():
    job = make_job(max_instances=1)
    JobExecution.objects.create(job=job, trigger="manual", status="running", started_at=now())
    assert execution_run(job_id=job.pk, scheduled_for=slot()) is None
    skipped = JobExecution.objects.get(job=job, trigger="scheduled")
    assert skipped.status == "skipped"
    assert "max_instances" in skipped.error


def test_max_instances_two_allows_a_second_concurrent_run():
    job = make_job(max_instances=2)
    JobExecution.objects.create(job=job, trigger="manual", status="running", started_at=now())
    assert execution_claim(job_id=job.pk, scheduled_for=slot()).status == "running"


def test_slot_later_than_misfire_grace_recorded_missed():
    job = make_job(misfire_grace_time=60)
    assert execution_run(job_id=job.pk, scheduled_for=slot(minutes_ago=5)) is None
    missed = JobExecution.objects.get(job=job)
    assert missed.status == "missed"
    assert "misfire_grace_time" in missed.error
    job.refresh_from_db()
    assert job.last_run_status == "missed"


def test_scheduled_run_of_disabled_job_cancelled():
    job = make_job(enabled=False)
    assert execution_run(job_id=job.pk, scheduled_for=slot()) is None
    assert JobExecution.objects.get(job=job).status == "cancelled"


def test_run_for_deleted_job_does_nothing():
    job = make_job()
    job_id = job.pk
    ScheduledJob.objects.filter(pk=job_id).delete()
    assert execution_run(job_id=job_id, scheduled_for=slot()) is None
    assert JobExecution.objects.count() == 0


def test_run_now_queues_manual_execution_and_worker_picks_it_up(monkeypatch):
    sent = []
    monkeypatch.setattr("scheduler_app.services.jobs.celery_app.send_task",
                        lambda name, kwargs, **options: sent.append((name, kwargs)))
    job = make_job(schedule_type="manual", schedule_config={}, bot_config={"dry_run": False})
    execution = job_run_now(job=job, dry_run=True)
    assert (execution.status, execution.trigger, execution.scheduled_for, execution.dry_run) == (
        "queued", "manual", None, True)
    assert sent == [("scheduler_app.tasks.run_job", {"job_id": str(job.pk), "execution_id": str(execution.pk)})]
    done = execution_run(**sent[0][1])
    assert done.status == "success" and done.result["dry_run"] is True
    # A redelivered message for the same manual run does nothing.
    assert execution_run(**sent[0][1]) is None


def test_run_now_with_broker_down_fails_the_execution(monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr("scheduler_app.services.jobs.celery_app.send_task", refuse)
    job = make_job()
    execution = job_run_now(job=job)
    assert execution.status == "failed"
    assert "could not queue the run" in execution.error


def test_older_run_finishing_late_does_not_overwrite_newer_status(settings):
    job = make_job(max_instances=3)
    newer_start = now()
    ScheduledJob.objects.filter(pk=job.pk).update(last_run_at=newer_start + timedelta(seconds=30),
                                                  last_run_status="running")
    execution_run(job_id=job.pk, scheduled_for=slot())
    job.refresh_from_db()
    assert job.last_run_status == "running"


def test_job_deleted_while_running_ends_quietly(settings):
    from scheduler_app.services import execution_finish

    job = make_job()
    execution = execution_claim(job_id=job.pk, scheduled_for=slot())
    ScheduledJob.objects.filter(pk=job.pk).delete()
    finished = execution_finish(execution=execution, status="success")
    assert finished.status == "success"
    assert not JobExecution.objects.exists()


def test_manual_run_of_interval_job_does_not_move_next_run(monkeypatch):
    monkeypatch.setattr("scheduler_app.services.jobs.celery_app.send_task", lambda name, kwargs, **options: None)
    job = make_job(schedule_type="interval", schedule_config={"hours": 1})
    before = ScheduledJob.objects.get(pk=job.pk).next_run_at
    execution = job_run_now(job=job)
    execution_run(job_id=job.pk, execution_id=execution.pk)
    assert ScheduledJob.objects.get(pk=job.pk).next_run_at == before


@pytest.mark.parametrize("bad_slot", ["yesterday", "2026-11-23T08:00:00"])
def test_task_with_unreadable_or_naive_slot_runs_nothing(bad_slot):
    from scheduler_app.tasks import run_job

    job = make_job()
    assert run_job.run(job_id=str(job.pk), scheduled_for=bad_slot) is None
    assert not JobExecution.objects.exists()
