from datetime import date

import pytest

from bots.dates import announced_today, birthday_on, date_line, days_late

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
        ("Dec 30", 4),  # a yearless date nearest in the past is last year's (New Year)
        ("Jan 5", -2),  # ahead of today: upcoming, not 363 days late
        ("Tomorrow", -1),
        ("In 3 days", -3),
        ("Demain", -1),
        ("Dans 4 jours", -4),
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


@pytest.mark.parametrize(
    ("today", "text", "expected"),
    [
        (date(2025, 12, 1), "Dec 3", -2),  # upcoming, never read as 363 days late
        (date(2025, 12, 30), "Jan 1", -2),  # next year's, across New Year
        (date(2025, 12, 30), "le 1 janv.", -2),
        (date(2026, 1, 3), "le 31 déc.", 3),
    ],
)
def test_days_late_upcoming_yearless_dates_are_negative(today, text, expected):
    assert days_late(text, today=today) == expected


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["Head of Today's Data", "Oct 24", "Message"], "Oct 24"),
        (["Building tomorrow's products today", "le 24 oct.", "Message"], "le 24 oct."),
        (["Engineer", "Birthday today"], "Birthday today"),
        (["Head of Today's Data", "Message"], None),  # a headline is not a date line
        (["Today", "Yesterday"], None),  # two date lines: ambiguous, the card is skipped
        ([], None),
    ],
)
def test_date_line_is_the_cards_own_date(lines, expected):
    assert date_line(lines) == expected


def test_announced_today_reads_the_heading():
    assert announced_today(["Birthdays", "14 birthdays today"]) == 14
    assert announced_today(["3 anniversaires aujourd\u2019hui"]) == 3
    assert announced_today(["Birthdays"]) is None


# --- French pages (the page's language first: bots.linkedin_locators.PAGE_TEXTS["fr"]) ---------------
MARCH_14 = date(2026, 3, 14)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Aujourd\u2019hui", 0),
        ("AUJOURD'HUI", 0),
        ("Hier", 1),
        ("Demain", -1),
        ("Il y a 1 jour", 1),
        ("il y a 3 jours", 3),
        ("Dans 2 jours", -2),
        ("12 mars", 2),
        ("le 12 mars", 2),
        ("le 1er mars", 13),
        ("1 mars", 13),
        ("28 févr.", 14),
        ("28 fevrier", 14),
        ("le 16 mars", -2),  # still to come: never wished
        ("14 mars", 0),
        ("le 31 déc.", 73),
        ("l\u2019anniversaire de Marie, le 10 mars", 4),
    ],
)
def test_days_late_reads_french_lines(text, expected):
    assert days_late(text, today=MARCH_14, language="fr") == expected


@pytest.mark.parametrize("text", ["Envoyer un message", "Souhaitez un joyeux anniversaire", "32 mars", "mars",
                                  "Il y a quelques jours", "30 févr."])
def test_days_late_french_is_none_when_not_understood(text):
    assert days_late(text, today=MARCH_14, language="fr") is None


def test_a_french_page_still_reads_a_line_linkedin_left_in_english():
    assert days_late("Yesterday", today=MARCH_14, language="fr") == 1
    assert days_late("Mar 12", today=MARCH_14, language="fr") == 2


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["Responsable des données d\u2019aujourd\u2019hui", "12 mars", "Envoyer un message"], "12 mars"),
        (["Ingénieure", "Il y a 3 jours", "Envoyer un message"], "Il y a 3 jours"),
        (["Ingénieure", "Anniversaire aujourd\u2019hui", "Souhaitez un joyeux anniversaire"],
         "Anniversaire aujourd\u2019hui"),
        (["Demain, on construit", "Envoyer un message"], None),  # a headline is not a date line
        (["Hier", "12 mars"], None),  # two date lines: ambiguous
    ],
)
def test_date_line_on_french_cards(lines, expected):
    assert date_line(lines, language="fr") == expected


def test_announced_today_in_french():
    assert announced_today(["Anniversaires", "14 anniversaires aujourd\u2019hui"], language="fr") == 14
    assert announced_today(["1 anniversaire aujourd'hui"], language="fr") == 1
    assert announced_today(["Anniversaires"], language="fr") is None
