"""The only writer of django-celery-beat rows: one ``PeriodicTask`` per scheduled job.

Called by the job services inside their transaction, so a job, the row beat reads and the
change-feed row that tells beat to reload it (``BeatChange``) commit together or not at all.

What the beat row holds for the fleet beat (scheduler_app.beat):
- ``crontab`` / ``interval``: the schedule;
- ``start_time``: the schedule's anchor, set when the schedule is made or changed. Interval slots
  are ``start_time + k * interval``, so every beat computes the same slots;
- ``last_run_at``: the cursor, the latest slot beat has accounted for (sent or recorded). Beat
  alone moves it forward; here it is only reset: to nothing when the schedule changes (count from
  the new anchor), to now when a disabled job is enabled (slots while disabled never came due).

Rows are written with queryset updates, not ``PeriodicTask.save()``: saving bumps
django-celery-beat's single change-marker row, which the fleet beat does not read and which would
make every job write in the fleet wait on one row.
"""
import json
from dataclasses import dataclass

from django.db.models import Q
from django.utils.timezone import now as utc_now
from django_celery_beat.models import CrontabSchedule, PeriodicTask
from django_celery_beat.models import IntervalSchedule as BeatInterval

from scheduler_app.models import BeatChange, ScheduledJob
from scheduler_app.spec import IntervalSchedule, ManualSchedule, job_schedule

RUN_JOB_TASK = "scheduler_app.tasks.run_job"


@dataclass(frozen=True)
class BeatView:
    """The part of a job that beat acts on; a write that leaves it alone (a rename, a bot_config
    edit) does not wake beat."""

    schedule_type: str
    schedule: str
    timezone: str
    enabled: bool
    misfire_grace_time: int
    coalesce: bool
    jitter_seconds: int
    max_run_seconds: int | None  # the Celery hard limit beat's messages carry (services/executions.py)


def beat_view(job: ScheduledJob) -> BeatView:
    return BeatView(
        job.schedule_type,
        job_schedule(job).model_dump_json(),
        job.timezone,
        bool(job.enabled),
        int(job.misfire_grace_time),
        bool(job.coalesce),
        int(job.jitter_seconds),
        job.max_run_seconds,
    )


def periodic_task_name(job: ScheduledJob) -> str:
    return f"job:{job.pk}"


def _schedule_rows(job: ScheduledJob) -> dict:
    schedule = job_schedule(job)
    if isinstance(schedule, IntervalSchedule):
        interval, _ = BeatInterval.objects.get_or_create(every=schedule.total_seconds, period=BeatInterval.SECONDS)
        return {"crontab": None, "interval": interval}
    if not isinstance(schedule, ManualSchedule):
        fields = schedule.crontab()
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=fields.minute,
            hour=fields.hour,
            day_of_month=fields.day_of_month,
            month_of_year=fields.month_of_year,
            day_of_week=fields.day_of_week,
            timezone=job.timezone,
        )
        return {"crontab": crontab, "interval": None}
    raise ValueError(f"{job.schedule_type!r} jobs have no periodic task")


def beat_change_record(job_id) -> None:
    """Tell beat to reload this one job (scheduler_app.beat reads the feed)."""
    BeatChange.objects.create(job_id=job_id)


def periodic_task_upsert(job: ScheduledJob, *, before: BeatView | None = None) -> PeriodicTask | None:
    """Make beat's row match the job; ``before`` is the job's ``beat_view`` before this write
    (None for a new job). Manual jobs get no row: they never fire by themselves.
    """
    if job.schedule_type == "manual":
        periodic_task_delete(job)
        return None

    now = utc_now().replace(microsecond=0)
    rows = _schedule_rows(job)
    task = job.periodic_task
    if task is None:
        task = PeriodicTask(
            name=periodic_task_name(job),
            task=RUN_JOB_TASK,
            kwargs=json.dumps({"job_id": str(job.pk)}),
            crontab=rows["crontab"],
            interval=rows["interval"],
            enabled=job.enabled,
            description=job.name[:200],
            start_time=now,
            last_run_at=None,
        )
        PeriodicTask.objects.bulk_create([task])
        job.periodic_task = task
        ScheduledJob.objects.filter(pk=job.pk).update(periodic_task=task)
        beat_change_record(job.pk)
        return task

    updates: dict = {}
    if (task.crontab_id, task.interval_id) != (rows["crontab"] and rows["crontab"].pk,
                                               rows["interval"] and rows["interval"].pk):
        updates.update(crontab=rows["crontab"], interval=rows["interval"], start_time=now, last_run_at=None)
    if task.enabled != job.enabled:
        updates["enabled"] = job.enabled
        if job.enabled and "start_time" not in updates:
            updates["last_run_at"] = now
    if task.description != job.name[:200]:
        updates["description"] = job.name[:200]
    if updates:
        PeriodicTask.objects.filter(pk=task.pk).update(**updates)
        for name, value in updates.items():
            setattr(task, name, value)
    if before != beat_view(job):
        beat_change_record(job.pk)
    return task


def periodic_task_delete(job: ScheduledJob) -> None:
    task = job.periodic_task
    if task is None:
        return
    job.periodic_task = None
    ScheduledJob.objects.filter(pk=job.pk).update(periodic_task=None)
    PeriodicTask.objects.filter(pk=task.pk).delete()
    beat_change_record(job.pk)


def beat_cursors_advance(cursors: dict) -> None:
    """Record beat's progress: ``{slot: [periodic task ids]}`` sets each row's ``last_run_at`` to
    that slot, never backwards (a stale writer cannot undo a newer leader's progress). One
    statement per slot and chunk: at a boundary the whole fleet shares a handful of slots.
    """
    for slot, task_ids in cursors.items():
        for start in range(0, len(task_ids), 500):
            PeriodicTask.objects.filter(pk__in=task_ids[start:start + 500]).filter(
                Q(last_run_at__isnull=True) | Q(last_run_at__lt=slot)
            ).update(last_run_at=slot)


def beat_changes_prune(*, before) -> int:
    """Drop change-feed rows every beat has long read (beats read the feed within a second)."""
    deleted, _ = BeatChange.objects.filter(at__lt=before).delete()
    return deleted
