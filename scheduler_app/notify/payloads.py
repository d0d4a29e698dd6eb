"""The JSON document every channel is sent (docs/notifications.md "Payload"): the event, the
job and the execution exactly as the API returns them, counts, timings, the error and a link to
the execution on the dashboard. Built once, when the delivery is queued, and stored on the
delivery row, so every attempt sends the same bytes and the history shows what was sent."""
from datetime import datetime
from typing import Any

import orjson
from django.conf import settings
from django.urls import reverse

from scheduler_app.api.renderers import FastJSONRenderer

PAYLOAD_VERSION = 1


def dashboard_url(path: str) -> str:
    return settings.SCHEDULER_PUBLIC_URL.rstrip("/") + path


def payload_build(*, event: str, delivery_id, occurred_at: datetime, job=None, execution=None,
                  incident=None, reason: str | None = None, test: bool = False) -> dict[str, Any]:
    # The API's own representations (one shape for a job and a run, wherever they are read).
    from scheduler_app.api.jobs import JobHistoryApi, JobOutputSerializer

    job_data = JobOutputSerializer().to_representation(job) if job is not None else None
    execution_data = (
        JobHistoryApi.OutputSerializer(context={"timezone": job.timezone}).to_representation(execution)
        if execution is not None and job is not None else None
    )
    if execution is not None and job is not None:
        url = dashboard_url(reverse("dashboard:job_history", args=[job.pk]) + f"#execution-{execution.pk}")
    elif job is not None:
        url = dashboard_url(reverse("dashboard:job_history", args=[job.pk]))
    else:
        url = dashboard_url(reverse("dashboard:jobs"))
    document = {
        "version": PAYLOAD_VERSION,
        "event": event,
        "delivery_id": str(delivery_id),
        "occurred_at": occurred_at,
        "test": test,
        "reason": reason,
        "job": job_data,
        "execution": execution_data,
        "incident": None if incident is None else {
            "id": incident.pk,
            "kind": incident.kind,
            "state": incident.state,
            "opened_at": incident.opened_at,
            "closed_at": incident.closed_at,
            "consecutive_failures": incident.consecutive_failures,
        },
        "counts": {
            "messages_sent": execution.messages_sent if execution is not None else 0,
            "profiles_visited": execution.profiles_visited if execution is not None else 0,
            "consecutive_failures": incident.consecutive_failures if incident is not None else 0,
        },
        "timings": {
            "scheduled_for": execution_data["scheduled_for"] if execution_data else None,
            "queued_at": execution_data["queued_at"] if execution_data else None,
            "started_at": execution_data["started_at"] if execution_data else None,
            "finished_at": execution_data["finished_at"] if execution_data else None,
            "duration_seconds": execution.duration_seconds if execution is not None else None,
        },
        "error": execution.error if execution is not None else None,
        "url": url,
    }
    # Through the API's renderer: times written exactly as the API writes them.
    return orjson.loads(FastJSONRenderer().render(document))
