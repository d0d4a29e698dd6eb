"""What a running bot is doing now, carried to its execution row by the lease keeper.

The bot calls ``BotRun.report(step, **counts)`` as it goes (bots/birthday.py, bots/visitor.py):
"reading the birthday list", "writing to Ann 3/9", "pausing 42 s". ``RunProgress`` keeps the
newest report in memory; the lease keeper (scheduler_app/services/executions.py) writes it with
each renewal, at least every SCHEDULER_PROGRESS_SECONDS, only when it changed. A report never
touches the database from the bot's own thread and never fails the run.
"""
import threading
import time
from typing import Any

from django.utils.timezone import now as utc_now


class RunProgress:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._current: dict[str, Any] | None = None
        self._written: dict[str, Any] | None = None
        self._started = time.monotonic()

    def report(self, step: str, **counts: int) -> None:
        """The bot's newest step and counts so far (counts not given keep their last value)."""
        with self._lock:
            previous = (self._current or {}).get("counts", {})
            self._current = {
                "step": str(step)[:300],
                "counts": {**previous, **{k: int(v) for k, v in counts.items()}},
                "at": utc_now().isoformat(),
                "elapsed_seconds": round(time.monotonic() - self._started, 1),
            }

    def take(self) -> dict[str, Any] | None:
        """The newest report when it has not been written yet, else None (nothing to write)."""
        with self._lock:
            if self._current is None or self._current is self._written:
                return None
            self._written = self._current
            return self._current

    def last(self) -> dict[str, Any] | None:
        """The newest report, kept on the row once the run ends."""
        with self._lock:
            return self._current
