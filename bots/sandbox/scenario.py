"""What the sandbox shows: birthdays, people to search, and which faults are on.

A birthday is either ``when`` (the card's words, verbatim) or ``days_ago`` (+ ``lang``, + ``style``:
"date" for "Oct 24" / "le 24 oct.", "bare" for "Oct 24" / "24 oct."), the latter rendered on each
request so the default demo stays "today" every day; a negative ``days_ago`` is a birthday still
to come. ``language`` is LinkedIn's display language: every page's words and ``<html lang>``
(``en`` or ``fr``; the ``html_lang`` fault makes the pages declare another). ``card_headline``
adds a headline line to the card. A person with ``"gone": True`` is found by the search but their
profile answers 404 (``"soft"``: 200 with a "doesn't exist" page).
"""
import copy
from datetime import date, timedelta
from typing import Any

SESSION_COOKIE = "li_at"
SESSION_TOKEN = "sandbox-session"
WRONG_PERSON = {"slug": "someone-else", "name": "Someone Else"}
DECOY = {"slug": "rita-recruiter", "name": "Rita Recruiter"}

FAULTS: dict[str, Any] = {
    "wrong_recipient": [],  # slugs whose message button opens a conversation with WRONG_PERSON
    "no_echo": [],  # slugs whose sent message never shows in the thread (outcome unknown)
    "stale_cards": False,  # every re-render of the list reverses its order
    "missing_button": False,  # cards have no message button
    "slow_ms": 0,  # every page answers this late
    "expired_session": False,  # every page redirects to /authwall
    "decoy_overlay": True,  # another conversation is open when the birthday page loads
    "dropped_send": [],  # slugs whose Send click does nothing (no message, the composer keeps the text)
    "namesake_recipient": [],  # slugs whose button opens a namesake's conversation (same name, other profile)
    "slow_list_ms": 150,  # how long each lazy batch of cards takes to arrive
    "list_stalls_after": None,  # the lazy list stops loading after this many items (it never says it is done)
    "endless_list": False,  # the lazy list never ends (more generated cards on every scroll)
    "hang_after_sent": None,  # once this many messages are recorded, sending hangs (nothing more delivered)
    "expire_after_visits": None,  # once this many profiles are visited, the session expires
    # LinkedIn pushing back (bots.runner.AccountPushback). A checkpoint sends every logged-in page
    # (302) to a "Let's do a quick security check" page under /checkpoint/challenge/, and the send
    # endpoint refuses (403) and sends the open page there too.
    "checkpoint": False,  # from the start
    "checkpoint_after_sent": None,  # once this many messages are recorded
    "checkpoint_after_visits": None,  # once this many profiles are visited
    # A limit banner ("You've reached the weekly limit...", "Your account has been temporarily
    # restricted") on the feed, birthday, search and profile pages, in this language: None, "en", "fr".
    # While one shows, sends are refused (429: the open conversation shows the banner) and profiles
    # shown under it are not recorded as visits.
    "limit_banner": None,
    "limit_after_sent": None,  # the banner appears once this many messages are recorded (language: the scenario's)
    "limit_after_visits": None,  # the banner appears once this many profiles are visited
    # Every page declares this on <html lang> instead of the scenario's language, its words
    # unchanged: "de" is a display language the bots have no words for.
    "html_lang": None,
}

LANGUAGES = ("en", "fr")

_FIRST = ["Alice", "Bruno", "Chloé", "David", "Emma", "Farid", "Gaëlle", "Hugo", "Inès", "Jules", "Karim", "Léa",
          "Marc", "Nora", "Oscar", "Paula", "Quentin", "Rose", "Sami", "Tess", "Ugo", "Vera", "Willy", "Yanis", "Zoé"]
_LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau"]
_CITIES = ["Paris", "Lyon", "Nantes", "Lille", "Bordeaux"]


def person(index: int) -> dict[str, str]:
    first, last = _FIRST[index % len(_FIRST)], _LAST[index % len(_LAST)]
    slug = f"{first}-{last}-{index}".lower().translate(str.maketrans("éëè", "eee"))
    return {
        "slug": slug,
        "name": f"{first} {last}",
        "headline": ["Python developer", "Data engineer", "Product manager", "Recruiter"][index % 4],
        "location": _CITIES[index % len(_CITIES)],
    }


def default_scenario() -> dict[str, Any]:
    people = [person(i) for i in range(25)]
    birthdays = [
        {**people[0], "days_ago": 0},
        {**people[1], "days_ago": 0, "lang": "fr"},
        {**people[2], "days_ago": 1},
        {**people[3], "days_ago": 3, "lang": "fr"},
        {**people[4], "days_ago": 5, "style": "date"},
        {**people[5], "days_ago": 6, "lang": "fr", "style": "date"},
        {**people[6], "days_ago": 20, "style": "date"},
    ]
    return {
        "birthdays": birthdays,
        "people": people,
        "page_size": 10,
        "batch_size": 4,
        "language": "en",
        # "today" for cards given as days_ago: the timezone the bots' jobs run in.
        "timezone": "Europe/Paris",
        "faults": copy.deepcopy(FAULTS),
    }


def scenario_merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in changes.items():
        if key == "faults":
            unknown = set(value) - set(FAULTS)
            if unknown:
                raise ValueError(f"unknown fault(s): {sorted(unknown)}; known: {sorted(FAULTS)}")
            merged["faults"].update(value)
            if merged["faults"]["limit_banner"] not in (None, "en", "fr"):
                raise ValueError(f"limit_banner must be null, 'en' or 'fr', not {merged['faults']['limit_banner']!r}")
        else:
            merged[key] = value
    if merged["language"] not in LANGUAGES:
        raise ValueError(f"language must be one of {list(LANGUAGES)}, not {merged['language']!r} "
                         "(the html_lang fault declares another)")
    return merged


_EN_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_FR_MONTHS = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]
_FR_PREFIX = {"date": "le ", "bare": ""}


def when_text(birthday: dict[str, Any], *, today: date, default_lang: str) -> str:
    """The card's words for when the birthday was, as LinkedIn writes them in each language."""
    if birthday.get("when"):
        return birthday["when"]
    days = int(birthday.get("days_ago", 0))
    lang = birthday.get("lang", default_lang)
    if birthday.get("style") in _FR_PREFIX:
        day = today - timedelta(days=days)
        if lang == "en":
            return f"{_EN_MONTHS[day.month - 1]} {day.day}"
        return f"{_FR_PREFIX[birthday['style']]}{day.day} {_FR_MONTHS[day.month - 1]}"
    if lang == "fr":
        if days < 0:
            return "Demain" if days == -1 else f"Dans {-days} jours"
        return {0: "Aujourd\u2019hui", 1: "Hier"}.get(days, f"Il y a {days} jours")
    if days < 0:
        return "Tomorrow" if days == -1 else f"In {-days} days"
    return {0: "Today", 1: "Yesterday"}.get(days, f"{days} days ago")


TODAY_WORDS = ("Today", "Aujourd\u2019hui", "Aujourd'hui")


def is_today(birthday: dict[str, Any]) -> bool:
    """Whether the page counts this birthday in its "N birthdays today" heading."""
    if birthday.get("when"):
        return birthday["when"] in TODAY_WORDS
    return int(birthday.get("days_ago", 0)) == 0
