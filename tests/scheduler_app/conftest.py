"""Shared fixtures: every test runs bots through the test runners unless it says otherwise."""
import pytest


@pytest.fixture(autouse=True)
def _test_runners(settings):
    settings.BOT_RUNNERS = {
        "birthday": "tests.support.runners.succeed",
        "visitor": "tests.support.runners.succeed",
    }


@pytest.fixture
def sent(monkeypatch):
    """``run_job`` messages the execution services send (retries, chained runs), recorded as
    (kwargs, options) instead of reaching a broker."""
    messages = []
    monkeypatch.setattr("scheduler_app.services.executions.celery_app.send_task",
                        lambda name, kwargs, **options: messages.append((kwargs, options)))
    return messages
