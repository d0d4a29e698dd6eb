"""Beat status: how ``/scheduler/health`` and the dashboard know which beat leads.

The leading beat (scheduler_app.beat) writes one Redis key every second with a short TTL: who
leads, since when, and how far behind dispatch is. The key exists only while a leader is alive,
so "running" needs no clock comparison. Redis, not the database: a write every second would be
traffic on SQLite that the web and worker processes then wait behind.
"""
import json
from functools import lru_cache
from typing import Any

import redis
from django.conf import settings

STATUS_KEY = "scheduler:beat:status"
STATUS_TTL_SECONDS = 10


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)


def beat_status_write(status: dict[str, Any]) -> bool:
    """Record the leader's status; a Redis error is swallowed (returns False): a missing status
    must never stop beat from scheduling."""
    try:
        _client(settings.REDIS_URL).set(STATUS_KEY, json.dumps(status), ex=STATUS_TTL_SECONDS)
    except redis.RedisError:
        return False
    return True


def beat_status_read() -> dict[str, Any] | None:
    """The leading beat's last status (``leader``, ``since``, ``lag_seconds``, ``entries``,
    ``last_dispatch``, ``at``), or None when no beat leads (or Redis cannot be reached)."""
    try:
        raw = _client(settings.REDIS_URL).get(STATUS_KEY)
    except redis.RedisError:
        return None
    try:
        return json.loads(raw) if raw is not None else None
    except ValueError:
        return None
