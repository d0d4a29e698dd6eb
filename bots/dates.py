"""When was the birthday: a card's date line ("Yesterday", "Il y a 3 jours", "12 mars") -> days late.

Cards say it in words, in the account's display language, and a date without a year; the bot
needs a number of days to decide today vs late (negative: the birthday is still to come, never
wished), and a calendar date to key "already wished for this birthday" on. The words are the
page's language table (bots.linkedin_locators.PAGE_TEXTS); the page's language is read first,
then the other known ones, because LinkedIn's translations lag behind its English and a French
page may carry a line still in English. Unknown wording returns None, so the bot skips the card
and says why instead of guessing. The date is read from the card's date line only
(``date_line``): a headline such as "Building tomorrow's data, today" is not a date.
"""
import re
from dataclasses import dataclass
from datetime import date, timedelta

from bots.linkedin_locators import PAGE_TEXTS, PageTexts
from bots.text import fold


@dataclass(frozen=True)
class _Grammar:
    """One language's date words, compiled: the patterns run over folded text."""

    today: re.Pattern
    yesterday: re.Pattern
    tomorrow: re.Pattern
    days_ago: re.Pattern
    days_ahead: re.Pattern
    dated: tuple[tuple[re.Pattern, int, int], ...]  # (pattern, month group, day group)
    months: dict[str, int]
    prefixes: tuple[str, ...]
    birthday_word: re.Pattern
    announced_today: re.Pattern

    @property
    def patterns(self) -> tuple[re.Pattern, ...]:
        return (self.today, self.yesterday, self.tomorrow, self.days_ago, self.days_ahead,
                *(pattern for pattern, _, _ in self.dated))


def _words(words: tuple[str, ...]) -> re.Pattern:
    return re.compile(r"\b(?:" + "|".join(re.escape(fold(word)) for word in words) + r")\b")


def _grammar(texts: PageTexts) -> _Grammar:
    month = "|".join(sorted(texts.months, key=len, reverse=True))
    shapes = {
        "month_day": (re.compile(rf"\b({month})\.? (\d{{1,2}})\b"), 1, 2),  # "Oct 24", "October 24"
        "day_month": (re.compile(rf"\b(\d{{1,2}})(?:er)? ({month})\b\.?"), 2, 1),  # "12 mars", "le 1er oct."
    }
    return _Grammar(
        today=_words(texts.today),
        yesterday=_words(texts.yesterday),
        tomorrow=_words(texts.tomorrow),
        days_ago=re.compile(rf"\b{texts.days_ago_re}\b"),
        days_ahead=re.compile(rf"\b{texts.days_ahead_re}\b"),
        dated=tuple(shapes[order] for order in texts.date_orders),
        months=dict(texts.months),
        prefixes=tuple(fold(prefix) + " " for prefix in texts.date_prefixes),
        birthday_word=_words(texts.birthday_words),
        announced_today=re.compile(rf"\b{texts.announced_today_re}\b"),
    )


_GRAMMARS = {language: _grammar(texts) for language, texts in PAGE_TEXTS.items()}


def _reading_order(language: str | None) -> list[_Grammar]:
    """The page's language first, then the others (a lagging translation); None: all, in table order."""
    first = [_GRAMMARS[language]] if language in _GRAMMARS else []
    return first + [grammar for code, grammar in _GRAMMARS.items() if code != language]


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


def _days_late_in(grammar: _Grammar, folded: str, today: date) -> int | None:
    if grammar.today.search(folded):
        return 0
    if grammar.yesterday.search(folded):
        return 1
    if grammar.tomorrow.search(folded):
        return -1
    if match := grammar.days_ago.search(folded):
        return int(match.group(1))
    if match := grammar.days_ahead.search(folded):
        return -int(match.group(1))
    for pattern, month_group, day_group in grammar.dated:
        if match := pattern.search(folded):
            when = _nearest_occurrence(grammar.months[match.group(month_group)], int(match.group(day_group)), today)
            if when is not None:
                return (today - when).days
    return None


def days_late(text: str, *, today: date, language: str | None = None) -> int | None:
    """How many days ago the birthday in ``text`` was (0 = today, negative = still to come), or None.

    ``language``: the page's display language, read first.
    """
    folded = fold(text)
    for grammar in _reading_order(language):
        late = _days_late_in(grammar, folded, today)
        if late is not None:
            return late
    return None


def _is_date_only(grammar: _Grammar, folded: str) -> bool:
    """The whole line is one date expression ("Oct 24", "le 24 oct.", "Il y a 2 jours")."""
    line = folded.strip(" .,:;·-()")
    for prefix in grammar.prefixes:
        line = line.removeprefix(prefix)
    return any(pattern.fullmatch(line) for pattern in grammar.patterns)


def _is_birthday_sentence(grammar: _Grammar, folded: str) -> bool:
    """A line that says birthday and holds a date ("Birthday today", "l'anniversaire de Marie le 2 janv.")."""
    return bool(grammar.birthday_word.search(folded)) and any(pattern.search(folded) for pattern in grammar.patterns)


def date_line(lines: list[str] | tuple[str, ...], *, language: str | None = None) -> str | None:
    """The line of a card that says when the birthday is, or None when no line (or two) could.

    A line that is nothing but a date wins ("Oct 24"); else a line with a date and the word
    birthday ("Birthday today"). A headline with a date word in it ("Head of Today's Data")
    is neither. Two different candidates are ambiguous: None, and the bot skips the card
    saying why. ``language``: the page's display language (any known one is accepted).
    """
    folded = [(line.strip(), fold(line)) for line in lines if line.strip()]
    grammars = _reading_order(language)
    for test in (_is_date_only, _is_birthday_sentence):
        found = {line for line, text in folded if any(test(grammar, text) for grammar in grammars)}
        if len(found) == 1:
            return found.pop()
        if found:
            return None
    return None


def announced_today(headings: list[str], *, language: str | None = None) -> int | None:
    """How many birthdays today the page says it has ("14 birthdays today"), or None when it does not say."""
    grammars = _reading_order(language)
    for heading in headings:
        folded = fold(heading)
        for grammar in grammars:
            if match := grammar.announced_today.search(folded):
                return int(match.group(1))
    return None


def birthday_on(*, today: date, late_by: int) -> date:
    """The calendar date the birthday fell on: the key that makes "one message per birthday"."""
    return today - timedelta(days=late_by)
