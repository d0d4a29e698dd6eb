"""Scheduler statistics and health: read-only selectors shared by the API (``/stats``,
``/health``) and the dashboard.

Everything comes from two grouped queries (jobs by bot type / enabled, executions by job and
status), so the cost does not grow with the number of jobs shown and no view counts rows in
Python. Rates are percentages of *finished* runs (success + failed): skipped, missed and
cancelled runs say nothing about whether the bot works, and queued/running ones have no
outcome yet.
"""
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count, Q, Sum

from scheduler_app.beat_status import beat_status_read
from scheduler_app.models import BotType, ExecutionStatus, JobExecution, ScheduledJob
from scheduler_app.stack import redis_ping


def success_rate(success: int, failed: int) -> float | None:
    """Percentage (0..100, one decimal) of finished runs that succeeded; None before any."""
    finished = success + failed
    return round(100.0 * success / finished, 1) if finished else None


def _empty_counts() -> dict[str, int]:
    return {status: 0 for status in ExecutionStatus.values}


def stats_overview() -> dict[str, Any]:
    """Totals, per-status counts, success rate, messages sent and profiles visited, overall
    and per job (jobs newest first, like the job list).

    Shape (stable: the dashboard renders it)::

        {"total_jobs", "enabled_jobs", "disabled_jobs",
         "jobs_by_bot_type": {"birthday": n, "visitor": n},
         "total_executions", "executions_by_status": {status: n, ...},
         "success_rate": float | None, "total_messages_sent", "total_profiles_visited",
         "jobs": [{"job_id", "name", "bot_type", "enabled", "total_executions",
                   "executions_by_status", "success_rate", "messages_sent", "profiles_visited",
                   "last_run_at", "last_run_status", "next_run_at"}, ...]}
    """
    jobs = list(
        ScheduledJob.objects.order_by("-created_at").values(
            "id", "name", "bot_type", "enabled", "last_run_at", "last_run_status", "next_run_at"
        )
    )
    per_job: dict[Any, dict[str, Any]] = {
        job["id"]: {"counts": _empty_counts(), "messages_sent": 0, "profiles_visited": 0} for job in jobs
    }
    rows = (
        JobExecution.objects.order_by()
        .values("job_id", "status")
        .annotate(n=Count("id"), messages=Sum("messages_sent"), visits=Sum("profiles_visited"))
    )
    totals = {"counts": _empty_counts(), "messages_sent": 0, "profiles_visited": 0}
    for row in rows:
        entry = per_job.get(row["job_id"])
        for target in (totals, entry) if entry is not None else (totals,):
            target["counts"][row["status"]] = target["counts"].get(row["status"], 0) + row["n"]
            target["messages_sent"] += row["messages"] or 0
            target["profiles_visited"] += row["visits"] or 0

    by_type = {bot_type: 0 for bot_type in BotType.values}
    for job in jobs:
        by_type[job["bot_type"]] = by_type.get(job["bot_type"], 0) + 1
    enabled = sum(1 for job in jobs if job["enabled"])

    def rate(counts: dict[str, int]) -> float | None:
        return success_rate(counts[ExecutionStatus.SUCCESS], counts[ExecutionStatus.FAILED])

    return {
        "total_jobs": len(jobs),
        "enabled_jobs": enabled,
        "disabled_jobs": len(jobs) - enabled,
        "jobs_by_bot_type": by_type,
        "total_executions": sum(totals["counts"].values()),
        "executions_by_status": totals["counts"],
        "success_rate": rate(totals["counts"]),
        "total_messages_sent": totals["messages_sent"],
        "total_profiles_visited": totals["profiles_visited"],
        "jobs": [
            {
                "job_id": job["id"],
                "name": job["name"],
                "bot_type": job["bot_type"],
                "enabled": job["enabled"],
                "total_executions": sum(per_job[job["id"]]["counts"].values()),
                "executions_by_status": per_job[job["id"]]["counts"],
                "success_rate": rate(per_job[job["id"]]["counts"]),
                "messages_sent": per_job[job["id"]]["messages_sent"],
                "profiles_visited": per_job[job["id"]]["profiles_visited"],
                "last_run_at": job["last_run_at"],
                "last_run_status": job["last_run_status"],
                "next_run_at": job["next_run_at"],
            }
            for job in jobs
        ],
    }


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
