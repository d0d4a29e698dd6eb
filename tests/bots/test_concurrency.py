"""Two runs at once, each with its own Chromium and database connection: the race is real.

Both start together on the same birthday list; the claims (quota lock + the one-message-per-
birthday constraint) must leave every person with exactly one message, and the daily quota
must hold for the two runs together.

Two runs of one account never overlap in the product: the account's browser lease serialises
them (tests/bots/test_account_runs.py, tests/integration/test_accounts_fleet.py). The lease is
switched off here, so the claims beneath it still meet a real race: they must hold on their own.
"""
import contextlib
import threading

import pytest
from django.db import connection

from bots.models import BirthdayMessage, MessageStatus
from bots.runner import BotError, BotOutcome
from tests.bots.helpers import birthday, run_birthday, sent_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_account_lease(monkeypatch):
    monkeypatch.setattr("bots.account_run.account_lease", lambda **_: contextlib.nullcontext())


def _race(count: int, **config) -> list[BotOutcome | BaseException]:
    start = threading.Barrier(count)
    outcomes: list[BotOutcome | BaseException] = [None] * count  # type: ignore[list-item]

    def worker(index: int) -> None:
        try:
            start.wait()
            outcomes[index] = run_birthday(**config)
        except BaseException as exc:  # reported by the assertions below
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_two_concurrent_runs_never_message_a_person_twice(sandbox):
    people = [birthday(f"racer-{i}", f"Racer{i} Test", when="Today") for i in range(8)]
    sandbox.reset(birthdays=people)

    outcomes = _race(2, max_messages_per_run=20)

    assert all(isinstance(o, BotOutcome) for o in outcomes), outcomes
    assert sent_to(sandbox.state()) == {f"racer-{i}": 1 for i in range(8)}
    assert sum(o.messages_sent for o in outcomes) == 8
    assert BirthdayMessage.objects.filter(status=MessageStatus.SENT).count() == 8
    skipped = [c for o in outcomes for c in o.result["contacts"] if c["status"] == "skipped"]
    assert len(skipped) == 8 and all(c["reason"].startswith("already wished") for c in skipped)


def test_two_concurrent_runs_share_one_daily_quota(sandbox, settings):
    settings.BOT_MESSAGES_PER_DAY = 5
    people = [birthday(f"quota-{i}", f"Quota{i} Test", when="Today") for i in range(8)]
    sandbox.reset(birthdays=people)

    outcomes = _race(2, max_messages_per_run=20)

    assert not [o for o in outcomes if isinstance(o, BotError | BaseException) and not isinstance(o, BotOutcome)]
    assert sum(sent_to(sandbox.state()).values()) == 5
    assert max(sent_to(sandbox.state()).values()) == 1
