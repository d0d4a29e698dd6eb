"""LinkedIn accounts for tests: storage states (valid and not), and the probe task's message
captured instead of reaching a broker."""
import json
import time
from typing import Any

import pytest

# A value no answer, page or column may ever show.
SECRET = "AQEDAR-test-li-at-4f1c9b0e-never-shown"


def storage_state(*, value: str = SECRET, domain: str = ".linkedin.com", name: str = "li_at",
                  expires: float | None = None) -> dict[str, Any]:
    """A Playwright storage state whose session cookie is ``name`` = ``value`` for ``domain``."""
    cookie = {"name": name, "value": value, "domain": domain, "path": "/", "httpOnly": True, "secure": True,
              "sameSite": "None", "expires": expires if expires is not None else time.time() + 30 * 86400}
    return {"cookies": [cookie, {"name": "lang", "value": "v=2&lang=en-us", "domain": ".linkedin.com",
                                 "path": "/", "expires": -1}],
            "origins": []}


def storage_state_text(**kwargs) -> str:
    return json.dumps(storage_state(**kwargs))


@pytest.fixture
def probes(monkeypatch) -> list[str]:
    """The account ids ``probe_account.delay`` was called with (the real probe is tested with the
    bots)."""
    sent: list[str] = []
    monkeypatch.setattr("scheduler_app.tasks.probe_account.delay", lambda account_id: sent.append(account_id))
    return sent


@pytest.fixture
def no_session_file(settings, tmp_path):
    """The default account reads LINKEDIN_STORAGE_STATE when it has no session: none here."""
    settings.LINKEDIN_STORAGE_STATE = tmp_path / "absent-state.json"
