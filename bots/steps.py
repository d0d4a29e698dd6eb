"""What a running bot says it is doing now, in words people read ("writing to Ann Lee 3/9").

A run reports each step through ``BotRun.report`` (bots/runner.py); the scheduler keeps the
newest on the execution row while the run goes on (scheduler_app/services/progress.py). Like
run reasons (scheduler_app/reasons.py), a step is stored in English, as the API returns it, and
translated where people read it: each step's text is a gettext msgid whose ``%(part)s``
placeholders also make the pattern that reads the parts back (``step_display``), so a step is
written once, here.
"""
import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

WAITING_FOR_ACCOUNT = gettext_noop("waiting for the account")
STARTING_CHROMIUM = gettext_noop("starting Chromium")
OPENING_LINKEDIN = gettext_noop("opening LinkedIn")
READING_BIRTHDAYS = gettext_noop("reading the birthday list")
WRITING_TO = gettext_noop("writing to %(name)s %(number)s/%(total)s")
CHECKING_MESSAGE_TO = gettext_noop("checking the message to %(name)s %(number)s/%(total)s (dry run)")
SEARCHING_PEOPLE = gettext_noop("searching people, page %(page)s")
VISITING = gettext_noop("visiting %(name)s %(number)s/%(total)s")
CHECKING_PROFILE = gettext_noop("checking %(name)s %(number)s/%(total)s (dry run)")
RESTARTING_CHROMIUM = gettext_noop("restarting Chromium")
PAUSING = gettext_noop("pausing %(seconds)s s")
CLOSING_CHROMIUM = gettext_noop("closing Chromium")

STEPS = [
    WAITING_FOR_ACCOUNT, STARTING_CHROMIUM, OPENING_LINKEDIN, READING_BIRTHDAYS, WRITING_TO, CHECKING_MESSAGE_TO,
    SEARCHING_PEOPLE, VISITING, CHECKING_PROFILE, RESTARTING_CHROMIUM, PAUSING, CLOSING_CHROMIUM,
]
# Parts that are numbers: read back as digits only, so a name holding " 2/3" cannot shift them.
NUMBERS = frozenset({"number", "total", "page", "seconds"})
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
DIGITS, ANYTHING = r"\d+", ".+"


def step(text: str, **parts: object) -> str:
    """A step as stored: the English text with its parts filled in."""
    return text % parts if parts else text


def _part(name: str) -> str:
    return f"(?P<{name}>{DIGITS if name in NUMBERS else ANYTHING})"


def _pattern(text: str) -> re.Pattern:
    pieces = PLACEHOLDER.split(text)  # literal, name, literal, name, ..., literal
    regex = "".join(re.escape(piece) if index % 2 == 0 else _part(piece) for index, piece in enumerate(pieces))
    return re.compile(regex, re.DOTALL)


_PATTERNS = [(_pattern(text), text) for text in STEPS]


def step_display(text: str) -> str:
    """A stored step in the active language; a step no pattern knows is shown as stored."""
    if not text or not isinstance(text, str):
        return text
    for pattern, msgid in _PATTERNS:
        if match := pattern.fullmatch(text):
            parts = match.groupdict()
            return _(msgid) % parts if parts else _(msgid)
    return text
