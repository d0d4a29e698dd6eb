"""The per-contact account of a run that becomes the execution's ``result``.

One entry per person the bot looked at: ``sent`` / ``visited``, ``would_send`` /
``would_visit`` (dry run), ``skipped`` with why, ``failed`` with why, or ``unknown`` (send
clicked, not confirmed: counted against quotas, never retried).
"""
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RunReport:
    dry_run: bool
    contacts: list[dict[str, Any]] = field(default_factory=list)
    stopped: str | None = None  # why the run ended before the list did (cap, quota)
    extra: dict[str, Any] = field(default_factory=dict)

    def add(self, *, name: str, slug: str, status: str, reason: str | None = None, **details: Any) -> None:
        entry = {"name": name, "profile": f"/in/{slug}/", "status": status}
        if reason:
            entry["reason"] = reason
        entry.update(details)
        self.contacts.append(entry)

    def count(self, *statuses: str) -> int:
        return sum(1 for c in self.contacts if c["status"] in statuses)

    def as_result(self) -> dict[str, Any]:
        summary: dict[str, int] = {}
        for entry in self.contacts:
            summary[entry["status"]] = summary.get(entry["status"], 0) + 1
        return {"dry_run": self.dry_run, **self.extra, "summary": summary, "stopped": self.stopped,
                "contacts": self.contacts}
