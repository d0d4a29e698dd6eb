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
