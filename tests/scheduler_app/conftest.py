"""Shared fixtures: every test runs bots through the test runners unless it says otherwise."""
import pytest


@pytest.fixture(autouse=True)
def _test_runners(settings):
    settings.BOT_RUNNERS = {
        "birthday": "tests.support.runners.succeed",
        "visitor": "tests.support.runners.succeed",
    }
