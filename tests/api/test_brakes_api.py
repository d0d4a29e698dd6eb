"""Pause, resume, bulk pause and blackout endpoints; bad input → 400 naming the field, nothing stored."""
import pytest

from scheduler_app.brakes.models import Blackout, JobPause
from tests.factories import make_job

pytestmark = pytest.mark.django_db


def test_pause_and_resume_a_job_show_in_its_representation(client):
    job = make_job()
    answer = client.post(f"/scheduler/jobs/{job.pk}/pause", {"until": "2099-01-02T08:00:00+01:00", "note": "away"},
                         format="json")
    assert answer.status_code == 200, answer.json()
    (pause,) = answer.json()["pauses"]
    assert (pause["kind"], pause["cause"], pause["note"]) == ("user", "user", "away")
    assert pause["until"].startswith("2099-01-02T08:00:00")
    assert pause["reason"].startswith("paused by tests until 2099-01-02")
    assert answer.json()["enabled"] is True
    listed = client.get("/scheduler/jobs").json()
    assert listed[0]["pauses"][0]["note"] == "away"
    resumed = client.post(f"/scheduler/jobs/{job.pk}/resume", format="json")
    assert resumed.status_code == 200 and resumed.json()["pauses"] == []


@pytest.mark.parametrize("body, field", [
    ({"until": "2020-01-01T00:00:00+00:00"}, "until"),
    ({"until": "next tuesday"}, "until"),
    ({"until": "2099-01-01T00:00:00"}, "until"),
    ({"note": "x" * 501}, "note"),
    ({"colour": "red"}, "colour"),
])
def test_bad_pause_is_400_naming_the_field_and_stores_nothing(client, body, field):
    job = make_job()
    answer = client.post(f"/scheduler/jobs/{job.pk}/pause", body, format="json")
    assert answer.status_code == 400
    assert field in answer.json()["errors"]
    assert not JobPause.objects.exists()


def test_bulk_pause_by_bot_type_and_resume(client):
    make_job(), make_job(bot_type="visitor", bot_config={})
    answer = client.post("/scheduler/jobs/pause", {"bot_type": "visitor", "note": "holiday"}, format="json")
    assert answer.status_code == 200 and answer.json() == {"jobs": 1}
    assert client.post("/scheduler/jobs/pause", {"note": "holiday"}, format="json").json() == {"jobs": 2}
    assert JobPause.objects.filter(lifted_at__isnull=True).count() == 2
    assert client.post("/scheduler/jobs/resume", {}, format="json").json() == {"jobs": 2}
    bad = client.post("/scheduler/jobs/pause", {"bot_type": "dancer"}, format="json")
    assert bad.status_code == 400 and "bot_type" in bad.json()["errors"]


def test_run_now_of_a_paused_job_is_409_naming_the_pause_unless_forced(client, sent_tasks):
    job = make_job()
    client.post(f"/scheduler/jobs/{job.pk}/pause", {"note": "away"}, format="json")
    refused = client.post(f"/scheduler/jobs/{job.pk}/run", format="json")
    assert refused.status_code == 409 and "paused by tests: away" in refused.json()["detail"]
    assert not sent_tasks
    forced = client.post(f"/scheduler/jobs/{job.pk}/run?force=true", format="json")
    assert forced.status_code == 202 and len(sent_tasks) == 1


def test_blackout_crud_and_validation(client):
    created = client.post("/scheduler/blackouts", {"name": "Christmas", "start_date": "2026-12-24",
                                                    "end_date": "2026-12-27", "yearly": True}, format="json")
    assert created.status_code == 201, created.json()
    blackout_id = created.json()["id"]
    assert client.get("/scheduler/blackouts").json()[0]["name"] == "Christmas"
    patched = client.patch(f"/scheduler/blackouts/{blackout_id}", {"country": "fr"}, format="json")
    assert patched.status_code == 200 and patched.json()["country"] == "FR"
    bad_end = client.patch(f"/scheduler/blackouts/{blackout_id}", {"end_date": "2026-12-01"}, format="json")
    assert bad_end.status_code == 400 and "end" in bad_end.json()["errors"]
    assert str(Blackout.objects.get().end_date) == "2026-12-27"
    bad_country = client.post("/scheduler/blackouts", {"name": "x", "country": "ZZ"}, format="json")
    assert bad_country.status_code == 400 and "country" in bad_country.json()["errors"]
    assert Blackout.objects.count() == 1
    assert client.get("/scheduler/blackouts/nope").status_code == 404
    assert client.delete(f"/scheduler/blackouts/{blackout_id}").status_code == 204
    assert not Blackout.objects.exists()


def test_next_runs_detail_marks_blacked_out_slots(client):
    job = make_job(schedule_type="daily", schedule_config={"hour": 8, "minute": 0}, timezone="Europe/Paris")
    client.post("/scheduler/blackouts", {"name": "Christmas", "start_date": "2026-12-24", "end_date": "2026-12-27",
                                         "yearly": True}, format="json")
    plain = client.get(f"/scheduler/jobs/{job.pk}/next-runs?count=2&after=2027-12-23T12:00:00").json()
    assert plain == ["2027-12-24T08:00:00+01:00", "2027-12-25T08:00:00+01:00"]  # the contract's shape stays
    detail = client.get(f"/scheduler/jobs/{job.pk}/next-runs?count=4&after=2027-12-23T12:00:00&detail=true").json()
    assert [slot["skipped_because"] for slot in detail] == ["blackout Christmas"] * 3 + [None]
    assert detail[0]["fire_at"] == detail[0]["scheduled_for"] == "2027-12-24T08:00:00+01:00"


def test_jitter_out_of_range_is_400_naming_it(client):
    answer = client.post("/scheduler/jobs", {"name": "j", "bot_type": "birthday", "schedule_type": "daily",
                                             "jitter_seconds": 86401}, format="json")
    assert answer.status_code == 400 and "jitter_seconds" in answer.json()["errors"]
    ok = client.post("/scheduler/jobs", {"name": "j", "bot_type": "birthday", "schedule_type": "daily",
                                         "jitter_seconds": 900}, format="json")
    assert ok.status_code == 201 and ok.json()["jitter_seconds"] == 900
