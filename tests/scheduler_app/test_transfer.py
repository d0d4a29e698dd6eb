"""Jobs export and import (issue 22 item 6): the document, the round trip, all-or-nothing, dry run,
merge and replace, errors named by their place in the document (scheduler_app/services/transfer.py)."""
import importlib.util

import pytest
import yaml

from bots.services.accounts import account_create
from scheduler_app.audit.actors import cli_actor
from scheduler_app.audit.models import AuditEvent
from scheduler_app.models import ScheduledJob
from scheduler_app.services import job_create, job_update
from scheduler_app.services.transfer import (
    DOCUMENT_VERSION,
    ENTRY_FIELDS,
    DocumentInvalid,
    ExportRefused,
    document_dump,
    document_load,
    jobs_export_document,
    jobs_import,
)
from scheduler_app.spec import WRITABLE_FIELDS
from tests.factories import DAILY_BIRTHDAY, WEEKLY_VISITOR, job_data, make_job

pytestmark = pytest.mark.django_db


def stored() -> dict[str, dict]:
    """Every job's writable fields and times, by name: what an import must leave as it found."""
    return {job.name: {"id": job.pk, "updated_at": job.updated_at, "enabled": job.enabled,
                       "schedule_config": job.schedule_config, "bot_config": job.bot_config}
            for job in ScheduledJob.objects.all()}


def entry(**overrides) -> dict:
    """A document's entry for a job: its fields but the name (its key)."""
    data = job_data(**overrides)
    data.pop("name")
    return data


def many_jobs(count: int) -> None:
    shapes = [
        ("daily", lambda i: {"hour": i % 24, "minute": i % 60}),
        ("weekly", lambda i: {"day_of_week": "mon-fri" if i % 2 else "sat,sun", "hour": 9, "minute": i % 60}),
        ("interval", lambda i: {"hours": 1 + i % 5, "minutes": i % 60}),
        ("cron", lambda i: {"cron_expression": f"{i % 60} 8-18 * * 1-5"}),
        ("manual", lambda i: {}),
    ]
    for i in range(count):
        schedule_type, config = shapes[i % len(shapes)]
        bot = {"bot_type": "visitor", "bot_config": {"limit": 1 + i % 500, "keywords": f"kw {i}"}} if i % 3 == 0 \
            else {"bot_type": "birthday", "bot_config": {"process_late": bool(i % 2), "max_days_late": 1 + i % 30}}
        job_create(data={"name": f"job {i:04d}", "schedule_type": schedule_type, "schedule_config": config(i),
                         "description": f"number {i}" if i % 4 else None, "enabled": i % 7 != 0,
                         "timezone": ("Europe/Paris", "America/New_York", "Asia/Tokyo")[i % 3],
                         "max_instances": 1 + i % 3, "jitter_seconds": i % 120, **bot})


def test_export_keys_jobs_by_name_with_every_writable_field_but_no_ids():
    make_job(**DAILY_BIRTHDAY)
    document = jobs_export_document()
    assert document["version"] == DOCUMENT_VERSION == 1
    entry = document["jobs"]["Daily Birthday Messages"]
    assert tuple(entry) == ENTRY_FIELDS
    assert set(entry) == set(WRITABLE_FIELDS) - {"name"}
    assert entry["account"] == "default"  # the label, not the id
    assert entry["schedule_config"] == {"hour": 8, "minute": 0}
    assert entry["bot_config"]["max_messages_per_run"] == 10  # defaults filled in, as stored
    job = ScheduledJob.objects.get()
    assert str(job.pk) not in document_dump(document) and str(job.account_id) not in document_dump(document)


def test_round_trip_of_1000_jobs_is_unchanged():
    many_jobs(1000)
    text = document_dump(jobs_export_document())
    before = stored()

    report = jobs_import(document=document_load(text), mode="replace")
    assert len(report.unchanged) == 1000
    assert report.created == report.updated == report.deleted == []
    assert stored() == before  # not even updated_at moved

    ScheduledJob.objects.all().delete()
    report = jobs_import(document=document_load(text), mode="replace")
    assert len(report.created) == 1000
    assert document_dump(jobs_export_document()) == text


def test_json_round_trip():
    make_job(**DAILY_BIRTHDAY)
    make_job(**WEEKLY_VISITOR)
    text = document_dump(jobs_export_document(), fmt="json")
    ScheduledJob.objects.all().delete()
    assert jobs_import(document=document_load(text, fmt="json")).created == ["Daily Birthday Messages",
                                                                             "Weekly Profile Visits"]
    assert document_dump(jobs_export_document(), fmt="json") == text


def test_one_bad_job_stores_nothing_and_is_named():
    make_job(name="Kept", schedule_config={"hour": 9, "minute": 0})
    before = stored()
    document = {"version": 1, "jobs": {
        "Kept": entry(schedule_config={"hour": 10, "minute": 0}),
        "New one": entry(),
        "Morning wishes": entry(schedule_config={"hour": 25, "minute": 0}),
    }}
    with pytest.raises(DocumentInvalid) as refused:
        jobs_import(document=document, mode="replace")
    assert list(refused.value.errors) == ["jobs.Morning wishes.schedule_config.hour"]
    assert "less than or equal to 23" in refused.value.errors["jobs.Morning wishes.schedule_config.hour"][0]
    assert stored() == before


def test_every_bad_field_of_every_job_is_named():
    document = {"version": 1, "jobs": {
        "A": {"bot_type": "birthday", "schedule_type": "daily", "max_instances": 0, "id": "x"},
        "B": {"schedule_type": "weekly", "schedule_config": {"day_of_week": "someday"}},
        "C": {"bot_type": "visitor", "schedule_type": "manual", "account": "nobody"},
    }}
    with pytest.raises(DocumentInvalid) as refused:
        jobs_import(document=document)
    assert set(refused.value.errors) == {"jobs.A.max_instances", "jobs.A.id", "jobs.B.bot_type",
                                         "jobs.B.schedule_config.day_of_week", "jobs.C.account"}
    assert not ScheduledJob.objects.exists()


def test_a_change_of_bot_type_is_refused_like_any_update():
    make_job(name="A")
    with pytest.raises(DocumentInvalid) as refused:
        jobs_import(document={"version": 1, "jobs": {"A": {"bot_type": "visitor", "schedule_type": "manual"}}})
    assert list(refused.value.errors) == ["jobs.A.bot_type"]


def test_dry_run_stores_nothing_and_reports_what_would_happen():
    make_job(name="Same", bot_config={"dry_run": True})
    make_job(name="Changed")
    make_job(name="Gone")
    document = jobs_export_document()
    del document["jobs"]["Gone"]
    document["jobs"]["Changed"]["enabled"] = False
    document["jobs"]["New"] = {"bot_type": "visitor", "schedule_type": "manual"}
    before = stored()

    report = jobs_import(document=document, mode="replace", dry_run=True)
    assert (report.created, report.updated, report.unchanged, report.deleted) == (["New"], ["Changed"], ["Same"],
                                                                                  ["Gone"])
    assert report.changes == {"Changed": ["enabled"]} and report.dry_run
    assert stored() == before

    assert jobs_import(document=document, mode="replace").as_dict() == {**report.as_dict(), "dry_run": False}
    assert set(stored()) == {"Same", "Changed", "New"} and not stored()["Changed"]["enabled"]


def test_merge_keeps_other_jobs_and_replace_deletes_them():
    make_job(name="Other")
    make_job(name="A")
    document = {"version": 1, "jobs": {"A": {"bot_type": "birthday", "schedule_type": "daily",
                                             "schedule_config": {"hour": 6}}}}
    merged = jobs_import(document=document, mode="merge")
    assert (merged.updated, merged.deleted) == (["A"], [])
    assert set(stored()) == {"Other", "A"}
    # The entry is the whole job: what it leaves out goes back to its default (bot_config's dry_run).
    job = ScheduledJob.objects.get(name="A")
    assert job.schedule_config == {"hour": 6, "minute": 0} and job.bot_config["dry_run"] is False
    assert set(merged.changes["A"]) == {"schedule_config", "bot_config"}

    replaced = jobs_import(document=document, mode="replace")
    assert (replaced.unchanged, replaced.deleted) == (["A"], ["Other"])
    assert set(stored()) == {"A"}


def test_a_name_held_by_two_jobs_refuses_the_export_and_an_import_naming_it():
    first, second = make_job(name="Twin"), make_job(name="Twin")
    make_job(name="Single")
    with pytest.raises(ExportRefused) as refused:
        jobs_export_document()
    assert refused.value.duplicates == {"Twin": [str(first.pk), str(second.pk)]}
    assert "Twin" in str(refused.value)

    with pytest.raises(DocumentInvalid) as invalid:
        jobs_import(document={"version": 1, "jobs": {"Twin": entry()}})
    assert list(invalid.value.errors) == ["jobs.Twin"] and "2 jobs" in invalid.value.errors["jobs.Twin"][0]
    # Not named by the document: replace deletes both like any job left out.
    assert jobs_import(document={"version": 1, "jobs": {}}, mode="replace").deleted == ["Single", "Twin"]


def test_the_document_shape_is_checked():
    for document, paths in [
        ([], {"document"}),
        ({"jobs": {}}, {"version"}),
        ({"version": 2, "jobs": {}}, {"version"}),
        ({"version": True, "jobs": {}}, {"version"}),
        ({"version": 1}, {"jobs"}),
        ({"version": 1, "jobs": None}, {"jobs"}),
        ({"version": 1, "jobs": {}, "extra": 1}, {"extra"}),
        ({"version": 1, "jobs": {"A": "daily"}}, {"jobs.A"}),
        ({"version": 1, "jobs": {"A": {**entry(), "name": "B"}}}, {"jobs.A.name"}),
        ({"version": 1, "jobs": {12: entry()}}, {"jobs.12"}),
    ]:
        with pytest.raises(DocumentInvalid) as refused:
            jobs_import(document=document)
        assert set(refused.value.errors) == paths, document
    with pytest.raises(DocumentInvalid) as refused:
        jobs_import(document={"version": 1, "jobs": {}}, mode="overwrite")
    assert set(refused.value.errors) == {"mode"}


def test_a_name_given_twice_is_refused_in_yaml_and_json():
    text = "version: 1\njobs:\n  A:\n    bot_type: birthday\n    schedule_type: manual\n" \
           "  A:\n    bot_type: visitor\n    schedule_type: manual\n"
    with pytest.raises(DocumentInvalid) as refused:
        document_load(text)
    assert list(refused.value.errors) == ["jobs.A"]
    assert "unique" in refused.value.errors["jobs.A"][0] and "lines 3 and 6" in refused.value.errors["jobs.A"][0]
    with pytest.raises(DocumentInvalid) as refused:
        document_load('{"version": 1, "jobs": {"A": {}, "B": {"x": 1, "x": 2}, "A": {}}}', fmt="json")
    assert set(refused.value.errors) == {"jobs.A", "jobs.B.x"}


def test_yaml_is_loaded_safely_without_aliases():
    with pytest.raises(DocumentInvalid) as refused:
        document_load("version: 1\njobs: !!python/object/apply:os.system ['true']\n")
    assert "document" in refused.value.errors
    bomb = "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n"
    with pytest.raises(DocumentInvalid) as refused:
        document_load(bomb)
    assert any("aliases" in message for messages in refused.value.errors.values() for message in messages)
    with pytest.raises(DocumentInvalid):
        document_load("version: 1\njobs: {A: [")


def test_the_account_travels_by_label():
    sales = account_create(data={"label": "sales"})
    make_job(name="A", account="sales")
    make_job(name="B")
    document = jobs_export_document()
    assert {name: entry["account"] for name, entry in document["jobs"].items()} == {"A": "sales", "B": "default"}
    ScheduledJob.objects.all().delete()
    jobs_import(document=document)
    assert ScheduledJob.objects.get(name="A").account == sales


def test_an_export_lists_new_spec_fields_without_a_change_here(monkeypatch):
    """The export is built from WRITABLE_FIELDS: a field the spec gains comes along."""
    import scheduler_app.services.transfer as transfer

    make_job(name="A")
    monkeypatch.setattr(transfer, "ENTRY_FIELDS", (*transfer.ENTRY_FIELDS, "created_by"))
    assert jobs_export_document()["jobs"]["A"]["created_by"] == "system"


@pytest.mark.skipif(importlib.util.find_spec("scheduler_app.services.chains") is None,
                    reason="job chains (run_after links, scheduler_app/services/chains.py) are not written yet")
def test_run_after_travels_by_name():
    upstream = make_job(name="Up")
    down = make_job(name="Down")
    job_update(job=down, changes={"run_after": [str(upstream.pk)]})
    document = jobs_export_document()
    assert document["jobs"]["Down"]["run_after"] == ["Up"]
    text = document_dump(document)
    ScheduledJob.objects.all().delete()
    report = jobs_import(document=document_load(text), mode="replace")
    assert report.created == ["Down", "Up"]
    assert document_dump(jobs_export_document()) == text
    assert jobs_import(document=document_load(text)).unchanged == ["Down", "Up"]
    document["jobs"]["Down"]["run_after"] = ["Nobody"]
    with pytest.raises(DocumentInvalid) as refused:
        jobs_import(document=document)
    assert list(refused.value.errors) == ["jobs.Down.run_after"]


@pytest.mark.skipif(importlib.util.find_spec("scheduler_app.services.chains") is None,
                    reason="job chains (run_after links, scheduler_app/services/chains.py) are not written yet")
def test_replace_deletes_a_chain_it_leaves_out_and_unlinks_the_jobs_it_keeps():
    first, second, third = make_job(name="First"), make_job(name="Second"), make_job(name="Third")
    job_update(job=second, changes={"run_after": [str(first.pk)]})
    job_update(job=third, changes={"run_after": [str(second.pk)]})
    document = {"version": 1, "jobs": {"Third": entry()}}  # Third's run_after: none
    report = jobs_import(document=document, mode="replace")
    assert (report.updated, report.deleted, report.changes) == (["Third"], ["First", "Second"],
                                                                {"Third": ["run_after"]})
    assert set(stored()) == {"Third"}


@pytest.mark.skipif(importlib.util.find_spec("scheduler_app.services.chains") is None,
                    reason="job chains (run_after links, scheduler_app/services/chains.py) are not written yet")
def test_a_chain_between_new_jobs_is_linked_and_a_cycle_refused():
    document = {"version": 1, "jobs": {"B": entry(run_after=["A"]), "A": entry()}}
    assert jobs_import(document=document).created == ["A", "B"]
    assert jobs_export_document()["jobs"]["B"]["run_after"] == ["A"]
    document["jobs"]["A"]["run_after"] = ["B"]
    with pytest.raises(DocumentInvalid) as refused:
        jobs_import(document=document)
    assert list(refused.value.errors) == ["jobs.A.run_after"] and "cycle" in str(refused.value.errors)
    assert jobs_export_document()["jobs"]["A"]["run_after"] == []


def test_yaml_export_reads_back_as_the_same_document():
    make_job(name="on", description="yes: no # not a comment", schedule_type="cron",
             schedule_config={"cron_expression": "0 8-18 * * 1-5"})
    document = jobs_export_document()
    assert yaml.safe_load(document_dump(document)) == document


def test_each_job_written_leaves_its_audit_event_by_the_importer():
    make_job(name="Changed")
    make_job(name="Same")
    make_job(name="Gone")
    document = jobs_export_document()
    document["jobs"]["Changed"]["enabled"] = False
    document["jobs"]["New"] = entry()
    del document["jobs"]["Gone"]
    earlier = set(AuditEvent.objects.values_list("pk", flat=True))
    jobs_import(document=document, mode="replace", dry_run=True, actor=cli_actor())
    assert set(AuditEvent.objects.values_list("pk", flat=True)) == earlier

    jobs_import(document=document, mode="replace", actor=cli_actor())
    events = {event.object_label: event for event in AuditEvent.objects.exclude(pk__in=earlier)}
    assert {label: event.action for label, event in events.items()} == {
        "Changed": "update", "New": "create", "Gone": "delete"}  # "Same" is unchanged: no event
    assert {(event.source, event.note) for event in events.values()} == {("cli", "import (replace)")}
    assert events["Changed"].changes == {"enabled": {"old": True, "new": False}}
