"""The dashboard's Accounts page, account form and session upload, and accounts on the job form and
the holiday button: errors next to their field with nothing stored, the session never in a page,
a valid upload stored encrypted with its probe queued."""
import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.timezone import now

from bots.crypto import session_decrypt
from bots.models import BirthdayMessage, Contact, LinkedInAccount
from scheduler_app.brakes.models import JobPause
from scheduler_app.models import ScheduledJob
from scheduler_app.services import job_create
from tests.factories import job_data, make_job
from tests.support.accounts import SECRET, storage_state_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_session_file")]

FORM = {"label": "sales", "timezone": "Europe/Paris", "working_hours": "09:00-18:00", "messages_per_day": "12",
        "messages_per_week": "", "visits_per_day": "", "cooldown_hours": "48"}


@pytest.fixture
def committing(django_capture_on_commit_callbacks):
    """``with committing():`` runs the on-commit callbacks of the requests inside it (the probe
    is sent once the session is committed)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _state_file(content: str | bytes, name: str = "state.json") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode() if isinstance(content, str) else content,
                              content_type="application/json")


def _account(label: str = "sales", **fields) -> LinkedInAccount:
    return LinkedInAccount.objects.create(label=label, **fields)


def test_accounts_page_is_in_the_nav_and_staff_only(client_in):
    assert Client().get("/dashboard/accounts/").status_code == 302
    page = client_in.get("/dashboard/accounts/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'href="/dashboard/accounts/" aria-current="page">Accounts</a>' in html
    assert 'id="account-' in html and "default" in html


def test_accounts_page_says_what_each_status_means_and_how_to_get_out(client_in):
    _account("sales", status="needs_reauth", status_reason="checkpoint: LinkedIn wants a security check")
    _account("ops", status="cooling_down", status_reason="rate limited: weekly limit",
             cooldown_until=now() + timedelta(hours=5))
    html = client_in.get("/dashboard/accounts/").content.decode()
    assert "Needs a new session" in html and "checkpoint: LinkedIn wants a security check" in html
    assert "Save a new session" in html and "linkedin_login --account sales" in html
    assert "Cooling down" in html and "start again by themselves" in html and "rate limited: weekly limit" in html
    assert "The bots may use it" in html  # the default account


def test_accounts_page_shows_todays_allowance_session_dates_and_warm_up(client_in):
    account = _account("sales", messages_per_day=10, last_ok_at=now())
    contact = Contact.objects.create(slug="ada", name="Ada")
    BirthdayMessage.objects.create(account=account, contact=contact, birthday=now().date(), status="sent")
    client_in.post(f"/dashboard/accounts/{account.pk}/session/", {"storage_state": _state_file(storage_state_text())})
    html = client_in.get("/dashboard/accounts/").content.decode()
    row = html[html.index(f'id="account-{account.pk}"'):]
    row = row[:row.index("</tr>")]
    assert "<strong>1 / 3</strong> messages sent" in row and "warm-up week 1" in row and "resets" in row
    assert "<strong>0 / 10</strong> profiles visited" in row
    assert "Warm-up week 1" in row and "Saved" in row and "Expires" in row and "Last OK" in row
    assert SECRET not in html


def test_create_an_account_with_its_session_stores_it_encrypted_and_queues_the_probe(client_in, probes, committing):
    with committing():
        answer = client_in.post("/dashboard/accounts/new/",
                                {**FORM, "storage_state": _state_file(storage_state_text())})
    assert answer.status_code == 302, answer.content.decode()[:2000]
    account = LinkedInAccount.objects.get(label="sales")
    assert (account.timezone, account.working_hours, account.messages_per_day, account.messages_per_week,
            account.cooldown_hours) == ("Europe/Paris", "09:00-18:00", 12, None, 48)
    assert account.session_encrypted and SECRET not in account.session_encrypted
    assert json.loads(session_decrypt(account.session_encrypted))["cookies"][0]["value"] == SECRET
    assert probes == [str(account.pk)]
    page = client_in.get("/dashboard/accounts/").content.decode()
    assert "check of LinkedIn" in page and SECRET not in page and account.session_encrypted not in page


def test_create_without_a_session_leaves_it_waiting_for_one(client_in, probes, committing):
    with committing():
        client_in.post("/dashboard/accounts/new/", FORM)
    account = LinkedInAccount.objects.get(label="sales")
    assert account.status == "needs_reauth" and account.session_encrypted == "" and probes == []


@pytest.mark.parametrize("changes, field", [
    ({"label": ""}, "label"),
    ({"label": "default"}, "label"),
    ({"cooldown_hours": "0"}, "cooldown_hours"),
    ({"cooldown_hours": "169"}, "cooldown_hours"),
    ({"cooldown_hours": "a day"}, "cooldown_hours"),
    ({"working_hours": "9 to 5"}, "working_hours"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"messages_per_day": "0"}, "messages_per_day"),
    ({"storage_state": "not json"}, "storage_state"),
    ({"storage_state": json.dumps({"cookies": []})}, "storage_state"),
    ({"storage_state": storage_state_text(domain=".example.org")}, "storage_state"),
])
def test_a_bad_account_form_shows_the_error_next_to_the_field_and_stores_nothing(client_in, probes, committing,
                                                                                 changes, field):
    post = {**FORM, **changes}
    if "storage_state" in post:
        post["storage_state"] = _state_file(post["storage_state"])
    with committing():
        answer = client_in.post("/dashboard/accounts/new/", post)
    assert answer.status_code == 200
    html = answer.content.decode()
    assert f'id="id_{field}-error"' in html and "The account was not saved" in html
    assert list(LinkedInAccount.objects.values_list("label", flat=True)) == ["default"] and probes == []


def test_edit_changes_the_settings_and_a_bad_value_changes_nothing(client_in):
    account = _account("sales")
    form = client_in.get(f"/dashboard/accounts/{account.pk}/edit/").content.decode()
    assert 'value="sales"' in form and 'name="storage_state"' not in form
    assert client_in.post(f"/dashboard/accounts/{account.pk}/edit/", {**FORM, "label": "sales-2"}).status_code == 302
    account.refresh_from_db()
    assert (account.label, account.cooldown_hours, account.messages_per_day) == ("sales-2", 48, 12)
    bad = client_in.post(f"/dashboard/accounts/{account.pk}/edit/", {**FORM, "cooldown_hours": "500"})
    assert 'id="id_cooldown_hours-error"' in bad.content.decode()
    account.refresh_from_db()
    assert (account.label, account.cooldown_hours) == ("sales-2", 48)


def test_session_upload_stores_it_encrypted_and_queues_the_probe(client_in, probes, committing):
    account = _account("sales", status="needs_reauth")
    form = client_in.get(f"/dashboard/accounts/{account.pk}/session/").content.decode()
    assert 'type="file"' in form and 'enctype="multipart/form-data"' in form
    with committing():
        answer = client_in.post(f"/dashboard/accounts/{account.pk}/session/",
                                {"storage_state": _state_file(storage_state_text())}, follow=True)
    account.refresh_from_db()
    assert account.session_encrypted and SECRET not in account.session_encrypted
    assert json.loads(session_decrypt(account.session_encrypted))["cookies"][0]["value"] == SECRET
    assert probes == [str(account.pk)]
    assert "Session of “sales” saved" in answer.content.decode() and SECRET not in answer.content.decode()


def test_session_can_be_pasted_instead_of_uploaded(client_in, probes, committing):
    account = _account("sales")
    with committing():
        client_in.post(f"/dashboard/accounts/{account.pk}/session/", {"storage_state_text": storage_state_text()})
    account.refresh_from_db()
    assert account.session_encrypted and probes == [str(account.pk)]


@pytest.mark.parametrize("content, words", [
    ("not json at all", "is not JSON"),
    (json.dumps({"cookies": []}), "holds no li_at cookie"),
    (storage_state_text(domain=".example.org"), "holds no li_at cookie"),
    (storage_state_text(name="JSESSIONID"), "holds no li_at cookie"),
    (json.dumps([1, 2]), "must be a JSON object"),
    (b"\xff\xfe\x00garbage", "not UTF-8"),
])
def test_a_bad_session_upload_shows_why_next_to_the_field_and_stores_nothing(client_in, probes, committing,
                                                                             content, words):
    account = _account("sales", status="needs_reauth")
    with committing():
        answer = client_in.post(f"/dashboard/accounts/{account.pk}/session/", {"storage_state": _state_file(content)})
    html = answer.content.decode()
    assert answer.status_code == 200 and 'id="id_storage_state-error"' in html and words in html, html[-3000:]
    assert "The session was not saved" in html
    account.refresh_from_db()
    assert (account.session_encrypted, account.session_saved_at) == ("", None) and probes == []


def test_a_session_form_sent_without_a_file_says_so(client_in, probes):
    account = _account("sales")
    html = client_in.post(f"/dashboard/accounts/{account.pk}/session/", {}).content.decode()
    assert 'id="id_storage_state-error"' in html and "choose the storage-state JSON file" in html
    assert LinkedInAccount.objects.get(pk=account.pk).session_encrypted == "" and probes == []


def test_a_refused_upload_does_not_echo_the_pasted_session(client_in):
    account = _account("sales")
    leaked = storage_state_text(domain=".example.org")
    html = client_in.post(f"/dashboard/accounts/{account.pk}/session/", {"storage_state_text": leaked}).content.decode()
    assert 'id="id_storage_state-error"' in html and SECRET not in html


def test_delete_refuses_an_account_with_jobs_naming_them(client_in):
    account = _account("sales")
    make_job(name="Sales wishes", account="sales")
    confirm = client_in.get(f"/dashboard/accounts/{account.pk}/delete/").content.decode()
    assert "Delete this account?" in confirm and 'href="/dashboard/accounts/"' in confirm
    answer = client_in.post(f"/dashboard/accounts/{account.pk}/delete/", follow=True)
    assert "Not deleted" in answer.content.decode() and "Sales wishes" in answer.content.decode()
    assert LinkedInAccount.objects.filter(pk=account.pk).exists()
    ScheduledJob.objects.all().delete()
    client_in.post(f"/dashboard/accounts/{account.pk}/delete/")
    assert not LinkedInAccount.objects.filter(pk=account.pk).exists()


def test_unknown_account_pages_are_404(client_in):
    for path in ("edit", "session", "delete"):
        assert client_in.get(f"/dashboard/accounts/7d6c0a8e-0000-4000-8000-000000000000/{path}/").status_code == 404


# --- jobs -----------------------------------------------------------------------------------


def test_the_job_form_offers_the_accounts_with_the_default_preselected(client_in):
    _account("sales", status="needs_reauth")
    html = client_in.get("/dashboard/jobs/new/").content.decode()
    select = html[html.index('<select id="id_account"'):]
    select = select[:select.index("</select>")]
    default = LinkedInAccount.objects.get(label="default")
    assert f'<option value="{default.pk}" selected>default</option>' in select
    assert ">sales (needs a new session)</option>" in select


def _job_post(**overrides) -> dict:
    post = {"name": "Sales wishes", "bot_type": "birthday", "schedule_type": "daily", "timezone": "Europe/Paris",
            "schedule_config.hour": "8", "schedule_config.minute": "0", "max_instances": "1",
            "misfire_grace_time": "3600", "jitter_seconds": "0", "enabled": "on", "coalesce": "on"}
    post.update(overrides)
    return post


def test_a_job_is_created_and_moved_on_the_chosen_account(client_in):
    sales = _account("sales")
    assert client_in.post("/dashboard/jobs/new/", _job_post(account=str(sales.pk))).status_code == 302
    job = ScheduledJob.objects.get(name="Sales wishes")
    assert job.account_id == sales.pk
    form = client_in.get(f"/dashboard/jobs/{job.pk}/edit/").content.decode()
    assert f'<option value="{sales.pk}" selected>' in form
    default = LinkedInAccount.objects.get(label="default")
    client_in.post(f"/dashboard/jobs/{job.pk}/edit/", _job_post(account=str(default.pk)))
    job.refresh_from_db()
    assert job.account_id == default.pk


def test_a_job_form_with_an_unknown_account_shows_the_error_and_stores_nothing(client_in):
    answer = client_in.post("/dashboard/jobs/new/", _job_post(account="7d6c0a8e-0000-4000-8000-000000000000"))
    assert answer.status_code == 200 and 'id="id_account-error"' in answer.content.decode()
    assert not ScheduledJob.objects.exists()


def test_jobs_page_filters_by_account(client_in):
    sales = _account("sales")
    job_create(data=job_data(name="the sales job", account="sales"))
    make_job(name="the default job")
    html = client_in.get(f"/dashboard/?account={sales.pk}").content.decode()
    assert "the sales job" in html and "the default job" not in html
    everything = client_in.get("/dashboard/").content.decode()
    assert "the sales job" in everything and "the default job" in everything


def test_holiday_button_pauses_one_accounts_jobs(client_in):
    sales = _account("sales")
    make_job(name="default's"), make_job(name="sales'", account="sales")
    html = client_in.get("/dashboard/").content.decode()
    assert 'name="account" aria-label="Of which LinkedIn account"' in html and f'value="{sales.pk}"' in html
    client_in.post("/dashboard/jobs/holiday/", {"action": "pause", "account": str(sales.pk), "note": "offsite"})
    assert list(JobPause.objects.values_list("job__name", flat=True)) == ["sales'"]
    client_in.post("/dashboard/jobs/holiday/", {"action": "resume", "account": str(sales.pk)})
    assert not JobPause.objects.filter(lifted_at__isnull=True).exists()


def test_holiday_button_with_an_unknown_account_pauses_nothing(client_in):
    make_job()
    answer = client_in.post("/dashboard/jobs/holiday/", {"action": "pause", "account": "nobody"}, follow=True)
    assert not JobPause.objects.exists() and "no LinkedIn account" in answer.content.decode()


def test_a_saved_session_waiting_for_its_check_says_so_instead_of_the_old_reason(client_in, probes):
    account = _account("sales", status="needs_reauth", status_reason="session expired: login wall",
                       status_changed_at=now() - timedelta(hours=1))
    client_in.post(f"/dashboard/accounts/{account.pk}/session/", {"storage_state": _state_file(storage_state_text())})
    html = client_in.get("/dashboard/accounts/").content.decode()
    assert "Checking the new session" in html and "session expired: login wall" not in html
    # The check said no: its reason shows again.
    LinkedInAccount.objects.filter(pk=account.pk).update(status_reason="the saved session did not load the feed",
                                                         status_changed_at=now() + timedelta(seconds=1))
    html = client_in.get("/dashboard/accounts/").content.decode()
    assert "Checking the new session" not in html and "the saved session did not load the feed" in html
