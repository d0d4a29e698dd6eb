"""The bots as the scheduler runs them: an execution's counts and result come from the run.

First in-process (``execution_run``, what the Celery task calls), then through a real Redis,
Celery worker and beat, the worker driving Chromium against the sandbox.
"""
import json
import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils.timezone import now as utc_now

from bots.models import BirthdayMessage, MessageStatus
from config.celery import app as celery_app
from scheduler_app.models import ExecutionStatus, JobExecution
from scheduler_app.services.executions import execution_run
from scheduler_app.stack import ProcessGroup, beat_command, free_port, start_redis, wait_until, worker_command
from tests.bots.helpers import sent_to
from tests.factories import make_job
from tests.support.celery_broker import celery_send_to

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db
def test_execution_records_the_birthday_runs_counts_and_per_contact_result(sandbox):
    job = make_job(bot_config={"dry_run": False, "process_late": True, "max_days_late": 3})

    execution = execution_run(job_id=job.pk, scheduled_for=utc_now())

    assert execution.status == ExecutionStatus.SUCCESS, execution.error
    assert execution.messages_sent == 4 == sum(sent_to(sandbox.state()).values())
    statuses = [c["status"] for c in execution.result["contacts"]]
    assert statuses.count("sent") == 4 and statuses.count("skipped") == 3
    assert all("reason" in c for c in execution.result["contacts"] if c["status"] == "skipped")


@pytest.mark.django_db
def test_execution_records_the_visitor_runs_count(sandbox):
    job = make_job(name="visits", bot_type="visitor", bot_config={"limit": 4, "keywords": "engineer"})

    execution = execution_run(job_id=job.pk, scheduled_for=utc_now())

    assert execution.status == ExecutionStatus.SUCCESS, execution.error
    assert execution.profiles_visited == 4 == len(sandbox.state()["visits"])


@pytest.mark.django_db
def test_execution_fails_with_the_bots_reason(sandbox):
    sandbox.faults(expired_session=True)
    job = make_job(bot_config={"dry_run": False})

    execution = execution_run(job_id=job.pk, scheduled_for=utc_now())

    assert execution.status == ExecutionStatus.FAILED
    assert execution.error.startswith("session expired")


@pytest.mark.django_db
def test_execution_of_a_run_cut_short_keeps_its_counts(sandbox, settings):
    settings.BOT_RUN_TIME_LIMIT = 10
    settings.BOT_SEND_CONFIRM_MS = 60000
    sandbox.faults(hang_after_sent=1)  # one message delivered, then sending hangs until the time limit
    job = make_job(bot_config={"dry_run": False})

    execution = execution_run(job_id=job.pk, scheduled_for=utc_now())

    assert execution.status == ExecutionStatus.FAILED
    assert execution.error.startswith("time limit of 10s reached")
    sent_rows = BirthdayMessage.objects.filter(status=MessageStatus.SENT).count()
    assert execution.messages_sent == 1 == sent_rows == sum(sent_to(sandbox.state()).values())
    assert [c["status"] for c in execution.result["contacts"]] == ["sent", "unknown"]  # then the run ended


@pytest.mark.django_db
def test_execution_of_an_unconfirmed_send_is_failed_naming_who(sandbox):
    sandbox.faults(dropped_send=["alice-martin-0"])
    job = make_job(bot_config={"dry_run": False})

    execution = execution_run(job_id=job.pk, scheduled_for=utc_now())

    assert execution.status == ExecutionStatus.FAILED
    assert execution.error == "1 send(s) not confirmed in the conversation: Alice Martin"
    assert execution.messages_sent == 1 == sum(sent_to(sandbox.state()).values())  # Bruno's


@pytest.mark.django_db
def test_execution_outside_working_hours_is_skipped(sandbox, settings):
    now = datetime.now(ZoneInfo("Europe/Paris"))
    settings.BOT_WORKING_HOURS = f"{(now.hour + 2) % 24:02d}:00-{(now.hour + 3) % 24:02d}:00"
    job = make_job(bot_config={"dry_run": False}, timezone="Europe/Paris")

    execution = execution_run(job_id=job.pk, scheduled_for=utc_now())

    assert execution.status == ExecutionStatus.SKIPPED
    assert execution.error.startswith("outside working hours: it is ")
    assert sandbox.state()["messages"] == []


@pytest.mark.integration
@pytest.mark.timeout(240)
def test_scheduled_job_on_worker_and_beat_runs_the_bot_against_the_sandbox(sandbox, transactional_db, tmp_path,
                                                                           settings):
    url = f"redis://127.0.0.1:{free_port()}/0"
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{connection.settings_dict['NAME']}",
        "REDIS_URL": url,
        "BOT_RUNNERS": json.dumps({"birthday": "bots.birthday.run", "visitor": "bots.visitor.run"}),
        "BEAT_MAX_LOOP_INTERVAL": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LINKEDIN_BASE_URL": settings.LINKEDIN_BASE_URL,
        "LINKEDIN_STORAGE_STATE": str(settings.LINKEDIN_STORAGE_STATE),
        "PLAYWRIGHT_CHROMIUM_EXECUTABLE": settings.PLAYWRIGHT_CHROMIUM_EXECUTABLE,
        "BOT_PAUSE_MIN_SECONDS": "0",
        "BOT_PAUSE_MAX_SECONDS": "0",
        "BOT_SCROLL_WAIT_MS": "300",
        "BOT_WORKING_HOURS": "",  # the test runs at any hour; the default window is daytime only
    }
    group = ProcessGroup()
    previous_broker = celery_app.conf.broker_url
    try:
        start_redis(group, url=url, data_dir=tmp_path / "redis", log=tmp_path / "redis.log")
        celery_send_to(url)
        group.start("worker", worker_command(concurrency=1), env=env, log=tmp_path / "worker.log", cwd=str(root))
        group.start("beat", beat_command(), env=env, log=tmp_path / "beat.log", cwd=str(root))
        job = make_job(
            name="birthdays every 20s",
            schedule_type="interval",
            schedule_config={"seconds": 20},
            bot_config={"dry_run": False, "process_late": True, "max_days_late": 1},
        )

        def finished() -> bool:
            return JobExecution.objects.filter(job=job, status__in=["success", "failed"]).exists()

        wait_until(finished, timeout=150, interval=1, what="a scheduled bot run to finish")
    finally:
        group.stop()
        celery_send_to(previous_broker)
        for name in ("worker", "beat"):
            log = tmp_path / f"{name}.log"
            if log.exists():
                print(f"----- {name} log (tail) -----\n" + "\n".join(log.read_text().splitlines()[-30:]))
    execution = JobExecution.objects.filter(job=job, status__in=["success", "failed"]).earliest("scheduled_for")
    assert execution.status == "success", execution.error
    assert execution.trigger == "scheduled"
    assert execution.messages_sent == 3  # Alice and Bruno today, Chloé yesterday
    assert sorted(sent_to(sandbox.state())) == ["alice-martin-0", "bruno-bernard-1", "chloe-dubois-2"]
    assert [c["status"] for c in execution.result["contacts"]].count("sent") == 3
