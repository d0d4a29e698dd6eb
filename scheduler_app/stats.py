"""Scheduler statistics and health: read-only selectors shared by the API (``/stats``,
``/health``) and the dashboard.

Statistics cover a window (``since``, default the last 30 days) and never group the history:
finished runs come from the counters the execution services keep per job, day and status
(``ExecutionDayCount``, ``FleetDayCount``; scheduler_app/services/counters.py), runs still queued
or running from a small partial index of the history. The per-job part is one page of jobs in
the list's order (scheduler_app/paging.py), so neither part grows with the fleet or its history.
Rates are percentages of *finished* runs (success + failed): skipped, missed and cancelled runs
say nothing about whether the bot works, and queued/running ones have no outcome yet.
"""
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils.timezone import now as utc_now

from scheduler_app.beat_status import beat_status_read
from scheduler_app.models import (
    BotType,
    ExecutionDayCount,
    ExecutionStatus,
    FleetDayCount,
    JobExecution,
    ScheduledJob,
)
from scheduler_app.paging import JOB_PAGE_DEFAULT, Cursor, keyset_page
from scheduler_app.stack import redis_ping

STATS_DEFAULT_DAYS = 30
IN_FLIGHT = [ExecutionStatus.QUEUED, ExecutionStatus.RUNNING]
JOB_STATS_FIELDS = ("id", "name", "bot_type", "enabled", "created_at", "last_run_at", "last_run_status",
                    "next_run_at")


def success_rate(success: int, failed: int) -> float | None:
    """Percentage (0..100, one decimal) of finished runs that succeeded; None before any."""
    finished = success + failed
    return round(100.0 * success / finished, 1) if finished else None


def _empty_counts() -> dict[str, int]:
    return {status: 0 for status in ExecutionStatus.values}


def stats_window(since: date | datetime | None = None, *, now: datetime | None = None) -> tuple[date, datetime]:
    """The first day of a stats window and the instant it starts. Runs count on the calendar day
    they were queued (settings.TIME_ZONE), so a window starts at midnight: ``since`` (a date, or
    a date-time, naive meaning settings.TIME_ZONE) is taken back to the start of its day. The
    default is the last STATS_DEFAULT_DAYS days, today included."""
    tz = ZoneInfo(settings.TIME_ZONE)
    if since is None:
        first = (now or utc_now()).astimezone(tz).date() - timedelta(days=STATS_DEFAULT_DAYS - 1)
    elif isinstance(since, datetime):
        first = (since if since.tzinfo else since.replace(tzinfo=tz)).astimezone(tz).date()
    else:
        first = since
    return first, datetime.combine(first, time(0), tzinfo=tz)


class _Counts:
    def __init__(self) -> None:
        self.counts = _empty_counts()
        self.messages_sent = 0
        self.profiles_visited = 0

    def add(self, status: str, runs: int, messages: int | None = 0, visits: int | None = 0) -> None:
        self.counts[status] = self.counts.get(status, 0) + (runs or 0)
        self.messages_sent += messages or 0
        self.profiles_visited += visits or 0

    def rate(self) -> float | None:
        return success_rate(self.counts[ExecutionStatus.SUCCESS], self.counts[ExecutionStatus.FAILED])


def stats_overview(*, since: date | datetime | None = None, cursor: Cursor | None = None,
                   limit: int = JOB_PAGE_DEFAULT, now: datetime | None = None) -> dict[str, Any]:
    """Totals over the window, per-status counts, success rate, messages sent and profiles
    visited, overall and for one page of jobs (newest first, like the job list).

    Shape (stable: the dashboard renders it)::

        {"since", "total_jobs", "enabled_jobs", "disabled_jobs",
         "jobs_by_bot_type": {"birthday": n, "visitor": n},
         "total_executions", "executions_by_status": {status: n, ...},
         "success_rate": float | None, "total_messages_sent", "total_profiles_visited",
         "jobs": [{"job_id", "name", "bot_type", "enabled", "total_executions",
                   "executions_by_status", "success_rate", "messages_sent", "profiles_visited",
                   "last_run_at", "last_run_status", "next_run_at"}, ...],
         "page": scheduler_app.paging.Page (its items are "jobs"; for the Link header)}
    """
    first_day, start = stats_window(since, now=now)
    by_type = {bot_type: 0 for bot_type in BotType.values}
    enabled = total_jobs = 0
    # COUNT(*), not COUNT(id): PostgreSQL answers it from the (bot_type, enabled) index alone.
    for row in ScheduledJob.objects.order_by().values("bot_type", "enabled").annotate(n=Count("*")):
        by_type[row["bot_type"]] = by_type.get(row["bot_type"], 0) + row["n"]
        total_jobs += row["n"]
        enabled += row["n"] if row["enabled"] else 0

    totals = _Counts()
    finished = FleetDayCount.objects.filter(day__gte=first_day).order_by().values("status").annotate(
        runs=Sum("runs"), messages=Sum("messages_sent"), visits=Sum("profiles_visited"))
    for row in finished:
        totals.add(row["status"], row["runs"], row["messages"], row["visits"])
    in_flight = JobExecution.objects.filter(status__in=IN_FLIGHT, queued_at__gte=start).order_by()
    for row in in_flight.values("status").annotate(n=Count("id")):
        totals.add(row["status"], row["n"])

    page = keyset_page(ScheduledJob.objects.all(), cursor=cursor, limit=limit,
                       fetch=lambda jobs: list(jobs.values(*JOB_STATS_FIELDS)))
    per_job = {job["id"]: _Counts() for job in page.items}
    if per_job:
        ids = list(per_job)
        rows = ExecutionDayCount.objects.filter(job_id__in=ids, day__gte=first_day).order_by().values(
            "job_id", "status").annotate(runs=Sum("runs"), messages=Sum("messages_sent"),
                                         visits=Sum("profiles_visited"))
        for row in rows:
            per_job[row["job_id"]].add(row["status"], row["runs"], row["messages"], row["visits"])
        for row in in_flight.filter(job_id__in=ids).values("job_id", "status").annotate(n=Count("id")):
            per_job[row["job_id"]].add(row["status"], row["n"])

    return {
        "since": start,
        "total_jobs": total_jobs,
        "enabled_jobs": enabled,
        "disabled_jobs": total_jobs - enabled,
        "jobs_by_bot_type": by_type,
        "total_executions": sum(totals.counts.values()),
        "executions_by_status": totals.counts,
        "success_rate": totals.rate(),
        "total_messages_sent": totals.messages_sent,
        "total_profiles_visited": totals.profiles_visited,
        "jobs": [
            {
                "job_id": job["id"],
                "name": job["name"],
                "bot_type": job["bot_type"],
                "enabled": job["enabled"],
                "total_executions": sum(per_job[job["id"]].counts.values()),
                "executions_by_status": per_job[job["id"]].counts,
                "success_rate": per_job[job["id"]].rate(),
                "messages_sent": per_job[job["id"]].messages_sent,
                "profiles_visited": per_job[job["id"]].profiles_visited,
                "last_run_at": job["last_run_at"],
                "last_run_status": job["last_run_status"],
                "next_run_at": job["next_run_at"],
            }
            for job in page.items
        ],
        "page": page,
    }


def execution_daily_series(*, since: date | datetime | None = None, now: datetime | None = None) -> list[dict]:
    """One row per calendar day (settings.TIME_ZONE) of the window, oldest first, zero-filled,
    from the same counters and in-flight index as ``stats_overview``.

    Each row: ``{"day", "by_status": {status: n}, "total", "messages_sent", "profiles_visited"}``.
    """
    tz = ZoneInfo(settings.TIME_ZONE)
    first_day, start = stats_window(since, now=now)
    today = (now or utc_now()).astimezone(tz).date()
    series = {
        first_day + timedelta(days=i): {
            "day": first_day + timedelta(days=i),
            "by_status": _empty_counts(),
            "total": 0,
            "messages_sent": 0,
            "profiles_visited": 0,
        }
        for i in range(max((today - first_day).days + 1, 1))
    }
    finished = FleetDayCount.objects.filter(day__gte=first_day, day__lte=today).order_by().values(
        "day", "status").annotate(runs=Sum("runs"), messages=Sum("messages_sent"), visits=Sum("profiles_visited"))
    in_flight = (
        JobExecution.objects.filter(status__in=IN_FLIGHT, queued_at__gte=start).order_by()
        .annotate(count_day=TruncDate("queued_at", tzinfo=tz)).values("count_day", "status").annotate(n=Count("id"))
    )
    rows = [(r["day"], r["status"], r["runs"], r["messages"], r["visits"]) for r in finished]
    rows += [(r["count_day"], r["status"], r["n"], 0, 0) for r in in_flight]
    for day, status, runs, messages, visits in rows:
        entry = series.get(day)
        if entry is None:
            continue
        entry["by_status"][status] = entry["by_status"].get(status, 0) + (runs or 0)
        entry["total"] += runs or 0
        entry["messages_sent"] += messages or 0
        entry["profiles_visited"] += visits or 0
    return list(series.values())


NO_LEADER = {"beat_leader": None, "dispatch_lag_seconds": None, "last_dispatch": None}


def beat_overview() -> dict[str, Any]:
    """What the leading beat last said of itself (scheduler_app.beat writes it every second):
    who leads and since when, and how far behind dispatch is. Nones when no beat leads."""
    status = beat_status_read()
    if status is None:
        return dict(NO_LEADER)
    leader = {**(status.get("leader") or {}), "since": status.get("since")}
    return {
        "beat_leader": leader,
        "dispatch_lag_seconds": status.get("lag_seconds"),
        "last_dispatch": status.get("last_dispatch"),
    }


def health_overview() -> dict[str, Any]:
    """What ``/scheduler/health`` answers: can we reach the database and Redis, does a beat lead
    (its status key is fresh), which one and since when, how far behind dispatch is, and how
    many jobs there are.

    ``status`` is "ok" when all hold, "degraded" when the database answers but Redis or a leading
    beat does not (jobs can be edited but will not run), "unavailable" without a database.
    """
    try:
        counts = ScheduledJob.objects.aggregate(total=Count("id"), enabled=Count("id", filter=Q(enabled=True)))
        database = "ok"
    except DatabaseError:
        counts, database = {"total": None, "enabled": None}, "unavailable"
    redis_connected = redis_ping(settings.REDIS_URL)
    beat = beat_overview() if redis_connected else dict(NO_LEADER)
    scheduler_running = beat["beat_leader"] is not None
    if database != "ok":
        status = "unavailable"
    elif redis_connected and scheduler_running:
        status = "ok"
    else:
        status = "degraded"
    return {
        "status": status,
        "scheduler_running": scheduler_running,
        "redis_connected": redis_connected,
        "database": database,
        "total_jobs": counts["total"],
        "enabled_jobs": counts["enabled"],
        **beat,
    }
