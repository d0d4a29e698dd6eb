"""The only writer of django-celery-beat rows: one ``PeriodicTask`` per scheduled job.

Called by the job services inside their transaction, so a job and the row beat reads change
together or not at all. Saving a ``PeriodicTask`` bumps django-celery-beat's change marker,
which is how an edit reaches a running beat without a restart.
"""
import json

from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from scheduler_app.models import ScheduledJob
from scheduler_app.schedules import CRON_SCHEDULE_TYPES, crontab_fields, interval_seconds

RUN_JOB_TASK = "scheduler_app.tasks.run_job"


def periodic_task_name(job: ScheduledJob) -> str:
    return f"job:{job.pk}"


def _schedule_rows(job: ScheduledJob) -> dict:
    if job.schedule_type in CRON_SCHEDULE_TYPES:
        fields = crontab_fields(job.schedule_type, job.schedule_config)
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=fields.minute,
            hour=fields.hour,
            day_of_month=fields.day_of_month,
            month_of_year=fields.month_of_year,
            day_of_week=fields.day_of_week,
            timezone=job.timezone,
        )
        return {"crontab": crontab, "interval": None}
    if job.schedule_type == "interval":
        interval, _ = IntervalSchedule.objects.get_or_create(
            every=interval_seconds(job.schedule_config), period=IntervalSchedule.SECONDS
        )
        return {"crontab": None, "interval": interval}
    raise ValueError(f"{job.schedule_type!r} jobs have no periodic task")


def periodic_task_upsert(job: ScheduledJob) -> PeriodicTask | None:
    """Make beat's row match the job. Manual jobs get none: they never fire by themselves.

    When the schedule itself changed, ``last_run_at`` is cleared so the new schedule counts from
    now instead of from a run made under the old one.
    """
    if job.schedule_type == "manual":
        periodic_task_delete(job)
        return None

    rows = _schedule_rows(job)
    task = job.periodic_task or PeriodicTask(name=periodic_task_name(job), task=RUN_JOB_TASK)
    schedule_changed = (task.crontab_id, task.interval_id) != (
        rows["crontab"] and rows["crontab"].pk,
        rows["interval"] and rows["interval"].pk,
    )
    task.crontab = rows["crontab"]
    task.interval = rows["interval"]
    task.kwargs = json.dumps({"job_id": str(job.pk)})
    task.enabled = job.enabled
    task.description = job.name[:200]
    task.no_changes = False  # beat's own saves set it; ours must wake beat up
    if schedule_changed:
        task.last_run_at = None
    task.save()
    if job.periodic_task_id != task.pk:
        job.periodic_task = task
        ScheduledJob.objects.filter(pk=job.pk).update(periodic_task=task)
    return task


def periodic_task_delete(job: ScheduledJob) -> None:
    task = job.periodic_task
    if task is None:
        return
    job.periodic_task = None
    task.delete()  # PeriodicTask.delete (not QuerySet.delete) bumps beat's change marker
