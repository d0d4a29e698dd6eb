"""Read queries only the dashboard needs: the filtered job table, per-day series, quota use.

Totals and success rates come from ``scheduler_app.stats.stats_overview`` (shared with the
API); what is here is grouped by calendar day, which the API does not serve. Quota use is
the bots' own counters (``bots.selectors``).
"""
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from bots.runner import quota_usage as bot_quota_usage
from scheduler_app.models import ExecutionStatus, JobExecution, ScheduledJob
from scheduler_app.selectors import job_list


def job_table(*, bot_type: str | None = None, enabled: bool | None = None) -> QuerySet[ScheduledJob]:
    """The jobs page rows: ``enabled`` None shows both, True / False only that state."""
    jobs = job_list(bot_type=bot_type or None, enabled_only=enabled is True)
    if enabled is False:
        jobs = jobs.filter(enabled=False)
    return jobs


def job_many(*, ids: list[str]) -> list[ScheduledJob]:
    """The jobs a batch action names, ignoring ids that are malformed or already gone."""
    valid = []
    for raw in ids:
        try:
            valid.append(str(uuid.UUID(raw)))
        except ValueError:
            continue
    return list(ScheduledJob.objects.filter(pk__in=valid).order_by("-created_at"))


def _days(end: date, count: int) -> list[date]:
    return [end - timedelta(days=i) for i in range(count - 1, -1, -1)]


def execution_daily_series(*, days: int = 14, now: datetime | None = None) -> list[dict]:
    """One row per calendar day (settings.TIME_ZONE), oldest first, zero-filled.

    Each row: ``{"day", "by_status": {status: n}, "total", "messages_sent", "profiles_visited"}``.
    Runs count on the day they were queued, the one moment every execution has.
    """
    tz = ZoneInfo(settings.TIME_ZONE)
    now = now or timezone.now()
    today = now.astimezone(tz).date()
    first = today - timedelta(days=days - 1)
    since = datetime(first.year, first.month, first.day, tzinfo=tz)
    rows = (
        JobExecution.objects.filter(queued_at__gte=since)
        .annotate(day=TruncDate("queued_at", tzinfo=tz))
        .order_by()
        .values("day", "status")
        .annotate(n=Count("id"), messages=Sum("messages_sent"), visits=Sum("profiles_visited"))
    )
    series = {
        day: {
            "day": day,
            "by_status": {s: 0 for s in ExecutionStatus.values},
            "total": 0,
            "messages_sent": 0,
            "profiles_visited": 0,
        }
        for day in _days(today, days)
    }
    for row in rows:
        entry = series.get(row["day"])
        if entry is None:
            continue
        entry["by_status"][row["status"]] = entry["by_status"].get(row["status"], 0) + row["n"]
        entry["total"] += row["n"]
        entry["messages_sent"] += row["messages"] or 0
        entry["profiles_visited"] += row["visits"] or 0
    return list(series.values())


def quota_usage(*, now: datetime | None = None) -> dict:
    """Messages and visits used today and this week against their caps.

    The counts are the bots' own counters (claimed + sent rows, which are what their quotas
    enforce), over the bots' own day and week (settings.TIME_ZONE, weeks starting on Monday).
    """
    used = bot_quota_usage(now)
    caps = {
        "messages_today": settings.BOT_MESSAGES_PER_DAY,
        "messages_week": settings.BOT_MESSAGES_PER_WEEK,
        "visits_today": settings.BOT_VISITS_PER_DAY,
    }
    labels = {
        "messages_today": "Messages today",
        "messages_week": "Messages this week",
        "visits_today": "Profile visits today",
    }
    quotas = []
    for key, label in labels.items():
        cap = caps[key]
        quotas.append(
            {
                "key": key,
                "label": label,
                "used": used[key],
                "cap": cap,
                "percent": min(100, round(100 * used[key] / cap)) if cap else None,
            }
        )
    return {"quotas": quotas, "day_start": used["day_start"], "week_start": used["week_start"]}
