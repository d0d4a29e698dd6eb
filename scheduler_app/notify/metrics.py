"""What ``GET /scheduler/metrics`` answers: the scheduler in the Prometheus text format.

Everything is read from the database and Redis at scrape time, never counted in this process, so
any gunicorn worker on any host gives the same answer. The reads are the ones ``/stats`` and
``/health`` already make (scheduler_app/stats.py): finished runs from the run counters
(scheduler_app/services/counters.py), runs still queued or running live from the history's small
in-flight part, the leader and the dispatch lag from the beat's status key. A few grouped queries
per scrape, none per job.

Per-job series (runs by status, last success) are written while the fleet has at most
``SCHEDULER_METRICS_JOB_SERIES_MAX`` jobs. Past that, one scrape would carry hundreds of
thousands of series (about 100 bytes each, formatted one by one), more than any Prometheus should
store for one target and more than a scrape can render in time; the fleet-wide series stay, and
``scheduler_metrics_job_series`` says 0. Counters count runs over the whole kept history of the
counters: deleting a job takes its runs off, which Prometheus reads as a counter reset.
"""
from collections.abc import Iterator

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count, Sum
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from bots.runner import quota_usage
from scheduler_app.models import ExecutionDayCount, ExecutionStatus, FleetDayCount, JobExecution, ScheduledJob
from scheduler_app.notify.models import DeliveryStatus, IncidentKind, NotificationDelivery
from scheduler_app.notify.selectors import channels_disabled, incidents_open
from scheduler_app.stats import IN_FLIGHT, health_overview

PREFIX = "scheduler_"
STATUSES = ExecutionStatus.values  # every series per job and status exists from the start, at 0


def _in_flight_counts(*, by_job: bool) -> list[dict]:
    """Runs queued or running now, by status (and job): the in-flight rows are few."""
    fields = ("job_id", "status") if by_job else ("status",)
    return list(JobExecution.objects.filter(status__in=IN_FLIGHT).order_by().values(*fields).annotate(n=Count("*")))


def _fleet_counts() -> dict[str, tuple[int, int, int]]:
    """Finished runs of the whole fleet by status, with messages and visits: (runs, messages, visits)."""
    rows = FleetDayCount.objects.order_by().values("status").annotate(
        runs=Sum("runs"), messages=Sum("messages_sent"), visits=Sum("profiles_visited"))
    return {row["status"]: (row["runs"] or 0, row["messages"] or 0, row["visits"] or 0) for row in rows}


def _job_counts() -> dict[tuple[str, str], int]:
    """Finished runs by (job, status) over the whole counters table: one GROUP BY."""
    rows = ExecutionDayCount.objects.order_by().values_list("job_id", "status").annotate(runs=Sum("runs"))
    return {(str(job_id), status): runs or 0 for job_id, status, runs in rows}


def _gauge(name: str, documentation: str, value: float | None = None,
           labels: list[str] | None = None) -> GaugeMetricFamily:
    return GaugeMetricFamily(PREFIX + name, documentation, value=value, labels=labels)


class SchedulerCollector:
    """A prometheus_client collector; registered on a fresh registry for each scrape."""

    def collect(self) -> Iterator[Metric]:
        health = health_overview()
        families: list[Metric] = []
        database_up = health["database"] == "ok"
        if database_up:
            try:
                families = list(self._database(health))
            except DatabaseError:  # went away after health_overview's query: say so, not a 500
                families, database_up = [], False
        yield _gauge("database_up", "1 when the database answers.", 1 if database_up else 0)
        yield _gauge("redis_up", "1 when Redis answers a ping.", 1 if health["redis_connected"] else 0)
        yield from self._beat(health)
        yield from families

    def _beat(self, health: dict) -> Iterator[Metric]:
        leader = health["beat_leader"]
        yield _gauge("beat_leading", "1 while some beat leads (its status key is fresh), else 0.",
                     1 if leader else 0)
        family = _gauge("beat_leader", "The leading beat (value 1), absent when none leads.", labels=["id", "host"])
        if leader:
            family.add_metric([str(leader.get("id", "")), str(leader.get("host", ""))], 1)
        yield family
        if health["dispatch_lag_seconds"] is not None:
            yield _gauge("dispatch_lag_seconds", "Age of the oldest due slot the leader has not sent yet (0: on time).",
                         health["dispatch_lag_seconds"])

    def _database(self, health: dict) -> Iterator[Metric]:
        jobs = _gauge("jobs", "Scheduled jobs.", labels=["state"])
        jobs.add_metric(["enabled"], health["enabled_jobs"])
        jobs.add_metric(["disabled"], health["total_jobs"] - health["enabled_jobs"])
        yield jobs

        fleet = _fleet_counts()
        in_flight = {row["status"]: row["n"] for row in _in_flight_counts(by_job=False)}
        yield _gauge("executions_running", "Runs running now.", in_flight.get(ExecutionStatus.RUNNING, 0))
        yield _gauge("executions_queued", "Runs queued now (sent, not yet started).",
                     in_flight.get(ExecutionStatus.QUEUED, 0))
        runs = CounterMetricFamily(PREFIX + "fleet_executions", "Runs of every job by status (queued and running: "
                                   "now).", labels=["status"])
        for status in STATUSES:
            runs.add_metric([status], fleet.get(status, (0, 0, 0))[0] + in_flight.get(status, 0))
        yield runs
        yield CounterMetricFamily(PREFIX + "missed_slots", "Slots recorded missed (never ran).",
                                  value=fleet.get(ExecutionStatus.MISSED, (0, 0, 0))[0])
        yield CounterMetricFamily(PREFIX + "messages_sent", "Messages the runs sent.",
                                  value=sum(values[1] for values in fleet.values()))
        yield CounterMetricFamily(PREFIX + "profiles_visited", "Profiles the runs visited.",
                                  value=sum(values[2] for values in fleet.values()))

        yield from self._per_job(health["total_jobs"])
        yield self._quota()
        yield from self._notifications()

    def _per_job(self, total_jobs: int) -> Iterator[Metric]:
        enabled = total_jobs <= settings.SCHEDULER_METRICS_JOB_SERIES_MAX
        yield _gauge("metrics_job_series", "1 when per-job series are written (at most "
                     "SCHEDULER_METRICS_JOB_SERIES_MAX jobs), else 0.", 1 if enabled else 0)
        runs = CounterMetricFamily(PREFIX + "executions", "Runs of one job by status (queued and running: now).",
                                   labels=["job_id", "job", "bot_type", "status"])
        last_success = _gauge("last_success_timestamp_seconds", "Slot (or start) of the job's newest successful run.",
                              labels=["job_id", "job"])
        if enabled:
            counts = _job_counts()
            for row in _in_flight_counts(by_job=True):
                key = (str(row["job_id"]), row["status"])
                counts[key] = counts.get(key, 0) + row["n"]
            for job_id, name, bot_type, success_at in ScheduledJob.objects.order_by("created_at", "id").values_list(
                    "id", "name", "bot_type", "last_success_at"):
                job_id = str(job_id)
                for status in STATUSES:
                    runs.add_metric([job_id, name, bot_type, status], counts.get((job_id, status), 0))
                if success_at is not None:
                    last_success.add_metric([job_id, name], success_at.timestamp())
        yield runs
        yield last_success

    def _quota(self) -> Metric:
        usage = quota_usage()
        family = _gauge("quota_remaining", "What the bots may still do in the current period (never below 0).",
                        labels=["kind", "period"])
        for kind, period, limit, used in (
            ("messages", "day", settings.BOT_MESSAGES_PER_DAY, usage["messages_today"]),
            ("messages", "week", settings.BOT_MESSAGES_PER_WEEK, usage["messages_week"]),
            ("visits", "day", settings.BOT_VISITS_PER_DAY, usage["visits_today"]),
        ):
            family.add_metric([kind, period], max(limit - used, 0))
        return family

    def _notifications(self) -> Iterator[Metric]:
        open_by_kind = dict(incidents_open().order_by().values_list("kind").annotate(n=Count("*")))
        incidents = _gauge("incidents_open", "Incidents failing now, by kind.", labels=["kind"])
        for kind in IncidentKind.values:
            incidents.add_metric([kind], open_by_kind.get(kind, 0))
        yield incidents
        by_status = dict(NotificationDelivery.objects.order_by().values_list("status").annotate(n=Count("*")))
        deliveries = _gauge("notification_deliveries", "Notification deliveries kept, by status "
                            "(failed: every attempt failed).", labels=["status"])
        for status in DeliveryStatus.values:
            deliveries.add_metric([status], by_status.get(status, 0))
        yield deliveries
        yield _gauge("notification_channels_disabled", "Channels disabled by a permanent delivery failure.",
                     channels_disabled().count())


def metrics_render() -> bytes:
    """One scrape: the collector on a registry of its own, so nothing is kept between scrapes."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(SchedulerCollector())
    return generate_latest(registry)
