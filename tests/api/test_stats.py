"""Stats: totals and per-job counts, success rate, messages and visits."""
import pytest

from scheduler_app.models import JobExecution, Trigger
from scheduler_app.stats import stats_overview, success_rate
from tests.factories import make_job

pytestmark = pytest.mark.django_db


def _run(job, status, messages=0, visits=0):
    return JobExecution.objects.create(
        job=job, trigger=Trigger.MANUAL, status=status, messages_sent=messages, profiles_visited=visits
    )


def test_success_rate_is_a_percentage_of_finished_runs():
    assert success_rate(0, 0) is None
    assert success_rate(3, 1) == 75.0
    assert success_rate(1, 2) == 33.3


def test_stats_overview_counts_per_job_and_in_total():
    birthday = make_job(name="b")
    visitor = make_job(name="v", bot_type="visitor", bot_config={}, enabled=False)
    _run(birthday, "success", messages=3)
    _run(birthday, "success", messages=2)
    _run(birthday, "failed")
    _run(birthday, "skipped")
    _run(visitor, "success", visits=40)

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
