"""Read queries only the dashboard needs: the filtered, paged job table, quota use, and the
Notifications page's lists (channels, rules, open incidents, recent deliveries) and a job's.

Totals, success rates and the per-day series come from ``scheduler_app.stats`` (shared with the
API). Quota use is the bots' own counters (``bots.runner.quota_usage``).
"""
import uuid
from datetime import datetime

from django.conf import settings
from django.utils.translation import gettext as _

from bots.runner import quota_usage as bot_quota_usage
from scheduler_app.models import ScheduledJob
from scheduler_app.notify.models import Incident, NotificationChannel, NotificationDelivery, NotificationRule
from scheduler_app.notify.selectors import incidents_open, rules_for_job
from scheduler_app.paging import Cursor, Page, keyset_page
from scheduler_app.selectors import job_list

DASHBOARD_PAGE = 50


def job_table(*, bot_type: str | None = None, enabled: bool | None = None, name_contains: str | None = None,
              account_id=None, cursor: Cursor | None = None, limit: int = DASHBOARD_PAGE) -> Page:
    """One page of the jobs page's rows: ``enabled`` None shows both, True / False only that
    state; ``name_contains`` searches names (any case); ``account_id`` one LinkedIn account's.
    Newest first, like the API's list."""
    jobs = job_list(bot_type=bot_type or None, enabled_only=enabled is True, name_contains=name_contains,
                    account_id=account_id)
    if enabled is False:
        jobs = jobs.filter(enabled=False)
    return keyset_page(jobs, cursor=cursor, limit=limit)


def job_many(*, ids: list[str]) -> list[ScheduledJob]:
    """The jobs a batch action names, ignoring ids that are malformed or already gone."""
    valid = []
    for raw in ids:
        try:
            valid.append(str(uuid.UUID(raw)))
        except ValueError:
            continue
    return list(ScheduledJob.objects.filter(pk__in=valid).order_by("-created_at"))


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
        "messages_today": _("Messages today"),
        "messages_week": _("Messages this week"),
        "visits_today": _("Profile visits today"),
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


# --- Notifications page ----------------------------------------------------------------------

NOTIFY_PAGE = 100


def notify_channels(*, limit: int = NOTIFY_PAGE) -> list[NotificationChannel]:
    """The Notifications page's channels, by name (a handful in practice; capped all the same)."""
    return list(NotificationChannel.objects.order_by("name", "id")[:limit])


def notify_rules(*, limit: int = NOTIFY_PAGE) -> list[NotificationRule]:
    """The Notifications page's rules with their channel and job, oldest first."""
    return list(NotificationRule.objects.select_related("channel", "job").order_by("created_at", "id")[:limit])


def notify_incidents(*, job: ScheduledJob | None = None, limit: int = NOTIFY_PAGE) -> list[Incident]:
    """Open incidents, newest first, with their job and rule's channel; ``job``: that job's only."""
    incidents = incidents_open()
    if job is not None:
        incidents = incidents.filter(job=job)
    return list(incidents[:limit])


def notify_deliveries(*, limit: int = NOTIFY_PAGE) -> list[NotificationDelivery]:
    """The newest deliveries with their channel and job in the same query (the table names both)."""
    return list(NotificationDelivery.objects.select_related("channel", "job").order_by("-created_at")[:limit])


def job_notifications(*, job: ScheduledJob) -> dict:
    """A job's history page box: every rule that covers it (disabled ones too, marked as such)
    and its open incidents."""
    return {"rules": rules_for_job(job=job, active_only=False), "incidents": notify_incidents(job=job)}
