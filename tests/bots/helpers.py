"""Small builders for bot runs, as the scheduler would hand them over."""
import uuid
from collections import Counter
from typing import Any

from bots.runner import BotOutcome, BotRun, run_bot


def bot_run(bot_type: str, *, dry_run: bool = False, timezone: str = "Europe/Paris", **config: Any) -> BotRun:
    return BotRun(
        execution_id=uuid.uuid4(),
        job_id=uuid.uuid4(),
        bot_type=bot_type,
        config={**config, "dry_run": dry_run},
        timezone=timezone,
        dry_run=dry_run,
    )


def run_birthday(**config: Any) -> BotOutcome:
    return run_bot(bot_run("birthday", **config))


def run_visitor(**config: Any) -> BotOutcome:
    return run_bot(bot_run("visitor", **config))


def by_status(outcome: BotOutcome) -> dict[str, set[str]]:
    """status -> set of profile slugs, from the run's per-contact result."""
    found: dict[str, set[str]] = {}
    for entry in outcome.result["contacts"]:
        found.setdefault(entry["status"], set()).add(entry["profile"].strip("/").split("/")[-1])
    return found


def sent_to(state: dict[str, Any]) -> Counter:
    """How many messages each profile slug got, as the sandbox recorded them."""
    return Counter(m["to"] for m in state["messages"])


def birthday(slug: str, name: str, **when: Any) -> dict[str, Any]:
    return {"slug": slug, "name": name, "headline": "Engineer", "location": "Paris", **when}
