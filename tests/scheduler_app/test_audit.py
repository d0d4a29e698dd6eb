"""The audit trail (issue 22 item 1): every write path leaves exactly one event with its actor,
source and old → new values; secrets never reach an event; an event cannot be edited through
any interface; a change and its event commit or roll back together; old events are pruned.

Each path is driven through its real interface: the API with a stored key, the dashboard and
the admin with a signed-in user through Django's test client, the CLI through call_command, and
the system through the pushback brake a run's failure sets off."""
import getpass
import json
import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils.timezone import now as utc_now
from rest_framework.test import APIClient

from bots.accounts import LinkedInAccount, account_session_save
from bots.runner import SessionLost
from scheduler_app.audit.actors import Actor, cli_actor
from scheduler_app.audit.models import AuditEvent, AuditImmutable
from scheduler_app.audit.services import REDACTED, audit_prune, audit_record
from scheduler_app.brakes.accounts import account_pushback
from scheduler_app.models import ScheduledJob
from scheduler_app.notify.models import NotificationChannel
from scheduler_app.services import job_delete, job_toggle
from scheduler_app.services.api_keys import api_key_create
from tests.factories import job_data, make_job
from tests.support.accounts import SECRET as SESSION_SECRET
from tests.support.accounts import no_session_file, probes, storage_state  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_session_file", "probes")]

WEBHOOK_SECRET = "whsec-do-not-log-me-0123456789"
API = "/scheduler"


@pytest.fixture(autouse=True)
def sent_tasks(monkeypatch):
    sent = []
    monkeypatch.setattr("scheduler_app.services.jobs.celery_app.send_task",
                        lambda name, kwargs=None, **options: sent.append((name, kwargs)))
    return sent


@pytest.fixture
def api() -> APIClient:
    _, key = api_key_create(name="ci-key")
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=key)
    return client


@pytest.fixture
def staff(client, django_user_model):
    user = django_user_model.objects.create_user(username="alice", password="s3cret-pass", is_staff=True)
    client.force_login(user)
    return client


class NewEvents:
    """The events written since it was made, oldest first."""

    def __init__(self):
        self.before = set(AuditEvent.objects.values_list("pk", flat=True))

    def __call__(self) -> list[AuditEvent]:
        return [event for event in AuditEvent.objects.order_by("created_at", "id") if event.pk not in self.before]

    def one(self) -> AuditEvent:
        events = self()
        assert len(events) == 1, [(e.action, e.object_type, e.actor) for e in events]
        return events[0]


def _all_events_text() -> str:
    return json.dumps([[e.actor, e.action, e.object_label, e.changes, e.note] for e in AuditEvent.objects.all()])


# --- the write paths ---------------------------------------------------------------------------


def test_api_job_writes_each_leave_one_event_with_the_key_as_actor(api):
    new = NewEvents()
    response = api.post(f"{API}/jobs", job_data(name="Wishes"), format="json", HTTP_X_REQUEST_ID="req-create-1")
    assert response.status_code == 201, response.content
    job_id = response.json()["id"]
    event = new.one()
    assert (event.actor, event.source, event.action, event.object_type) == ("ci-key", "api", "create", "job")
    assert (str(event.job_id), event.object_label, event.request_id) == (job_id, "Wishes", "req-create-1")
    assert event.client_address == "127.0.0.1"
    assert event.changes["name"] == {"old": None, "new": "Wishes"}

    new = NewEvents()
    assert api.patch(f"{API}/jobs/{job_id}", {"name": "Wishes 2", "schedule_config": {"hour": 9, "minute": 0}},
                     format="json").status_code == 200
    event = new.one()
    assert event.action == "update"
    assert event.changes["name"] == {"old": "Wishes", "new": "Wishes 2"}
    assert event.changes["schedule_config"] == {"old": {"hour": 8, "minute": 0}, "new": {"hour": 9, "minute": 0}}
    assert "bot_type" not in event.changes  # only what changed
    assert len(event.request_id) == 32  # none given: one generated

    new = NewEvents()
    assert api.post(f"{API}/jobs/{job_id}/toggle", {"enabled": False, "note": "LinkedIn is flaky today"},
                    format="json").status_code == 200
    event = new.one()
    assert (event.action, event.note) == ("toggle", "LinkedIn is flaky today")
    assert event.changes == {"enabled": {"old": True, "new": False}}

    new = NewEvents()
    assert api.post(f"{API}/jobs/{job_id}/run", {"note": "checking the fix"}, format="json").status_code == 202
    event = new.one()
    assert (event.action, event.note, event.actor) == ("run_now", "checking the fix", "ci-key")

    new = NewEvents()
    assert api.post(f"{API}/jobs/{job_id}/pause", {"note": "holiday"}, format="json").status_code == 200
    event = new.one()
    assert (event.action, event.note) == ("pause", "holiday")
    assert event.changes["paused"] == {"old": False, "new": True}
    new = NewEvents()
    assert api.post(f"{API}/jobs/{job_id}/resume", {}, format="json").status_code == 200
    assert new.one().changes == {"pauses": {"old": ["user"], "new": []}}

    new = NewEvents()
    assert api.delete(f"{API}/jobs/{job_id}", {"note": "replaced by the new job"},
                      format="json").status_code == 204
    event = new.one()
    assert (event.action, event.note, str(event.job_id)) == ("delete", "replaced by the new job", job_id)
    assert event.changes["name"] == {"old": "Wishes 2", "new": None}
    # Kept after the job is gone, and still found by its id.
    assert api.get(f"{API}/audit", {"job_id": job_id}).json()[0]["action"] == "delete"


def test_dashboard_writes_leave_one_event_with_the_user_as_actor(staff):
    job = make_job(name="Visits")
    new = NewEvents()
    response = staff.post(f"/dashboard/jobs/{job.pk}/toggle/", {"note": "too many visits"},
                          HTTP_X_REQUEST_ID="dash-7")
    assert response.status_code in (200, 302)
    event = new.one()
    assert (event.actor, event.source, event.action, event.note) == ("alice", "dashboard", "toggle", "too many visits")
    assert (event.changes, event.request_id) == ({"enabled": {"old": True, "new": False}}, "dash-7")

    new = NewEvents()
    staff.post(f"/dashboard/jobs/{job.pk}/pause/", {"note": "on holiday", "until": ""})
    event = new.one()
    assert (event.actor, event.source, event.action, event.note) == ("alice", "dashboard", "pause", "on holiday")

    new = NewEvents()
    staff.post(f"/dashboard/jobs/{job.pk}/delete/", {"note": "not needed"})
    event = new.one()
    assert (event.source, event.action, event.note) == ("dashboard", "delete", "not needed")
    assert not ScheduledJob.objects.filter(pk=job.pk).exists()


def test_admin_writes_leave_one_event_with_the_staff_user_as_actor(admin_client, admin_user):
    job = make_job(name="From the admin")
    new = NewEvents()
    response = admin_client.post(f"/admin/scheduler_app/scheduledjob/{job.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    event = new.one()
    assert (event.actor, event.source, event.action) == (admin_user.username, "admin", "delete")

    new = NewEvents()
    response = admin_client.post("/admin/scheduler_app/notificationchannel/add/", {
        "name": "ops hook", "kind": "webhook", "config": json.dumps({"url": "https://hooks.example.com/in"}),
        "enabled": "on", "new_secret": WEBHOOK_SECRET})
    assert response.status_code == 302, response.content.decode()[:2000]
    event = new.one()
    assert (event.actor, event.source, event.action, event.object_type) == (admin_user.username, "admin", "create",
                                                                            "channel")
    assert event.changes["secret"] == {"old": None, "new": REDACTED}


def test_cli_writes_leave_one_event_as_cli_and_the_os_user(capsys):
    new = NewEvents()
    call_command("apikey", "create", "monitoring", "--read-only")
    key = capsys.readouterr().out.strip()
    event = new.one()
    assert (event.actor, event.source, event.action) == (f"cli:{getpass.getuser()}", "cli", "key_created")
    assert (event.object_label, event.changes) == ("monitoring", {"read_only": {"old": None, "new": True}})
    assert key not in _all_events_text() and key.partition(".")[2] not in _all_events_text()

    new = NewEvents()
    call_command("apikey", "revoke", "monitoring")
    assert (new.one().action, new.one().source) == ("key_revoked", "cli")


def test_the_bots_admin_and_commands_record_through_the_bots_door(admin_client, admin_user, tmp_path):
    """The bots never import the scheduler: their admin and commands hand an ActorRef to their
    services, which report to bots.audit, where the scheduler's recorder is plugged in."""
    new = NewEvents()
    response = admin_client.post("/admin/bots/messagetemplate/add/", {
        "kind": "today", "language": "fr", "body": "Joyeux anniversaire {first_name} !", "weight": "1",
        "active": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    event = new.one()
    assert (event.actor, event.source, event.action, event.object_type) == (admin_user.username, "admin", "create",
                                                                            "template")
    assert event.changes["body"] == {"old": None, "new": "Joyeux anniversaire {first_name} !"}

    messages = tmp_path / "messages.txt"
    messages.write_text("Bon anniversaire {first_name} !\nBelle journée {first_name} !\n", encoding="utf-8")
    new = NewEvents()
    call_command("import_messages", str(messages), "--language", "fr")
    event = new.one()
    assert (event.actor, event.source, event.action) == (f"cli:{getpass.getuser()}", "cli", "import")
    assert event.changes["created"] == {"old": None, "new": 2}


def test_a_pushback_pauses_the_accounts_jobs_as_the_system_one_event_each():
    job = make_job(name="Birthdays")
    make_job(name="Stopped", enabled=False)  # not paused: no event
    new = NewEvents()
    account_pushback(account_id=job.account_id, execution_id=uuid.uuid4(), error=SessionLost("checkpoint"))
    event = new.one()
    assert (event.actor, event.source, event.action, event.job_id) == ("system", "system", "pause", job.pk)
    assert event.changes["cause"] == {"old": None, "new": "needs_reauth"}
    assert "checkpoint" in event.note


# --- secrets -----------------------------------------------------------------------------------


def test_secrets_never_reach_an_event(api):
    response = api.post(f"{API}/notification-channels", {
        "name": "hook", "kind": "webhook", "config": {"url": "https://hooks.example.com/x"},
        "secret": WEBHOOK_SECRET}, format="json")
    assert response.status_code == 201, response.content
    channel_id = response.json()["id"]
    assert api.patch(f"{API}/notification-channels/{channel_id}", {"secret": WEBHOOK_SECRET + "-2"},
                     format="json").status_code == 200
    account = LinkedInAccount.objects.create(label="second", created_at=utc_now(), updated_at=utc_now())
    assert api.put(f"{API}/accounts/{account.pk}/session", storage_state(), format="json").status_code in (200, 202)

    text = _all_events_text()
    for secret in (WEBHOOK_SECRET, WEBHOOK_SECRET + "-2", SESSION_SECRET):
        assert secret not in text
    update = AuditEvent.objects.get(object_type="channel", action="update")
    assert update.changes == {"secret": {"old": REDACTED, "new": REDACTED}}  # changed, but never shown
    saved = AuditEvent.objects.get(action="session_saved")
    assert saved.changes["session"] == {"old": None, "new": REDACTED}
    assert NotificationChannel.objects.get(pk=channel_id).secret == WEBHOOK_SECRET + "-2"


def test_nested_secret_keys_are_redacted_and_equal_secrets_are_no_change():
    with transaction.atomic():
        event = audit_record(action="update", object_type="thing",
                             before={"config": {"url": "u", "token": "t1"}, "secret": "same"},
                             after={"config": {"url": "u", "token": "t2"}, "secret": "same"})
    assert event.changes == {"config": {"old": {"url": "u", "token": REDACTED},
                                        "new": {"url": "u", "token": REDACTED}}}


# --- nobody edits an event ---------------------------------------------------------------------


def _an_event() -> AuditEvent:
    with transaction.atomic():
        return audit_record(actor=Actor(name="bob", source="api"), action="toggle", object_type="job",
                            object_id="x", changes={"enabled": {"old": True, "new": False}})


def test_the_model_refuses_to_change_or_delete_an_event():
    event = _an_event()
    event.actor = "mallory"
    with pytest.raises(AuditImmutable):
        event.save()
    with pytest.raises(AuditImmutable):
        event.delete()
    with pytest.raises(AuditImmutable):
        AuditEvent.objects.filter(pk=event.pk).update(actor="mallory")
    with pytest.raises(AuditImmutable):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE scheduler_app_auditevent SET actor = 'mallory'")  # the database refuses too
    assert AuditEvent.objects.get(pk=event.pk).actor == "bob"


def test_the_api_has_no_route_that_writes_an_event(api):
    event = _an_event()
    for method in ("post", "put", "patch", "delete"):
        assert getattr(api, method)(f"{API}/audit", {"actor": "mallory"}, format="json").status_code == 405
        assert getattr(api, method)(f"{API}/audit/{event.pk}", {"actor": "mallory"},
                                    format="json").status_code == 404
    assert AuditEvent.objects.get(pk=event.pk).actor == "bob"


def test_the_admin_shows_events_read_only(admin_client):
    event = _an_event()
    url = f"/admin/scheduler_app/auditevent/{event.pk}/"
    assert admin_client.get("/admin/scheduler_app/auditevent/").status_code == 200
    assert admin_client.get(url + "change/").status_code == 200  # viewable
    assert admin_client.post(url + "change/", {"actor": "mallory", "note": "x"}).status_code == 403
    assert admin_client.post(url + "delete/", {"post": "yes"}).status_code == 403
    assert admin_client.get("/admin/scheduler_app/auditevent/add/").status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).actor == "bob"


# --- one transaction ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_change_that_rolls_back_leaves_no_event(monkeypatch):
    """job_delete records its event, then fails removing beat's row: neither stays."""
    job = make_job(name="Stays")

    def broken(job):
        raise RuntimeError("beat row could not be removed")

    monkeypatch.setattr("scheduler_app.services.jobs.periodic_task_delete", broken)
    new = NewEvents()
    with pytest.raises(RuntimeError):
        job_delete(job=job, actor=cli_actor())
    assert ScheduledJob.objects.filter(pk=job.pk).exists()
    assert new() == []


@pytest.mark.django_db(transaction=True)
def test_a_change_whose_event_cannot_be_written_is_not_stored(monkeypatch):
    job = make_job(name="Stays enabled")

    def broken(**kwargs):
        raise DatabaseError("audit table unavailable")

    monkeypatch.setattr("scheduler_app.services.jobs.audit_record", broken)
    with pytest.raises(DatabaseError):
        job_toggle(job=job, enabled=False)
    job.refresh_from_db()
    assert job.enabled is True


@pytest.mark.django_db(transaction=True)
def test_an_event_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_record(action="update", object_type="job")
    assert not AuditEvent.objects.exists()


# --- retention ---------------------------------------------------------------------------------


def test_old_events_are_pruned_in_batches_and_recent_ones_kept(settings):
    settings.AUDIT_RETENTION_DAYS = 400
    now = utc_now()
    with transaction.atomic():
        for days in (401, 402, 403, 399):
            AuditEvent.objects.create(created_at=now - timedelta(days=days), actor="a", source="api", action="x",
                                      object_type="job")
    assert audit_prune(now=now, batch_size=2, max_batches=1) == 2  # one small batch per call
    assert audit_prune(now=now, batch_size=2, max_batches=5) == 1
    assert list(AuditEvent.objects.values_list("created_at", flat=True)) == [now - timedelta(days=399)]
    settings.AUDIT_RETENTION_DAYS = 0
    assert audit_prune(now=now + timedelta(days=1000)) == 0  # 0 keeps everything


def test_account_session_saved_outside_the_api_is_recorded_as_the_system():
    account = LinkedInAccount.objects.create(label="cli", created_at=utc_now(), updated_at=utc_now())
    new = NewEvents()
    account_session_save(account=account, storage_state=storage_state())
    event = new.one()
    assert (event.actor, event.source, event.action, event.object_label) == ("system", "system", "session_saved",
                                                                            "cli")
