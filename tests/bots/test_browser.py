"""Chromium's lifetime: started per run, gone after it, whatever happened inside."""
import pytest

from bots.browser import BrowserSession, chromium_processes, linkedin_browser
from bots.runner import BotError
from scheduler_app.stack import free_port

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def test_browser_runs_during_the_session_and_is_gone_after(sandbox):
    with linkedin_browser() as (driver, session):
        driver.ensure_logged_in()
        assert chromium_processes(session.marker), "the run's Chromium carries its marker"
    assert chromium_processes() == []


def test_browser_is_closed_when_the_bot_raises(sandbox):
    with pytest.raises(RuntimeError), linkedin_browser() as (driver, _):
        driver.ensure_logged_in()
        raise RuntimeError("bot bug")
    assert chromium_processes() == []


def test_browser_error_becomes_a_bot_error_naming_the_action(sandbox, settings):
    settings.LINKEDIN_BASE_URL = f"http://127.0.0.1:{free_port()}"  # nothing listens there

    with pytest.raises(BotError, match="browser error while ensure logged in: .*ERR_CONNECTION_REFUSED"):
        with linkedin_browser() as (driver, _):
            driver.ensure_logged_in()
    assert chromium_processes() == []


def test_session_time_limit_applies_to_each_call(sandbox):
    sandbox.faults(slow_ms=10000)
    session = BrowserSession(time_limit=2)
    with pytest.raises(BotError, match="time limit of 2s reached while ensure logged in"):
        with session as driver:
            driver.ensure_logged_in()
    assert chromium_processes() == []
