"""manage.py jobs export / import (issue 22 item 6): through call_command, and once through a real
manage.py process (exit codes, standard output and input)."""
import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from scheduler_app.audit.models import AuditEvent
from scheduler_app.models import ScheduledJob
from tests.factories import DAILY_BIRTHDAY, WEEKLY_VISITOR, make_job

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> str:
    out = StringIO()
    call_command("jobs", *args, stdout=out)
    return out.getvalue()


def test_export_writes_yaml_to_standard_output_and_json_when_asked(tmp_path):
    make_job(**DAILY_BIRTHDAY)
    document = yaml.safe_load(run("export"))
    assert document["version"] == 1 and list(document["jobs"]) == ["Daily Birthday Messages"]
    assert json.loads(run("export", "--format", "json")) == document
    run("export", "--output", str(tmp_path / "jobs.yaml"))
    assert yaml.safe_load((tmp_path / "jobs.yaml").read_text()) == document


def test_import_reports_each_kind_and_dry_run_stores_nothing(tmp_path):
    make_job(**DAILY_BIRTHDAY)
    make_job(**WEEKLY_VISITOR)
    make_job(name="Gone")
    path = tmp_path / "jobs.yaml"
    run("export", "--output", str(path))
    document = yaml.safe_load(path.read_text())
    del document["jobs"]["Gone"]
    document["jobs"]["Weekly Profile Visits"]["enabled"] = False
    document["jobs"]["New"] = {"bot_type": "birthday", "schedule_type": "manual"}
    path.write_text(yaml.safe_dump(document))

    out = run("import", str(path), "--mode", "replace", "--dry-run")
    assert out.splitlines() == [
        "dry run: nothing stored; the import would do this:",
        "created 1: New",
        "updated 1: Weekly Profile Visits (enabled)",
        "unchanged 1: Daily Birthday Messages",
        "deleted 1: Gone",
    ]
    assert set(ScheduledJob.objects.values_list("name", flat=True)) == {
        "Daily Birthday Messages", "Weekly Profile Visits", "Gone"}

    report = json.loads(run("import", str(path), "--mode", "replace", "--json"))
    assert (report["created"], report["deleted"], report["dry_run"]) == (["New"], ["Gone"], False)
    assert set(ScheduledJob.objects.values_list("name", flat=True)) == {
        "Daily Birthday Messages", "Weekly Profile Visits", "New"}
    assert AuditEvent.objects.get(object_label="New").source == "cli"
    # merge (the default) lists no deletions
    assert run("import", str(path)).splitlines() == ["created 0", "updated 0", "unchanged 3: Daily Birthday Messages, "
                                                     "New, Weekly Profile Visits"]


def test_a_bad_document_is_a_command_error_naming_the_job_and_field(tmp_path):
    make_job(name="Kept")
    path = tmp_path / "jobs.json"
    path.write_text(json.dumps({"version": 1, "jobs": {
        "Morning wishes": {"bot_type": "birthday", "schedule_type": "daily", "schedule_config": {"hour": 25}}}}))
    with pytest.raises(CommandError) as refused:
        run("import", str(path), "--mode", "replace")
    assert "nothing imported" in str(refused.value)
    assert "jobs.Morning wishes.schedule_config.hour: Input should be less than or equal to 23" in str(refused.value)
    assert list(ScheduledJob.objects.values_list("name", flat=True)) == ["Kept"]
    with pytest.raises(CommandError, match="no such file"):
        run("import", str(tmp_path / "absent.yaml"))


def test_export_of_a_name_two_jobs_hold_is_a_command_error():
    make_job(name="Twin")
    make_job(name="Twin")
    with pytest.raises(CommandError, match="Twin"):
        run("export")


@pytest.mark.django_db(transaction=True)
def test_a_real_manage_py_process_exports_imports_and_fails_with_exit_code_1(tmp_path):
    """The commands as a person runs them: a database file of their own, standard output and
    input, the exit code."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "PYTHONPATH": str(ROOT)}

    def manage(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, input=stdin,
                              capture_output=True, text=True, timeout=120)

    assert manage("migrate", "--verbosity", "0").returncode == 0
    document = {"version": 1, "jobs": {"Morning wishes": {
        "bot_type": "birthday", "schedule_type": "daily", "schedule_config": {"hour": 8},
        "bot_config": {"dry_run": True}}}}
    created = manage("jobs", "import", "-", stdin=yaml.safe_dump(document))
    assert created.returncode == 0, created.stderr
    assert created.stdout.splitlines()[0] == "created 1: Morning wishes"

    exported = manage("jobs", "export")
    assert exported.returncode == 0, exported.stderr
    assert yaml.safe_load(exported.stdout)["jobs"]["Morning wishes"]["schedule_config"] == {"hour": 8, "minute": 0}
    again = manage("jobs", "import", "-", "--mode", "replace", stdin=exported.stdout)
    assert again.stdout.splitlines()[2] == "unchanged 1: Morning wishes"

    document["jobs"]["Morning wishes"]["schedule_config"]["hour"] = 25
    refused = manage("jobs", "import", "-", stdin=yaml.safe_dump(document))
    assert refused.returncode == 1
    assert "jobs.Morning wishes.schedule_config.hour" in refused.stderr
    assert yaml.safe_load(manage("jobs", "export").stdout) == yaml.safe_load(exported.stdout)
