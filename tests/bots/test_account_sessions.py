"""Which session a run of an account gets (bots.selectors.account_session_state)."""
import json

import pytest

from bots.models import LinkedInAccount
from bots.selectors import account_session_state
from bots.services.accounts import account_create, account_session_save

pytestmark = pytest.mark.django_db


def _state(domain: str, value: str) -> dict:
    return {"cookies": [{"name": "li_at", "value": value, "domain": domain, "path": "/"}], "origins": []}


@pytest.fixture
def on_the_sandbox(settings, tmp_path):
    settings.LINKEDIN_BASE_URL = "http://127.0.0.1:8001"
    settings.LINKEDIN_STORAGE_STATE = tmp_path / "sandbox-state.json"
    settings.LINKEDIN_STORAGE_STATE.write_text(json.dumps(_state("127.0.0.1", "sandbox-session")))
    return settings


def test_an_account_gets_its_stored_session(on_the_sandbox):
    account = account_create(data={"label": "sales", "storage_state": _state("127.0.0.1", "sales-token")})
    assert account_session_state(account)["cookies"][0]["value"] == "sales-token"


def test_the_default_account_without_a_stored_session_reads_the_file(on_the_sandbox):
    default = LinkedInAccount.objects.get(label="default")
    assert account_session_state(default)["cookies"][0]["value"] == "sandbox-session"


def test_the_default_accounts_real_session_gives_way_to_the_file_on_the_sandbox(on_the_sandbox, settings):
    default = LinkedInAccount.objects.get(label="default")
    settings.LINKEDIN_BASE_URL = "https://www.linkedin.com"
    account_session_save(account=default, storage_state=_state(".www.linkedin.com", "real-token"))
    assert account_session_state(default)["cookies"][0]["value"] == "real-token"  # on LinkedIn: its own
    settings.LINKEDIN_BASE_URL = "http://127.0.0.1:8001"  # `up` on the sandbox: the sandbox's session
    assert account_session_state(default)["cookies"][0]["value"] == "sandbox-session"


def test_an_account_without_a_session_has_none(on_the_sandbox):
    assert account_session_state(account_create(data={"label": "empty"})) is None
