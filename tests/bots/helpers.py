"""Small builders for bot runs, as the scheduler would hand them over."""
import uuid
from collections import Counter
from typing import Any

import pytest

from bots.runner import BOT_CONFIGS, BotError, BotOutcome, BotRun, run_bot


def bot_run(bot_type: str, *, dry_run: bool = False, timezone: str = "Europe/Paris", **config: Any) -> BotRun:
    return BotRun(
        execution_id=uuid.uuid4(),
        job_id=uuid.uuid4(),
        bot_type=bot_type,
        config=BOT_CONFIGS[bot_type].model_validate({**config, "dry_run": dry_run}),
        timezone=timezone,
    )


def run_birthday(**config: Any) -> BotOutcome:
    return run_bot(bot_run("birthday", **config))


def run_visitor(**config: Any) -> BotOutcome:
    return run_bot(bot_run("visitor", **config))


def failed_run(run, *, match: str, **config: Any) -> tuple[str, BotOutcome]:
    """Run a bot that must fail with an error matching ``match``; its message and the outcome it carries."""
    with pytest.raises(BotError, match=match) as failed:
        run(**config)
    assert failed.value.outcome is not None, "the error carries what the run did"
    return str(failed.value), failed.value.outcome


def typed_in(state: dict[str, Any]) -> set[str]:
    """The profile slugs whose composer something was typed into, as the sandbox saw it."""
    return {t["in"] for t in state["typed"]}


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


def crash_at_pause(monkeypatch, module: Any, *, number: int) -> None:
    """Make the bot in ``module`` crash (RuntimeError "bot bug") at its ``number``-th pause between actions."""
    pauses: list[dict[str, Any]] = []

    def pause(**kwargs: Any) -> None:
        pauses.append(kwargs)
        if len(pauses) == number:
            raise RuntimeError("bot bug")

    monkeypatch.setattr(module, "human_pause", pause)
