"""The run counters behind ``/stats`` (models ``ExecutionDayCount`` and ``FleetDayCount``).

Every service that moves an execution into a final status, or from one final status to another
(the reaper's "worker lost" overwritten by the run's own late finish), notes the move on a
``Tally`` and applies it at the end of its transaction, so a count and the row it counts commit
together or not at all. Queued and running runs are never counted here: they are few, they
change every second, and ``scheduler_app.stats`` reads them live from a small partial index.

Lock order (scheduler_app/services/executions.py): the job row, then its executions, then, last
of all, counter rows: one job's rows sorted, then the fleet rows sorted. Nothing waits on a job or
an execution while it holds a counter row, so counters never close a cycle.
"""
import uuid
from collections import defaultdict
from contextlib import contextmanager
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate

from scheduler_app.models import FINAL_STATUSES, ExecutionDayCount, FleetDayCount, JobExecution

FLEET_SHARDS = 16
BATCH = 500
VALUE_COLUMNS = ("runs", "messages_sent", "profiles_visited")


def count_day(queued_at: datetime) -> date:
    """The day a run counts on: the calendar day it was queued, in settings.TIME_ZONE (the one
    moment every execution has; the dashboard's days are the same)."""
    return queued_at.astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def shard_of(job_id) -> int:
    return uuid.UUID(str(job_id)).int % FLEET_SHARDS


class Tally:
    """Counter changes of one transaction, added up per key, written by ``apply``."""

    def __init__(self) -> None:
        self._deltas: dict[tuple[str, date, str], list[int]] = defaultdict(lambda: [0, 0, 0])

    def move(self, *, job_id, queued_at: datetime, old: tuple[str, int, int] | None,
             new: tuple[str, int, int] | None) -> None:
        """An execution went from ``old`` to ``new``, each (status, messages_sent,
        profiles_visited) or None (did not exist / no longer exists). Only final statuses count."""
        day = count_day(queued_at)
        job = str(uuid.UUID(str(job_id)))
        for state, sign in ((old, -1), (new, 1)):
            if state is not None and state[0] in FINAL_STATUSES:
                delta = self._deltas[(job, day, str(state[0]))]
                delta[0] += sign
                delta[1] += sign * (state[1] or 0)
                delta[2] += sign * (state[2] or 0)

    def add_rows(self, rows) -> None:
        """New executions written as they are (``executions_record_dispatch``'s missed rows)."""
        for row in rows:
            self.move(job_id=row.job_id, queued_at=row.queued_at, old=None,
                      new=(row.status, row.messages_sent, row.profiles_visited))

    def apply(self) -> None:
        """Write the changes: the jobs' rows, then the fleet's, each in one sorted order. Must run
        inside the transaction that made the moves, after its last job or execution write."""
        deltas = {key: value for key, value in self._deltas.items() if any(value)}
        self._deltas.clear()
        if not deltas:
            return
        job_rows = [(job, day, status, *values) for (job, day, status), values in sorted(deltas.items())]
        fleet: dict[tuple[date, str, int], list[int]] = defaultdict(lambda: [0, 0, 0])
        for (job, day, status), values in deltas.items():
            total = fleet[(day, status, shard_of(job))]
            for i in range(3):
                total[i] += values[i]
        fleet_rows = [(day, status, shard, *values) for (day, status, shard), values in sorted(fleet.items())]
        _upsert(ExecutionDayCount, ("job_id", "day", "status"), job_rows)
        _upsert(FleetDayCount, ("day", "status", "shard"), fleet_rows)


def _upsert(model, keys: tuple[str, ...], rows: list[tuple]) -> None:
    """INSERT ... ON CONFLICT DO UPDATE adding to the existing counts (SQLite and PostgreSQL
    both speak it); one key appears once per statement, as PostgreSQL requires."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = (*keys, *VALUE_COLUMNS)
    job_field = ExecutionDayCount._meta.get_field("job")
    updates = ", ".join(f"{quote(c)} = {table}.{quote(c)} + excluded.{quote(c)}" for c in VALUE_COLUMNS)

    def prepared(name: str, value):
        if name == "job_id":
            return job_field.get_db_prep_value(value, connection)
        if name == "day":
            return connection.ops.adapt_datefield_value(value)
        return value

    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            chunk = rows[start:start + BATCH]
            placeholders = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(chunk))
            params = [prepared(name, value) for row in chunk for name, value in zip(columns, row, strict=True)]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) VALUES {placeholders} "
                f"ON CONFLICT ({', '.join(quote(k) for k in keys)}) DO UPDATE SET {updates}",
                params,
            )


@contextmanager
def counts_forgotten(*, job_id):
    """Around a job's delete (the caller holds its row lock): its counts are read before, and
    taken off the fleet's after the delete has removed its history and its own counts, so the
    fleet rows stay the last locks of the transaction."""
    rows = list(ExecutionDayCount.objects.filter(job_id=job_id).values_list("day", "status", *VALUE_COLUMNS))
    yield
    shard = shard_of(job_id)
    _upsert(FleetDayCount, ("day", "status", "shard"),
            sorted((day, status, shard, -runs, -messages, -visits) for day, status, runs, messages, visits in rows))


def counts_rebuild(*, execution_model=JobExecution, job_model=ExecutionDayCount, fleet_model=FleetDayCount) -> None:
    """Recount everything from the history as it stands (migration 0004 backfills with it;
    benchmarks load with it). Runs of pruned history are lost to a recount: the counters are
    the only place that still has them. The models are parameters so a migration can pass its
    historical ones."""
    quote = connection.ops.quote_name
    grouped = (
        execution_model.objects.filter(status__in=list(FINAL_STATUSES))
        .annotate(count_day=TruncDate("queued_at", tzinfo=ZoneInfo(settings.TIME_ZONE)))
        .order_by()
        .values("job_id", "count_day", "status")
        .annotate(n_runs=Count("id"), n_messages=Sum("messages_sent"), n_visits=Sum("profiles_visited"))
    )
    sql, params = grouped.query.sql_with_params()
    job_table, fleet_table = quote(job_model._meta.db_table), quote(fleet_model._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {job_table}")
        cursor.execute(f"DELETE FROM {fleet_table}")
        cursor.execute(
            f"INSERT INTO {job_table} (job_id, day, status, runs, messages_sent, profiles_visited) "
            f"SELECT job_id, count_day, status, n_runs, n_messages, n_visits FROM ({sql}) grouped",
            params,
        )
        cursor.execute(
            f"INSERT INTO {fleet_table} (day, status, shard, runs, messages_sent, profiles_visited) "
            f"SELECT day, status, 0, SUM(runs), SUM(messages_sent), SUM(profiles_visited) FROM {job_table} "
            f"GROUP BY day, status"
        )
