"""Job chains: "run B after A" (``ScheduledJob.run_after``, JobLink rows).

Each final run of an upstream job that matches the downstream's ``run_after_when`` starts one
run of the downstream job: a ``chained`` execution whose ``triggered_by`` is that upstream run.
The (job, triggered_by) unique constraint makes it once per upstream run, whoever records the
upstream's end and however often (a worker and the reaper, a redelivered finish, two workers):
the second insert collides and sends nothing. The row is written in the transaction that makes
the upstream run final (``chains_on_final``, called by services/executions.py), and its message
is sent once that commits; a message lost on the way is ended by the reaper like a manual run's.

What counts, by ``run_after_when``:
- ``success``: an upstream success starts the run; an upstream failure leaves a ``skipped`` row
  saying which run failed, so the history says why B did not run.
- ``completion``: an upstream run that ran (success or failed) starts the run.
An upstream slot that did not run (skipped, missed, cancelled) starts nothing. A disabled
downstream job is not started (``enabled`` is the permanent switch).

Links are checked where they are written (``job_links_set``): an upstream must exist, be
another job of the same LinkedIn account, and not close a cycle.
"""
import logging

from django.db import IntegrityError, transaction
from django.utils.timezone import now as utc_now
from django.utils.translation import gettext as _

from scheduler_app.models import ChainWhen, ExecutionStatus, JobExecution, JobLink, ScheduledJob, Trigger
from scheduler_app.services.counters import Tally
from scheduler_app.validation import JobValidationError

logger = logging.getLogger(__name__)


class JobHasDependents(Exception):
    """A job other jobs run after: deleting it needs ``force`` (their links go with it)."""

    def __init__(self, dependents: list[ScheduledJob]):
        self.dependents = dependents
        names = ", ".join(repr(job.name) for job in dependents)
        super().__init__(f"jobs run after this one: {names}; delete with force to unlink them")


def job_dependents(*, job: ScheduledJob) -> list[ScheduledJob]:
    """The jobs that run after ``job``."""
    return list(ScheduledJob.objects.filter(upstream_links__upstream=job).order_by("name"))


def _cycle(job: ScheduledJob, upstream_ids: list[str]) -> list[str] | None:
    """The job names of a cycle the new links would close (job → ... → job), or None.

    Walks downstream from ``job`` over the stored links: an upstream that is reachable from
    ``job`` would make ``job`` run after itself."""
    wanted = set(upstream_ids)
    parents: dict[str, str] = {}
    frontier = [str(job.pk)]
    seen = {str(job.pk)}
    while frontier:
        rows = JobLink.objects.filter(upstream_id__in=frontier).exclude(downstream=job) \
            .values_list("upstream_id", "downstream_id")
        frontier = []
        for upstream_id, downstream_id in rows:
            upstream_id, downstream_id = str(upstream_id), str(downstream_id)
            if downstream_id in seen:
                continue
            seen.add(downstream_id)
            parents[downstream_id] = upstream_id
            if downstream_id in wanted:
                path = [downstream_id]
                while path[-1] != str(job.pk):
                    path.append(parents[path[-1]])
                path.reverse()  # job → ... → the upstream, which would then run job again
                names = {str(pk): name
                         for pk, name in ScheduledJob.objects.filter(pk__in=path).values_list("pk", "name")}
                return [names.get(pk, pk) for pk in path] + [job.name]
            frontier.append(downstream_id)
    return None


def job_links_set(*, job: ScheduledJob, upstream_ids: list[str]) -> None:
    """Make ``job`` run after exactly ``upstream_ids`` (in the caller's transaction, the job
    locked); a self link, another account's job or a cycle is a JobValidationError on run_after."""
    upstream_ids = sorted(set(upstream_ids))
    current = sorted(str(pk) for pk in JobLink.objects.filter(downstream=job).values_list("upstream_id", flat=True))
    if current == upstream_ids:
        return
    errors: list[str] = []
    if str(job.pk) in upstream_ids:
        errors.append(_("a job cannot run after itself"))
    upstreams = {str(u.pk): u for u in ScheduledJob.objects.filter(pk__in=upstream_ids)}
    for pk in upstream_ids:
        upstream = upstreams.get(pk)
        if upstream is None:
            errors.append(_("no job has the id %(id)r") % {"id": pk})
        elif str(upstream.account_id) != str(job.account_id):
            errors.append(_("%(name)r runs on another LinkedIn account; a chain stays on one account")
                          % {"name": upstream.name})
    if not errors and (cycle := _cycle(job, upstream_ids)):
        errors.append(_("this would make a cycle: %(cycle)s") % {"cycle": " → ".join(cycle)})
    if errors:
        raise JobValidationError({"run_after": errors})
    JobLink.objects.filter(downstream=job).exclude(upstream_id__in=upstream_ids).delete()
    JobLink.objects.bulk_create([JobLink(upstream_id=pk, downstream=job) for pk in upstream_ids],
                                ignore_conflicts=True)


def chains_on_final(*, job: ScheduledJob, execution: JobExecution, tally: Tally) -> None:
    """Start the downstream runs of an upstream run that just became final (in its transaction,
    the upstream job locked; see the module docstring). A skipped downstream row is final: it
    goes on the caller's ``tally``, which writes the counters last, in one sorted order."""
    if execution.status not in (ExecutionStatus.SUCCESS, ExecutionStatus.FAILED):
        return
    downstream = list(ScheduledJob.objects.filter(upstream_links__upstream=job, enabled=True))
    if not downstream:
        return
    from scheduler_app.services.executions import execution_dry_run, execution_send

    now = utc_now()
    for target in downstream:
        runs = execution.status == ExecutionStatus.SUCCESS or target.run_after_when == ChainWhen.COMPLETION
        row = JobExecution(job=target, trigger=Trigger.CHAINED, triggered_by=execution, queued_at=now,
                           dry_run=execution_dry_run(target))
        if not runs:
            row.status, row.finished_at = ExecutionStatus.SKIPPED, now
            row.error = (f"not run: the run of {job.name!r} it runs after failed "
                         f"(run_after_when: success; execution {execution.pk})")
        try:
            with transaction.atomic():
                row.save(force_insert=True)
        except IntegrityError:
            logger.info("job %s already ran after execution %s", target.pk, execution.pk)
            continue
        if runs:
            execution_send(row)
        else:
            tally.add_rows([row])
