"""The per-contact account of a run that becomes the execution's ``result``, and its final word.

One entry per person the bot looked at: ``sent`` / ``visited``, ``would_send`` /
``would_visit`` (dry run), ``skipped`` with why, ``failed`` with why (nothing was sent),
``not_found`` (the profile answered 404: no visit), or ``unknown`` (send clicked, not
confirmed: counted against quotas, never retried).

The report is kept whatever ends the run (``kept``): a time limit, an expired session or a crash
raise a ``BotError`` that carries the counts and contacts so far, so the history row says what
was done. A run that reached its end is a success only when nothing is in doubt (``finish``).
"""
import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from bots.runner import BotError, BotOutcome

logger = logging.getLogger(__name__)


@dataclass
class RunReport:
    dry_run: bool
    contacts: list[dict[str, Any]] = field(default_factory=list)
    stopped: str | None = None  # why the run ended before the list did (cap, quota)
    extra: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # why the run, though finished, is not a success

    def add(self, *, name: str, slug: str, status: str, reason: str | None = None, **details: Any) -> None:
        entry = {"name": name, "profile": f"/in/{slug}/", "status": status}
        if reason:
            entry["reason"] = reason
        entry.update(details)
        self.contacts.append(entry)

    def count(self, *statuses: str) -> int:
        return sum(1 for c in self.contacts if c["status"] in statuses)

    def names(self, status: str) -> list[str]:
        return [c["name"] or c["profile"] for c in self.contacts if c["status"] == status]

    def as_result(self) -> dict[str, Any]:
        summary: dict[str, int] = {}
        for entry in self.contacts:
            summary[entry["status"]] = summary.get(entry["status"], 0) + 1
        result = {"dry_run": self.dry_run, **self.extra, "summary": summary, "stopped": self.stopped,
                  "contacts": self.contacts}
        if self.problems:
            result["problems"] = list(self.problems)
        return result

    def outcome(self) -> BotOutcome:
        """Counts are what the page confirmed: sent messages, visited profiles."""
        return BotOutcome(messages_sent=self.count("sent"), profiles_visited=self.count("visited"),
                          result=self.as_result())

    def finish(self) -> BotOutcome:
        """The outcome of a run that got to its end; a BotError (with the outcome) when something is in doubt."""
        if self.problems:
            raise BotError("; ".join(self.problems), outcome=self.outcome())
        return self.outcome()

    @contextlib.contextmanager
    def kept(self) -> Iterator["RunReport"]:
        """Whatever ends the run, the error it raises carries what was done so far."""
        try:
            yield self
        except BotError as exc:
            if exc.outcome is None:
                exc.outcome = self.outcome()
            raise
        except Exception as exc:
            logger.exception("bot run crashed")
            raise BotError(f"the run crashed: {type(exc).__name__}: {exc}", outcome=self.outcome()) from exc
