"""Disable cron jobs stored before the cron syntax rules (scheduler_app/spec.py,
``cron_syntax_problem``): croniter accepted ``L``, ``W``, ``#``, ``?``, ``H``, backwards and
equal-ended ranges, but beat and next-runs did not honour them as written (``1#2`` fired every
Monday, ``3-3`` every hour). Such a job is disabled, with the reason in ``last_run_error``, rather
than left running on days its owner did not mean; fixing the expression and enabling it again
goes through validation as any write does. Not reversible in meaning: going back leaves them
disabled.
"""
from django.db import migrations
from django.utils.timezone import now as utc_now

from scheduler_app.spec import cron_syntax_problem


def unhonoured_crons(ScheduledJob):
    """(job, problem) for each stored cron job whose expression the syntax rules refuse."""
    for job in ScheduledJob.objects.filter(schedule_type="cron").iterator():
        fields = str((job.schedule_config or {}).get("cron_expression", "")).split()
        problem = cron_syntax_problem(fields) if len(fields) == 5 else None
        if problem:
            yield job, problem


def disable_unhonoured_crons(apps, schema_editor):
    ScheduledJob = apps.get_model("scheduler_app", "ScheduledJob")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    BeatChange = apps.get_model("scheduler_app", "BeatChange")
    now = utc_now()
    for job, problem in list(unhonoured_crons(ScheduledJob)):
        ScheduledJob.objects.filter(pk=job.pk).update(
            enabled=False, next_run_at=None, updated_at=now,
            last_run_error=f"disabled on upgrade: {problem}; correct cron_expression, then enable the job",
        )
        if job.periodic_task_id is not None:
            PeriodicTask.objects.filter(pk=job.periodic_task_id).update(enabled=False)
        BeatChange.objects.create(job_id=job.pk)


class Migration(migrations.Migration):
    dependencies = [
        ("scheduler_app", "0004_read_side_counters_and_indexes"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(disable_unhonoured_crons, migrations.RunPython.noop)]
