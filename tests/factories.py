"""Small factories: valid job input with overrides, and jobs made through the services."""
from typing import Any

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
