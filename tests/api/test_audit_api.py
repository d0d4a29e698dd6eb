"""GET /scheduler/audit: filters (job_id, since, actor), paging like /jobs, bad input named, a
read-only key reads it, and the OpenAPI document states it."""
from datetime import timedelta

import pytest
from django.utils.timezone import now as utc_now
from rest_framework.test import APIClient

from scheduler_app.audit.models import AuditEvent
from scheduler_app.services.api_keys import api_key_create
from tests.factories import make_job

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_session_file")]

URL = "/scheduler/audit"


def _event(*, actor="ops", job_id=None, at=None) -> AuditEvent:
    """An event as audit_record writes it, at ``at`` (default now)."""
    return AuditEvent.objects.create(created_at=at or utc_now(), actor=actor, source="api", action="update",
                                     object_type="job", object_id=str(job_id or ""), job_id=job_id,
                                     changes={"name": {"old": "a", "new": "b"}})


def test_filters_by_job_since_and_actor_newest_first(client):
    first, second = make_job(name="first"), make_job(name="second")
    AuditEvent.objects.all().prune()  # the job creations' own events: not what this test counts
    old = _event(job_id=first.pk, at=utc_now() - timedelta(days=3))
    mine = _event(job_id=first.pk, actor="ada")
    _event(job_id=second.pk)
    answer = client.get(URL, {"job_id": str(first.pk)})
    assert answer.status_code == 200
    assert [row["id"] for row in answer.json()] == [str(mine.pk), str(old.pk)]
    row = answer.json()[0]
    assert (row["actor"], row["source"], row["job_id"], row["changes"]) == (
        "ada", "api", str(first.pk), {"name": {"old": "a", "new": "b"}})
    since = (utc_now() - timedelta(days=1)).isoformat()
    assert [r["id"] for r in client.get(URL, {"job_id": str(first.pk), "since": since}).json()] == [str(mine.pk)]
    assert [r["id"] for r in client.get(URL, {"actor": "ada"}).json()] == [str(mine.pk)]


def test_pages_like_the_job_list(client):
    AuditEvent.objects.all().prune()
    events = [_event(at=utc_now() - timedelta(minutes=n)) for n in range(5)]
    first = client.get(URL, {"limit": 2})
    assert [r["id"] for r in first.json()] == [str(e.pk) for e in events[:2]]
    next_url = first.headers["Link"].split(";")[0].strip("<>")
    second = client.get(next_url)
    assert [r["id"] for r in second.json()] == [str(e.pk) for e in events[2:4]]
    assert 'rel="prev"' in second.headers["Link"]


@pytest.mark.parametrize(("query", "field"), [
    ({"since": "yesterday"}, "since"),
    ({"job_id": "not-a-uuid"}, "job_id"),
    ({"limit": "0"}, "limit"),
    ({"cursor": "garbage"}, "cursor"),
])
def test_bad_input_is_a_400_naming_the_field(client, query, field):
    answer = client.get(URL, query)
    assert answer.status_code == 400
    assert field in answer.json()["errors"] and field in answer.json()["detail"]


def test_a_read_only_key_reads_it_and_nobody_needs_more(anon):
    _event()
    _, key = api_key_create(name="wallboard", read_only=True)
    reader = APIClient()
    reader.credentials(HTTP_X_API_KEY=key)
    assert reader.get(URL).status_code == 200
    assert anon.get(URL).status_code == 401


def test_the_openapi_document_states_it(client):
    document = client.get("/scheduler/schema", HTTP_ACCEPT="application/json").json()
    operation = document["paths"]["/scheduler/audit"]
    assert set(operation) == {"get"}
    names = {parameter["name"] for parameter in operation["get"]["parameters"]}
    assert {"job_id", "since", "actor", "limit", "cursor"} <= names


def test_a_note_too_long_is_a_400_naming_note_and_changes_nothing(client):
    job = make_job(name="Kept")
    answer = client.post(f"/scheduler/jobs/{job.pk}/toggle", {"enabled": False, "note": "x" * 501}, format="json")
    assert answer.status_code == 400 and "note" in answer.json()["errors"]
    answer = client.delete(f"/scheduler/jobs/{job.pk}?note={'y' * 501}")
    assert answer.status_code == 400 and "note" in answer.json()["errors"]
    job.refresh_from_db()
    assert job.enabled is True
    assert not AuditEvent.objects.filter(job_id=job.pk).exclude(action="create").exists()


def test_a_contacts_language_change_leaves_one_event_with_the_key_as_actor(client):
    from scheduler_app.audit.models import AuditEvent

    assert client.patch("/scheduler/contacts/john-smith", {"language": "en"}, format="json").status_code == 200
    assert client.patch("/scheduler/contacts/john-smith", {"language": "en"}, format="json").status_code == 200

    (event,) = AuditEvent.objects.filter(object_type="contact")
    assert (event.actor, event.source, event.action, event.object_id) == ("tests", "api", "update", "john-smith")
    assert event.changes == {"language": {"old": "", "new": "en"}}
