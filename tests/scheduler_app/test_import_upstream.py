"""manage.py import_upstream (issue 22 item 6): upstream linkedin-birthday-auto's config.yaml as a
birthday job, a visitor job and the account's hours and caps, through the jobs import; every key of
the file accounted for."""
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from bots.accounts import account_default_ensure
from bots.services.accounts import account_create
from scheduler_app.models import ScheduledJob
from scheduler_app.services.transfer import DocumentInvalid
from scheduler_app.services.upstream import BIRTHDAY_JOB, VISITOR_JOB, upstream_import
from tests.factories import make_job

pytestmark = pytest.mark.django_db
SAMPLE = Path(__file__).resolve().parents[1] / "support" / "upstream" / "config.yaml"


def sample() -> dict:
    return yaml.safe_load(SAMPLE.read_text())


def run(*args: str) -> str:
    out = StringIO()
    call_command("import_upstream", *args, stdout=out)
    return out.getvalue()


def test_the_sample_becomes_a_birthday_job_a_visitor_job_and_the_account_settings():
    report = upstream_import(config=sample())
    assert report.jobs.created == [BIRTHDAY_JOB, VISITOR_JOB]
    birthday = ScheduledJob.objects.get(name=BIRTHDAY_JOB)
    assert (birthday.bot_type, birthday.schedule_type, birthday.schedule_config, birthday.timezone) == (
        "birthday", "daily", {"hour": 8, "minute": 0}, "Europe/Brussels")
    assert birthday.bot_config == {"dry_run": True, "process_late": True, "max_days_late": 5,
                                   "max_messages_per_run": 12}
    visitor = ScheduledJob.objects.get(name=VISITOR_JOB)
    assert visitor.schedule_config == {"hour": 8, "minute": 30}
    assert visitor.bot_config == {"dry_run": True, "limit": 25, "keywords": "python data engineer", "location": "Lyon"}
    account = account_default_ensure()
    assert (account.working_hours, account.messages_per_day, account.messages_per_week) == ("08:00-20:00", 15, 60)
    assert birthday.account == visitor.account == account


def test_every_key_is_mapped_listed_as_not_applicable_or_reported_unknown():
    report = upstream_import(config=sample(), dry_run=True)
    assert report.unknown == ["scheduling_extra_hour", "telegram"]
    not_imported = dict(report.not_imported)
    assert {"browser", "auth", "delays", "messages.messages_file", "messages.avoid_repetition_years",
            "visitor.delays", "visitor.retry", "visitor.limits.max_pages_to_scrape"} <= set(not_imported)
    assert "import_messages" in not_imported["messages.messages_file"]
    mapped = dict(report.mapped)
    assert {"dry_run", "messaging_limits.max_messages_per_run", "scheduling.daily_start_hour",
            "birthday_filter.max_days_late", "visitor.limits.profiles_per_run"} <= set(mapped)

    def leaves(node, path=""):
        for key, value in node.items():
            where = f"{path}.{key}" if path else key
            yield from leaves(value, where) if isinstance(value, dict) else [where]

    accounted = [*mapped, *not_imported, *report.unknown]
    for leaf in leaves(sample()):
        assert any(leaf == key or leaf.startswith(f"{key}.") for key in accounted), leaf


def test_dry_run_stores_nothing_and_a_second_run_changes_nothing():
    account = account_default_ensure()
    report = upstream_import(config=sample(), dry_run=True)
    assert report.jobs.dry_run and report.jobs.created == [BIRTHDAY_JOB, VISITOR_JOB]
    assert report.account_changes["working_hours"] == {"old": "", "new": "08:00-20:00"}
    assert not ScheduledJob.objects.exists()
    account.refresh_from_db()
    assert account.working_hours == ""

    upstream_import(config=sample())
    again = upstream_import(config=sample())
    assert again.jobs.unchanged == [BIRTHDAY_JOB, VISITOR_JOB] and again.account_changes == {}


def test_upstream_defaults_fill_what_the_file_leaves_out_and_no_visitor_block_no_visitor_job():
    report = upstream_import(config={"bot_mode": "unlimited", "birthday_filter": {"process_late": False}})
    assert report.jobs.created == [BIRTHDAY_JOB]
    job = ScheduledJob.objects.get()
    assert job.schedule_config == {"hour": 7, "minute": 0} and job.timezone == "Europe/Paris"
    assert job.bot_config == {"dry_run": False, "process_late": False, "max_days_late": 7,
                              "max_messages_per_run": 100}
    assert account_default_ensure().working_hours == "07:00-19:00"


def test_a_bad_value_stores_nothing_and_names_its_place():
    config = sample()
    config["birthday_filter"]["max_days_late"] = 400
    with pytest.raises(DocumentInvalid) as refused:
        upstream_import(config=config)
    assert list(refused.value.errors) == [f"jobs.{BIRTHDAY_JOB}.bot_config.max_days_late"]
    config = sample()
    config["scheduling"]["daily_end_hour"] = "seven"
    with pytest.raises(DocumentInvalid) as refused:
        upstream_import(config=config)
    assert list(refused.value.errors) == ["scheduling.daily_end_hour"]
    config = sample()
    config["messaging_limits"]["weekly_message_limit"] = 0
    with pytest.raises(DocumentInvalid) as refused:
        upstream_import(config=config)
    assert list(refused.value.errors) == ["messaging_limits.weekly_message_limit"]
    assert not ScheduledJob.objects.exists()
    assert account_default_ensure().working_hours == ""


def test_the_command_prints_the_mapping_and_runs_on_the_account_named(tmp_path):
    make_job(name="Mine")
    account_create(data={"label": "sales"})
    out = run(str(SAMPLE), "--account", "sales")
    lines = out.splitlines()
    assert lines[0] == f"created 2: {BIRTHDAY_JOB}, {VISITOR_JOB}"
    assert "account sales: working_hours '' -> '08:00-20:00'" in out
    assert "  messaging_limits.max_messages_per_run -> " in out
    assert "  browser: " in out and "  telegram" in out and "unknown keys" in out
    assert set(ScheduledJob.objects.filter(account__label="sales").values_list("name", flat=True)) == {
        BIRTHDAY_JOB, VISITOR_JOB}
    assert ScheduledJob.objects.filter(name="Mine").exists()  # merge by default

    bad = tmp_path / "config.yaml"
    bad.write_text("birthday_filter:\n  max_days_late: 0\n")
    with pytest.raises(CommandError, match=r"jobs\.Upstream birthday wishes\.bot_config\.max_days_late"):
        run(str(bad))
    with pytest.raises(CommandError, match="no LinkedIn account"):
        run(str(SAMPLE), "--account", "nobody")
