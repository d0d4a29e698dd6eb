"""Bot runners for tests: they stand in for the real bots where the claim under test is the
scheduler's, not the bot's."""
import time

from bots.runner import BotError, BotOutcome, BotRun


def succeed(run: BotRun) -> BotOutcome:
    """Reports counts derived from the config, so a test can tell its run from another's."""
    count = run.config.get("max_messages_per_run", run.config.get("limit", 1))
    return BotOutcome(
        messages_sent=count if run.bot_type == "birthday" else 0,
        profiles_visited=count if run.bot_type == "visitor" else 0,
        result={"runner": "tests.support.runners.succeed", "dry_run": run.dry_run},
    )


def fail(run: BotRun) -> BotOutcome:
    raise BotError("the test runner failed on purpose")


def crash(run: BotRun) -> BotOutcome:
    raise RuntimeError("unexpected crash inside the bot")


def slow(run: BotRun) -> BotOutcome:
    time.sleep(3)
    return succeed(run)
