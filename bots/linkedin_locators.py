"""Every CSS selector and URL path the bots use on LinkedIn, and nothing else.

LinkedIn rotates its markup often (see docs/linkedin.md). Keeping every locator here
means a change on the site is a change in one file, and the sandbox site renders the same
names, so a bot that passes against the sandbox meets the shapes it was built for. Each
selector has a human name: the driver puts it in the error when the page no longer matches.
"""
from dataclasses import dataclass
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
# What a banner says when the account hit a limit or was restricted, per interface language: a
# line of a banner holding one of these (compared folded: case, accents and apostrophes aside)
# is a limit. Fragments, so that "You've reached the weekly limit for profile views" and "... for
# connection invitations" both match.
LIMIT_BANNER_TEXTS = {
    "en": (
        "reached the weekly invitation limit",  # "You've reached the weekly invitation limit"
        "reached the weekly limit",  # "... for profile views", "... for connection invitations"
        "reached the monthly limit",  # "You've reached the monthly limit for profile searches"
        "commercial use limit",  # "You've reached the commercial use limit on search"
        "temporarily restricted",  # "Your account has been temporarily restricted"
        "restricted your account",  # "We've restricted your account temporarily"
        "account has been restricted",
        "account is restricted",
    ),
    "fr": (
        "atteint la limite hebdomadaire",  # "Vous avez atteint la limite hebdomadaire d'invitations"
        "atteint la limite mensuelle",  # "Vous avez atteint la limite mensuelle de recherches de profils"
        "limite d’utilisation commerciale",
        "temporairement restreint",  # "Votre compte est temporairement restreint"
        "restreint temporairement votre compte",  # "Nous avons restreint temporairement votre compte"
        "restreint votre compte",
        "compte a été restreint",
        "compte est restreint",
    ),
}

# --- Birthdays (catch-up) page ---------------------------------------------------------------
CATCH_UP_SCREEN = Locator("catch-up screen", "div[data-sdui-screen*='CatchUp']")
BIRTHDAY_LIST = Locator("birthday list", "div[data-testid='lazy-column'][role='list']")
# Ads and prompts are list items too; a person's card links to their profile.
BIRTHDAY_CARD = Locator("birthday card", "div[role='listitem']:has(a[href*='/in/'])")
ANY_LIST_ITEM = Locator("list item", "div[role='listitem']")
# What the page announces ("14 birthdays today"): the walk of the lazy list is checked against it.
SCREEN_HEADINGS = Locator("headings of the catch-up screen", "h1, h2, h3")
PROFILE_LINK = Locator("profile link", "a[href*='/in/']")
# The card's button reads "Message" / "Say happy birthday" (EN) or "Envoyer un message" /
# "Souhaiter un joyeux anniversaire" (FR); matched by text inside the card only.
CARD_MESSAGE_BUTTON = Locator(
    "message button",
    "button:has-text('Message'), button:has-text('Say happy birthday'), "
    "button:has-text('Envoyer un message'), button:has-text('Souhaiter un joyeux anniversaire')",
)


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
CLOSE_BUTTON = Locator("close button", "button[aria-label='Close'], button[aria-label='Fermer']")
THREAD_MESSAGES = Locator("conversation messages", "ul.msg-s-message-list-content > li")

# --- People search and profiles --------------------------------------------------------------
SEARCH_RESULT = Locator("people search result", "div[data-view-name='people-search-result']")
SEARCH_RESULT_TITLE = Locator("result title link", "a[data-view-name='search-result-lockup-title']")
# Anchor for the zero-results cross-check: the results area exists whatever its content.
SEARCH_MAIN = Locator("search results area", "main")
PROFILE_NAME = Locator("profile name", "h1")
# A profile address that leads nowhere answers 404, or a page whose heading says so (compared folded).
PROFILE_NOT_FOUND_HEADINGS = (
    "this page doesn't exist",
    "page not found",
    "this profile is not available",
    "cette page n'existe pas",
    "page introuvable",
    "ce profil n'est pas disponible",
)
