"""Notification tests: bots through the test runners; rows made through the services."""
import pytest


@pytest.fixture(autouse=True)
def _test_runners(settings):
    settings.BOT_RUNNERS = {
        "birthday": "tests.support.runners.succeed",
        "visitor": "tests.support.runners.succeed",
    }
