"""Answers are rendered by orjson: same text as DRF's own JSON renderer would give."""
import json
from datetime import datetime

import pytest
from rest_framework.renderers import JSONRenderer

from scheduler_app.api.renderers import FastJSONRenderer
from scheduler_app.models import JobExecution
from tests.factories import make_job

pytestmark = pytest.mark.django_db


def test_job_times_are_iso_8601_with_the_current_offset(client):
    job = make_job()
    JobExecution.objects.create(job=job, trigger="manual", status="success")
    body = client.get(f"/scheduler/jobs/{job.pk}").json()
    created = datetime.fromisoformat(body["created_at"])
    assert body["created_at"][-6:] in ("+01:00", "+02:00")  # Europe/Paris
    assert created == job.created_at
    listed = client.get("/scheduler/jobs").json()[0]
    assert listed["created_at"] == body["created_at"] and listed["next_run_at"] == body["next_run_at"]
    history = client.get(f"/scheduler/jobs/{job.pk}/history").json()[0]
    assert history["queued_at"][-6:] in ("+01:00", "+02:00")


def test_utc_is_written_with_z_like_drf(client, settings):
    settings.TIME_ZONE = "UTC"
    job = make_job()
    assert client.get(f"/scheduler/jobs/{job.pk}").json()["created_at"].endswith("Z")


@pytest.mark.parametrize(
    "data",
    [
        {"a": "é", "n": None, "t": True, "f": 1.5, "list": [1, "x"]},
        {"when": datetime(2026, 11, 23, 8, 0, tzinfo=__import__("zoneinfo").ZoneInfo("Europe/Paris"))},
    ],
)
def test_fast_renderer_matches_drf_renderer(data):
    assert json.loads(FastJSONRenderer().render(data)) == json.loads(JSONRenderer().render(data))


def test_lone_surrogates_are_escaped_not_a_failure():
    data = {"errors": {"\ud800": ["Unknown field."]}}
    assert json.loads(FastJSONRenderer().render(data)) == data


def test_unknown_field_named_by_a_lone_surrogate_is_a_400(client):
    response = client.post("/scheduler/jobs", data='{"\\ud800": 1, "name": "x"}', content_type="application/json")
    assert response.status_code == 400
    assert "\ud800" in response.json()["errors"]
