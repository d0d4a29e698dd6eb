"""config/settings.py refuses to start with DEBUG off on the development SECRET_KEY (issue 15).

Each case imports the settings in a fresh interpreter, as gunicorn, Celery and manage.py do.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DEVELOPMENT_KEY = "dev-only-insecure-key-change-me-in-production"


def start_django(**env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
         "print('DEBUG', settings.DEBUG)"],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120,
    )


@pytest.mark.parametrize("env", [
    {"DEBUG": "0"},
    {"DEBUG": "0", "SECRET_KEY": ""},
    {"DEBUG": "false", "SECRET_KEY": DEVELOPMENT_KEY},
], ids=["unset", "empty", "development-key"])
def test_debug_off_refuses_the_development_secret_key(env):
    result = start_django(**env)
    assert result.returncode != 0, result.stdout
    assert "ImproperlyConfigured" in result.stderr and "SECRET_KEY must be set" in result.stderr, result.stderr


@pytest.mark.parametrize("env", [
    {},
    {"DEBUG": "1"},
    {"DEBUG": "0", "SECRET_KEY": "a-real-secret-chosen-by-the-operator-0123456789"},
], ids=["default", "debug-on", "debug-off-with-a-key"])
def test_debug_on_or_a_real_key_starts(env):
    result = start_django(**env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"DEBUG {env.get('DEBUG', '1') == '1'}"


def test_compose_runs_with_debug_off_and_requires_a_secret_key():
    env = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["x-app"]["environment"]
    assert env["DEBUG"] == "0"
    assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")  # compose refuses to start without it
