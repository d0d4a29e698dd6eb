"""When was the birthday: a card's free text ("Yesterday", "Il y a 3 jours", "le 24 oct.") -> days late.

Cards say it in words, in the account's language, and a date without a year; the bot needs a
number of days to decide today vs late, and a calendar date to key "already wished for this
birthday" on. Unknown wording returns None, so the bot skips the card and says why instead of
guessing.
"""
import re
from datetime import date, timedelta

from bots.text import fold

_MONTHS = {
    # English
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
    # French (accents stripped by fold)
    "janv": 1, "janvier": 1, "fevr": 2, "fev": 2, "fevrier": 2, "mars": 3, "avr": 4, "avril": 4,
    "mai": 5, "juin": 6, "juil": 7, "juillet": 7, "aout": 8, "septembre": 9, "octobre": 10,
    "novembre": 11, "decembre": 12,
}  # fmt: skip

_TODAY = re.compile(r"\b(today|aujourd'hui)\b")
_YESTERDAY = re.compile(r"\b(yesterday|hier)\b")
_DAYS_AGO = re.compile(r"\b(\d{1,3}) days? ago\b|\bil y a (\d{1,3}) jours?\b")
_MONTH_WORD = "|".join(sorted(_MONTHS, key=len, reverse=True))
# "Oct 24", "October 24" (EN) and "le 24 oct.", "24 octobre" (FR).
_MONTH_DAY = re.compile(rf"\b({_MONTH_WORD})\.? (\d{{1,2}})\b")
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}}) ({_MONTH_WORD})\b\.?")


def _last_occurrence(month: int, day: int, today: date) -> date | None:
    """A yearless date on a catch-up card is the latest one not after today (Jan 2 shows Dec 30)."""
    for year in (today.year, today.year - 1):
        try:
            candidate = date(year, month, day)
        except ValueError:  # Feb 29 in a common year, or 31 in a short month
            continue
        if candidate <= today:
            return candidate
    return None


def days_late(text: str, *, today: date) -> int | None:
    """How many days ago the birthday in ``text`` was (0 = today), or None when not understood."""
    folded = fold(text)
    if _TODAY.search(folded):
        return 0
    if _YESTERDAY.search(folded):
        return 1
    if match := _DAYS_AGO.search(folded):
        return int(match.group(1) or match.group(2))
    for pattern, month_group, day_group in ((_MONTH_DAY, 1, 2), (_DAY_MONTH, 2, 1)):
        if match := pattern.search(folded):
            when = _last_occurrence(_MONTHS[match.group(month_group)], int(match.group(day_group)), today)
            if when is not None:
                return (today - when).days
    return None


def birthday_on(*, today: date, late_by: int) -> date:
    """The calendar date the birthday fell on: the key that makes "one message per birthday"."""
    return today - timedelta(days=late_by)
