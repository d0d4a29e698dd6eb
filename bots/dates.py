"""When was the birthday: a card's date line ("Yesterday", "Il y a 3 jours", "le 24 oct.") -> days late.

Cards say it in words, in the account's language, and a date without a year; the bot needs a
number of days to decide today vs late (negative: the birthday is still to come, never wished),
and a calendar date to key "already wished for this birthday" on. Unknown wording returns None,
so the bot skips the card and says why instead of guessing. The date is read from the card's
date line only (``date_line``): a headline such as "Building tomorrow's data, today" is not a date.
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
_TOMORROW = re.compile(r"\b(tomorrow|demain)\b")
_DAYS_AGO = re.compile(r"\b(\d{1,3}) days? ago\b|\bil y a (\d{1,3}) jours?\b")
_DAYS_AHEAD = re.compile(r"\bin (\d{1,3}) days?\b|\bdans (\d{1,3}) jours?\b")
_MONTH_WORD = "|".join(sorted(_MONTHS, key=len, reverse=True))
# "Oct 24", "October 24" (EN) and "le 24 oct.", "24 octobre" (FR).
_MONTH_DAY = re.compile(rf"\b({_MONTH_WORD})\.? (\d{{1,2}})\b")
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}}) ({_MONTH_WORD})\b\.?")


_BIRTHDAY_WORD = re.compile(r"\b(birthday|anniversaire)\b")
# "14 birthdays today" / "14 anniversaires aujourd'hui" (folded), in a heading of the page.
_ANNOUNCED_TODAY = re.compile(r"\b(\d{1,4}) (?:birthdays?|anniversaires?) (?:today|aujourd'hui)\b")
_PATTERNS = (_TODAY, _YESTERDAY, _TOMORROW, _DAYS_AGO, _DAYS_AHEAD, _MONTH_DAY, _DAY_MONTH)


def _nearest_occurrence(month: int, day: int, today: date) -> date | None:
    """A yearless date is the occurrence nearest today: last year's, this year's or next year's.

    On Jan 3 "Dec 30" was 4 days ago; on Dec 1 "Dec 3" is in 2 days (upcoming, not 363 days
    late); on Dec 30 "Jan 1" is in 2 days. A past tie wins (a catch-up list looks back).
    """
    candidates = []
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            candidates.append(date(year, month, day))
        except ValueError:  # Feb 29 in a common year, or 31 in a short month
            continue
    if not candidates:
        return None
    return min(candidates, key=lambda when: (abs((today - when).days), when > today))


def days_late(text: str, *, today: date) -> int | None:
    """How many days ago the birthday in ``text`` was (0 = today, negative = still to come), or None."""
    folded = fold(text)
    if _TODAY.search(folded):
        return 0
    if _YESTERDAY.search(folded):
        return 1
    if _TOMORROW.search(folded):
        return -1
    if match := _DAYS_AGO.search(folded):
        return int(match.group(1) or match.group(2))
    if match := _DAYS_AHEAD.search(folded):
        return -int(match.group(1) or match.group(2))
    for pattern, month_group, day_group in ((_MONTH_DAY, 1, 2), (_DAY_MONTH, 2, 1)):
        if match := pattern.search(folded):
            when = _nearest_occurrence(_MONTHS[match.group(month_group)], int(match.group(day_group)), today)
            if when is not None:
                return (today - when).days
    return None


def _is_date_only(folded: str) -> bool:
    """The whole line is one date expression ("Oct 24", "le 24 oct.", "Il y a 2 jours")."""
    line = folded.strip(" .,:;·-()").removeprefix("le ")
    return any(pattern.fullmatch(line) for pattern in _PATTERNS)


def _is_birthday_sentence(folded: str) -> bool:
    """A line that says birthday and holds a date ("Birthday today", "l'anniversaire de Marie le 2 janv.")."""
    return bool(_BIRTHDAY_WORD.search(folded)) and any(pattern.search(folded) for pattern in _PATTERNS)


def date_line(lines: list[str] | tuple[str, ...]) -> str | None:
    """The line of a card that says when the birthday is, or None when no line (or two) could.

    A line that is nothing but a date wins ("Oct 24"); else a line with a date and the word
    birthday ("Birthday today"). A headline with a date word in it ("Head of Today's Data")
    is neither. Two different candidates are ambiguous: None, and the bot skips the card
    saying why.
    """
    folded = [(line.strip(), fold(line)) for line in lines if line.strip()]
    for test in (_is_date_only, _is_birthday_sentence):
        found = {line for line, text in folded if test(text)}
        if len(found) == 1:
            return found.pop()
        if found:
            return None
    return None


def announced_today(headings: list[str]) -> int | None:
    """How many birthdays today the page says it has ("14 birthdays today"), or None when it does not say."""
    for heading in headings:
        if match := _ANNOUNCED_TODAY.search(fold(heading)):
            return int(match.group(1))
    return None


def birthday_on(*, today: date, late_by: int) -> date:
    """The calendar date the birthday fell on: the key that makes "one message per birthday"."""
    return today - timedelta(days=late_by)
