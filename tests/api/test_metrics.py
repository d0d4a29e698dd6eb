"""GET /scheduler/metrics: Prometheus text that prometheus_client's own parser reads, whose
numbers are the database's after a mixed workload run through the execution services; the key
as X-API-Key or Authorization: Bearer, and the bad-key throttle on both."""
from datetime import date, timedelta

import pytest
from django.db.models import Count, Max, Sum
from django.utils.timezone import now as utc_now
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.test import APIClient

from bots.models import BirthdayMessage, Contact, MessageStatus, ProfileVisit, VisitStatus
from scheduler_app.models import ExecutionStatus, JobExecution, ScheduledJob
from scheduler_app.notify.models import (
    DeliveryStatus,
    Incident,
    IncidentKind,
    IncidentState,
    NotificationChannel,
    NotificationDelivery,
    NotificationRule,
)
from scheduler_app.services.executions import execution_claim, executions_record_dispatch
from tests.factories import make_job, record_run

pytestmark = pytest.mark.django_db

URL = "/scheduler/metrics"


def scrape(client) -> dict[str, dict[tuple, float]]:
    """{sample name: {sorted label items: value}} of one scrape, parsed by prometheus_client."""
    response = client.get(URL)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == CONTENT_TYPE_LATEST
    samples: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def one(samples, name: str, **labels) -> float:
    return samples[name][tuple(sorted(labels.items()))]


@pytest.fixture
def no_redis(monkeypatch):
    """No Redis in unit tests: say so quickly instead of waiting on a connect timeout."""
    monkeypatch.setattr("scheduler_app.stats.redis_ping", lambda url: False)


@pytest.fixture
def workload(no_redis):
    """Four jobs, runs of every outcome through the real services (which keep the run counters
    and last_success_at, and flip incidents for a rule on failed and missed runs), two runs still
    in flight, some quota used, deliveries in every state and a disabled channel."""
    channel = NotificationChannel.objects.create(name="hook", kind="webhook", config={"url": "https://e.test/h"})
    NotificationChannel.objects.create(name="gone", kind="webhook", config={"url": "https://e.test/g"},
                                       enabled=False, disabled_reason="HTTP 404 from the receiver")
    NotificationChannel.objects.create(name="off", kind="webhook", config={"url": "https://e.test/o"},
                                       enabled=False)  # switched off by its owner: not a failure
    NotificationRule.objects.create(channel=channel, events=["failed", "missed", "recovered", "silent"])

    birthday = make_job(name="Birthdays")
    visitor = make_job(name="Visits", bot_type="visitor", bot_config={"limit": 10})
    recovers = make_job(name="Recovers")
    idle = make_job(name="Never ran")
    yesterday = utc_now() - timedelta(days=1)
    for status, messages, visits, at in [
        ("success", 3, 0, yesterday), ("success", 2, 0, None), ("failed", 0, 0, None),
        ("skipped", 0, 0, None), ("missed", 0, 0, yesterday),
    ]:
        record_run(birthday, status, messages=messages, visits=visits, at=at)
    for status, visits in [("success", 7), ("failed", 0), ("failed", 0), ("missed", 0), ("skipped", 0)]:
        record_run(visitor, status, visits=visits)
    for status in ("failed", "success"):  # an incident opened and closed: a recovered alert
        record_run(recovers, status, messages=1)
    # In flight: one queued slot (beat sent it), one running (a worker claimed it).
    slot = utc_now().replace(microsecond=0) + timedelta(minutes=5)
    executions_record_dispatch(sent=[(visitor.pk, slot)])
    assert execution_claim(job_id=birthday.pk, scheduled_for=slot) is not None

    contact = Contact.objects.create(slug="ada", name="Ada")
    other = Contact.objects.create(slug="bob", name="Bob")
    BirthdayMessage.objects.create(contact=contact, birthday=date(2026, 1, 2), status=MessageStatus.SENT)
    BirthdayMessage.objects.create(contact=other, birthday=date(2026, 1, 2), status=MessageStatus.FAILED)
    for status in (VisitStatus.VISITED, VisitStatus.VISITED, VisitStatus.FAILED):
        ProfileVisit.objects.create(contact=contact, status=status)

    # The runs queued their alerts (the Celery send waits for a commit that never comes here);
    # give some of them the outcomes attempts would have.
    queued = list(NotificationDelivery.objects.order_by("created_at").values_list("pk", flat=True))
    assert len(queued) == 4  # birthday's and visitor's failing, recovers' failing and recovered
    for pk, status, attempts in zip(queued, ("delivered", "failed", "sending"), (1, 5, 2), strict=False):
        NotificationDelivery.objects.filter(pk=pk).update(status=status, attempts=attempts)
    return birthday, visitor, idle


def test_numbers_equal_the_database_after_a_mixed_workload(client, workload, settings):
    birthday, visitor, idle = workload
    samples = scrape(client)

    by_job_status = {(str(row["job_id"]), row["status"]): row["n"]
                     for row in JobExecution.objects.values("job_id", "status").annotate(n=Count("id"))}
    assert len(by_job_status) >= 11  # every outcome is in the workload
    jobs = list(ScheduledJob.objects.all())
    assert len(jobs) == 4
    for job in jobs:
        for status in ExecutionStatus.values:
            assert one(samples, "scheduler_executions_total", job_id=str(job.pk), job=job.name,
                       bot_type=job.bot_type, status=status) == by_job_status.get((str(job.pk), status), 0), \
                (job.name, status)
    assert len(samples["scheduler_executions_total"]) == 4 * len(ExecutionStatus.values)
    by_status = dict(JobExecution.objects.values_list("status").annotate(n=Count("id")))
    for status in ExecutionStatus.values:
        assert one(samples, "scheduler_fleet_executions_total", status=status) == by_status.get(status, 0), status
    assert one(samples, "scheduler_executions_running") == by_status["running"] == 1
    assert one(samples, "scheduler_executions_queued") == by_status["queued"] == 1
    assert one(samples, "scheduler_missed_slots_total") == by_status["missed"] == 2
    finished = JobExecution.objects.exclude(status__in=["queued", "running"])
    totals = finished.aggregate(messages=Sum("messages_sent"), visits=Sum("profiles_visited"))
    assert one(samples, "scheduler_messages_sent_total") == totals["messages"] == 7
    assert one(samples, "scheduler_profiles_visited_total") == totals["visits"] == 7

    # Last success: the slot of each job's newest successful run, read from the history itself.
    newest = {str(row["job_id"]): row["at"] for row in JobExecution.objects.filter(status="success").values(
        "job_id").annotate(at=Max("scheduled_for"))}
    assert len(newest) == 3
    last_success = {dict(labels)["job_id"]: value
                    for labels, value in samples["scheduler_last_success_timestamp_seconds"].items()}
    assert last_success == pytest.approx({job_id: at.timestamp() for job_id, at in newest.items()}, rel=0, abs=1e-3)
    assert str(idle.pk) not in last_success
    assert one(samples, "scheduler_jobs", state="enabled") == ScheduledJob.objects.filter(enabled=True).count() == 4
    assert one(samples, "scheduler_jobs", state="disabled") == 0
    assert one(samples, "scheduler_metrics_job_series") == 1

    assert one(samples, "scheduler_quota_remaining", kind="messages", period="day") == settings.BOT_MESSAGES_PER_DAY - 1
    assert one(samples, "scheduler_quota_remaining", kind="messages",
               period="week") == settings.BOT_MESSAGES_PER_WEEK - 1
    assert one(samples, "scheduler_quota_remaining", kind="visits", period="day") == settings.BOT_VISITS_PER_DAY - 2

    open_by_kind = dict(Incident.objects.filter(state=IncidentState.FAILING).values_list("kind").annotate(
        n=Count("id")))
    assert open_by_kind == {IncidentKind.FAILING: 2}  # birthday and visitor; recovers closed again
    assert Incident.objects.filter(state=IncidentState.OK).count() == 1
    for kind in IncidentKind.values:
        assert one(samples, "scheduler_incidents_open", kind=kind) == open_by_kind.get(kind, 0), kind
    by_delivery = dict(NotificationDelivery.objects.values_list("status").annotate(n=Count("id")))
    assert set(by_delivery) == {"queued", "sending", "delivered", "failed"}
    for status in DeliveryStatus.values:
        assert one(samples, "scheduler_notification_deliveries", status=status) == by_delivery.get(status, 0), status
    assert one(samples, "scheduler_notification_channels_disabled") == 1

    assert one(samples, "scheduler_database_up") == 1
    assert one(samples, "scheduler_redis_up") == 0
    assert one(samples, "scheduler_beat_leading") == 0
    assert "scheduler_beat_leader" not in samples and "scheduler_dispatch_lag_seconds" not in samples


def test_a_run_moves_the_counters_of_the_next_scrape(client, workload):
    _, _, idle = workload  # the birthday job has a run in progress: a second would be refused
    labels = {"job_id": str(idle.pk), "job": idle.name, "bot_type": "birthday", "status": "failed"}
    assert one(scrape(client), "scheduler_executions_total", **labels) == 0
    record_run(idle, "failed")
    after = scrape(client)
    assert one(after, "scheduler_executions_total", **labels) == 1
    assert one(after, "scheduler_fleet_executions_total", status="failed") == JobExecution.objects.filter(
        status="failed").count()


def test_past_the_job_series_limit_only_fleet_series_are_written(client, workload, settings):
    settings.SCHEDULER_METRICS_JOB_SERIES_MAX = 2
    samples = scrape(client)
    assert one(samples, "scheduler_metrics_job_series") == 0
    assert "scheduler_executions_total" not in samples
    assert "scheduler_last_success_timestamp_seconds" not in samples
    assert one(samples, "scheduler_fleet_executions_total", status="success") == JobExecution.objects.filter(
        status="success").count()


def test_leader_and_dispatch_lag_come_from_the_beat_status(client, monkeypatch):
    monkeypatch.setattr("scheduler_app.stats.redis_ping", lambda url: True)
    monkeypatch.setattr("scheduler_app.stats.beat_status_read", lambda: {
        "leader": {"id": "beat-7", "host": "node-2", "pid": 41}, "since": "2026-12-04T10:00:00+00:00",
        "lag_seconds": 2.5, "last_dispatch": None})
    samples = scrape(client)
    assert one(samples, "scheduler_beat_leading") == 1
    assert one(samples, "scheduler_beat_leader", id="beat-7", host="node-2") == 1
    assert one(samples, "scheduler_dispatch_lag_seconds") == 2.5
    assert one(samples, "scheduler_redis_up") == 1


def test_without_a_key_is_401_json(anon, no_redis):
    response = anon.get(URL, HTTP_ACCEPT="application/openmetrics-text; version=1.0.0")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert "Bearer" in response["WWW-Authenticate"] and "X-API-Key" in response["WWW-Authenticate"]


def test_bearer_key_works_and_a_wrong_one_is_401(api_key, no_redis):
    client = APIClient()
    # Prometheus's own Accept header: OpenMetrics first, text/plain as a fallback.
    accept = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
              "text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key}", HTTP_ACCEPT=accept)
    assert "scheduler_database_up" in scrape(client)
    client.credentials(HTTP_AUTHORIZATION=f"bearer  {api_key} ")  # scheme is case-insensitive
    assert client.get(URL).status_code == 200
    for wrong in ("Bearer wrong.key", "Bearer ", f"Basic {api_key}"):
        client.credentials(HTTP_AUTHORIZATION=wrong)
        assert client.get(URL).status_code == 401, wrong


def test_bearer_is_accepted_on_every_endpoint(api_key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key}")
    assert client.get("/scheduler/jobs").status_code == 200


def test_wrong_bearer_keys_are_throttled_like_wrong_header_keys(api_key, settings, no_redis):
    settings.SCHEDULER_API_BAD_KEY_LIMIT = 3
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer wrong.key")
    assert [client.get(URL).status_code for _ in range(4)] == [401, 401, 401, 429]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key}")
    assert client.get(URL).status_code == 200  # the right key still works from a blocked address
