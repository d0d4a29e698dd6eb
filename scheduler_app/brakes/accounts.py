"""Accounts' brakes: what the scheduler does when LinkedIn pushes back on an account, when a new
session arrives, and as time passes.

- A checkpoint, a login wall or an expired session (bots.runner.SessionLost): the account becomes
  ``needs_reauth`` and every enabled job of it gets a system pause (cause ``needs_reauth``) naming
  the execution. No browser starts for the account until a new session is saved and a probe
  (``account_probe``) finds the feed; then those pauses, and only those, are lifted.
- A limit or warning banner (bots.runner.RateLimited): the account cools down for its
  ``cooldown_hours`` (24 by default) and its jobs get a system pause (cause ``cooling_down``)
  that ends by itself at the same time; the warm-up ramp starts again then.
- The run that met the pushback fails with the reason; its ``needs_attention`` alert comes from
  the incident flip of that final run (scheduler_app/notify/services/incidents.py), so one
  pushback makes one alert per channel. The other jobs' slots are skipped rows, which alert
  nothing.
- The watchdog (scheduler_app/notify/watch.py) ends cool-downs whose time is over and sends one
  ``needs_attention`` 14 and 2 days before an account's li_at cookie expires.
"""
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils.timezone import now as utc_now

from bots.accounts import (
    AccountStatus,
    LinkedInAccount,
    account_expiry_warned,
    account_ok,
    account_status_set,
    accounts_cooldown_end,
    session_probe,
)
from bots.runner import AccountPushback, BotError
from scheduler_app.brakes.services import NOTE_MAX, jobs_pause_system, jobs_resume_system
from scheduler_app.models import ScheduledJob

logger = logging.getLogger(__name__)

NEEDS_REAUTH = AccountStatus.NEEDS_REAUTH.value
COOLING_DOWN = AccountStatus.COOLING_DOWN.value


def _jobs_of(account_id):
    return ScheduledJob.objects.filter(account_id=account_id, enabled=True)


def _short(text: str) -> str:
    return text if len(text) <= NOTE_MAX else text[: NOTE_MAX - 1] + "…"


def account_pushback(*, account_id, execution_id, error: AccountPushback) -> None:
    """Brake the account ``error`` came from: its status, and a system pause on each of its jobs."""
    account = LinkedInAccount.objects.filter(pk=account_id).first()
    if account is None:
        return
    now = utc_now()
    with transaction.atomic():
        if error.cause == NEEDS_REAUTH:
            account_status_set(account_id=account.pk, status=NEEDS_REAUTH, reason=str(error),
                               execution_id=execution_id)
            paused = jobs_pause_system(
                jobs=_jobs_of(account.pk), cause=NEEDS_REAUTH,
                reason=_short(f"account {account.label!r} needs a new session (execution {execution_id}: {error})"))
        else:
            until = now + timedelta(hours=account.cooldown_hours)
            # The ramp starts again when the cool-down ends: a restricted account warms up anew.
            account_status_set(account_id=account.pk, status=COOLING_DOWN, reason=str(error),
                               execution_id=execution_id, cooldown_until=until, restart_warmup_at=until)
            paused = jobs_pause_system(
                jobs=_jobs_of(account.pk), cause=COOLING_DOWN, until=until,
                reason=_short(f"account {account.label!r} cools down until {until.isoformat()} "
                              f"(execution {execution_id}: {error})"))
    logger.warning("account %s: %s after execution %s; %d job(s) paused by the system", account.label, error.cause,
                   execution_id, paused)


def account_session_accepted(*, account: LinkedInAccount) -> int:
    """A new session of ``account`` loaded the feed: the account is active again and the system
    pauses of ``needs_reauth`` are lifted (a user's own pauses, and a cool-down, stay).
    Returns the pauses lifted."""
    with transaction.atomic():
        account_ok(account_id=account.pk)
        if account.status == NEEDS_REAUTH:
            account_status_set(account_id=account.pk, status=AccountStatus.ACTIVE)
        lifted = jobs_resume_system(jobs=ScheduledJob.objects.filter(account_id=account.pk), cause=NEEDS_REAUTH)
    return lifted


def account_session_refused(*, account: LinkedInAccount, error: Exception) -> None:
    """The probe of a new session did not get to the feed: the account stays (or becomes)
    ``needs_reauth`` with the probe's reason; its jobs stay paused."""
    account_status_set(account_id=account.pk, status=NEEDS_REAUTH,
                       reason=f"the saved session was checked and did not load the feed: {error}")


def accounts_cooldowns_end(*, now: datetime | None = None) -> int:
    """End the cool-downs whose time is over (their jobs' pauses ended at the same time, by
    their ``until``). Returns the accounts made active."""
    return len(accounts_cooldown_end(now=now))


def accounts_expiry_warn(*, now: datetime | None = None) -> int:
    """One ``needs_attention`` per account, session and threshold (ACCOUNT_SESSION_WARN_DAYS) as
    its li_at cookie nears its expiry; sent to the rules covering the account's jobs. Returns
    the alerts queued."""
    from scheduler_app.notify.models import Event
    from scheduler_app.notify.selectors import rules_for_job
    from scheduler_app.notify.services.deliveries import Alert, deliveries_queue

    now = now or utc_now()
    thresholds = sorted(settings.ACCOUNT_SESSION_WARN_DAYS, reverse=True)
    horizon = now + timedelta(days=thresholds[0]) if thresholds else now
    queued = 0
    for account in LinkedInAccount.objects.filter(li_at_expires_at__isnull=False, li_at_expires_at__gt=now,
                                                  li_at_expires_at__lte=horizon):
        left = account.li_at_expires_at - now
        due = [days for days in thresholds if left <= timedelta(days=days) and str(days) not in account.li_at_warned]
        if not due:
            continue
        days = min(due)  # the nearest threshold: a session first seen 1 day before says "2 days", once
        with transaction.atomic():
            for threshold in due:
                account_expiry_warned(account_id=account.pk, days=threshold)
            job = ScheduledJob.objects.filter(account_id=account.pk).order_by("created_at").first()
            if job is None:
                continue
            reason = (f"the LinkedIn session of account {account.label!r} expires on "
                      f"{account.li_at_expires_at.isoformat()} (in less than {days} days): save a new one")
            alerts = []
            seen_channels = set()
            for rule in rules_for_job(job=job, event=Event.NEEDS_ATTENTION):
                if rule.channel_id in seen_channels:
                    continue
                seen_channels.add(rule.channel_id)
                alerts.append(Alert(channel_id=rule.channel_id, event=Event.NEEDS_ATTENTION, job=job, rule_id=rule.pk,
                                    reason=reason, dedupe_key=f"account:{account.pk}:li_at:"
                                    f"{account.li_at_expires_at.isoformat()}:{days}:{rule.channel_id}"))
            queued += len(deliveries_queue(alerts=alerts, now=now))
    return queued


def account_probe(*, account_id) -> str:
    """Check the account's saved session on the feed (a real browser, holding the account's
    lease), then accept or refuse it. Returns "ok" or the reason it was refused."""
    account = LinkedInAccount.objects.filter(pk=account_id).first()
    if account is None:
        return "no such account"
    try:
        session_probe(account=account)
    except BotError as exc:
        account_session_refused(account=account, error=exc)
        return str(exc)
    account.refresh_from_db()
    account_session_accepted(account=account)
    return "ok"
