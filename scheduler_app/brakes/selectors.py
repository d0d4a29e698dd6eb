"""Reads of pauses and blackouts: what the claim, next-runs, the API and the dashboard ask."""
from collections import defaultdict
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils.timezone import now as utc_now

from scheduler_app.brakes.models import Blackout, BlackoutScope, JobPause
from scheduler_app.brakes.rules import BRAKED_PREFIXES, slot_brake
from scheduler_app.models import ExecutionStatus, JobExecution


def pauses_covering(*, job, slot: datetime) -> list[JobPause]:
    """The job's pauses that may cover ``slot`` (rules.pause_covers), by the (job, lifted_at)
    index: standing ones and ones lifted after the slot."""
    return list(
        JobPause.objects.filter(job_id=job.pk)
        .filter(Q(lifted_at__isnull=True) | Q(lifted_at__gt=slot))
        .filter(Q(until__isnull=True) | Q(until__gt=slot))
    )


def blackouts_for_job(*, job) -> list[Blackout]:
    """Blackouts whose scope takes in ``job`` (all jobs, its bot type, its LinkedIn account, or
    listing it)."""
    return list(
        Blackout.objects.filter(
            Q(scope=BlackoutScope.ALL)
            | Q(scope=BlackoutScope.BOT_TYPE, bot_type=job.bot_type)
            | Q(scope=BlackoutScope.ACCOUNT, account_id=job.account_id)
            | Q(scope=BlackoutScope.JOBS, jobs=job)
        ).distinct()
    )


def job_slot_brake(*, job, slot: datetime) -> str | None:
    """Why the slot of ``job`` at ``slot`` (its nominal time) must not run, or None. Two small
    indexed reads: the claim runs this for every scheduled slot."""
    return slot_brake(slot=slot, timezone=job.timezone, pauses=pauses_covering(job=job, slot=slot),
                      blackouts=blackouts_for_job(job=job))


def job_slots_brakes(*, job, slots: list[datetime]) -> list[str | None]:
    """``job_slot_brake`` for many slots, reading the rows once (next-runs)."""
    if not slots:
        return []
    pauses = pauses_covering(job=job, slot=min(slots))
    blackouts = blackouts_for_job(job=job)
    return [slot_brake(slot=slot, timezone=job.timezone, pauses=pauses, blackouts=blackouts) for slot in slots]


def standing_pauses(*, job_ids, now: datetime | None = None) -> dict[str, list[JobPause]]:
    """Pauses in force now, by job id (one query for a page of jobs)."""
    now = now or utc_now()
    found: dict[str, list[JobPause]] = defaultdict(list)
    rows = (JobPause.objects.filter(job_id__in=list(job_ids), lifted_at__isnull=True)
            .filter(Q(until__isnull=True) | Q(until__gt=now)).order_by("created_at"))
    for pause in rows:
        found[str(pause.job_id)].append(pause)
    return found


def job_standing_pauses(*, job) -> list[JobPause]:
    """``job``: a job or its id."""
    job_id = getattr(job, "pk", job)
    return standing_pauses(job_ids=[job_id]).get(str(job_id), [])


def job_newest_slot_braked(*, job) -> bool:
    """Whether the job's newest row is a slot skipped by a pause or blackout: its silence is the
    brake's doing (the dead-man's switch, notify/watch.py, leaves it alone)."""
    newest = (JobExecution.objects.filter(job_id=job.pk).order_by("-queued_at")
              .values_list("status", "error").first())
    return bool(newest and newest[0] == ExecutionStatus.SKIPPED and (newest[1] or "").startswith(BRAKED_PREFIXES))


def blackout_list() -> QuerySet[Blackout]:
    return Blackout.objects.prefetch_related("jobs").order_by("name", "created_at")


def blackout_get(*, blackout_id) -> Blackout | None:
    return Blackout.objects.prefetch_related("jobs").filter(pk=blackout_id).first()
