"""The run's time limit as every wait on the page sees it.

A run has one deadline (BOT_RUN_TIME_LIMIT). Each wait on the page (a page load, an element, a
lazy list growing, a send being confirmed) lasts its own timeout or the time the run has left,
whichever is shorter, and a wait that the deadline cut short raises ``TimeLimitReached``: the
error names the run's time limit, not whichever page timeout happened to fire first on this
machine. ``bots.browser`` keeps a hard backstop behind it (Chromium killed shortly after the
deadline) for the one call that would not return.
"""
import time

from bots.runner import BotError

# A wait that ended this close to the deadline ended because of it.
SLACK_SECONDS = 0.25


class TimeLimitReached(BotError):
    """The run's time is up; raised by a wait that the deadline cut short."""


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(self.at - time.monotonic(), 0.0)

    def reached(self) -> bool:
        return self.remaining() <= SLACK_SECONDS

    def cap_ms(self, ms: float) -> float:
        """``ms``, or the run's remaining time when that is shorter (at least 1 ms: 0 is "no limit" to Playwright)."""
        return max(min(float(ms), self.remaining() * 1000), 1.0)

    def message(self, what: str) -> str:
        return f"time limit of {self.seconds:g}s reached while {what}; the browser was closed"

    def check(self, what: str) -> None:
        """After a wait gave up: when the run's time is what ended it, say so."""
        if self.reached():
            raise TimeLimitReached(self.message(what))
