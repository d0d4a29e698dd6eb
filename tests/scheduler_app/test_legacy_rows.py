"""Jobs stored before the cron syntax rules (scheduler_app/spec.py ``cron_syntax_problem``): every
reader still reads them, and migration 0005 disables them with the reason."""
from importlib import import_module

import pytest
from django.apps import apps
from django_celery_beat.models import PeriodicTask

from scheduler_app.models import BeatChange, ScheduledJob
from scheduler_app.selectors import job_next_runs
from scheduler_app.services.executions import executions_reap
from scheduler_app.spec import job_schedule
from tests.factories import make_job

pytestmark = pytest.mark.django_db

MIGRATION = import_module("scheduler_app.migrations.0005_disable_unhonoured_crons")


def _legacy(expression: str) -> ScheduledJob:
    """A cron job as an older release stored it: the expression written past today's rules."""
    job = make_job(schedule_type="cron", schedule_config={"cron_expression": "0 8 * * 1"})
    ScheduledJob.objects.filter(pk=job.pk).update(schedule_config={"cron_expression": expression})
    return ScheduledJob.objects.select_related("periodic_task").get(pk=job.pk)


@pytest.mark.parametrize("expression", ["0 8 * * 1#2", "0 0 L * *", "0 3-3 * * *"])
def test_a_legacy_cron_is_still_read_by_every_reader(expression):
    job = _legacy(expression)

    assert job_schedule(job).cron_expression == expression
    assert len(job_next_runs(job=job, count=2)) == 2
    executions_reap()


def test_migration_disables_unhonoured_crons_and_says_why():
    legacy = _legacy("0 8 * * 1#2")
    fine = make_job(schedule_type="cron", schedule_config={"cron_expression": "0 8 * * 1"})
    changes_before = BeatChange.objects.count()

    MIGRATION.disable_unhonoured_crons(apps, None)

    legacy.refresh_from_db()
    fine.refresh_from_db()
    assert legacy.enabled is False and legacy.next_run_at is None
    assert "disabled on upgrade" in legacy.last_run_error and "1#2" in legacy.last_run_error
    assert PeriodicTask.objects.get(pk=legacy.periodic_task_id).enabled is False
    assert BeatChange.objects.filter(job_id=legacy.pk).count() >= 1
    assert BeatChange.objects.count() == changes_before + 1
    assert fine.enabled is True and fine.last_run_error is None
    assert PeriodicTask.objects.get(pk=fine.periodic_task_id).enabled is True
