"""Job chains (scheduler_app/services/chains.py): B runs once after each A run that matches its
run_after_when, keyed on that run; cycles, self links and other accounts' jobs are refused."""
from datetime import timedelta

import pytest
from django.utils.timezone import now as utc_now

from bots.runner import BotOutcome
from bots.services.accounts import account_create
from scheduler_app.models import ExecutionStatus, JobExecution, Trigger
from scheduler_app.services.chains import JobHasDependents, chains_on_final
from scheduler_app.services.counters import Tally
from scheduler_app.services.executions import execution_claim, execution_finish, executions_reap
from scheduler_app.services.jobs import job_delete, job_update
from scheduler_app.validation import JobValidationError
from tests.factories import make_job

pytestmark = pytest.mark.django_db



def _finished(job, status=ExecutionStatus.SUCCESS):
    execution = execution_claim(job_id=job.pk, scheduled_for=utc_now().replace(microsecond=0))
    return execution_finish(execution=execution, status=status, outcome=BotOutcome(),
                            error=None if status == ExecutionStatus.SUCCESS else "selector gone")


def test_a_successful_upstream_run_starts_one_chained_run_keyed_on_it(sent, django_capture_on_commit_callbacks):
    a = make_job(name="A")
    b = make_job(name="B", run_after=[str(a.pk)])

    with django_capture_on_commit_callbacks(execute=True):
        upstream = _finished(a)

    (row,) = JobExecution.objects.filter(job=b)
    assert (row.trigger, row.status, row.triggered_by_id, row.scheduled_for) == (
        Trigger.CHAINED, ExecutionStatus.QUEUED, upstream.pk, None)
    assert [kwargs for kwargs, _ in sent] == [{"job_id": str(b.pk), "execution_id": str(row.pk)}]
    # The message is claimed like a manual run's.
    assert execution_claim(job_id=b.pk, execution_id=row.pk).status == ExecutionStatus.RUNNING


def test_an_upstream_end_recorded_twice_starts_one_run(sent, django_capture_on_commit_callbacks):
    a = make_job(name="A")
    b = make_job(name="B", run_after=["A"])  # by name
    with django_capture_on_commit_callbacks(execute=True):
        upstream = _finished(a)
        chains_on_final(job=a, execution=upstream, tally=Tally())  # a redelivered finish, or the reaper after it

    assert JobExecution.objects.filter(job=b).count() == 1 and len(sent) == 1


def test_when_success_a_failed_upstream_leaves_a_skipped_row_saying_why(sent, django_capture_on_commit_callbacks):
    a = make_job(name="A")
    b = make_job(name="B", run_after=[str(a.pk)])
    c = make_job(name="C", run_after=[str(a.pk)], run_after_when="completion")

    with django_capture_on_commit_callbacks(execute=True):
        upstream = _finished(a, ExecutionStatus.FAILED)

    skipped = JobExecution.objects.get(job=b)
    assert skipped.status == ExecutionStatus.SKIPPED and "'A'" in skipped.error and "failed" in skipped.error
    assert skipped.triggered_by_id == upstream.pk
    assert JobExecution.objects.get(job=c).status == ExecutionStatus.QUEUED
    assert [kwargs["job_id"] for kwargs, _ in sent] == [str(c.pk)]


def test_an_upstream_slot_that_did_not_run_starts_nothing(sent):
    a = make_job(name="A")
    b = make_job(name="B", run_after=[str(a.pk)])
    job_update(job=a, changes={"enabled": False})
    # A disabled job's slot is cancelled at its claim: it did not run.
    assert execution_claim(job_id=a.pk, scheduled_for=utc_now().replace(microsecond=0)) is None
    assert not JobExecution.objects.filter(job=b).exists()


def test_a_disabled_downstream_is_not_started(sent):
    a = make_job(name="A")
    make_job(name="B", run_after=[str(a.pk)], enabled=False)
    _finished(a)
    assert JobExecution.objects.filter(trigger=Trigger.CHAINED).count() == 0


def test_a_chained_runs_lost_message_is_ended_by_the_reaper(settings, monkeypatch,
                                                            django_capture_on_commit_callbacks):
    monkeypatch.setattr("scheduler_app.services.executions.celery_app.send_task", lambda *a, **k: None)  # lost
    a = make_job(name="A")
    b = make_job(name="B", run_after=[str(a.pk)])
    with django_capture_on_commit_callbacks(execute=True):
        _finished(a)
    later = utc_now() + timedelta(seconds=settings.SCHEDULER_QUEUED_TIMEOUT_SECONDS + 1)
    assert executions_reap(now=later) == 1
    row = JobExecution.objects.get(job=b)
    assert row.status == ExecutionStatus.FAILED and row.error.startswith("worker lost")


def test_a_cycle_is_refused_naming_it():
    a = make_job(name="A")
    b = make_job(name="B", run_after=[str(a.pk)])
    c = make_job(name="C", run_after=[str(b.pk)])

    with pytest.raises(JobValidationError) as caught:
        job_update(job=a, changes={"run_after": [str(c.pk)]})

    assert caught.value.errors["run_after"] == ["this would make a cycle: A → B → C → A"]
    assert list(a.upstream_links.all()) == []


@pytest.mark.parametrize("refs, message", [
    (["self"], "a job cannot run after itself"),
    (["nobody"], "no job has the id or name 'nobody'"),
])
def test_self_links_and_unknown_jobs_are_refused(refs, message):
    a = make_job(name="A")
    refs = [str(a.pk) if ref == "self" else ref for ref in refs]
    with pytest.raises(JobValidationError) as caught:
        job_update(job=a, changes={"run_after": refs})
    assert caught.value.errors["run_after"] == [message]


def test_a_chain_to_another_accounts_job_is_refused():
    other = account_create(data={"label": "sales"})
    a = make_job(name="A", account=other.label)
    with pytest.raises(JobValidationError) as caught:
        make_job(name="B", run_after=[str(a.pk)])
    assert "another LinkedIn account" in caught.value.errors["run_after"][0]


def test_deleting_an_upstream_names_its_dependents_unless_forced():
    a = make_job(name="A")
    b = make_job(name="B", run_after=[str(a.pk)])

    with pytest.raises(JobHasDependents) as caught:
        job_delete(job=a)
    assert [job.name for job in caught.value.dependents] == ["B"]

    job_delete(job=a, force=True)
    b.refresh_from_db()
    assert list(b.upstream_links.all()) == []
