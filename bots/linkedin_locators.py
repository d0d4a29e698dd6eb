"""Every CSS selector and URL path the bots use on LinkedIn, and nothing else.

LinkedIn rotates its markup often (see docs/linkedin.md). Keeping every locator here
means a change on the site is a change in one file, and the sandbox site renders the same
names, so a bot that passes against the sandbox meets the shapes it was built for. Each
selector has a human name: the driver puts it in the error when the page no longer matches.
"""
from dataclasses import dataclass
from types import MappingProxyType
from urllib.parse import urlencode


@dataclass(frozen=True)
class Locator:
    """A selector with the name an error message shows ("message button on the birthday page")."""

    name: str
    css: str

    def __str__(self) -> str:
        return f"{self.name} ({self.css})"


# --- Addresses (relative to settings.LINKEDIN_BASE_URL) ------------------------------------
FEED_PATH = "/feed/"
BIRTHDAYS_PATH = "/mynetwork/catch-up/birthday/"
PEOPLE_SEARCH_PATH = "/search/results/people/"
PROFILE_PATH = "/in/{slug}/"
# Where LinkedIn sends a browser whose session is gone (or that it wants to check: the checkpoint).
CHECKPOINT_PATH_PREFIX = "/checkpoint"
LOGGED_OUT_PATH_PREFIXES = ("/login", "/authwall", CHECKPOINT_PATH_PREFIX, "/uas/login")


def people_search_path(*, keywords: str, page: int) -> str:
    """Location has no public id to put in ``geoUrn``: the driver passes it as extra words."""
    return f"{PEOPLE_SEARCH_PATH}?{urlencode({'keywords': keywords, 'page': page})}"


def profile_path(slug: str) -> str:
    return PROFILE_PATH.format(slug=slug)


# --- Logged in or not: any one of these means the global navigation is there --------------
LOGGED_IN_MARKERS = (
    Locator("global navigation", "#global-nav"),
    Locator("global search box", "input.search-global-typeahead__input"),
    Locator("'me' photo", "img.global-nav__me-photo"),
)

# --- Limits and restrictions: LinkedIn's banners ------------------------------------------------
# Where LinkedIn says so: a global alert under the navigation, an error feedback (the message
# overlay shows one when a send is refused), a toast, or a limit modal. Only these are read, so a
# message in a conversation that quotes the words cannot stop a run.
LIMIT_BANNER = Locator(
    "limit or restriction banner",
    "[role='alert'], [role='alertdialog'], .artdeco-global-alert, .artdeco-inline-feedback--error, "
    "[data-test-artdeco-toast-item-type='error'], .ip-fuse-limit-alert, #ip-fuse-limit-alert__header",
)
# --- Birthdays (catch-up) page ---------------------------------------------------------------
CATCH_UP_SCREEN = Locator("catch-up screen", "div[data-sdui-screen*='CatchUp']")
BIRTHDAY_LIST = Locator("birthday list", "div[data-testid='lazy-column'][role='list']")
# Ads and prompts are list items too; a person's card links to their profile.
BIRTHDAY_CARD = Locator("birthday card", "div[role='listitem']:has(a[href*='/in/'])")
ANY_LIST_ITEM = Locator("list item", "div[role='listitem']")
# What the page announces ("14 birthdays today"): the walk of the lazy list is checked against it.
SCREEN_HEADINGS = Locator("headings of the catch-up screen", "h1, h2, h3")
PROFILE_LINK = Locator("profile link", "a[href*='/in/']")


def card_for_profile(slug: str) -> Locator:
    """A card found again by its profile link, never by a handle that a re-render made stale."""
    return Locator(f"birthday card of /in/{slug}/", f"div[role='listitem']:has(a[href*='/in/{slug}/'])")


# --- Message overlay -------------------------------------------------------------------------
# An open conversation: the composer's form sits inside it, next to the header and thread.
OVERLAY = Locator("message overlay", "div.msg-overlay-conversation-bubble")
OVERLAY_RECIPIENT = Locator("overlay recipient header", "h2.msg-overlay-bubble-header__title")
# The header links to the recipient's profile: compared with the card's, so a namesake cannot pass.
OVERLAY_RECIPIENT_LINK = Locator(
    "overlay recipient profile link", ".msg-overlay-bubble-header a[href*='/in/'], header a[href*='/in/']"
)
COMPOSER = Locator("message composer", "div.msg-form__contenteditable[role='textbox']")
SEND_BUTTON = Locator("send button", "button.msg-form__send-button[type='submit']")
THREAD_MESSAGES = Locator("conversation messages", "ul.msg-s-message-list-content > li")

# --- People search and profiles --------------------------------------------------------------
SEARCH_RESULT = Locator("people search result", "div[data-view-name='people-search-result']")
SEARCH_RESULT_TITLE = Locator("result title link", "a[data-view-name='search-result-lockup-title']")
# Anchor for the zero-results cross-check: the results area exists whatever its content.
SEARCH_MAIN = Locator("search results area", "main")
PROFILE_NAME = Locator("profile name", "h1")


# --- What the pages say, per display language -------------------------------------------------
# LinkedIn shows its pages in the account's display language and says which on ``<html lang>``
# ("fr", "fr-FR"). The driver reads that once per page and reads the page's words through the
# language's table below; a page in a language with no table fails the run (a person switches
# the display language, or a table is added here), because English words on a French page match
# nothing, and a walk that matches nothing could look like "no birthdays today".
HTML_LANG_JS = "() => document.documentElement.getAttribute('lang') || ''"


@dataclass(frozen=True)
class PageTexts:
    """Every word the bots read on LinkedIn's pages in one display language.

    Words are compared folded (bots.text.fold: case, accents and typographic apostrophes
    aside); the ``*_re`` entries are regular expressions over folded text, the number of days
    (or of birthdays) in their one group.
    """

    # The birthday card's button: "Message" on late cards, the wish on today's (matched inside
    # the card only, by Playwright's has-text: case-insensitive, a substring of the label).
    message_buttons: tuple[str, ...]
    close_labels: tuple[str, ...]  # aria-label of the message overlay's close button
    # When a birthday was (a card's date line, bots/dates.py).
    today: tuple[str, ...]
    yesterday: tuple[str, ...]
    tomorrow: tuple[str, ...]
    days_ago_re: str
    days_ahead_re: str
    months: MappingProxyType  # folded month name or abbreviation -> 1..12
    date_orders: tuple[str, ...]  # "month_day" ("Oct 24"), "day_month" ("24 oct.")
    date_prefixes: tuple[str, ...]  # words before a bare date on its own line ("le 24 oct.")
    birthday_words: tuple[str, ...]  # a sentence that holds a date and one of these is a date line
    announced_today_re: str  # the catch-up page's heading "14 birthdays today"
    # A profile page whose heading says the profile is not there (it answered 200 all the same).
    profile_not_found: tuple[str, ...]
    # A limit or restriction banner holding one of these fragments is a limit ("You've reached the
    # weekly limit for profile views" and "... for connection invitations" both match).
    limit_banner: tuple[str, ...]


_EN_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}  # fmt: skip
_FR_MONTHS = {
    "janv": 1, "janvier": 1, "fevr": 2, "fev": 2, "fevrier": 2, "mars": 3, "avr": 4, "avril": 4,
    "mai": 5, "juin": 6, "juil": 7, "juillet": 7, "aout": 8, "sept": 9, "septembre": 9, "oct": 10,
    "octobre": 10, "nov": 11, "novembre": 11, "dec": 12, "decembre": 12,
}  # fmt: skip

# Ordered: the product was first built for French-speaking users, and the error that names the
# supported languages lists them in this order ("supported: fr, en").
PAGE_TEXTS: dict[str, PageTexts] = {
    "fr": PageTexts(
        message_buttons=("Envoyer un message", "Souhaitez un joyeux anniversaire", "Souhaiter un joyeux anniversaire"),
        close_labels=("Fermer", "Fermer la conversation"),
        today=("aujourd'hui",),
        yesterday=("hier",),
        tomorrow=("demain",),
        days_ago_re=r"il y a (\d{1,3}) jours?",  # "Il y a 3 jours"
        days_ahead_re=r"dans (\d{1,3}) jours?",  # "Dans 4 jours"
        months=MappingProxyType(_FR_MONTHS),
        date_orders=("day_month",),  # "12 mars", "le 24 oct.", "24 octobre"
        date_prefixes=("le ",),
        birthday_words=("anniversaire",),
        announced_today_re=r"(\d{1,4}) anniversaires? aujourd'hui",
        profile_not_found=("cette page n'existe pas", "page introuvable", "ce profil n'est pas disponible"),
        limit_banner=(
            "atteint la limite hebdomadaire",  # "Vous avez atteint la limite hebdomadaire d'invitations"
            "atteint la limite mensuelle",  # "Vous avez atteint la limite mensuelle de recherches de profils"
            "limite d’utilisation commerciale",
            "temporairement restreint",  # "Votre compte est temporairement restreint"
            "restreint temporairement votre compte",  # "Nous avons restreint temporairement votre compte"
            "restreint votre compte",
            "compte a été restreint",
            "compte est restreint",
        ),
    ),
    "en": PageTexts(
        message_buttons=("Message", "Say happy birthday"),
        close_labels=("Close", "Close your conversation"),
        today=("today",),
        yesterday=("yesterday",),
        tomorrow=("tomorrow",),
        days_ago_re=r"(\d{1,3}) days? ago",  # "3 days ago"
        days_ahead_re=r"in (\d{1,3}) days?",  # "In 4 days"
        months=MappingProxyType(_EN_MONTHS),
        date_orders=("month_day", "day_month"),  # "Oct 24", "October 24"; "24 Oct" (en-GB)
        date_prefixes=(),
        birthday_words=("birthday",),
        announced_today_re=r"(\d{1,4}) birthdays? today",
        profile_not_found=("this page doesn't exist", "page not found", "this profile is not available"),
        limit_banner=(
            "reached the weekly invitation limit",  # "You've reached the weekly invitation limit"
            "reached the weekly limit",  # "... for profile views", "... for connection invitations"
            "reached the monthly limit",  # "You've reached the monthly limit for profile searches"
            "commercial use limit",  # "You've reached the commercial use limit on search"
            "temporarily restricted",  # "Your account has been temporarily restricted"
            "restricted your account",  # "We've restricted your account temporarily"
            "account has been restricted",
            "account is restricted",
        ),
    ),
}


def _has_text(css: str, texts: tuple[str, ...]) -> str:
    """``css`` holding any of ``texts`` (Playwright's :has-text, quoted for CSS)."""
    return ", ".join(f"{css}:has-text({_quoted(text)})" for text in texts)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def card_message_button(language: str) -> Locator:
    """The birthday card's message button, as the page's language labels it (matched inside the card only)."""
    return Locator(f"message button ({language})", _has_text("button", PAGE_TEXTS[language].message_buttons))


def close_button(language: str) -> Locator:
    """The message overlay's close button, by its aria-label in the page's language."""
    css = ", ".join(f"button[aria-label={_quoted(label)}]" for label in PAGE_TEXTS[language].close_labels)
    return Locator(f"close button ({language})", css)
