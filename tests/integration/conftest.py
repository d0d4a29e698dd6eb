"""Real processes for integration tests: a Redis server, a Celery worker and beat.

They share the test database file with the test process (see TEST NAME in settings), and are
always stopped, whatever the test did.
"""
import json
import os
from pathlib import Path

import pytest
from django.db import connection

from config.celery import app as celery_app
from scheduler_app.stack import ProcessGroup, beat_command, free_port, start_redis, worker_command
from tests.support.celery_broker import celery_send_to

TEST_RUNNERS = {"birthday": "tests.support.runners.succeed", "visitor": "tests.support.runners.succeed"}


@pytest.fixture
def redis_url(tmp_path):
    url = f"redis://127.0.0.1:{free_port()}/0"
    group = ProcessGroup()
    try:
        start_redis(group, url=url, data_dir=tmp_path / "redis", log=tmp_path / "redis.log")
        yield url
    finally:
        group.stop()


@pytest.fixture
def point_celery_at(redis_url):
    """Make this process's Celery app send to the test Redis."""
    previous = celery_app.conf.broker_url
    celery_send_to(redis_url)
    yield redis_url
    celery_send_to(previous)


@pytest.fixture
def stack(transactional_db, point_celery_at, tmp_path):
    """A worker and a beat on the test Redis and the test database; yields the log folder."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{connection.settings_dict['NAME']}",
        "REDIS_URL": point_celery_at,
        "BOT_RUNNERS": json.dumps(TEST_RUNNERS),
        "BEAT_MAX_LOOP_INTERVAL": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    root = Path(__file__).resolve().parents[2]
    group = ProcessGroup()
    try:
        group.start("worker", worker_command(concurrency=2), env=env, log=tmp_path / "worker.log", cwd=str(root))
        group.start("beat", beat_command(), env=env, log=tmp_path / "beat.log", cwd=str(root))
        yield tmp_path
    finally:
        group.stop()
        for name in ("worker", "beat"):
            log = tmp_path / f"{name}.log"
            if log.exists():
                print(f"----- {name} log (tail) -----\n" + "\n".join(log.read_text().splitlines()[-40:]))
