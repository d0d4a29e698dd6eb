"""`manage.py up` says at start when no Chromium is found, and how to get one (issue 22, item 8)."""
import sys
from pathlib import Path

import pytest

from scheduler_app.management.commands.up import chromium_problem, playwright_browsers_dir

HOW = ("apt-get install chromium-headless-shell", ".venv/bin/playwright install chromium",
       "PLAYWRIGHT_CHROMIUM_EXECUTABLE")


def says_how(problem: str | None) -> bool:
    return problem is not None and problem.startswith("No Chromium found") and all(way in problem for way in HOW)


def test_no_executable_and_nothing_installed_by_playwright(tmp_path):
    assert says_how(chromium_problem("", tmp_path / "ms-playwright"))  # no such folder
    (tmp_path / "ms-playwright" / "firefox-1490").mkdir(parents=True)  # another browser is not one
    assert says_how(chromium_problem("", tmp_path / "ms-playwright"))


def test_an_executable_that_does_not_exist_is_named(tmp_path):
    missing = str(tmp_path / "chromium")
    problem = chromium_problem(missing, tmp_path)
    assert says_how(problem) and missing in problem


@pytest.mark.parametrize("installed", ["chromium-1187", "chromium_headless_shell-1187"])
def test_playwrights_own_chromium_is_enough(tmp_path, installed):
    (tmp_path / installed).mkdir()
    assert chromium_problem("", tmp_path) is None


def test_an_existing_executable_is_enough(tmp_path):
    binary = tmp_path / "chromium-headless-shell"
    binary.write_text("")
    assert chromium_problem(str(binary), tmp_path / "empty") is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the user's cache folder is Linux's")
def test_where_playwright_keeps_its_browsers(tmp_path):
    assert playwright_browsers_dir({"PLAYWRIGHT_BROWSERS_PATH": str(tmp_path)}) == tmp_path
    assert playwright_browsers_dir({"PLAYWRIGHT_BROWSERS_PATH": "0"}).name == ".local-browsers"
    assert playwright_browsers_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "ms-playwright"
    assert playwright_browsers_dir({}) == Path.home() / ".cache" / "ms-playwright"


def test_up_prints_it_first(settings, tmp_path, monkeypatch, capsys):
    """The check runs before anything else `up` does (here: stopped right after it)."""
    from django.core.management import call_command

    settings.PLAYWRIGHT_CHROMIUM_EXECUTABLE = ""
    settings.VAR_DIR = tmp_path
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "none"))

    class Stop(Exception):
        pass

    def stop(*args, **kwargs):
        raise Stop

    monkeypatch.setattr("scheduler_app.management.commands.up.accounts_key", stop)
    with pytest.raises(Stop):
        call_command("up")
    assert says_how(capsys.readouterr().err.strip())
