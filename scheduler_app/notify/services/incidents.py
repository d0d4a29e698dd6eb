"""Incidents: the Healthchecks-style flip per (rule, job, kind), and the alerts it queues.

Runs (``incidents_on_final``, called by scheduler_app/services/executions.py in the transaction
that makes a run final, under the job's row lock):
- a ``failed`` (or ``missed``) run counts as a failure for the rules subscribed to that event;
  the ``min_consecutive_failures``-th failure in a row opens the rule's incident and alerts once
  (the event that opened it); further failures re-alert only every ``realert_every`` seconds;
- a ``success`` resets the count and closes an open incident with one ``recovered`` (for rules
  subscribed to ``recovered``); it never alerts otherwise, so neither a first success nor a run
  after a pause says anything;
- ``skipped`` and ``cancelled`` runs neither open nor close anything;
- a run that failed because LinkedIn wants a person (session expired, checkpoint) raises a
  ``needs_attention`` incident, closed by the next success.

The watchdog (scheduler_app/notify/watch.py) flips the ``silent`` and ``no_leader`` incidents
through ``incident_raise`` / ``incident_clear``, under the same locks.

Every alert's dedupe key is (incident, opening, event), unique on the delivery table, so a
redelivered finish, two workers or two watchdogs can never send one incident twice.
"""
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils.timezone import now as utc_now

from scheduler_app.models import ExecutionStatus
from scheduler_app.notify.models import Event, Incident, IncidentKind, IncidentState, NotificationRule
from scheduler_app.notify.selectors import rules_for_job
from scheduler_app.notify.services.deliveries import Alert, deliveries_queue

FAILURE_EVENTS = {ExecutionStatus.FAILED: Event.FAILED, ExecutionStatus.MISSED: Event.MISSED}
# Run errors that mean a person must act on the account (bots/driver.py words them so).
ATTENTION_PREFIXES = ("session expired", "checkpoint", "rate limited", "linkedin limit", "no linkedin session")


def incident_locked(*, rule: NotificationRule, job, kind: str) -> Incident:
    """The (rule, job, kind) incident row, created on first use, locked for this transaction."""
    rows = Incident.objects.select_for_update()
    try:
        return rows.get(rule=rule, job=job, kind=kind)
    except Incident.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            return Incident.objects.create(rule=rule, job=job, kind=kind)
    except IntegrityError:  # another watchdog created it meanwhile
        return rows.get(rule=rule, job=job, kind=kind)


def _alert(incident: Incident, rule: NotificationRule, event: str, *, key: str, execution=None,
           reason: str | None = None) -> Alert:
    return Alert(channel_id=rule.channel_id, event=event, rule_id=rule.pk, incident=incident,
                 job=incident.job, execution=execution, reason=reason,
                 dedupe_key=f"incident:{incident.pk}:{incident.opened}:{key}")


def incident_raise(*, incident: Incident, rule: NotificationRule, event: str, now: datetime, execution=None,
                   reason: str | None = None, opens_at: int | None = None) -> Alert | None:
    """Count one more failure on a locked incident; open it (one alert) once ``opens_at`` (the
    rule's ``min_consecutive_failures`` by default) is reached, or re-alert when the rule's
    ``realert_every`` has passed since the last alert."""
    incident.consecutive_failures += 1
    incident.updated_at = now
    incident.reason = reason or incident.reason
    if execution is not None:
        incident.execution = execution
    alert = None
    if incident.state == IncidentState.OK:
        if incident.consecutive_failures >= (opens_at or rule.min_consecutive_failures):
            incident.state, incident.opened_at, incident.closed_at = IncidentState.FAILING, now, None
            incident.opened += 1
            incident.last_alert_at = now
            alert = _alert(incident, rule, event, key=event, execution=execution, reason=reason)
    elif rule.realert_every_seconds and incident.last_alert_at is not None and (
            now - incident.last_alert_at).total_seconds() >= rule.realert_every_seconds:
        incident.last_alert_at = now
        alert = _alert(incident, rule, event, key=f"realert:{now.isoformat()}", execution=execution, reason=reason)
    incident.save()
    return alert


def incident_clear(*, incident: Incident, rule: NotificationRule, now: datetime, execution=None,
                   reason: str | None = None) -> Alert | None:
    """A success (or a leader again) on a locked incident: reset the count, close an open
    incident, and return its one ``recovered`` alert when the rule asks for it."""
    was_open = incident.state == IncidentState.FAILING
    incident.state, incident.consecutive_failures, incident.updated_at = IncidentState.OK, 0, now
    incident.suspect_since = None
    alert = None
    if was_open:
        incident.closed_at = now
        if Event.RECOVERED in rule.events and rule.enabled and rule.channel.enabled:
            alert = _alert(incident, rule, Event.RECOVERED, key=Event.RECOVERED, execution=execution, reason=reason)
    incident.save()
    return alert


def _needs_attention(execution) -> bool:
    error = (execution.error or "").lower()
    return execution.status == ExecutionStatus.FAILED and error.startswith(ATTENTION_PREFIXES)


def incidents_on_final(*, job, execution, now: datetime | None = None) -> list:
    """Flip the incidents ``execution``'s final status decides and queue their alerts. The
    caller holds ``job``'s row lock, in the transaction that made the run final. The flip is
    dated when the run ended."""
    now = now or execution.finished_at or utc_now()
    alerts = []
    if execution.status == ExecutionStatus.SUCCESS:
        # Only incidents with something to reset: one indexed query on the common path.
        touched = (Incident.objects.select_for_update().select_related("rule__channel").filter(job=job)
                   .exclude(state=IncidentState.OK, consecutive_failures=0))
        for incident in touched:
            alerts.append(incident_clear(incident=incident, rule=incident.rule, now=now, execution=execution))
    elif execution.status in FAILURE_EVENTS:
        event = FAILURE_EVENTS[execution.status]
        attention = _needs_attention(execution)
        for rule in rules_for_job(job=job):
            if event in rule.events:
                incident = incident_locked(rule=rule, job=job, kind=IncidentKind.FAILING)
                alerts.append(incident_raise(incident=incident, rule=rule, event=event, now=now,
                                             execution=execution, reason=execution.error))
            if attention and Event.NEEDS_ATTENTION in rule.events:
                incident = incident_locked(rule=rule, job=job, kind=IncidentKind.ATTENTION)
                # One alert per need, on the first failure that shows it.
                alerts.append(incident_raise(incident=incident, rule=rule, event=Event.NEEDS_ATTENTION, now=now,
                                             execution=execution, reason=execution.error, opens_at=1))
    return deliveries_queue(alerts=[alert for alert in alerts if alert is not None], now=now)

