"""API test fixtures: test bot runners, no broker, an API key and a client that sends it."""
import pytest
from rest_framework.test import APIClient

from scheduler_app.services.api_keys import api_key_create
from tests.support.accounts import no_session_file, probes  # noqa: F401  (fixtures)


@pytest.fixture(autouse=True)
def _test_runners(settings):
    settings.BOT_RUNNERS = {
        "birthday": "tests.support.runners.succeed",
        "visitor": "tests.support.runners.succeed",
    }


@pytest.fixture(autouse=True)
def sent_tasks(monkeypatch):
    """Run-now publishes a Celery message; unit tests have no broker, so record it instead."""
    sent: list[tuple[str, dict]] = []
    monkeypatch.setattr(
        "scheduler_app.services.jobs.celery_app.send_task",
        lambda name, kwargs=None, **_: sent.append((name, kwargs or {})),
    )
    return sent


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    """The bad-key throttle counts in its own in-process cache; each test starts from zero, and
    with no SCHEDULER_API_KEY unless it sets one."""
    from django.core.cache import caches

    settings.SCHEDULER_API_KEY = ""
    for alias in ("default", "api_bad_keys"):
        caches[alias].clear()
    yield
    for alias in ("default", "api_bad_keys"):
        caches[alias].clear()


@pytest.fixture
def api_key(db) -> str:
    _, key = api_key_create(name="tests")
    return key


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


@pytest.fixture
def client(api_key) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=api_key)
    return client
