"""Beat heartbeat: how ``/scheduler/health`` knows a beat is alive.

Each beat writes one Redis key with a short TTL on its ticks; the key exists only while some
beat ticked recently, so "running" needs no clock comparison and several beats (failover)
share it. Redis, not the database: a heartbeat every few seconds would be write traffic on
SQLite that the web and worker processes then wait behind.
"""
import json
import os
import socket
import time
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import redis
from django.conf import settings

HEARTBEAT_KEY = "scheduler:beat:heartbeat"
# Written by the leading beat every second (scheduler_app.beat): who leads, since when, how far
# behind dispatch is. Expires when no leader writes it.
STATUS_KEY = "scheduler:beat:status"
STATUS_TTL_SECONDS = 10
# Beat sleeps at most CELERY_BEAT_MAX_LOOP_INTERVAL between ticks: three missed ticks (and never
# less than 30 s) before a beat counts as gone.
MIN_TTL_SECONDS = 30
WRITE_EVERY_SECONDS = 1.0
_last_write = 0.0


def heartbeat_ttl() -> int:
    return max(MIN_TTL_SECONDS, 3 * int(getattr(settings, "CELERY_BEAT_MAX_LOOP_INTERVAL", 5)))


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)


def beat_heartbeat_write(*, force: bool = False) -> bool:
    """Record "a beat is alive now". At most once a second; a Redis error is swallowed
    (returns False) because a missing heartbeat must never stop beat from scheduling."""
    global _last_write
    now = time.monotonic()
    if not force and now - _last_write < WRITE_EVERY_SECONDS:
        return True
    _last_write = now  # also after a failure: a down Redis must not slow every tick
    value = json.dumps({"at": datetime.now(UTC).isoformat(), "host": socket.gethostname(), "pid": os.getpid()})
    try:
        _client(settings.REDIS_URL).set(HEARTBEAT_KEY, value, ex=heartbeat_ttl())
    except redis.RedisError:
        return False
    return True


def beat_heartbeat_read() -> dict[str, Any] | None:
    """The latest heartbeat (``at``, ``host``, ``pid``), or None when no beat ticked within the
    TTL or Redis cannot be reached."""
    try:
        raw = _client(settings.REDIS_URL).get(HEARTBEAT_KEY)
    except redis.RedisError:
        return None
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return {"at": None}


def beat_status_write(status: dict[str, Any]) -> bool:
    try:
        _client(settings.REDIS_URL).set(STATUS_KEY, json.dumps(status), ex=STATUS_TTL_SECONDS)
    except redis.RedisError:
        return False
    return True


def beat_status_read() -> dict[str, Any] | None:
    """The leading beat's last status (``leader``, ``since``, ``lag_seconds``, ``entries``, ``at``),
    or None when no beat leads (or Redis cannot be reached)."""
    try:
        raw = _client(settings.REDIS_URL).get(STATUS_KEY)
    except redis.RedisError:
        return None
    try:
        return json.loads(raw) if raw is not None else None
    except ValueError:
        return None


def beat_is_running() -> bool:
    return beat_heartbeat_read() is not None
