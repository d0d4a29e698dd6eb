"""Small factories: valid job input with overrides, and jobs made through the services."""
from typing import Any

from scheduler_app.services import job_create


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
