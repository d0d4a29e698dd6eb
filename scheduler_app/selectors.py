"""Read queries for jobs and executions; views and admin read through these."""
from django.db.models import QuerySet

from scheduler_app.models import JobExecution, ScheduledJob


def job_list(*, enabled_only: bool = False, bot_type: str | None = None) -> QuerySet[ScheduledJob]:
    """Jobs newest first."""
    jobs = ScheduledJob.objects.order_by("-created_at")
    if enabled_only:
        jobs = jobs.filter(enabled=True)
    if bot_type:
        jobs = jobs.filter(bot_type=bot_type)
    return jobs


def job_get(*, job_id) -> ScheduledJob | None:
    return ScheduledJob.objects.select_related("periodic_task").filter(pk=job_id).first()


def execution_list(*, job: ScheduledJob, limit: int = 50) -> QuerySet[JobExecution]:
    """A job's history, newest first (served by the (job, -queued_at) index)."""
    return JobExecution.objects.filter(job=job).order_by("-queued_at")[:limit]


def job_next_runs(*, job: ScheduledJob, count: int = 10, after=None) -> list:
    """The next ``count`` times beat would fire ``job`` after ``after`` (default now), in the
    job's timezone. A preview of the schedule: a disabled job still shows when it would run.

    A naive ``after`` is a wall-clock time in the job's timezone (how people ask "what happens
    on the night clocks change"). Intervals count from beat's last fire of the job, or from the
    last change of the job when beat has not fired it yet (beat restarts the count then too).
    """
    from zoneinfo import ZoneInfo

    from django.utils.timezone import now as utc_now

    from scheduler_app.schedules import next_fire_times

    if after is None:
        after = utc_now()
    elif after.tzinfo is None:
        after = after.replace(tzinfo=ZoneInfo(job.timezone))
    task = job.periodic_task if job.periodic_task_id else None
    anchor = (task.last_run_at if task else None) or job.updated_at
    return next_fire_times(
        schedule_type=job.schedule_type,
        schedule_config=job.schedule_config,
        timezone=job.timezone,
        after=after,
        count=count,
        anchor=anchor if job.schedule_type == "interval" else None,
    )
