"""Read queries for jobs and executions; views and admin read through these."""
import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import orjson
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.timezone import now as utc_now
from django_celery_beat.models import PeriodicTask

from scheduler_app.brakes.selectors import job_slots_brakes
from scheduler_app.models import BeatChange, ExecutionStatus, JobExecution, JobLink, ScheduledJob
from scheduler_app.paging import JOB_PAGE_DEFAULT, Cursor, Page, keyset_page
from scheduler_app.schedules import job_fire_times, job_slot_fire_time
from scheduler_app.spec import JOB_FIELDS, LINK_FIELDS
from scheduler_app.sync import RUN_JOB_TASK

# Executions still going: the dashboard polls while a job has one.
LIVE_STATUSES = (ExecutionStatus.QUEUED, ExecutionStatus.RUNNING)


def job_list(*, enabled_only: bool = False, bot_type: str | None = None,
             name_contains: str | None = None, account_id=None) -> QuerySet[ScheduledJob]:
    """Jobs newest first (id breaks ties: the order pages follow, scheduler_app.paging);
    ``account_id``: only that LinkedIn account's."""
    jobs = ScheduledJob.objects.order_by("-created_at", "-id")
    if enabled_only:
        jobs = jobs.filter(enabled=True)
    if bot_type:
        jobs = jobs.filter(bot_type=bot_type)
    if account_id is not None:
        jobs = jobs.filter(account_id=account_id)
    if name_contains:
        jobs = jobs.filter(name__icontains=name_contains)
    return jobs


def job_get(*, job_id) -> ScheduledJob | None:
    return ScheduledJob.objects.select_related("periodic_task").filter(pk=job_id).first()


def execution_list(*, job: ScheduledJob, limit: int = 50) -> QuerySet[JobExecution]:
    """A job's history, newest first (served by the (job, -queued_at) index), with a chained run's
    upstream run and job (shown as "after <job>")."""
    return JobExecution.objects.filter(job=job).select_related("triggered_by__job").order_by("-queued_at")[:limit]


def execution_get(*, execution_id) -> JobExecution | None:
    """One execution with its job (for the job's time zone); None for an unknown or malformed id."""
    try:
        parsed = uuid.UUID(str(execution_id))
    except ValueError:
        return None
    return JobExecution.objects.select_related("job").filter(pk=parsed).first()


def executions_live(*, job_ids) -> dict[str, JobExecution]:
    """Each job's newest queued or running execution, by job id (one query for a page of jobs)."""
    live: dict[str, JobExecution] = {}
    rows = (JobExecution.objects.filter(job_id__in=list(job_ids), status__in=LIVE_STATUSES)
            .order_by("job_id", "-queued_at"))
    for execution in rows:
        live.setdefault(str(execution.job_id), execution)
    return live


def job_next_runs(*, job: ScheduledJob, count: int = 10, after=None) -> list:
    """The next ``count`` times beat would fire ``job`` after ``after`` (default now), in the
    job's timezone. A preview of the schedule: a disabled job still shows when it would run.

    A naive ``after`` is a wall-clock time in the job's timezone (how people ask "what happens
    on the night clocks change"). Intervals count from beat's last fire of the job, or from the
    last change of the job when beat has not fired it yet (beat restarts the count then too).
    """
    if after is None:
        after = utc_now()
    elif after.tzinfo is None:
        after = after.replace(tzinfo=ZoneInfo(job.timezone))
    return job_fire_times(job, after=after, count=count, anchor=job_interval_anchor(job=job))


def job_next_runs_marked(*, job: ScheduledJob, count: int = 10, after=None) -> list[dict]:
    """``job_next_runs`` with each slot's fire time (its jitter) and, for a slot that falls in a
    pause or blackout, why it will be skipped: marked, not hidden, so a user sees the holiday."""
    anchor = job_interval_anchor(job=job)
    slots = job_next_runs(job=job, count=count, after=after)
    brakes = job_slots_brakes(job=job, slots=slots)
    return [{"scheduled_for": slot, "fire_at": job_slot_fire_time(job, slot, anchor=anchor), "skipped_because": why}
            for slot, why in zip(slots, brakes, strict=True)]


def job_interval_anchor(*, job: ScheduledJob) -> datetime | None:
    """The anchor of an interval job's slots (anchor + k x interval): its beat row's start_time,
    set when the schedule was made or last changed (scheduler_app.sync). Beat counts from the same
    value, so next-runs and beat agree. None for other schedules, or with no beat row.
    """
    if job.schedule_type != "interval" or job.periodic_task_id is None:
        return None
    task = job.periodic_task
    return task.start_time or task.date_changed


# The job list's columns; run_after (a link table) is read for the whole page in one query.
JOB_ROW_FIELDS = tuple(name for name in JOB_FIELDS if name not in LINK_FIELDS)


def job_page_rows(*, enabled_only: bool = False, bot_type: str | None = None, cursor: Cursor | None = None,
                  limit: int = JOB_PAGE_DEFAULT) -> Page:
    """One page of ``job_list`` as plain dicts (scheduler_app.paging): ``limit`` jobs after or
    before ``cursor``. The rows skip model instances and Django's per-value converters (regex
    datetime parsing, JSON decoding through the field), which were most of the time of listing
    1,000 jobs; SQLite hands back text for datetimes and JSON, PostgreSQL objects: both handled."""
    return keyset_page(job_list(enabled_only=enabled_only, bot_type=bot_type), cursor=cursor, limit=limit,
                       fetch=_job_rows)


def _job_rows(jobs: QuerySet[ScheduledJob]) -> list[dict]:
    sql, params = jobs.values_list(*JOB_ROW_FIELDS).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        raw_rows = cursor.fetchall()

    def moment(value):
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value

    def document(value):
        return orjson.loads(value) if isinstance(value, str | bytes) else value

    rows = []
    for row in raw_rows:
        item = dict(zip(JOB_ROW_FIELDS, row, strict=True))
        item["id"] = uuid.UUID(str(item["id"])) if not isinstance(item["id"], uuid.UUID) else item["id"]
        item["account"] = str(uuid.UUID(str(item["account"]))) if item["account"] is not None else None
        item["enabled"], item["coalesce"] = bool(item["enabled"]), bool(item["coalesce"])
        item["retry_jitter"] = bool(item["retry_jitter"])
        item["schedule_config"], item["bot_config"] = document(item["schedule_config"]), document(item["bot_config"])
        for name in ("created_at", "updated_at", "last_run_at", "next_run_at"):
            item[name] = moment(item[name])
        rows.append(item)
    upstreams: dict[uuid.UUID, list[str]] = {}
    links = JobLink.objects.filter(downstream_id__in=[item["id"] for item in rows]).order_by("upstream_id")
    for downstream_id, upstream_id in links.values_list("downstream_id", "upstream_id"):
        upstreams.setdefault(downstream_id, []).append(str(upstream_id))
    for item in rows:
        item["run_after"] = upstreams.get(item["id"], [])
    return rows


BEAT_ROW_FIELDS = (
    "pk", "scheduled_job__id", "crontab__minute", "crontab__hour", "crontab__day_of_month",
    "crontab__month_of_year", "crontab__day_of_week", "crontab__timezone", "interval__every", "interval__period",
    "start_time", "last_run_at", "date_changed", "scheduled_job__misfire_grace_time", "scheduled_job__coalesce",
    "scheduled_job__jitter_seconds", "scheduled_job__timezone", "scheduled_job__bot_type",
    "scheduled_job__max_run_seconds",
)


def beat_entry_rows(*, job_ids=None):
    """The beat rows of enabled scheduled jobs, as tuples of BEAT_ROW_FIELDS (light enough to load
    100,000 at once), for all jobs or for ``job_ids`` only (scheduler_app.beat)."""
    rows = PeriodicTask.objects.filter(task=RUN_JOB_TASK, enabled=True, scheduled_job__isnull=False,
                                       scheduled_job__enabled=True)
    if job_ids is not None:
        rows = rows.filter(scheduled_job__id__in=list(job_ids))
    return rows.values_list(*BEAT_ROW_FIELDS).iterator(chunk_size=5000)


def beat_changes_after(*, last_id: int, also_ids=()) -> list[tuple[int, object]]:
    """Change-feed rows (id, job_id) newer than ``last_id``, plus the ids in ``also_ids`` (gaps
    beat saw in the ids: transactions that had taken an id but not yet committed)."""
    condition = Q(id__gt=last_id)
    if also_ids:
        condition |= Q(id__in=list(also_ids))
    return list(BeatChange.objects.filter(condition).order_by("id").values_list("id", "job_id")[:20000])


def beat_changes_last_id() -> int:
    return BeatChange.objects.order_by("-id").values_list("id", flat=True).first() or 0
