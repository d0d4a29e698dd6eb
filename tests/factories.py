"""Small factories: valid job input with overrides, and jobs and runs made through the services."""
import itertools
from datetime import timedelta
from typing import Any
from unittest import mock

from django.utils.timezone import now as utc_now

from scheduler_app.models import JobExecution
from scheduler_app.services import job_create

# The seed README's three usage examples, as job input.
DAILY_BIRTHDAY = {
    "name": "Daily Birthday Messages",
    "description": "Send birthday messages every day at 8am",
    "bot_type": "birthday",
    "schedule_type": "daily",
    "schedule_config": {"hour": 8, "minute": 0},
    "bot_config": {"dry_run": False, "process_late": True, "max_days_late": 7, "max_messages_per_run": 10},
}
WEEKLY_VISITOR = {
    "name": "Weekly Profile Visits",
    "description": "Visit profiles Mon/Wed/Fri at 2pm",
    "bot_type": "visitor",
    "schedule_type": "weekly",
    "schedule_config": {"day_of_week": "mon,wed,fri", "hour": 14, "minute": 0},
    "bot_config": {"dry_run": True, "limit": 50},
}
HOURLY_INTERVAL = {
    "name": "Hourly Birthday Check",
    "bot_type": "birthday",
    "schedule_type": "interval",
    "schedule_config": {"hours": 1, "minutes": 0},
    "bot_config": {"dry_run": False, "process_late": False},
}


def job_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "Daily birthday wishes",
        "bot_type": "birthday",
        "schedule_type": "daily",
        "schedule_config": {"hour": 8, "minute": 0},
        "bot_config": {"dry_run": True},
    }
    data.update(overrides)
    return data


def make_job(**overrides: Any):
    return job_create(data=job_data(**overrides))


_slot_offsets = itertools.count(1)


def record_run(job, status: str, *, messages: int = 0, visits: int = 0, at=None):
    """One run of ``job`` ended ``status`` (success, failed, skipped, or missed), recorded through
    the execution services as a worker or beat would, queued at ``at`` (default now): the
    services keep the run counters, which rows made by hand would bypass."""
    from bots.runner import BotOutcome
    from scheduler_app.services.executions import execution_claim, execution_finish, executions_record_dispatch

    at = (at or utc_now()) + timedelta(microseconds=next(_slot_offsets))
    with mock.patch("scheduler_app.services.executions.utc_now", return_value=at):
        if status == "missed":
            executions_record_dispatch(missed=[(job.pk, at, "missed (recorded by a test)")])
            return JobExecution.objects.get(job=job, scheduled_for=at)
        execution = execution_claim(job_id=job.pk, scheduled_for=at)
        assert execution is not None, "the claim refused the run"
        return execution_finish(execution=execution, status=status,
                                outcome=BotOutcome(messages_sent=messages, profiles_visited=visits))
