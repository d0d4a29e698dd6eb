"""Bot runners for tests: they stand in for the real bots where the claim under test is the
scheduler's, not the bot's."""
import time

from bots.runner import BotError, BotOutcome, BotRun


def succeed(run: BotRun) -> BotOutcome:
    """Reports counts derived from the config, so a test can tell its run from another's."""
    count = getattr(run.config, "max_messages_per_run", getattr(run.config, "limit", 1))
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


# --- Runners for the fleet fault tests (tests/support/fleet.py) ---------------------------------
# Each records the run it actually made, one JSON line appended to TEST_RUNNER_RUNS_FILE (a single
# O_APPEND write, atomic between processes), before doing anything else: the (job, slot) constraint
# makes a second *row* for a slot impossible, so "a slot's bot ran twice" is read from this file.


def _record_run(run: BotRun) -> None:
    import json
    import os

    path = os.environ.get("TEST_RUNNER_RUNS_FILE")
    if not path:
        return
    from scheduler_app.models import JobExecution

    slot = JobExecution.objects.filter(pk=run.execution_id).values_list("scheduled_for", flat=True).first()
    line = json.dumps({
        "job": str(run.job_id), "execution": str(run.execution_id), "slot": slot.isoformat() if slot else None,
        "pid": os.getpid(), "t": time.time(),
    }) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def recording(run: BotRun) -> BotOutcome:
    """``succeed``, recording the run first."""
    _record_run(run)
    return succeed(run)


def sleepy(run: BotRun) -> BotOutcome:
    """Records the run, then sleeps TEST_RUNNER_SLEEP_SECONDS (default 20) so that a test can kill the
    process running it mid-run; then succeeds."""
    import os

    _record_run(run)
    time.sleep(float(os.environ.get("TEST_RUNNER_SLEEP_SECONDS", "20")))
    return succeed(run)


# --- Runners for the notification tests (tests/notify/test_real_fleet.py) -----------------------


def fail_while_flagged(run: BotRun) -> BotOutcome:
    """Fails while the file TEST_RUNNER_FAIL_FILE exists, succeeds once it is removed: a test
    turns a failing job into a recovering one without restarting the worker."""
    import os

    path = os.environ.get("TEST_RUNNER_FAIL_FILE")
    if path and os.path.exists(path):
        raise BotError("the test runner failed on purpose")
    return succeed(run)


def skip(run: BotRun) -> BotOutcome:
    from bots.runner import BotSkipped

    raise BotSkipped("outside working hours (the test runner skips every run)")
