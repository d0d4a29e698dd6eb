"""The accounts' admin: settings saved through bots.services (their rules, errors on the field,
nothing stored), the session never shown, what LinkedIn said read-only."""
import pytest

import bots.admin
from bots.models import LinkedInAccount
from bots.services.accounts import account_create
from scheduler_app.services import job_create
from tests.factories import job_data
from tests.support.accounts import SECRET, storage_state

pytestmark = pytest.mark.django_db

ADD = "/admin/bots/linkedinaccount/add/"
FORM = {"label": "sales", "timezone": "", "working_hours": "09:00-18:00", "messages_per_day": "",
        "messages_per_week": "", "visits_per_day": "30", "cooldown_hours": "24"}


def _spy(monkeypatch, name):
    calls = []
    real = getattr(bots.admin, name)

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(bots.admin, name, spy)
    return calls


def test_admin_add_goes_through_the_service(admin_client, monkeypatch):
    calls = _spy(monkeypatch, "account_create")
    answer = admin_client.post(ADD, FORM)
    assert answer.status_code == 302, answer.content.decode()[:3000]
    assert len(calls) == 1
    account = LinkedInAccount.objects.get(label="sales")
    # The service's doing: no session yet, so it waits for one; its warm-up starts now.
    assert (account.status, account.status_reason, account.visits_per_day) == ("needs_reauth",
                                                                               "no session saved yet", 30)


@pytest.mark.parametrize("changes, field", [
    ({"cooldown_hours": "0"}, "cooldown_hours"),
    ({"cooldown_hours": "169"}, "cooldown_hours"),
    ({"working_hours": "9 to 5"}, "working_hours"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"label": "default"}, "label"),
    ({"label": "   "}, "label"),
])
def test_admin_refuses_what_the_service_refuses_on_its_field(admin_client, changes, field):
    answer = admin_client.post(ADD, {**FORM, **changes})
    assert answer.status_code == 200
    assert field in answer.context["adminform"].form.errors, answer.context["adminform"].form.errors
    assert list(LinkedInAccount.objects.values_list("label", flat=True)) == ["default"]


def test_admin_change_goes_through_the_service_and_leaves_the_status_alone(admin_client, monkeypatch):
    account = account_create(data={"label": "sales", "storage_state": storage_state()})
    calls = _spy(monkeypatch, "account_update")
    url = f"/admin/bots/linkedinaccount/{account.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert SECRET not in page and account.session_encrypted not in page
    assert "saved" in page and f"/dashboard/accounts/{account.pk}/session/" in page
    answer = admin_client.post(url, {**FORM, "label": "sales-2", "status": "cooling_down", "session_encrypted": "x"})
    assert answer.status_code == 302, answer.content.decode()[:3000]
    assert len(calls) == 1
    stored = LinkedInAccount.objects.get(pk=account.pk)
    assert (stored.label, stored.status, stored.session_encrypted) == ("sales-2", "active", account.session_encrypted)


def test_admin_list_never_shows_the_session(admin_client):
    account = account_create(data={"label": "sales", "storage_state": storage_state()})
    page = admin_client.get("/admin/bots/linkedinaccount/").content.decode()
    assert "sales" in page and SECRET not in page and account.session_encrypted not in page


def test_admin_delete_refuses_an_account_with_jobs(admin_client):
    account = account_create(data={"label": "sales"})
    job_create(data=job_data(account="sales"))
    admin_client.post("/admin/bots/linkedinaccount/", {"action": "delete_through_services",
                                                        "_selected_action": [str(account.pk)]})
    assert LinkedInAccount.objects.filter(pk=account.pk).exists()
    confirm = admin_client.get(f"/admin/bots/linkedinaccount/{account.pk}/delete/").content.decode()
    assert "protected" in confirm.lower()
