"""``linkedin_login [--account]`` saves into the account (the default one without the flag;
encrypted, checked, probe queued) and writes no file; ``--output`` writes a file instead.
``accounts list`` lists them. The browser part (a person logging in) is replaced by the storage
state it would return."""
import io
import json
import stat

import pytest
from django.core.management import CommandError, call_command

from bots.crypto import session_decrypt
from bots.management.commands import linkedin_login
from bots.models import LinkedInAccount
from bots.services.accounts import account_create
from scheduler_app.services import job_create
from tests.factories import job_data
from tests.support.accounts import SECRET, storage_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def login(monkeypatch, settings, tmp_path):
    """The login returns ``login.state``; the probe's message is recorded in ``login.probes``."""

    class Login:
        state = storage_state()
        probes: list[str] = []
        calls = 0

    def wait_for_login(self, *, timeout, headless):
        Login.calls += 1
        return Login.state

    monkeypatch.setattr(linkedin_login.Command, "wait_for_login", wait_for_login)
    monkeypatch.setattr(linkedin_login, "probe_send", lambda account_id: Login.probes.append(account_id))
    settings.LINKEDIN_STORAGE_STATE = tmp_path / "linkedin-state.json"
    Login.probes = []
    return Login


def _run(*args) -> str:
    out = io.StringIO()
    call_command("linkedin_login", *args, stdout=out)
    return out.getvalue()


def test_login_into_an_account_stores_it_encrypted_queues_the_probe_and_writes_no_file(login, settings):
    account = account_create(data={"label": "sales"})
    out = _run("--account", "sales")
    account.refresh_from_db()
    assert account.session_encrypted and SECRET not in account.session_encrypted
    assert json.loads(session_decrypt(account.session_encrypted))["cookies"][0]["value"] == SECRET
    assert login.probes == [str(account.pk)]
    assert "Session saved into account 'sales' (encrypted)" in out and "check on LinkedIn's feed is queued" in out
    assert not settings.LINKEDIN_STORAGE_STATE.exists()


def test_login_into_a_missing_account_creates_it_and_says_so(login):
    out = _run("--account", "ops")
    account = LinkedInAccount.objects.get(label="ops")
    assert "No LinkedIn account is labelled 'ops': created it" in out
    assert account.session_encrypted and login.probes == [str(account.pk)]


def test_a_bad_label_fails_before_the_browser_opens(login):
    with pytest.raises(CommandError, match="label"):
        _run("--account", "x" * 101)
    assert login.calls == 0 and list(LinkedInAccount.objects.values_list("label", flat=True)) == ["default"]


def test_a_session_without_li_at_for_linkedin_is_refused_and_nothing_stored(login):
    account = account_create(data={"label": "sales"})
    login.state = storage_state(domain=".example.org")
    with pytest.raises(CommandError, match="storage_state: holds no li_at cookie"):
        _run("--account", "sales")
    account.refresh_from_db()
    assert account.session_encrypted == "" and login.probes == []


def test_a_broker_that_is_down_leaves_the_session_saved_with_a_warning(login, monkeypatch):
    def down(account_id):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(linkedin_login, "probe_send", down)
    account = account_create(data={"label": "sales"})
    out = _run("--account", "sales")
    account.refresh_from_db()
    assert account.session_encrypted and "could not be queued (broker unreachable)" in out


def test_without_an_account_the_session_goes_into_the_default_account(login, settings):
    out = _run()
    default = LinkedInAccount.objects.get(label="default")
    assert json.loads(session_decrypt(default.session_encrypted))["cookies"][0]["value"] == SECRET
    assert login.probes == [str(default.pk)]  # its jobs' needs_reauth pauses lift once the feed loads
    assert "Session saved into account 'default' (encrypted)" in out
    assert not settings.LINKEDIN_STORAGE_STATE.exists()


def test_output_writes_a_private_file_and_no_account(login, tmp_path):
    path = tmp_path / "state.json"
    out = _run("--output", str(path))
    assert json.loads(path.read_text())["cookies"][0]["value"] == SECRET
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and f"Session saved to {path}" in out
    assert LinkedInAccount.objects.get(label="default").session_encrypted == "" and login.probes == []


def test_account_and_output_together_are_refused(login, tmp_path):
    with pytest.raises(CommandError, match="one of them"):
        _run("--account", "sales", "--output", str(tmp_path / "x.json"))
    assert login.calls == 0


def test_accounts_list_shows_label_status_jobs_and_session():
    account_create(data={"label": "sales", "storage_state": storage_state()})
    job_create(data=job_data(account="sales"))
    job_create(data=job_data(account="sales", name="second"))
    out = io.StringIO()
    call_command("accounts", "list", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split()[:4] == ["LABEL", "STATUS", "JOBS", "SESSION"]
    sales = next(line for line in lines if line.startswith("sales"))
    assert sales.split()[:4] == ["sales", "active", "2", "saved,"] and SECRET not in out.getvalue()
    default = next(line for line in lines if line.startswith("default"))
    assert default.split()[:4] == ["default", "active", "0", "none"]


def test_the_probe_is_sent_under_the_scheduler_tasks_name(monkeypatch):
    from config.celery import app
    from scheduler_app.tasks import probe_account

    sent = []
    monkeypatch.setattr(app, "send_task", lambda name, args=None, **_: sent.append((name, args)))
    linkedin_login.probe_send("an-id")
    assert sent == [(probe_account.name, ["an-id"])]
