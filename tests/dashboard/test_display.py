"""Schedules in words, relative times and the next-runs preview (with its DST warning)."""
from datetime import UTC, datetime

import pytest

from bots.report import RunReport
from scheduler_app.dashboard.display import relative, schedule_in_words, schedule_preview
from scheduler_app.dashboard.rows import result_parts
from scheduler_app.spec import SCHEDULE_CONFIGS
from scheduler_app.validation import JobValidationError, validate_job_data


def _s(schedule_type, config):
    return SCHEDULE_CONFIGS[schedule_type].model_validate(config)


def test_schedule_in_words_daily_names_time_and_zone():
    words = schedule_in_words(_s("daily", {"hour": 8, "minute": 0}), "Europe/Paris")
    assert words == "every day at 08:00 (Europe/Paris)"


def test_schedule_in_words_weekly_reads_ranges_and_lists():
    assert schedule_in_words(_s("weekly", {"day_of_week": "mon-fri", "hour": 9, "minute": 30}), "UTC") == (
        "Monday to Friday at 09:30 (UTC)"
    )
    assert schedule_in_words(_s("weekly", {"day_of_week": "mon,wed,fri", "hour": 7, "minute": 5}), "UTC") == (
        "every Monday, Wednesday and Friday at 07:05 (UTC)"
    )


def test_schedule_in_words_interval_and_manual():
    assert schedule_in_words(_s("interval", {"hours": 2, "minutes": 30}), "UTC") == "every 2 hours and 30 minutes"
    assert schedule_in_words(_s("interval", {"days": 1}), "UTC") == "every 1 day"
    assert schedule_in_words(_s("manual", {}), "UTC").startswith("manual")


def test_schedule_in_words_cron_uses_cron_descriptor_and_keeps_the_expression():
    words = schedule_in_words(_s("cron", {"cron_expression": "0 8-18 * * 1-5"}), "Europe/Paris")
    assert "Monday through Friday" in words
    assert "0 8-18 * * 1-5" in words and "(Europe/Paris)" in words


def test_relative_says_in_or_ago():
    now = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    assert relative(datetime(2025, 1, 1, 15, 5, tzinfo=UTC), now) == "in 3 h 5 min"
    assert relative(datetime(2025, 1, 1, 11, 48, tzinfo=UTC), now) == "12 min ago"
    assert relative(datetime(2025, 1, 3, 12, 0, tzinfo=UTC), now) == "in 2 d"


def test_preview_lists_five_runs_in_the_job_zone():
    now = datetime(2025, 1, 10, 12, 0, tzinfo=UTC)
    preview = schedule_preview(
        schedule_type="daily", schedule_config={"hour": 8, "minute": 0}, timezone="Europe/Paris", now=now
    )
    assert not preview.errors and not preview.dst_warnings
    assert [t.isoformat() for t in preview.times[:2]] == ["2025-01-11T08:00:00+01:00", "2025-01-12T08:00:00+01:00"]
    assert len(preview.times) == 5


def test_preview_warns_when_clocks_change_among_the_next_runs():
    now = datetime(2025, 3, 28, 12, 0, tzinfo=UTC)  # Paris springs forward on Sunday 30 March
    preview = schedule_preview(
        schedule_type="daily", schedule_config={"hour": 8, "minute": 0}, timezone="Europe/Paris", now=now
    )
    assert len(preview.dst_warnings) == 1
    assert "CET → CEST" in preview.dst_warnings[0]
    assert all(t.hour == 8 for t in preview.times)


def test_preview_reports_errors_by_path_instead_of_times():
    now = datetime(2025, 1, 10, 12, 0, tzinfo=UTC)
    preview = schedule_preview(
        schedule_type="cron", schedule_config={"cron_expression": "61 * * * *"}, timezone="Mars/Olympus", now=now
    )
    assert set(preview.errors) == {"schedule_config.cron_expression", "timezone"}
    assert preview.times == []


@pytest.mark.django_db  # the services' validation resolves the job's account
def test_preview_uses_the_services_validation_messages():
    now = datetime(2025, 1, 10, 12, 0, tzinfo=UTC)
    data = {"schedule_type": "cron", "schedule_config": {"cron_expression": "0 0 30 2 *"}, "timezone": "UTC"}
    with pytest.raises(JobValidationError) as exc:
        validate_job_data({"name": "x", "bot_type": "birthday", **data})
    preview = schedule_preview(**data, now=now)
    assert preview.errors == exc.value.errors
    assert "never fires" in preview.errors["schedule_config.cron_expression"][0]
    preview = schedule_preview(schedule_type="hourly", schedule_config={}, timezone="UTC", now=now)
    assert set(preview.errors) == {"schedule_type"} and preview.times == []


def test_preview_turns_any_failure_of_the_schedule_maths_into_a_message(monkeypatch):
    def broken(**kwargs):
        raise OverflowError("date value out of range")

    monkeypatch.setattr("scheduler_app.dashboard.display.next_fire_times", broken)
    preview = schedule_preview(
        schedule_type="daily", schedule_config={"hour": 8}, timezone="UTC", now=datetime(2025, 1, 10, tzinfo=UTC)
    )
    assert preview.times == []
    assert preview.errors == {"schedule_config": ["the next runs cannot be computed: date value out of range"]}


def test_result_parts_turns_lists_of_dicts_into_tables_generically():
    details, tables = result_parts(
        {"dry_run": True, "contacts": [{"name": "Ann", "status": "sent"}, {"name": "Bob", "reason": "blacklisted"}]}
    )
    assert details == [("dry run", "yes")]
    assert tables[0].columns == ["name", "status", "reason"]
    assert tables[0].rows == [["Ann", "sent", ""], ["Bob", "", "blacklisted"]]


def test_result_parts_reads_the_bots_run_report():
    report = RunReport(dry_run=True, stopped="daily quota of 15 messages")
    report.add(name="Ann Lee", slug="ann-lee", status="would_send", days_late=0)
    report.add(name="Bob Roe", slug="bob-roe", status="skipped", reason="blacklisted")
    details, tables = result_parts(report.as_result())
    # Keys and the bots' status words read as words (translated when the dashboard is in French).
    assert ("summary", "would send: 1, skipped: 1") in details
    assert ("stopped", "daily quota of 15 messages") in details
    assert tables[0].title == "contacts"
    assert tables[0].columns == ["name", "profile", "status", "days late", "reason"]
    assert tables[0].rows[1] == ["Bob Roe", "/in/bob-roe/", "skipped", "", "blacklisted"]
