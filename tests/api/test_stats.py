"""Stats: totals and per-job counts over a window, success rate, messages and visits, from the
run counters the execution services keep (never a scan of the history)."""
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.test.utils import CaptureQueriesContext
from django.utils.timezone import now

from scheduler_app.models import FINAL_STATUSES, ExecutionDayCount, FleetDayCount, JobExecution
from scheduler_app.services import execution_claim, execution_finish, job_delete, job_run_now, job_toggle
from scheduler_app.services.counters import counts_rebuild
from scheduler_app.services.executions import executions_prune, executions_reap
from scheduler_app.stats import stats_overview, success_rate
from tests.factories import make_job, record_run

pytestmark = pytest.mark.django_db


def test_success_rate_is_a_percentage_of_finished_runs():
    assert success_rate(0, 0) is None
    assert success_rate(3, 1) == 75.0
    assert success_rate(1, 2) == 33.3


def test_stats_overview_counts_per_job_and_in_total():
    birthday = make_job(name="b")
    visitor = make_job(name="v", bot_type="visitor", bot_config={})
    record_run(birthday, "success", messages=3)
    record_run(birthday, "success", messages=2)
    record_run(birthday, "failed")
    record_run(birthday, "skipped")
    record_run(visitor, "success", visits=40)
    job_toggle(job=visitor, enabled=False)

    stats = stats_overview()

    assert stats["total_jobs"] == 2 and stats["enabled_jobs"] == 1 and stats["disabled_jobs"] == 1
    assert stats["jobs_by_bot_type"] == {"birthday": 1, "visitor": 1}
    assert stats["total_executions"] == 5
    assert stats["executions_by_status"]["success"] == 3
    assert stats["executions_by_status"]["skipped"] == 1
    assert stats["success_rate"] == 75.0
    assert stats["total_messages_sent"] == 5 and stats["total_profiles_visited"] == 40
    per_job = {row["name"]: row for row in stats["jobs"]}
    assert [row["name"] for row in stats["jobs"]] == ["v", "b"]  # newest first
    assert per_job["b"]["total_executions"] == 4
    assert per_job["b"]["success_rate"] == 66.7
    assert per_job["b"]["messages_sent"] == 5
    assert per_job["v"]["profiles_visited"] == 40
    assert per_job["v"]["success_rate"] == 100.0


def test_stats_overview_with_nothing():
    stats = stats_overview()
    assert stats["total_jobs"] == 0 and stats["jobs"] == [] and stats["success_rate"] is None


def test_runs_still_queued_or_running_are_counted_live():
    job = make_job(schedule_type="manual", schedule_config={})
    job_run_now(job=job)  # queued (tests have no broker: the message is dropped)
    execution_claim(job_id=job.pk, scheduled_for=now())  # running
    stats = stats_overview()
    assert stats["executions_by_status"]["queued"] == 1 and stats["executions_by_status"]["running"] == 1
    assert stats["jobs"][0]["total_executions"] == 2 and stats["total_executions"] == 2
    assert not ExecutionDayCount.objects.exists()  # only final statuses are counters


def _recount() -> tuple[dict, dict]:
    """What the counters must say, grouped from the history itself."""
    tz = ZoneInfo("Europe/Paris")
    rows = (
        JobExecution.objects.filter(status__in=list(FINAL_STATUSES))
        .annotate(d=TruncDate("queued_at", tzinfo=tz)).order_by()
        .values("job_id", "d", "status").annotate(n=Count("id"), m=Sum("messages_sent"), v=Sum("profiles_visited"))
    )
    per_job, fleet = {}, {}
    for row in rows:
        per_job[(row["job_id"], row["d"], row["status"])] = (row["n"], row["m"], row["v"])
        runs, messages, visits = fleet.get((row["d"], row["status"]), (0, 0, 0))
        fleet[(row["d"], row["status"])] = (runs + row["n"], messages + row["m"], visits + row["v"])
    return per_job, fleet


def _counters() -> tuple[dict, dict]:
    per_job = {(c.job_id, c.day, c.status): (c.runs, c.messages_sent, c.profiles_visited)
               for c in ExecutionDayCount.objects.all() if c.runs or c.messages_sent or c.profiles_visited}
    fleet = {}
    for row in FleetDayCount.objects.order_by().values("day", "status").annotate(
            n=Sum("runs"), m=Sum("messages_sent"), v=Sum("profiles_visited")):
        if row["n"] or row["m"] or row["v"]:
            fleet[(row["day"], row["status"])] = (row["n"], row["m"], row["v"])
    return per_job, fleet


def test_counters_equal_a_recount_after_a_mix_of_runs(settings, monkeypatch):
    settings.SCHEDULER_LEASE_SECONDS = 30
    monkeypatch.setattr("scheduler_app.services.jobs.celery_app.send_task", lambda *a, **k: None)
    a, b = make_job(name="a", max_instances=1), make_job(name="b", bot_type="visitor", bot_config={})
    gone = make_job(name="deleted later")
    yesterday = now() - timedelta(days=1)
    record_run(a, "success", messages=3, at=yesterday)
    record_run(a, "failed", messages=1)
    record_run(a, "missed")
    record_run(b, "success", visits=7)
    record_run(b, "skipped")
    record_run(gone, "success", messages=5)
    # max_instances: a second claim while one runs is recorded skipped.
    running = execution_claim(job_id=a.pk, scheduled_for=now() - timedelta(seconds=5))
    assert execution_claim(job_id=a.pk, scheduled_for=now() - timedelta(seconds=4)) is None
    # The reaper ends the lost run failed "worker lost"; then the run's own late finish wins.
    JobExecution.objects.filter(pk=running.pk).update(lease_expires_at=now() - timedelta(seconds=1))
    assert executions_reap() == 1
    execution_finish(execution=running, status="success", outcome=_outcome(messages=2))
    # A slot beat sent that no worker claimed ends missed; a manual run never delivered, failed.
    from scheduler_app.services.executions import executions_record_dispatch

    late_slot = now() - timedelta(seconds=a.misfire_grace_time + 120)
    executions_record_dispatch(sent=[(b.pk, late_slot)])
    JobExecution.objects.filter(job=b, scheduled_for=late_slot).update(queued_at=late_slot)
    stale = job_run_now(job=b)
    JobExecution.objects.filter(pk=stale.pk).update(queued_at=now() - timedelta(hours=2))
    assert executions_reap() == 2
    # A disabled job's slot is recorded cancelled; a deleted job's runs leave the totals.
    job_toggle(job=b, enabled=False)
    assert execution_claim(job_id=b.pk, scheduled_for=now() - timedelta(seconds=1)) is None
    job_delete(job=gone)

    assert set(JobExecution.objects.values_list("status", flat=True)) >= {
        "success", "failed", "missed", "skipped", "cancelled"}
    assert _counters() == _recount()
    totals = stats_overview(since=now() - timedelta(days=3))
    assert totals["total_executions"] == JobExecution.objects.count()
    assert totals["total_messages_sent"] == 3 + 1 + 2 and totals["total_profiles_visited"] == 7


def _outcome(messages=0, visits=0):
    from bots.runner import BotOutcome

    return BotOutcome(messages_sent=messages, profiles_visited=visits)


def test_rebuild_recounts_the_history():
    job = make_job()
    record_run(job, "success", messages=2)
    record_run(job, "failed")
    expected = _counters()
    ExecutionDayCount.objects.all().delete()
    FleetDayCount.objects.all().delete()
    counts_rebuild()
    assert _counters() == expected == _recount()


def test_stats_window_defaults_to_30_days_and_since_takes_a_date_or_a_datetime(client):
    job = make_job()
    record_run(job, "success", messages=1, at=now() - timedelta(days=40))
    record_run(job, "failed", at=now() - timedelta(days=10))
    record_run(job, "success", messages=4)

    default = client.get("/scheduler/stats").json()
    assert default["total_executions"] == 2 and default["total_messages_sent"] == 4
    assert default["jobs"][0]["total_executions"] == 2
    first = (now() - timedelta(days=29)).astimezone(ZoneInfo("Europe/Paris")).date()
    assert default["since"] == f"{first.isoformat()}T00:00:00+0{default['since'][-4]}:00"

    older = (now() - timedelta(days=45)).astimezone(ZoneInfo("Europe/Paris")).date()
    wide = client.get(f"/scheduler/stats?since={older.isoformat()}").json()
    assert wide["total_executions"] == 3 and wide["total_messages_sent"] == 5
    assert wide["since"].startswith(f"{older.isoformat()}T00:00:00")
    # A date-time counts from the start of its day (the counters are per day); an unencoded "+"
    # of the offset is read back.
    moment = (now() - timedelta(days=10)).astimezone(ZoneInfo("Europe/Paris")).replace(hour=23, minute=59)
    narrow = client.get("/scheduler/stats", {"since": moment.isoformat()}).json()
    assert narrow["total_executions"] == 2
    assert client.get(f"/scheduler/stats?since={moment.isoformat().replace('+', ' ')}").status_code == 200
    assert client.get("/scheduler/stats?since=2999-01-01").json()["total_executions"] == 0


@pytest.mark.parametrize("query, field", [
    ("since=yesterday", "since"), ("since=2025-13-01", "since"), ("limit=0", "limit"), ("limit=501", "limit"),
    ("cursor=nope", "cursor"),
])
def test_stats_bad_query_is_400_naming_the_field(client, query, field):
    response = client.get(f"/scheduler/stats?{query}")
    assert response.status_code == 400 and field in response.json()["errors"]


def test_stats_per_job_part_pages_like_the_list(client):
    jobs = [make_job(name=f"job {i}") for i in range(5)]
    for job in jobs:
        record_run(job, "success")
    first = client.get("/scheduler/stats?limit=2")
    assert [row["name"] for row in first.json()["jobs"]] == ["job 4", "job 3"]
    assert first.json()["total_executions"] == 5 and first.json()["total_jobs"] == 5  # totals: every job
    seen = [row["name"] for row in first.json()["jobs"]]
    response = first
    while 'rel="next"' in response.headers.get("Link", ""):
        response = client.get(re.search(r'<([^>]+)>; rel="next"', response.headers["Link"]).group(1))
        assert response.status_code == 200
        seen += [row["name"] for row in response.json()["jobs"]]
    assert seen == [f"job {i}" for i in range(4, -1, -1)]
    assert all(row["total_executions"] == 1 for row in response.json()["jobs"])
    assert "Link" not in client.get("/scheduler/stats").headers  # 5 jobs: one default page


def test_stats_read_counters_not_the_history():
    """Guards the fleet-size read path: the only query on the executions table is the in-flight
    one (a partial index of queued and running rows), however large the history."""
    job = make_job()
    for _ in range(3):
        record_run(job, "success")
    with CaptureQueriesContext(connection) as queries:
        stats_overview()
    table = JobExecution._meta.db_table
    on_history = [q["sql"] for q in queries.captured_queries if f'"{table}"' in q["sql"]]
    assert on_history and all("'queued'" in sql and "'running'" in sql for sql in on_history), on_history


def test_counts_outlive_the_history_the_prune_removes(settings):
    settings.EXECUTION_RETENTION_DAYS = 90
    job = make_job()
    record_run(job, "success", messages=2, at=now() - timedelta(days=120))
    record_run(job, "success", messages=1)
    assert executions_prune() == 1
    assert JobExecution.objects.count() == 1
    stats = stats_overview(since=now() - timedelta(days=200))
    assert stats["total_executions"] == 2 and stats["total_messages_sent"] == 3
