"""GET /scheduler/jobs/export and POST /scheduler/jobs/import (issue 22 item 6): the document as JSON
or YAML, the import's modes and dry run as query parameters, 400 naming the job and the field with
nothing stored, 409 on an export of a name two jobs hold, the OpenAPI document."""
import json

import pytest
import yaml

from scheduler_app.audit.models import AuditEvent
from scheduler_app.models import ScheduledJob
from tests.factories import DAILY_BIRTHDAY, WEEKLY_VISITOR, make_job

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_session_file", "probes")]


def names() -> set[str]:
    return set(ScheduledJob.objects.values_list("name", flat=True))


def test_export_as_json_by_default_and_yaml_when_asked(client):
    make_job(**DAILY_BIRTHDAY)
    answer = client.get("/scheduler/jobs/export")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/json"
    document = answer.json()
    assert document["version"] == 1
    assert document["jobs"]["Daily Birthday Messages"]["schedule_config"] == {"hour": 8, "minute": 0}
    assert "id" not in document["jobs"]["Daily Birthday Messages"]

    as_yaml = client.get("/scheduler/jobs/export?format=yaml")
    assert as_yaml.status_code == 200 and as_yaml["Content-Type"].startswith("application/yaml")
    assert yaml.safe_load(as_yaml.content) == document
    assert yaml.safe_load(client.get("/scheduler/jobs/export", HTTP_ACCEPT="application/yaml").content) == document

    bad = client.get("/scheduler/jobs/export?format=xml")
    assert bad.status_code == 400 and list(bad.json()["errors"]) == ["format"]


def test_export_and_import_need_a_key(anon):
    assert anon.get("/scheduler/jobs/export").status_code == 401
    assert anon.post("/scheduler/jobs/import", {"version": 1, "jobs": {}}, format="json").status_code == 401


def test_import_round_trips_an_export_in_both_formats(client):
    make_job(**DAILY_BIRTHDAY)
    make_job(**WEEKLY_VISITOR)
    for fmt, content_type in (("json", "application/json"), ("yaml", "application/yaml"),
                              ("yaml", "application/x-yaml"), ("yaml", "text/yaml")):
        exported = client.get(f"/scheduler/jobs/export?format={fmt}").content
        answer = client.post("/scheduler/jobs/import?mode=replace", exported, content_type=content_type)
        assert answer.status_code == 200, answer.content
        assert answer.json() == {"mode": "replace", "dry_run": False, "created": [], "updated": [],
                                 "unchanged": ["Daily Birthday Messages", "Weekly Profile Visits"], "deleted": [],
                                 "changes": {}}
        ScheduledJob.objects.all().delete()
        created = client.post("/scheduler/jobs/import", exported, content_type=content_type).json()
        assert created["created"] == ["Daily Birthday Messages", "Weekly Profile Visits"]
        assert client.get(f"/scheduler/jobs/export?format={fmt}").content == exported


def test_one_bad_job_answers_400_naming_it_and_stores_nothing(client):
    make_job(name="Kept")
    document = {"version": 1, "jobs": {
        "Fine": {"bot_type": "birthday", "schedule_type": "manual"},
        "Morning wishes": {"bot_type": "birthday", "schedule_type": "daily", "schedule_config": {"hour": 24}},
    }}
    answer = client.post("/scheduler/jobs/import?mode=replace", document, format="json")
    assert answer.status_code == 400
    body = answer.json()
    assert list(body["errors"]) == ["jobs.Morning wishes.schedule_config.hour"]
    assert "jobs.Morning wishes.schedule_config.hour" in body["detail"]
    assert names() == {"Kept"}


def test_dry_run_and_modes_are_query_parameters(client):
    make_job(name="Kept")
    document = {"version": 1, "jobs": {"New": {"bot_type": "visitor", "schedule_type": "manual"}}}
    dry = client.post("/scheduler/jobs/import?mode=replace&dry_run=true", document, format="json")
    assert dry.status_code == 200
    assert (dry.json()["dry_run"], dry.json()["created"], dry.json()["deleted"]) == (True, ["New"], ["Kept"])
    assert names() == {"Kept"}

    merged = client.post("/scheduler/jobs/import", document, format="json").json()
    assert (merged["mode"], merged["created"], merged["deleted"]) == ("merge", ["New"], [])
    assert names() == {"Kept", "New"}

    for query, field in (("mode=overwrite", "mode"), ("dry_run=maybe", "dry_run"), ("dry_run=", "dry_run")):
        refused = client.post(f"/scheduler/jobs/import?{query}", document, format="json")
        assert refused.status_code == 400 and list(refused.json()["errors"]) == [field], query


def test_the_body_must_be_a_document(client):
    for body, content_type, paths in [
        (b"", "application/json", {"version", "jobs"}),
        (b"[]", "application/json", {"document"}),
        (b"{not json", "application/json", {"document"}),
        (b"version: 1\njobs: [", "application/yaml", {"document"}),
        (b'{"version": 1, "jobs": {"A": {}, "A": {}}}', "application/json", {"jobs.A"}),
        (b"version: 1\njobs:\n  A: {}\n  A: {}\n", "application/yaml", {"jobs.A"}),
        (b"a: &x [1]\nb: *x\n", "application/yaml", {"b"}),
    ]:
        answer = client.post("/scheduler/jobs/import", body, content_type=content_type)
        assert answer.status_code == 400, (body, answer.content)
        assert set(answer.json()["errors"]) == paths, body
    assert client.post("/scheduler/jobs/import", b"x", content_type="text/plain").status_code == 415


def test_a_large_fleet_fits_in_one_request(client, settings):
    settings.SCHEDULER_API_MAX_BODY_BYTES = 1000
    document = {"version": 1, "jobs": {f"job {i}": {"bot_type": "birthday", "schedule_type": "manual"}
                                       for i in range(100)}}
    assert len(json.dumps(document)) > 1000
    assert client.post("/scheduler/jobs/import?dry_run=true", document, format="json").status_code == 200
    document["jobs"].update({f"job {i}": {"bot_type": "birthday", "schedule_type": "manual"} for i in range(400)})
    assert client.post("/scheduler/jobs/import", document, format="json").status_code == 413
    assert not ScheduledJob.objects.exists()


def test_export_of_a_name_two_jobs_hold_is_409(client):
    make_job(name="Twin")
    make_job(name="Twin")
    answer = client.get("/scheduler/jobs/export")
    assert answer.status_code == 409 and "Twin" in answer.json()["detail"]


def test_import_events_carry_the_key_and_the_api_source(client):
    client.post("/scheduler/jobs/import", {"version": 1, "jobs": {"New": {"bot_type": "visitor",
                                                                          "schedule_type": "manual"}}},
                format="json")
    event = AuditEvent.objects.get(object_label="New")
    assert (event.action, event.actor, event.source, event.note) == ("create", "tests", "api", "import (merge)")
    assert ScheduledJob.objects.get().created_by == "tests"


def test_the_openapi_document_describes_both(anon):
    paths = anon.get("/scheduler/schema").json()["paths"]
    export, imported = paths["/scheduler/jobs/export"]["get"], paths["/scheduler/jobs/import"]["post"]
    assert set(export["responses"]["200"]["content"]) == {"application/json", "application/yaml"}
    assert {parameter["name"] for parameter in export["parameters"]} == {"format"}
    assert {"application/json", "application/yaml"} <= set(imported["requestBody"]["content"])
    assert {parameter["name"] for parameter in imported["parameters"]} == {"mode", "dry_run"}
    assert set(imported["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1:]) \
        == {"JobsImportOutput"}
