from datetime import date

import pytest

from bots.dates import birthday_on, days_late

TODAY = date(2026, 1, 3)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Today", 0),
        ("Birthday today", 0),
        ("Yesterday", 1),
        ("1 day ago", 1),
        ("2 days ago", 2),
        ("Jan 3", 0),
        ("January 1", 2),
        ("Dec 30", 4),  # a yearless date after today is last year's (New Year)
        ("Oct 24", 71),
        ("Aujourd\u2019hui", 0),
        ("Aujourd'hui", 0),
        ("Hier", 1),
        ("Il y a 1 jour", 1),
        ("Il y a 6 jours", 6),
        ("le 31 déc.", 3),
        ("le 2 janv.", 1),
        ("24 octobre", 71),
        ("Célébrez l’anniversaire de Marie le 2 janv.", 1),
    ],
)
def test_days_late_reads_english_and_french(text, expected):
    assert days_late(text, today=TODAY) == expected


@pytest.mark.parametrize("text", ["", "Say happy birthday", "Promoted · Try Premium", "Feb 30", "Mayday 5"])
def test_days_late_is_none_when_not_understood(text):
    assert days_late(text, today=TODAY) is None


def test_birthday_on_crosses_the_year():
    assert birthday_on(today=TODAY, late_by=4) == date(2025, 12, 30)


def test_days_late_feb_29_on_a_leap_year():
    assert days_late("Feb 29", today=date(2028, 3, 2)) == 2
