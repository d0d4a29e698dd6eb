"""Which beat leads, and the fence that keeps every other beat from publishing.

Any number of beats run; one holds the Redis key ``scheduler:beat:leader`` (SET NX with a TTL
of BEAT_LEADER_TTL_SECONDS, renewed every second by compare-and-expire). A standby tries to take
it every second, so it leads within TTL + 1 s of the leader's death, SIGKILL included.

The lock and the task queues live in the same Redis, so publishing is fenced: one Lua script
checks that the key still holds this beat's token and pushes the messages, atomically. A leader
that stalled past its TTL and lost the key to a standby can therefore not push a single message
after the hand-over, whatever it believes; the (job, scheduled_for) constraint stays the last line
of defence for a message pushed just before it (scheduler_app.services.executions).
"""
import json
import os
import socket
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import redis

LEADER_KEY = "scheduler:beat:leader"
PUBLISH_CHUNK = 1000  # values per fenced LPUSH: well under Lua's stack limit

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""
_FENCED_LPUSH = """
if redis.call('get', KEYS[1]) ~= ARGV[1] then
  return -1
end
return redis.call('lpush', KEYS[2], unpack(ARGV, 2))
"""


class NotLeader(Exception):
    """The fence refused a publish: this beat no longer holds the leader key."""


def leader_read(client: redis.Redis) -> dict[str, Any] | None:
    """The leading beat's identity (``id``, ``host``, ``pid``, ``since``), or None when none leads."""
    raw = client.get(LEADER_KEY)
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return {"id": raw.decode(errors="replace")}


class Leadership:
    """One beat's claim on the leader key."""

    def __init__(self, client: redis.Redis, *, ttl_seconds: float):
        self.client = client
        self.ttl_ms = int(ttl_seconds * 1000)
        self.identity = {"id": uuid.uuid4().hex[:12], "host": socket.gethostname(), "pid": os.getpid()}
        self.token: str | None = None
        self.since: datetime | None = None
        self.valid_until = 0.0  # monotonic: past it, this beat cannot know it still leads
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)
        self._fenced_lpush = client.register_script(_FENCED_LPUSH)

    @property
    def held(self) -> bool:
        return self.token is not None and time.monotonic() < self.valid_until

    def acquire(self) -> bool:
        """Take the key if nobody holds it. Raises redis errors."""
        since = datetime.now(UTC)
        token = json.dumps({**self.identity, "since": since.isoformat()})
        started = time.monotonic()
        if self.client.set(LEADER_KEY, token, nx=True, px=self.ttl_ms):
            self.token, self.since = token, since
            self.valid_until = started + self.ttl_ms / 1000
            return True
        return False

    def renew(self) -> bool:
        """Push the key's expiry forward; False (and no longer leading) when it is not ours any more.
        Raises redis errors: the caller decides how long to trust ``valid_until`` then."""
        if self.token is None:
            return False
        started = time.monotonic()
        if self._renew(keys=[LEADER_KEY], args=[self.token, self.ttl_ms]):
            self.valid_until = started + self.ttl_ms / 1000
            return True
        self.drop()
        return False

    def drop(self) -> None:
        self.token, self.since, self.valid_until = None, None, 0.0

    def release(self) -> None:
        """Give the key up at shutdown, so a standby need not wait for the TTL."""
        if self.token is not None:
            try:
                self._release(keys=[LEADER_KEY], args=[self.token])
            except redis.RedisError:
                pass
        self.drop()

    def publish(self, key: str, payloads: list[bytes]) -> int:
        """Push ``payloads`` on the list ``key`` in fenced chunks, in one round trip.

        Returns how many payloads Redis took, in order: chunks after a refused one are refused
        too. Raises NotLeader when the fence refused the first chunk, redis errors when Redis is
        unreachable (then nothing is known to be taken).
        """
        if not payloads:
            return 0
        if self.token is None:
            raise NotLeader("this beat does not lead")
        pipe = self.client.pipeline(transaction=False)
        chunks = [payloads[i:i + PUBLISH_CHUNK] for i in range(0, len(payloads), PUBLISH_CHUNK)]
        for chunk in chunks:
            self._fenced_lpush(keys=[LEADER_KEY, key], args=[self.token, *chunk], client=pipe)
        taken = 0
        for chunk, answer in zip(chunks, pipe.execute(raise_on_error=False), strict=True):
            if isinstance(answer, Exception):
                if not taken:
                    raise answer
                break
            if answer == -1:
                self.drop()
                if not taken:
                    raise NotLeader("the leader key is held by another beat")
                break
            taken += len(chunk)
        return taken
