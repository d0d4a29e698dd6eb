"""Who notices what no run reports: the dead-man's switch (``silent``) and ``no_leader``.

Every Celery worker runs ``Watchdog``, a thread of its main process, started when the worker is
ready (scheduler_app/notify/signals.py). Workers, not beat: when every beat is dead, or a job's
runs stop because its beat is, a worker is what still runs. Every NOTIFY_WATCH_EVERY_SECONDS it
- attempts deliveries left behind (scheduler_app/notify/services/deliveries.py, the reaper);
- raises ``no_leader`` when no beat has led (its status key, scheduler_app/beat_status.py, is
  gone) for NO_LEADER_AFTER_SECONDS, and clears it when one leads again;
- ends accounts' cool-downs whose time is over and warns before an account's session expires
  (scheduler_app/brakes/accounts.py);
- raises ``silent`` for a covered, enabled, scheduled job with no success since the first slot
  after its last successful one (or after the job or rule was made) plus its misfire_grace_time,
  unless a run of it is under way; the next success clears it (scheduler_app/notify/services/
  incidents.py).
Several workers run the same checks; the incident row lock and the alerts' dedupe keys make
them agree on one alert.
"""
import logging
import threading
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import Q
from django.utils.timezone import now as utc_now

from scheduler_app.beat_status import beat_status_read
from scheduler_app.brakes.accounts import accounts_cooldowns_end, accounts_expiry_warn
from scheduler_app.brakes.selectors import job_newest_slot_braked, job_standing_pauses
from scheduler_app.models import ExecutionStatus, ScheduledJob, ScheduleType
from scheduler_app.notify.models import Event, IncidentKind, IncidentState
from scheduler_app.notify.selectors import rules_for_event
from scheduler_app.notify.services.deliveries import deliveries_queue, deliveries_reap
from scheduler_app.notify.services.incidents import incident_clear, incident_locked, incident_raise
from scheduler_app.schedules import silent_deadline
from scheduler_app.selectors import job_interval_anchor

logger = logging.getLogger(__name__)


def no_leader_check(*, now: datetime | None = None) -> int:
    """Raise or clear ``no_leader`` for each rule subscribed to it. Returns alerts queued."""
    rules = rules_for_event(event=Event.NO_LEADER)
    if not rules:
        return 0
    now = now or utc_now()
    leading = beat_status_read() is not None
    after = timedelta(seconds=settings.NOTIFY_NO_LEADER_AFTER_SECONDS)
    queued = 0
    for rule in rules:
        with transaction.atomic():
            incident = incident_locked(rule=rule, job=None, kind=IncidentKind.NO_LEADER)
            alert = None
            if leading:
                if incident.state != IncidentState.OK or incident.suspect_since is not None:
                    alert = incident_clear(incident=incident, rule=rule, now=now, reason="a beat leads again")
            elif incident.suspect_since is None:
                incident.suspect_since = now
                incident.save(update_fields=["suspect_since"])
            elif now - incident.suspect_since >= after:
                since = incident.suspect_since
                incident.consecutive_failures = 0  # one alert per outage, then realert_every
                alert = incident_raise(incident=incident, rule=rule, event=Event.NO_LEADER, now=now, opens_at=1,
                                       reason=f"no beat has led since {since.isoformat()} "
                                              f"(or Redis cannot be reached)")
            if alert is not None:
                queued += len(deliveries_queue(alerts=[alert], now=now))
    return queued


def _covered_jobs(rule) -> Q:
    if rule.job_id is not None:
        return Q(pk=rule.job_id)
    if rule.bot_type:
        return Q(bot_type=rule.bot_type)
    return Q()


def _fill_silent_after(jobs, now: datetime) -> None:
    """Compute the deadline of jobs that have none yet (new or rescheduled: measured from the
    change; upgraded databases: from the last success or the last change)."""
    for job in jobs:
        since = max(filter(None, (job.last_success_at, job.updated_at, job.created_at)))
        ScheduledJob.objects.filter(pk=job.pk, silent_after__isnull=True).update(
            silent_after=silent_deadline(job, since=since, anchor=job_interval_anchor(job=job)))


def silent_check(*, now: datetime | None = None, batch: int = 5000) -> int:
    """Raise ``silent`` for every covered job past its deadline. Reads only the jobs whose
    ``silent_after`` has passed (an index) or is still to be computed, so a round costs what is
    due, not the fleet's size. Returns alerts queued."""
    rules = rules_for_event(event=Event.SILENT)
    if not rules:
        return 0
    now = now or utc_now()
    queued = 0
    for rule in rules:
        covered = (ScheduledJob.objects.filter(_covered_jobs(rule), enabled=True)
                   .exclude(schedule_type=ScheduleType.MANUAL).select_related("periodic_task"))
        _fill_silent_after(covered.filter(silent_after__isnull=True)[:batch], now)
        for job in covered.filter(silent_after__lte=now).order_by("silent_after")[:batch]:
            # A rule made after the job went quiet measures from its own creation.
            deadline = max(job.silent_after, silent_deadline(job, since=rule.created_at,
                                                             anchor=job_interval_anchor(job=job)) or job.silent_after)
            if deadline > now:
                continue
            with transaction.atomic():
                locked = ScheduledJob.objects.select_for_update(of=("self",)).filter(pk=job.pk).first()
                if locked is None or locked.silent_after is None or locked.silent_after > now:
                    continue  # deleted, rescheduled, or a success landed meanwhile
                if locked.executions.filter(status=ExecutionStatus.RUNNING).exists():
                    continue  # a run is under way: its outcome will tell
                if job_standing_pauses(job=locked) or job_newest_slot_braked(job=locked):
                    continue  # paused or blacked out: silence is what was asked for
                incident = incident_locked(rule=rule, job=locked, kind=IncidentKind.SILENT)
                if incident.state == IncidentState.FAILING and not rule.realert_every_seconds:
                    continue
                since = locked.last_success_at
                alert = incident_raise(
                    incident=incident, rule=rule, event=Event.SILENT, now=now, opens_at=1,
                    reason=(f"no successful run since {since.isoformat()}" if since else "no successful run yet")
                    + f"; one was due by {deadline.isoformat()} (a slot + misfire_grace_time "
                      f"{locked.misfire_grace_time}s)")
                if alert is not None:
                    queued += len(deliveries_queue(alerts=[alert], now=now))
    return queued


def watch_once() -> None:
    """One round of the watchdog; each check on its own, so one failing does not stop the others."""
    for check in (deliveries_reap, no_leader_check, accounts_cooldowns_end, accounts_expiry_warn, silent_check):
        try:
            check()
        except Exception:
            logger.exception("watchdog: %s failed", check.__name__)
            close_old_connections()


class Watchdog:
    """``watch_once`` every NOTIFY_WATCH_EVERY_SECONDS in a daemon thread."""

    def __init__(self, every: float | None = None):
        self.every = every or settings.NOTIFY_WATCH_EVERY_SECONDS
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="notify-watchdog", daemon=True)

    def start(self) -> "Watchdog":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        try:
            while not self._stopped.wait(self.every):
                watch_once()
        finally:
            connection.close()
