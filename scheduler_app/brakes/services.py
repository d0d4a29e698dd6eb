"""The only writers of pauses and blackouts. Each validates before it writes; nothing invalid is
stored (a bad field raises ``BrakeValidationError`` naming it, which the API turns into a 400).

Pauses need no beat reload: beat keeps sending slots, and the claim reads the pauses
(scheduler_app.brakes.selectors.job_slot_brake), so a pause or a resume takes effect at the very
next claim. Lifted and expired pauses are kept while a slot they covered could still be claimed
(misfire_grace_time + jitter + a margin), then dropped on the job's next pause write.
"""
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Max, Q, QuerySet
from django.utils.timezone import now as utc_now
from django.utils.translation import gettext as _

from bots.accounts import account_find
from scheduler_app.audit.actors import SYSTEM, Actor, as_actor
from scheduler_app.audit.services import Action, AuditEntry, audit_record, audit_record_many
from scheduler_app.audit.snapshots import model_snapshot
from scheduler_app.brakes.models import USER_CAUSE, Blackout, BlackoutScope, JobPause, PauseKind
from scheduler_app.brakes.rules import supported_countries, window_bounds
from scheduler_app.models import BotType, ScheduledJob
from scheduler_app.validation import JobValidationError

NOTE_MAX = 500
CAUSE_MAX = 64
# How long after it ended a pause is kept beyond its job's grace and jitter (the reaper's margin
# plus slack): a slot it covered may be claimed until then.
KEEP_MARGIN = timedelta(hours=1)
YEAR = timedelta(days=366)


class BrakeValidationError(JobValidationError):
    """Bad pause or blackout input; ``errors`` maps each bad field to its messages."""


def _checked_pause(*, until: datetime | None, note: str | None, now: datetime) -> tuple[datetime | None, str]:
    errors: dict[str, list[str]] = {}
    note = "" if note is None else note
    if not isinstance(note, str):
        errors["note"] = [_("must be a string")]
    elif len(note) > NOTE_MAX:
        errors["note"] = [_("at most %(max)s characters (got %(count)s)") % {"max": NOTE_MAX, "count": len(note)}]
    if until is not None:
        if not isinstance(until, datetime) or until.tzinfo is None:
            errors["until"] = [_("must be an ISO 8601 date-time with an offset, or null")]
        elif until <= now:
            errors["until"] = [_("%(until)s is not in the future") % {"until": until.isoformat()}]
    if errors:
        raise BrakeValidationError(errors)
    return until, note


def _prune_ended(job_ids: list, now: datetime) -> None:
    """Drop pauses of these jobs that ended long enough ago that no slot they covered can still
    be claimed. Two statements whatever the number of jobs (the holiday button pauses them all):
    the bound is the largest grace + jitter among them, which keeps some rows a little longer."""
    longest = ScheduledJob.objects.filter(pk__in=job_ids).aggregate(
        longest=Max(F("misfire_grace_time") + F("jitter_seconds")))["longest"]
    if longest is None:
        return
    before = now - timedelta(seconds=longest) - KEEP_MARGIN
    JobPause.objects.filter(job_id__in=job_ids).filter(Q(lifted_at__lt=before) | Q(until__lt=before)).delete()


def _job_names(job_ids: list) -> dict:
    return dict(ScheduledJob.objects.filter(pk__in=job_ids).values_list("pk", "name"))


def _pause_many(job_ids: list, *, kind: str, cause: str, until, note: str, actor: Actor, now: datetime) -> int:
    """Set one standing pause of ``cause`` on each job: a job that already has one gets its
    until, note and author replaced (the unique constraint keeps it one row). Each job's pause
    leaves its audit event in the same transaction."""
    with transaction.atomic():
        standing = JobPause.objects.filter(job_id__in=job_ids, cause=cause, lifted_at__isnull=True)
        old = {job_id: {"paused": True, "cause": cause, "until": old_until, "note": old_note}
               for job_id, old_until, old_note in standing.values_list("job_id", "until", "note")}
        standing.update(kind=kind, until=until, note=note, created_by=actor.name, created_at=now)
        JobPause.objects.bulk_create(
            [JobPause(job_id=job_id, kind=kind, cause=cause, until=until, note=note, created_by=actor.name,
                      created_at=now) for job_id in job_ids if job_id not in old],
            batch_size=500,
        )
        names = _job_names(job_ids)
        new = {"paused": True, "cause": cause, "until": until, "note": note}
        audit_record_many(actor=actor, action=Action.PAUSE, object_type="job", note=actor.note or note, entries=[
            AuditEntry(object_id=job_id, label=names.get(job_id, ""), job_id=job_id,
                       before=old.get(job_id, {"paused": False}), after=new) for job_id in job_ids])
    return len(job_ids)


def _lift_many(job_ids: list, *, causes: Q, actor: Actor, now: datetime) -> int:
    """Lift the standing pauses of ``causes``; the dead-man's switch (notify/watch.py, which
    leaves paused jobs alone) counts silence from now again, as after a schedule change. Each
    job whose pause is lifted gets its audit event in the same transaction."""
    with transaction.atomic():
        standing = JobPause.objects.filter(job_id__in=job_ids, lifted_at__isnull=True).filter(causes).filter(
            Q(until__isnull=True) | Q(until__gt=now))
        lifting: dict = {}
        for job_id, cause in standing.order_by("cause").values_list("job_id", "cause"):
            lifting.setdefault(job_id, []).append(cause)
        lifted = _lift_many_rows(job_ids, causes=causes, by=actor.name, now=now)
        names = _job_names(list(lifting))
        audit_record_many(actor=actor, action=Action.RESUME, object_type="job", entries=[
            AuditEntry(object_id=job_id, label=names.get(job_id, ""), job_id=job_id, before={"pauses": lifted_causes},
                       after={"pauses": []}) for job_id, lifted_causes in lifting.items()])
    return lifted


def _lift_many_rows(job_ids: list, *, causes: Q, by: str, now: datetime) -> int:
    ScheduledJob.objects.filter(pk__in=JobPause.objects.filter(job_id__in=job_ids, lifted_at__isnull=True)
                                .filter(causes).values("job_id")).update(silent_after=None, updated_at=now)
    lifted = JobPause.objects.filter(job_id__in=job_ids, lifted_at__isnull=True).filter(causes).filter(
        Q(until__isnull=True) | Q(until__gt=now)
    ).update(lifted_at=now, lifted_by=by)
    # An expired pause ends at its until; mark it lifted too, so it no longer blocks a new pause
    # of its cause from being a fresh row, and gets pruned like the rest.
    JobPause.objects.filter(job_id__in=job_ids, lifted_at__isnull=True, until__lte=now).filter(causes).update(
        lifted_at=now, lifted_by=by
    )
    return lifted


def job_pause(*, job: ScheduledJob, until: datetime | None = None, note: str | None = "",
              actor: Actor | str = SYSTEM) -> JobPause:
    """Pause ``job`` for its user, until ``until`` (None: until resumed). ``enabled`` is not
    touched: it stays the permanent switch. Pausing a paused job replaces its until and note."""
    now = utc_now()
    until, note = _checked_pause(until=until, note=note, now=now)
    _prune_ended([job.pk], now)
    _pause_many([job.pk], kind=PauseKind.USER, cause=USER_CAUSE, until=until, note=note, actor=as_actor(actor),
                now=now)
    return JobPause.objects.get(job_id=job.pk, cause=USER_CAUSE, lifted_at__isnull=True)


def job_resume(*, job: ScheduledJob, actor: Actor | str = SYSTEM, include_system: bool = False) -> int:
    """Lift the user's pause of ``job``; with ``include_system`` the system's pauses too (the
    user overriding, e.g. after fixing a session by hand). Slots of the pause stay skipped: they
    were recorded as they came due, and a late claim of one is still refused (rules.pause_covers).
    Returns the number of pauses lifted."""
    now = utc_now()
    causes = Q() if include_system else Q(cause=USER_CAUSE)
    lifted = _lift_many([job.pk], causes=causes, actor=as_actor(actor), now=now)
    _prune_ended([job.pk], now)
    return lifted


def _ids(jobs: QuerySet[ScheduledJob]) -> list:
    return list(jobs.order_by("pk").values_list("pk", flat=True))


def jobs_pause(*, jobs: QuerySet[ScheduledJob], until: datetime | None = None, note: str | None = "",
               actor: Actor | str = SYSTEM) -> int:
    """The holiday button: a user pause on every job of ``jobs`` (all, a bot type, an account).
    Returns the number of jobs paused."""
    now = utc_now()
    until, note = _checked_pause(until=until, note=note, now=now)
    job_ids = _ids(jobs)
    _prune_ended(job_ids, now)
    return _pause_many(job_ids, kind=PauseKind.USER, cause=USER_CAUSE, until=until, note=note, actor=as_actor(actor),
                       now=now)


def jobs_resume(*, jobs: QuerySet[ScheduledJob], actor: Actor | str = SYSTEM, include_system: bool = False) -> int:
    now = utc_now()
    causes = Q() if include_system else Q(cause=USER_CAUSE)
    return _lift_many(_ids(jobs), causes=causes, actor=as_actor(actor), now=now)


def jobs_pause_system(*, jobs: QuerySet[ScheduledJob], cause: str, reason: str = "",
                      until: datetime | None = None) -> int:
    """A system pause of ``cause`` (``needs_reauth``, ``cooling_down``, ...) on each job of
    ``jobs``, with ``reason`` shown in the skipped rows; for the accounts work to call when
    LinkedIn pushes back. Lifted by ``jobs_resume_system`` with the same cause, or by the user."""
    if not cause or cause == USER_CAUSE or len(cause) > CAUSE_MAX:
        raise BrakeValidationError({"cause": [f"a short name other than {USER_CAUSE!r} (1..{CAUSE_MAX} chars)"]})
    now = utc_now()
    until, reason = _checked_pause(until=until, note=reason, now=now)
    job_ids = _ids(jobs)
    _prune_ended(job_ids, now)
    return _pause_many(job_ids, kind=PauseKind.SYSTEM, cause=cause, until=until, note=reason, actor=SYSTEM,
                       now=now)


def jobs_resume_system(*, jobs: QuerySet[ScheduledJob], cause: str) -> int:
    """Lift the system pauses of ``cause`` (its cause cleared: a new session, a cool-down over);
    a user's own pauses stay."""
    return _lift_many(_ids(jobs), causes=Q(cause=cause, kind=PauseKind.SYSTEM), actor=SYSTEM, now=utc_now())


# --- blackouts ------------------------------------------------------------------------------

BLACKOUT_FIELDS = ("name", "start_date", "start_time", "end_date", "end_time", "yearly", "country", "scope",
                   "bot_type", "account", "jobs")


def _checked_blackout(values: dict) -> dict:
    """Validate a whole blackout (after merging a change into the stored values)."""
    errors: dict[str, list[str]] = {}
    values["yearly"] = bool(values.get("yearly"))
    name = values.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        errors["name"] = ["1..200 characters"]
    country = (values.get("country") or "").upper()
    values["country"] = country
    if country and country not in supported_countries():
        errors["country"] = [f"{country!r} is not a country code the holidays calendar knows (e.g. FR, US, DE)"]
    window = [values.get(name) for name in ("start_date", "end_date")]
    if any(window) and not all(window):
        errors["end_date" if window[0] else "start_date"] = ["a window needs both start_date and end_date"]
    elif not any(window) and not country:
        errors["start_date"] = ["give a window (start_date..end_date) or a country for its public holidays"]
    else:
        bounds = window_bounds(Blackout(**{k: values.get(k) for k in ("start_date", "start_time", "end_date",
                                                                       "end_time")}))
        if bounds is not None:
            start, end = bounds
            if end <= start:
                errors["end"] = [f"the window ends ({end.isoformat()}) before or when it starts ({start.isoformat()})"]
            elif values.get("yearly") and end - start >= YEAR:
                errors["end"] = ["a yearly window must be shorter than a year"]
    scope = values.get("scope") or BlackoutScope.ALL
    values["scope"] = scope
    if scope not in BlackoutScope.values:
        errors["scope"] = [f"one of {', '.join(BlackoutScope.values)}"]
    elif scope == BlackoutScope.BOT_TYPE:
        if values.get("bot_type") not in BotType.values:
            errors["bot_type"] = [f"one of {', '.join(BotType.values)} with scope bot_type"]
    elif values.get("bot_type"):
        errors["bot_type"] = ["only with scope bot_type"]
    values["account"] = _checked_blackout_account(values.get("account"), scope, errors)
    job_ids = [str(job_id) for job_id in values.get("jobs") or []]
    if scope == BlackoutScope.JOBS:
        known = {str(pk) for pk in ScheduledJob.objects.filter(pk__in=job_ids).values_list("pk", flat=True)}
        unknown = [job_id for job_id in job_ids if job_id not in known]
        if not job_ids:
            errors["jobs"] = ["list at least one job with scope jobs"]
        elif unknown:
            errors["jobs"] = [f"no such job: {', '.join(unknown[:5])}"]
    elif job_ids:
        errors["jobs"] = ["only with scope jobs"]
    if errors:
        raise BrakeValidationError(errors)
    values["jobs"] = job_ids
    values["bot_type"] = values.get("bot_type") or ""
    return values


def _checked_blackout_account(ref, scope: str, errors: dict[str, list[str]]):
    """The account of a blackout of scope ``account`` (named by id or label), else None."""
    given = ref not in (None, "")
    if scope != BlackoutScope.ACCOUNT:
        if given:
            errors["account"] = ["only with scope account"]
        return None
    account = account_find(ref.strip() if isinstance(ref, str) else ref) if given else None
    if not given:
        errors["account"] = ["name the LinkedIn account (id or label) with scope account"]
    elif account is None:
        errors["account"] = [f"no LinkedIn account has the id or label {ref!r}"]
    return account


def _blackout_audit(blackout: Blackout, *, actor: Actor, action: str, before: dict | None, after: dict | None):
    audit_record(actor=actor, action=action, object_type="blackout", object_id=blackout.pk, label=blackout.name,
                 before=before, after=after)


def _save_blackout(blackout: Blackout, values: dict, *, actor: Actor, action: str) -> Blackout:
    job_ids = values.pop("jobs")
    with transaction.atomic():
        before = model_snapshot(blackout, BLACKOUT_FIELDS) if action == Action.UPDATE else None
        for name, value in values.items():
            setattr(blackout, name, value)
        blackout.save()
        blackout.jobs.set(job_ids)
        _blackout_audit(blackout, actor=actor, action=action, before=before,
                        after=model_snapshot(blackout, BLACKOUT_FIELDS))
    return blackout


def blackout_create(*, data: dict, actor: Actor | str = SYSTEM) -> Blackout:
    actor = as_actor(actor)
    values = _checked_blackout({name: data.get(name) for name in BLACKOUT_FIELDS})
    return _save_blackout(Blackout(created_by=actor.name), values, actor=actor, action=Action.CREATE)


def blackout_update(*, blackout: Blackout, changes: dict, actor: Actor | str = SYSTEM) -> Blackout:
    stored = {name: getattr(blackout, name) for name in BLACKOUT_FIELDS if name != "jobs"}
    stored["jobs"] = [str(pk) for pk in blackout.jobs.values_list("pk", flat=True)]
    stored.update({name: value for name, value in changes.items() if name in BLACKOUT_FIELDS})
    return _save_blackout(blackout, _checked_blackout(stored), actor=as_actor(actor), action=Action.UPDATE)


def blackout_delete(*, blackout: Blackout, actor: Actor | str = SYSTEM) -> None:
    with transaction.atomic():
        _blackout_audit(blackout, actor=as_actor(actor), action=Action.DELETE,
                        before=model_snapshot(blackout, BLACKOUT_FIELDS), after=None)
        blackout.delete()
