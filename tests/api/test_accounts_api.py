"""LinkedIn account endpoints, and accounts on jobs, bulk pauses and blackouts: bad input is a 400
naming the field with nothing stored, the session is write-only (stored encrypted, never in an
answer), and a new session queues its probe."""
import json

import pytest

from bots.crypto import session_decrypt
from bots.models import BirthdayMessage, Contact, LinkedInAccount
from scheduler_app.brakes.models import Blackout, JobPause
from scheduler_app.brakes.selectors import blackouts_for_job
from scheduler_app.models import ScheduledJob
from tests.factories import job_data, make_job
from tests.support.accounts import SECRET, storage_state

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_session_file")]

# Every field an account answer has: the session shows only as has_session and its dates.
OUTPUT_FIELDS = {"id", "label", "status", "status_reason", "cooldown_until", "last_ok_at", "has_session",
                 "session_saved_at", "li_at_expires_at", "warmup", "allowance", "jobs", "busy", "timezone",
                 "working_hours", "messages_per_day", "messages_per_week", "visits_per_day", "cooldown_hours",
                 "message_language", "created_at", "updated_at"}
SETTINGS = {"label": "sales", "timezone": "Europe/Paris", "working_hours": "09:00-18:00", "messages_per_day": 12,
            "messages_per_week": 60, "visits_per_day": 40, "cooldown_hours": 48}


@pytest.fixture
def committing(django_capture_on_commit_callbacks):
    """``with committing():`` runs the on-commit callbacks of the calls inside it when it ends, as
    the end of a real request's transaction would (the probe is sent once the session is
    committed; the test's own transaction never commits)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _default():
    return LinkedInAccount.objects.get(label="default")


def _create(client, **overrides):
    answer = client.post("/scheduler/accounts", {**SETTINGS, **overrides}, format="json")
    assert answer.status_code == 201, answer.json()
    return answer.json()


# --- accounts ------------------------------------------------------------------------------


def test_create_without_session_answers_the_account_needing_one(client, probes, committing):
    with committing():
        body = _create(client)
    assert {k: body[k] for k in SETTINGS} == SETTINGS
    assert body["status"] == "needs_reauth" and body["status_reason"] == "no session saved yet"
    assert body["has_session"] is False and body["session_saved_at"] is None and body["probe"] is None
    assert body["warmup"] == 1 and body["jobs"] == 0 and body["busy"] is False
    messages = body["allowance"]["messages"]
    assert set(messages) == {"used", "allowed", "resets_at", "quota"}
    # Week 1 of the warm-up ramp (BOT_WARMUP_MESSAGES 3,5,8) binds below the 12 configured.
    assert (messages["used"], messages["allowed"]) == (0, 3) and "warm-up week 1" in messages["quota"]
    assert body["allowance"]["visits"]["allowed"] == 10
    assert probes == []


def test_the_session_is_write_only_stored_encrypted_and_its_probe_queued(client, probes, committing):
    with committing():
        body = _create(client, storage_state=storage_state())
    assert body["has_session"] is True and body["status"] == "active" and body["probe"] == "queued"
    assert body["li_at_expires_at"] is not None
    assert probes == [body["id"]]
    stored = LinkedInAccount.objects.get(pk=body["id"]).session_encrypted
    assert SECRET not in stored and "li_at" not in stored
    assert json.loads(session_decrypt(stored))["cookies"][0]["value"] == SECRET
    for path in ("/scheduler/accounts", f"/scheduler/accounts/{body['id']}"):
        answer = client.get(path)
        assert answer.status_code == 200
        text = answer.content.decode()
        assert SECRET not in text and stored not in text
        shown = answer.json()[-1] if isinstance(answer.json(), list) else answer.json()
        assert set(shown) == OUTPUT_FIELDS
    schema = client.get("/scheduler/schema").content.decode()
    assert "/scheduler/accounts/{account_id}/session" in schema and SECRET not in schema


def test_list_has_the_default_account_and_counts_jobs(client):
    make_job(), make_job(name="second")
    listed = client.get("/scheduler/accounts").json()
    assert [(a["label"], a["jobs"]) for a in listed] == [("default", 2)]
    assert listed[0]["warmup"] is None  # the default account has been used for years


@pytest.mark.parametrize("overrides, field", [
    ({"label": ""}, "label"),
    ({"label": "   "}, "label"),
    ({"label": "x" * 101}, "label"),
    ({"label": "default"}, "label"),
    ({"label": 7}, "label"),
    ({"cooldown_hours": 0}, "cooldown_hours"),
    ({"cooldown_hours": 169}, "cooldown_hours"),
    ({"cooldown_hours": "24"}, "cooldown_hours"),
    ({"cooldown_hours": True}, "cooldown_hours"),
    ({"working_hours": "9-5"}, "working_hours"),
    ({"working_hours": "25:00-26:00"}, "working_hours"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"messages_per_day": 0}, "messages_per_day"),
    ({"visits_per_day": 10_001}, "visits_per_day"),
    ({"colour": "red"}, "colour"),
    ({"storage_state": "not json {"}, "storage_state"),
    ({"storage_state": {"cookies": []}}, "storage_state"),
    ({"storage_state": storage_state(name="JSESSIONID")}, "storage_state"),
    ({"storage_state": storage_state(domain=".example.org")}, "storage_state"),
    ({"storage_state": storage_state(value="")}, "storage_state"),
    ({"storage_state": [1, 2]}, "storage_state"),
])
def test_bad_account_is_400_naming_the_field_and_stores_nothing(client, probes, committing, overrides, field):
    with committing():
        answer = client.post("/scheduler/accounts", {**SETTINGS, **overrides}, format="json")
    assert answer.status_code == 400, answer.json()
    assert field in answer.json()["errors"] and field in answer.json()["detail"]
    assert list(LinkedInAccount.objects.values_list("label", flat=True)) == ["default"]
    assert probes == []


def test_a_missing_label_is_a_400(client):
    answer = client.post("/scheduler/accounts", {"cooldown_hours": 5}, format="json")
    assert answer.status_code == 400 and "label" in answer.json()["errors"]
    assert client.post("/scheduler/accounts", [1], format="json").status_code == 400


def test_patch_changes_only_the_fields_given_and_a_bad_one_changes_nothing(client):
    account_id = _create(client)["id"]
    changed = client.patch(f"/scheduler/accounts/{account_id}", {"cooldown_hours": 6, "working_hours": ""},
                           format="json")
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["cooldown_hours"], changed.json()["working_hours"]) == (6, "")
    assert changed.json()["label"] == "sales" and changed.json()["messages_per_day"] == 12
    for body, field in (({"cooldown_hours": 500, "label": "renamed"}, "cooldown_hours"),
                        ({"label": "default"}, "label"),
                        ({"storage_state": storage_state()}, "storage_state"),
                        ({"session_encrypted": "x"}, "session_encrypted")):
        bad = client.patch(f"/scheduler/accounts/{account_id}", body, format="json")
        assert bad.status_code == 400 and field in bad.json()["errors"], bad.json()
    account = LinkedInAccount.objects.get(pk=account_id)
    assert (account.label, account.cooldown_hours, account.session_encrypted) == ("sales", 6, "")


def test_unknown_or_malformed_account_is_404(client):
    for path in ("/scheduler/accounts/7d6c0a8e-0000-4000-8000-000000000000", "/scheduler/accounts/nope",
                 "/scheduler/accounts/default"):
        assert client.get(path).status_code == 404
        assert client.patch(path, {"cooldown_hours": 2}, format="json").status_code == 404
        assert client.delete(path).status_code == 404
        assert client.put(path + "/session", storage_state(), format="json").status_code == 404


def test_delete_refuses_an_account_with_jobs_naming_them_then_deletes(client):
    account_id = _create(client)["id"]
    job = make_job(name="Wish the sales contacts", account="sales")
    refused = client.delete(f"/scheduler/accounts/{account_id}")
    assert refused.status_code == 409 and "Wish the sales contacts" in refused.json()["detail"]
    assert LinkedInAccount.objects.filter(pk=account_id).exists()
    ScheduledJob.objects.filter(pk=job.pk).delete()
    assert client.delete(f"/scheduler/accounts/{account_id}").status_code == 204
    assert not LinkedInAccount.objects.filter(pk=account_id).exists()


def test_delete_refuses_an_account_whose_history_keeps_never_twice(client):
    account_id = _create(client)["id"]
    contact = Contact.objects.create(slug="ada", name="Ada")
    BirthdayMessage.objects.create(account_id=account_id, contact=contact, birthday="2026-01-01", status="sent")
    refused = client.delete(f"/scheduler/accounts/{account_id}")
    assert refused.status_code == 409 and "1 message(s)" in refused.json()["detail"]
    assert LinkedInAccount.objects.filter(pk=account_id).exists()


# --- the session --------------------------------------------------------------------------


def test_put_session_stores_it_encrypted_and_queues_the_probe_after_commit(client, probes, committing):
    account_id = _create(client)["id"]
    with committing() as callbacks:
        answer = client.put(f"/scheduler/accounts/{account_id}/session", storage_state(), format="json")
        assert probes == []  # not before the commit
    assert answer.status_code == 202, answer.json()
    body = answer.json()
    assert body["probe"] == "queued" and body["has_session"] is True and body["session_saved_at"]
    assert body["id"] == account_id and SECRET not in answer.content.decode()
    assert len(callbacks) == 1 and probes == [account_id]
    stored = LinkedInAccount.objects.get(pk=account_id).session_encrypted
    assert stored and SECRET not in stored
    assert json.loads(session_decrypt(stored))["cookies"][0]["value"] == SECRET


def test_put_session_without_commit_sends_no_probe(client, probes):
    """The probe leaves only once the session is committed (here the test's transaction never is)."""
    account_id = _create(client)["id"]
    assert client.put(f"/scheduler/accounts/{account_id}/session", storage_state(), format="json").status_code == 202
    assert probes == []


@pytest.mark.parametrize("wrap", [
    lambda state: {"storage_state": state},
    lambda state: {"storage_state": json.dumps(state)},
])
def test_put_session_takes_the_state_in_a_storage_state_member(client, probes, committing, wrap):
    account_id = _create(client)["id"]
    with committing():
        answer = client.put(f"/scheduler/accounts/{account_id}/session", wrap(storage_state()), format="json")
    assert answer.status_code == 202, answer.json()
    assert probes == [account_id]


@pytest.mark.parametrize("body", [
    b"this is not json",
    b"{\"cookies\": [",
    b"",
    json.dumps({"cookies": []}).encode(),
    json.dumps({"origins": []}).encode(),
    json.dumps(storage_state(domain=".example.org")).encode(),
    json.dumps(storage_state(name="li_a")).encode(),
    json.dumps(["cookies"]).encode(),
    json.dumps({"storage_state": "nope"}).encode(),
    json.dumps({"storage_state": {"cookies": [{"name": "li_at"}]}}).encode(),
    "\ufeffnot utf".encode("utf-16"),
])
def test_bad_session_is_400_on_storage_state_and_stores_nothing(client, probes, committing, body):
    account_id = _create(client)["id"]
    with committing():
        answer = client.put(f"/scheduler/accounts/{account_id}/session", body, content_type="application/json")
    assert answer.status_code == 400, answer.content
    assert list(answer.json()["errors"]) == ["storage_state"]
    account = LinkedInAccount.objects.get(pk=account_id)
    assert (account.session_encrypted, account.session_saved_at, account.status) == ("", None, "needs_reauth")
    assert probes == []


def test_put_session_names_an_unknown_member_and_refuses_other_media(client, probes, committing):
    account_id = _create(client)["id"]
    with committing():
        extra = client.put(f"/scheduler/accounts/{account_id}/session",
                           {"storage_state": storage_state(), "label": "x"}, format="json")
        form = client.put(f"/scheduler/accounts/{account_id}/session", "a=b",
                          content_type="application/x-www-form-urlencoded")
    assert extra.status_code == 400 and "label" in extra.json()["errors"]
    assert form.status_code == 415
    assert LinkedInAccount.objects.get(pk=account_id).session_encrypted == "" and probes == []


def test_a_new_session_replaces_the_old_and_resets_the_expiry_warnings(client, probes, committing):
    account = _default()
    account.li_at_warned = ["14"]
    account.save(update_fields=["li_at_warned"])
    with committing():
        first = client.put(f"/scheduler/accounts/{account.pk}/session", storage_state(value="first"), format="json")
    with committing():
        second = client.put(f"/scheduler/accounts/{account.pk}/session", storage_state(value="second"),
                            format="json")
    assert first.status_code == second.status_code == 202
    account.refresh_from_db()
    assert json.loads(session_decrypt(account.session_encrypted))["cookies"][0]["value"] == "second"
    assert account.li_at_warned == [] and probes == [str(account.pk)] * 2


def test_a_needs_reauth_account_says_why_and_a_cool_down_until_when(client):
    from datetime import timedelta

    from django.utils.timezone import now

    account = _default()
    LinkedInAccount.objects.filter(pk=account.pk).update(status="needs_reauth", status_reason="checkpoint shown")
    body = client.get(f"/scheduler/accounts/{account.pk}").json()
    assert (body["status"], body["status_reason"], body["cooldown_until"]) == ("needs_reauth", "checkpoint shown",
                                                                               None)
    LinkedInAccount.objects.filter(pk=account.pk).update(status="cooling_down", status_reason="limit banner",
                                                         cooldown_until=now() + timedelta(hours=3))
    body = client.get(f"/scheduler/accounts/{account.pk}").json()
    assert body["status"] == "cooling_down" and body["cooldown_until"]
    LinkedInAccount.objects.filter(pk=account.pk).update(cooldown_until=now() - timedelta(minutes=1))
    body = client.get(f"/scheduler/accounts/{account.pk}").json()
    assert (body["status"], body["status_reason"], body["cooldown_until"]) == ("active", "", None)


# --- jobs -----------------------------------------------------------------------------------


def test_jobs_show_their_account_and_take_it_by_id_or_label(client):
    sales = _create(client)["id"]
    default = str(_default().pk)
    by_default = client.post("/scheduler/jobs", job_data(), format="json")
    by_label = client.post("/scheduler/jobs", job_data(name="sales wishes", account="sales"), format="json")
    by_id = client.post("/scheduler/jobs", job_data(name="by id", account=sales), format="json")
    assert [a.status_code for a in (by_default, by_label, by_id)] == [201, 201, 201]
    assert (by_default.json()["account"], by_label.json()["account"], by_id.json()["account"]) == (default, sales,
                                                                                                   sales)
    listed = {job["name"]: job["account"] for job in client.get("/scheduler/jobs").json()}
    assert listed == {"Daily birthday wishes": default, "sales wishes": sales, "by id": sales}
    assert client.get(f"/scheduler/jobs/{by_label.json()['id']}").json()["account"] == sales
    assert client.get(f"/scheduler/accounts/{sales}").json()["jobs"] == 2


def test_jobs_move_between_accounts_with_put_and_patch(client):
    sales = _create(client)["id"]
    job_id = client.post("/scheduler/jobs", job_data(), format="json").json()["id"]
    patched = client.patch(f"/scheduler/jobs/{job_id}", {"account": "sales"}, format="json")
    assert patched.status_code == 200 and patched.json()["account"] == sales
    put = client.put(f"/scheduler/jobs/{job_id}", {"account": str(_default().pk)}, format="json")
    assert put.status_code == 200 and put.json()["account"] == str(_default().pk)


@pytest.mark.parametrize("method", ["post", "put", "patch"])
@pytest.mark.parametrize("ref", ["nobody", "7d6c0a8e-0000-4000-8000-000000000000", "", 5])
def test_an_unknown_account_on_a_job_is_a_400_and_stores_nothing(client, method, ref):
    job = make_job()
    if method == "post":
        answer = client.post("/scheduler/jobs", job_data(name="new", account=ref), format="json")
    else:
        answer = getattr(client, method)(f"/scheduler/jobs/{job.pk}", {"account": ref}, format="json")
    assert answer.status_code == 400, answer.json()
    assert "account" in answer.json()["errors"]
    assert list(ScheduledJob.objects.values_list("name", "account__label")) == [("Daily birthday wishes", "default")]


# --- bulk pause / resume ------------------------------------------------------------------


def test_bulk_pause_and_resume_by_account_label_or_id(client):
    sales = _create(client)["id"]
    make_job(name="default's"), make_job(name="sales'", account="sales")
    answer = client.post("/scheduler/jobs/pause", {"account": "sales", "note": "sales holiday"}, format="json")
    assert answer.status_code == 200 and answer.json() == {"jobs": 1}
    assert list(JobPause.objects.values_list("job__name", flat=True)) == ["sales'"]
    assert client.post("/scheduler/jobs/resume", {"account": sales}, format="json").json() == {"jobs": 1}
    both = client.post("/scheduler/jobs/pause", {"account": "sales", "bot_type": "visitor"}, format="json")
    assert both.json() == {"jobs": 0}


@pytest.mark.parametrize("path", ["/scheduler/jobs/pause", "/scheduler/jobs/resume"])
@pytest.mark.parametrize("ref", ["nobody", "7d6c0a8e-0000-4000-8000-000000000000", ""])
def test_bulk_with_an_unknown_account_is_a_400_never_every_job(client, path, ref):
    job = make_job()
    client.post(f"/scheduler/jobs/{job.pk}/pause", {"note": "mine"}, format="json")
    answer = client.post(path, {"account": ref, "note": "x"} if path.endswith("pause") else {"account": ref},
                         format="json")
    assert answer.status_code == 400 and "account" in answer.json()["errors"], answer.json()
    (pause,) = JobPause.objects.filter(lifted_at__isnull=True)
    assert pause.note == "mine"


# --- blackouts ----------------------------------------------------------------------------


WINDOW = {"name": "Sales offsite", "start_date": "2026-12-24", "end_date": "2026-12-27"}


def test_a_blackout_of_one_account_covers_its_jobs_only(client):
    sales = _create(client)["id"]
    theirs, other = make_job(name="sales'", account="sales"), make_job(name="default's")
    created = client.post("/scheduler/blackouts", {**WINDOW, "scope": "account", "account": "sales"}, format="json")
    assert created.status_code == 201, created.json()
    assert (created.json()["scope"], created.json()["account"]) == ("account", sales)
    assert client.get("/scheduler/blackouts").json()[0]["account"] == sales
    assert [b.name for b in blackouts_for_job(job=theirs)] == ["Sales offsite"]
    assert blackouts_for_job(job=other) == []
    renamed = client.patch(f"/scheduler/blackouts/{created.json()['id']}", {"name": "Offsite"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["account"] == sales
    moved = client.patch(f"/scheduler/blackouts/{created.json()['id']}", {"account": "default"}, format="json")
    assert moved.json()["account"] == str(_default().pk)
    assert blackouts_for_job(job=theirs) == [] and len(blackouts_for_job(job=other)) == 1
    cleared = client.patch(f"/scheduler/blackouts/{created.json()['id']}", {"scope": "all", "account": None},
                           format="json")
    assert cleared.status_code == 200 and cleared.json()["account"] is None


@pytest.mark.parametrize("body, field", [
    ({"scope": "account", "account": "nobody"}, "account"),
    ({"scope": "account", "account": "7d6c0a8e-0000-4000-8000-000000000000"}, "account"),
    ({"scope": "account"}, "account"),
    ({"scope": "account", "account": ""}, "account"),
    ({"scope": "all", "account": "default"}, "account"),
    ({"scope": "account", "account": "default", "end_date": "2026-12-01"}, "end"),
])
def test_bad_account_blackout_is_400_naming_the_field_and_stores_nothing(client, body, field):
    answer = client.post("/scheduler/blackouts", {**WINDOW, **body}, format="json")
    assert answer.status_code == 400 and field in answer.json()["errors"], answer.json()
    assert not Blackout.objects.exists()


def test_deleting_an_account_takes_its_blackouts_with_it(client):
    account_id = _create(client)["id"]
    client.post("/scheduler/blackouts", {**WINDOW, "scope": "account", "account": "sales"}, format="json")
    assert client.delete(f"/scheduler/accounts/{account_id}").status_code == 204
    assert not Blackout.objects.exists()
