"""What the bots say they are doing while they run (issue 22 item 5), against the sandbox: the
steps in order, in words, with the counts so far and the planned total."""
import dataclasses

import pytest

from bots.runner import run_bot
from tests.bots.helpers import bot_run

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

START = ["waiting for the account", "starting Chromium", "opening LinkedIn"]


def reported(run, settings) -> list[tuple[str, dict]]:
    """Run ``run`` with a reporter that records each step with the counts known so far."""
    settings.BOT_PAUSE_MIN_SECONDS = settings.BOT_PAUSE_MAX_SECONDS = 0.01
    steps: list[tuple[str, dict]] = []
    counts: dict = {}

    def report(text, **given):
        counts.update(given)
        steps.append((text, dict(counts)))

    run_bot(dataclasses.replace(run, progress=report))
    return steps


def test_the_birthday_bot_reports_each_step_with_its_sent_count_and_plan(sandbox, settings):
    steps = reported(bot_run("birthday", process_late=True, max_days_late=3), settings)

    names = ["Alice Martin", "Bruno Bernard", "Chloé Dubois", "David Thomas"]
    expected = [(text, {}) for text in [*START, "reading the birthday list"]]
    expected.append(("reading the birthday list", {"messages_sent": 0, "planned": 4}))
    for number, name in enumerate(names, start=1):
        expected += [(f"writing to {name} {number}/4", {"messages_sent": number - 1, "planned": 4}),
                     (f"writing to {name} {number}/4", {"messages_sent": number, "planned": 4}),
                     ("pausing 1 s", {"messages_sent": number, "planned": 4})]
    expected.append(("closing Chromium", {"messages_sent": 4, "planned": 4}))
    assert steps == expected


def test_a_dry_run_says_it_checks_and_counts_nothing_sent(sandbox, settings):
    steps = reported(bot_run("birthday", dry_run=True, process_late=True, max_days_late=3), settings)

    checks = [text for text, _ in steps if text.startswith("checking the message to ")]
    assert checks[0] == "checking the message to Alice Martin 1/4 (dry run)" and len(set(checks)) == 4
    assert not any(text.startswith("writing to") for text, _ in steps)
    assert steps[-1] == ("closing Chromium", {"messages_sent": 0, "planned": 4})


def test_the_visitor_bot_reports_the_search_page_and_each_visit(sandbox, settings):
    steps = reported(bot_run("visitor", limit=3, keywords="engineer"), settings)

    texts = [text for text, _ in steps]
    assert texts[:4] == [*START, "searching people, page 1"]
    visits = [(text, counts) for text, counts in steps if text.startswith("visiting ")]
    assert [text.rsplit(" ", 1)[1] for text, _ in visits] == ["1/3", "1/3", "2/3", "2/3", "3/3", "3/3"]
    assert [counts["profiles_visited"] for _, counts in visits] == [0, 1, 1, 2, 2, 3]
    assert texts.count("pausing 1 s") == 3 and texts[-1] == "closing Chromium"
    assert steps[-1][1] == {"profiles_visited": 3, "planned": 3}
