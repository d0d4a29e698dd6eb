"""The seed README's model cases, and the config rules of docs/contract.md."""
import pytest
from pydantic import ValidationError

from bots.configs import BirthdayBotConfig, VisitorBotConfig
from scheduler_app.spec import (
    CronSchedule,
    DailySchedule,
    IntervalSchedule,
    WeeklySchedule,
    parse_day_of_week,
)
from scheduler_app.validation import validate_job_data
from tests.factories import DAILY_BIRTHDAY, WEEKLY_VISITOR


class TestBirthdayBotConfig:
    def test_defaults(self):
        config = BirthdayBotConfig()
        assert config.dry_run is False
        assert config.process_late is False
        assert config.max_days_late == 7
        assert config.max_messages_per_run == 10

    def test_process_late_enabled(self):
        config = BirthdayBotConfig(process_late=True, max_days_late=14)
        assert config.process_late is True
        assert config.max_days_late == 14

    def test_max_days_late_reset_to_7_without_process_late(self):
        assert BirthdayBotConfig(process_late=False, max_days_late=30).max_days_late == 7

    @pytest.mark.parametrize("days", [0, 366, -1])
    def test_max_days_late_out_of_range_refused(self, days):
        with pytest.raises(ValidationError):
            BirthdayBotConfig(process_late=True, max_days_late=days)

    @pytest.mark.parametrize("count", [0, 101])
    def test_max_messages_per_run_out_of_range_refused(self, count):
        with pytest.raises(ValidationError):
            BirthdayBotConfig(max_messages_per_run=count)

class TestVisitorBotConfig:
    def test_defaults(self):
        config = VisitorBotConfig()
        assert config.dry_run is False
        assert config.limit == 50
        assert config.keywords is None and config.location is None

    @pytest.mark.parametrize("limit", [0, 501])
    def test_limit_out_of_range_refused(self, limit):
        with pytest.raises(ValidationError):
            VisitorBotConfig(limit=limit)

@pytest.mark.django_db  # the job's account is resolved in the database
class TestScheduledJobConfig:
    def test_birthday_bot_job(self):
        values = validate_job_data(DAILY_BIRTHDAY).columns()
        assert values["bot_type"] == "birthday"
        assert values["enabled"] is True
        assert values["max_instances"] == 1
        assert values["misfire_grace_time"] == 3600
        assert values["coalesce"] is True
        assert values["timezone"] == "Europe/Paris"
        assert values["bot_config"]["process_late"] is True

    def test_visitor_bot_job(self):
        values = validate_job_data(WEEKLY_VISITOR).columns()
        assert values["bot_config"] == {"dry_run": True, "limit": 50}
        assert values["schedule_config"] == {"day_of_week": "mon,wed,fri", "hour": 14, "minute": 0}

    def test_bot_config_defaults_filled_in(self):
        values = validate_job_data(
            {"name": "x", "bot_type": "birthday", "schedule_type": "manual", "schedule_config": {}}
        ).columns()
        assert values["bot_config"] == {
            "dry_run": False,
            "process_late": False,
            "max_days_late": 7,
            "max_messages_per_run": 10,
        }

def test_daily_defaults_are_eight_oclock():
    assert DailySchedule().model_dump() == {"hour": 8, "minute": 0}

@pytest.mark.parametrize("spec,days", [("mon,wed,fri", [0, 2, 4]), ("mon-fri", [0, 1, 2, 3, 4]), ("SUN", [6]),
                                       ("sat-sun,mon", [0, 5, 6])])
def test_day_of_week_names_lists_and_ranges(spec, days):
    assert parse_day_of_week(spec) == days

@pytest.mark.parametrize("spec", ["", "monday", "fri-mon", "1,2", "mon--fri"])
def test_bad_day_of_week_refused(spec):
    with pytest.raises(ValidationError):
        WeeklySchedule(day_of_week=spec)

def test_interval_seed_form_and_total():
    assert IntervalSchedule(hours=2, minutes=0).total_seconds == 7200
    assert IntervalSchedule(weeks=1, days=1, seconds=5).total_seconds == 8 * 86400 + 5

def test_interval_of_zero_refused():
    with pytest.raises(ValidationError, match="longer than zero"):
        IntervalSchedule(hours=0, minutes=0)

@pytest.mark.parametrize(
    "expression",
    ["0 8 * *", "0 8 * * * *", "61 8 * * *", "0 8 * * 8", "@daily", "0 8 1 * 1", "0 0 30 2 *", "0 0 31 4 *"],
)
def test_bad_cron_refused(expression):
    with pytest.raises(ValidationError):
        CronSchedule(cron_expression=expression)

def test_configs_are_strict_about_types():
    with pytest.raises(ValidationError):
        DailySchedule(hour="8")
    with pytest.raises(ValidationError):
        BirthdayBotConfig(dry_run="yes")

def test_cron_on_a_rare_but_real_day_accepted():
    assert CronSchedule(cron_expression="0 0 29 2 *").cron_expression == "0 0 29 2 *"
