"""LinkedIn, page by page: the only code that touches the DOM.

Every method runs on the browser's own thread (see ``bots.browser``) and returns plain data,
never a handle, because LinkedIn's lists re-render while they load. The rules LinkedIn's
automators learned the hard way (docs/linkedin.md) are built in here:

* check the session on every page, and say "session expired" when it is gone, "checkpoint" when
  LinkedIn wants a security check (``SessionLost``); then look for a limit or restriction banner
  ("rate limited": ``RateLimited``), on every page and after every send: one cheap read, no wait;
* read the page's display language (``<html lang>``) on every page and its words through that
  language's table (``linkedin_locators.PAGE_TEXTS``); a language without a table fails the run
  (``UnsupportedLanguage``) before anything is read or sent;
* a selector that matches nothing is a loud ``BotError`` naming it and the page, and "zero
  cards" is cross-checked against profile links on the page before it is believed;
* every locator is scoped to its card or overlay; the overlay's recipient is checked against
  the card's name and, when the header links to a profile, the card's profile, before anything
  is typed (nothing at all is typed in a dry run);
* a message is sent when the conversation shows it, not when the button took a click;
* every wait is capped by the time the run has left (``bots.deadline``), and every loop that
  waits on the page has a bound and says why it gave up.
"""
import time
from dataclasses import dataclass
from urllib.parse import urlparse

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator as PwLocator
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bots import linkedin_locators as L
from bots.deadline import Deadline
from bots.profiles import name_key, slug_from_href
from bots.runner import AccountPushback, BotError, RateLimited, SessionLost, TransientBotError, UnsupportedLanguage
from bots.text import fold

SESSION_HELP = ("log in again and save the session into the run's account: "
                "`python manage.py linkedin_login --account LABEL`, or upload it on the dashboard's Accounts page")


class PageChanged(BotError):
    """A selector no longer matches: raised before anything is sent, so no message is in doubt."""


class ContactProblem(Exception):
    """This contact could not be handled; the run goes on. ``maybe_sent``: the send button was clicked."""

    def __init__(self, reason: str, *, maybe_sent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.maybe_sent = maybe_sent


class ProfileNotFound(ContactProblem):
    """The profile address answered "not found" (404): nobody was visited."""


@dataclass(frozen=True)
class BirthdayCard:
    name: str
    slug: str
    lines: tuple[str, ...]  # the card's text lines without the name: one of them says when

    @property
    def text(self) -> str:
        return " · ".join(self.lines)


@dataclass(frozen=True)
class BirthdayList:
    """The catch-up list as read: its cards, the page's headings, and why the walk stopped short."""

    cards: list[BirthdayCard]
    headings: list[str]
    language: str  # the page's display language: its date lines and headings are read in it first
    incomplete: str | None = None  # None: the list stopped growing over several longer waits


@dataclass(frozen=True)
class SearchResult:
    name: str
    slug: str


# Read every card in one pass: name, profile link and text, before anything re-renders.
_READ_CARDS_JS = """
(cards) => cards.map(card => {
  const links = [...card.querySelectorAll("a[href*='/in/']")];
  const named = links.find(a => a.innerText.trim()) || links[0];
  return {href: named ? named.getAttribute('href') : '', name: named ? named.innerText.trim() : '',
          lines: card.innerText.split('\\n')};
})
"""

_READ_RESULTS_JS = """
(results, titleCss) => results.map(r => {
  const a = r.querySelector(titleCss);
  return {href: a ? a.getAttribute('href') : '', name: a ? a.innerText.trim() : ''};
})
"""

# The text of every banner where LinkedIn says it limited or restricted the account (rendered ones only).
_READ_BANNERS_JS = """
(css) => [...document.querySelectorAll(css)].filter(e => e.getClientRects().length).map(e => e.innerText || '')
"""


def limit_banner_line(texts: list[str]) -> str | None:
    """The first line of these banner texts that says the account hit a limit or was restricted
    (PageTexts.limit_banner, compared folded), spacing collapsed; None when none does.

    In every known language, not only the page's: a banner is a brake, and LinkedIn's own alerts
    may come in another language than the page around them (a missed one costs the account).
    """
    phrases = [fold(phrase) for texts in L.PAGE_TEXTS.values() for phrase in texts.limit_banner]
    for text in texts:
        for line in text.splitlines():
            folded = fold(line)
            if folded and any(phrase in folded for phrase in phrases):
                return " ".join(line.split())
    return None


def display_language(declared: str) -> str:
    """The language of ``PAGE_TEXTS`` a page declaring ``<html lang=declared>`` is read in ("fr-FR" -> "fr").

    Raises UnsupportedLanguage naming what the page declares when no table reads it.
    """
    code = declared.strip().replace("_", "-").split("-")[0].lower()
    if code in L.PAGE_TEXTS:
        return code
    shown = declared.strip() or "an undeclared language (no lang on <html>)"
    raise UnsupportedLanguage(f"LinkedIn is displayed in {shown}; supported: {', '.join(L.PAGE_TEXTS)}")


# The lazy list is complete when this many scrolls in a row added nothing, each waiting longer.
LIST_SETTLE_ATTEMPTS = 3
# Playwright errors in a row (the card re-rendered under the scroll) before the walk gives up.
LIST_ERRORS_IN_A_ROW = 5
_MAX_LIST_SCROLLS = 200


def _without_name(lines: list[str], name: str) -> list[str]:
    """The card's lines with the name taken out once (its own line), not from a headline that holds it."""
    if not name:
        return lines
    for index, line in enumerate(lines):
        if name in line:
            return [*lines[:index], line.replace(name, "", 1).strip(), *lines[index + 1 :]]
    return lines


class LinkedInDriver:
    def __init__(self, *, page: Page, base_url: str, action_timeout_ms: int, scroll_wait_ms: int,
                 send_confirm_ms: int, recycle_page_every: int = 0, deadline: Deadline | None = None,
                 list_max_scrolls: int = _MAX_LIST_SCROLLS) -> None:
        self.page = page
        self.recycle_page_every = recycle_page_every
        self._navigations = 0
        self.base_url = base_url.rstrip("/")
        self.action_timeout_ms = action_timeout_ms
        self.scroll_wait_ms = scroll_wait_ms
        self.send_confirm_ms = send_confirm_ms
        self.deadline = deadline or Deadline(float("inf"))
        self.list_max_scrolls = list_max_scrolls
        self.language: str | None = None  # the display language of the last page opened

    def _language(self) -> str:
        """The page's display language (read from the page when no page was opened through ``_goto``)."""
        return self.language or self._read_language()

    @property
    def texts(self) -> L.PageTexts:
        """The words of the page's display language."""
        return L.PAGE_TEXTS[self._language()]

    def _ms(self, ms: float | None = None) -> float:
        """A wait's timeout: its own (the action timeout by default), or the run's remaining time if shorter."""
        return self.deadline.cap_ms(self.action_timeout_ms if ms is None else ms)

    # --- pages and session ---------------------------------------------------------------
    def _recycle_page(self) -> None:
        """A tab that navigated many times keeps growing; a fresh one (same session) starts small."""
        fresh = self.page.context.new_page()
        self.page.close()
        self.page = fresh
        self._navigations = 0

    def _goto(self, path: str, page_name: str, *, not_found_ok: bool = False) -> int | None:
        """Open ``path`` and check the session; returns the HTTP status (a 404 is returned, not checked, when ok)."""
        if self.recycle_page_every and self._navigations >= self.recycle_page_every:
            self._recycle_page()
        self._navigations += 1
        timeout = self._ms()
        try:
            response = self.page.goto(self.base_url + path, wait_until="domcontentloaded", timeout=timeout)
        except PlaywrightTimeout:
            self.deadline.check(f"loading the {page_name} page")
            # A navigation timeout: the network or LinkedIn was slow; another attempt may get through.
            raise TransientBotError(f"the {page_name} page did not load within {timeout:.0f} ms") from None
        status = response.status if response is not None else None
        if not (not_found_ok and status == 404):
            self._check_session(page_name)
            self._check_limit()
            self._read_language()
        return status

    def _read_language(self) -> str:
        """Once per page: which table its words are read through (UnsupportedLanguage when none)."""
        try:
            declared = self.page.evaluate(L.HTML_LANG_JS)
        except PlaywrightError as exc:
            raise BotError(f"could not read the page's display language: {str(exc).splitlines()[0]}") from None
        self.language = display_language(declared)
        return self.language

    def _session_lost(self, page_name: str) -> SessionLost | None:
        """Where the page is says the session is gone (a login wall) or under a checkpoint; no wait."""
        path = urlparse(self.page.url).path
        if path.startswith(L.CHECKPOINT_PATH_PREFIX):
            return SessionLost(
                f"checkpoint: LinkedIn asks for a security check ({path}); pass it when you log in again, "
                f"then {SESSION_HELP.removeprefix('log in again and ')}"
            )
        if path.startswith(L.LOGGED_OUT_PATH_PREFIXES):
            return SessionLost(f"session expired: LinkedIn sent the {page_name} page to {path}; {SESSION_HELP}")
        return None

    def _check_session(self, page_name: str) -> None:
        if lost := self._session_lost(page_name):
            raise lost
        markers = ", ".join(m.css for m in L.LOGGED_IN_MARKERS)
        try:
            self.page.locator(markers).first.wait_for(state="attached", timeout=self._ms())
        except PlaywrightTimeout:
            self.deadline.check(f"checking the session on the {page_name} page")
            names = ", ".join(str(m) for m in L.LOGGED_IN_MARKERS)
            raise SessionLost(
                f"session expired: the {page_name} page has no global navigation ({names}); {SESSION_HELP}"
            ) from None

    def _limit_banner(self) -> str | None:
        """What a limit or restriction banner on the page says, or None: one evaluate, no wait."""
        try:
            texts = self.page.evaluate(_READ_BANNERS_JS, L.LIMIT_BANNER.css)
        except PlaywrightError:
            return None  # the page is going elsewhere (a checkpoint?): the session check says where
        return limit_banner_line(texts)

    def _rate_limited(self) -> RateLimited | None:
        line = self._limit_banner()
        return RateLimited(f"rate limited: LinkedIn says '{line}'") if line else None

    def _check_limit(self) -> None:
        if limited := self._rate_limited():
            raise limited

    def _pushback(self, page_name: str) -> AccountPushback | None:
        """LinkedIn pushing back on the page as it is now (checkpoint, login wall, limit banner), or None."""
        return self._session_lost(page_name) or self._rate_limited()

    def check_pushback(self, page_name: str) -> None:
        """Raise SessionLost or RateLimited when the page, as it is now, shows LinkedIn pushing back.

        Cheap (the address, one evaluate, no wait): the birthday bot calls it after each confirmed
        send, where no page load would check.
        """
        if pushback := self._pushback(page_name):
            raise pushback

    def _require(self, scope: Page | PwLocator, locator: L.Locator, where: str) -> PwLocator:
        found = scope.locator(locator.css).first
        try:
            found.wait_for(state="attached", timeout=self._ms())
        except PlaywrightTimeout:
            self.deadline.check(f"looking for the {locator.name} on {where}")
            raise PageChanged(f"selector {locator} not found on {where}: the page changed?") from None
        return found

    def ensure_logged_in(self) -> str:
        """Open the feed: the session, the limit banners and the display language (returned) are checked there,
        before any page a bot acts on."""
        self._goto(L.FEED_PATH, "feed")
        return self._language()

    # --- birthdays -------------------------------------------------------------------------
    def birthday_cards(self) -> BirthdayList:
        """Every card of the catch-up list (see ``_walk_list``), read in one pass, and the page's headings."""
        self._goto(L.BIRTHDAYS_PATH, "birthday")
        screen = self._require(self.page, L.CATCH_UP_SCREEN, "the birthday page")
        listing = self._require(screen, L.BIRTHDAY_LIST, "the birthday page")
        incomplete = self._walk_list(listing)
        raw = listing.locator(L.BIRTHDAY_CARD.css).evaluate_all(_READ_CARDS_JS)
        if not raw:
            self._cross_check_empty(screen, "birthday card", L.BIRTHDAY_CARD, "the birthday page")
        found: dict[str, BirthdayCard] = {}
        for item in raw:
            slug = slug_from_href(item["href"] or "")
            if not slug or slug in found:
                continue
            lines = _without_name([" ".join(line.split()) for line in item["lines"]], " ".join(item["name"].split()))
            found[slug] = BirthdayCard(name=item["name"], slug=slug, lines=tuple(line for line in lines if line))
        headings = [" ".join(text.split()) for text in screen.locator(L.SCREEN_HEADINGS.css).all_inner_texts()]
        return BirthdayList(cards=list(found.values()), headings=headings, language=self._language(),
                            incomplete=incomplete)

    def _walk_list(self, listing: PwLocator) -> str | None:
        """Scroll the last card into view until the list stops growing; None when it did, else why not.

        A slow page may take longer than BOT_SCROLL_WAIT_MS to add cards: the list is complete
        only after LIST_SETTLE_ATTEMPTS scrolls in a row added nothing, each waiting one
        BOT_SCROLL_WAIT_MS longer than the last. Bounded: at most ``list_max_scrolls`` scrolls
        and LIST_ERRORS_IN_A_ROW Playwright errors in a row, and never past the run's deadline.
        """
        cards = listing.locator(L.BIRTHDAY_CARD.css)
        grown_css = f"{L.BIRTHDAY_LIST.css} {L.BIRTHDAY_CARD.css}"
        count = cards.count()
        still = errors = 0
        for _ in range(self.list_max_scrolls):
            if not count:
                return None  # an empty list: _cross_check_empty decides whether to believe it
            wait_ms = self.scroll_wait_ms * (still + 1)
            try:
                cards.nth(count - 1).scroll_into_view_if_needed(timeout=self._ms())
                self.page.wait_for_function(
                    "([css, n]) => document.querySelectorAll(css).length > n",
                    arg=[grown_css, count],
                    timeout=self._ms(wait_ms),
                )
            except PlaywrightTimeout:
                self.deadline.check("reading the birthday list")
                still += 1
                if still >= LIST_SETTLE_ATTEMPTS:
                    return None  # stopped growing, even given longer: the list is complete
            except PlaywrightError as exc:  # the card re-rendered under the scroll: count again, retry
                errors += 1
                if errors >= LIST_ERRORS_IN_A_ROW:
                    first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                    return f"the list failed to scroll {errors} times in a row ({first_line}) after {count} cards"
            else:
                still = errors = 0
            count = cards.count()
        return f"the list was still growing after {self.list_max_scrolls} scrolls ({count} cards)"

    def _cross_check_empty(self, scope: PwLocator, what: str, locator: L.Locator, where: str) -> None:
        """Zero results is believed only when the page shows no profile link either (lesson 2)."""
        links = scope.locator(L.PROFILE_LINK.css).count()
        if links:
            raise PageChanged(
                f"selector {locator} found no {what} on {where}, yet the page links to {links} profile(s): "
                "the page changed, refusing to report zero"
            )

    def message_card(self, *, slug: str, name: str, text: str, send: bool) -> str:
        """Open the card's conversation, check it is ``name``'s (and ``slug``'s); type and send ``text`` when ``send``.

        Returns "sent" (seen in the thread) or "checked" (dry run: the overlay was verified and
        nothing typed). Raises ContactProblem when this contact cannot be handled, BotError when
        the page no longer matches the selectors.
        """
        card = self.page.locator(L.card_for_profile(slug).css).first
        if not card.count():
            raise ContactProblem("the card left the birthday list before it could be opened")
        message_button = L.card_message_button(self._language())
        button = card.locator(message_button.css).first
        if not button.count():
            raise PageChanged(f"selector {message_button} not found in the card of {name} on the birthday page")
        # Mark the conversations already open: the one the click opens is the unmarked one.
        self.page.locator(L.OVERLAY.css).evaluate_all("els => els.forEach(e => e.setAttribute('data-bot-seen', ''))")
        button.click(timeout=self._ms())
        overlay = self.page.locator(f"{L.OVERLAY.css}:not([data-bot-seen])").first
        try:
            overlay.wait_for(state="visible", timeout=self._ms())
        except PlaywrightTimeout:
            self.deadline.check(f"opening the conversation with {name}")
            raise PageChanged(
                f"selector {L.OVERLAY} not found on the birthday page after clicking the message button of {name}"
            ) from None
        try:
            return self._write_in_overlay(overlay, slug=slug, name=name, text=text, send=send)
        finally:
            self._close_overlay(overlay)

    def _check_recipient(self, overlay: PwLocator, *, slug: str, name: str) -> None:
        """Lesson 3: the overlay names the card's person, and links to the card's profile when it links at all."""
        where = "the message overlay"
        recipient = self._require(overlay, L.OVERLAY_RECIPIENT, where).inner_text(timeout=self._ms()).strip()
        if name_key(recipient) != name_key(name):
            raise ContactProblem(f"the message dialog is addressed to {recipient!r}, not {name!r}: nothing typed")
        links = overlay.locator(L.OVERLAY_RECIPIENT_LINK.css)
        hrefs = [href for href in links.evaluate_all("els => els.map(a => a.getAttribute('href'))") if href]
        other = sorted({found for found in map(slug_from_href, hrefs) if found and found != slug})
        if other:
            raise ContactProblem(
                f"the message dialog links to /in/{other[0]}/, not the card's /in/{slug}/ "
                f"(a namesake of {name!r}?): nothing typed"
            )

    def _write_in_overlay(self, overlay: PwLocator, *, slug: str, name: str, text: str, send: bool) -> str:
        where = "the message overlay"
        self._check_recipient(overlay, slug=slug, name=name)
        composer = self._require(overlay, L.COMPOSER, where)
        send_button = self._require(overlay, L.SEND_BUTTON, where)
        if not send:
            return "checked"  # dry run: typing shows on the recipient's side, so nothing is typed
        composer.click(timeout=self._ms())
        composer.fill(text, timeout=self._ms())
        thread = overlay.locator(L.THREAD_MESSAGES.css)
        before = thread.count()
        try:
            send_button.click(timeout=self._ms())
        except PlaywrightTimeout:
            self.deadline.check(f"sending the message to {name}")
            raise ContactProblem("the send button stayed disabled or hidden: nothing sent") from None
        if self._message_shown(thread, composer, before=before, text=text):
            return "sent"
        self.deadline.check(f"confirming the message to {name}")
        if pushback := self._pushback("birthday"):
            # The send was refused by a checkpoint or a limit, or so it seems: the click happened, so
            # the bot keeps this message as unknown (never retried) and the run stops.
            raise pushback
        raise ContactProblem(
            "send was clicked but the message did not appear in the conversation: outcome unknown",
            maybe_sent=True,
        )

    def _message_shown(self, thread: PwLocator, composer: PwLocator, *, before: int, text: str) -> bool:
        """Lesson 1: the thread shows the new message and the composer emptied (bounded by time).

        Gives up early when LinkedIn pushes back instead (a checkpoint took the page away, a limit
        banner showed): the caller says which.
        """
        wanted = " ".join(text.split())

        def shown() -> bool:
            try:
                count = thread.count()
                if count > before:
                    last = " ".join(thread.nth(count - 1).inner_text(timeout=self._ms()).split())
                    return wanted in last and not composer.inner_text(timeout=self._ms()).strip()
            except PlaywrightError:
                pass  # the page went away under the check (a checkpoint redirect): the caller sees where
            return False

        stop = time.monotonic() + self.send_confirm_ms / 1000
        while time.monotonic() < stop and not self.deadline.reached():
            if shown():
                return True
            if self._pushback("birthday") is not None:
                return shown()  # a last look: the banner may have come with the message
            self.page.wait_for_timeout(self._ms(150))
        return False

    def _close_overlay(self, overlay: PwLocator) -> None:
        try:
            close = overlay.locator(L.close_button(self._language()).css).first
            if close.count():
                close.click(timeout=self._ms())
        except PlaywrightError:
            pass  # an overlay left open harms nothing: the next one is found by its mark

    # --- people search and profiles ----------------------------------------------------------
    def search_people(self, *, keywords: str, page_number: int) -> list[SearchResult]:
        """One page of people search results; an empty list means the walk is over."""
        where = f"page {page_number} of the people search"
        self._goto(L.people_search_path(keywords=keywords, page=page_number), f"people search (page {page_number})")
        main = self._require(self.page, L.SEARCH_MAIN, where)
        results = main.locator(L.SEARCH_RESULT.css)
        try:
            results.first.wait_for(state="attached", timeout=self._ms(self.scroll_wait_ms))
        except PlaywrightTimeout:
            self.deadline.check(f"reading {where}")
            self._cross_check_empty(main, "result", L.SEARCH_RESULT, where)
            return []
        found: dict[str, SearchResult] = {}
        for item in results.evaluate_all(_READ_RESULTS_JS, L.SEARCH_RESULT_TITLE.css):
            slug = slug_from_href(item["href"] or "")
            if not slug:
                raise PageChanged(f"selector {L.SEARCH_RESULT_TITLE} not found in a result on {where}")
            found.setdefault(slug, SearchResult(name=item["name"], slug=slug))
        return list(found.values())

    def visit_profile(self, *, slug: str) -> str:
        """Open the profile (that is the visit LinkedIn records) and return the name it shows.

        Raises ProfileNotFound when the address answers 404 or a "page not found" heading: no visit.
        """
        where = f"the profile page /in/{slug}/"
        status = self._goto(L.profile_path(slug), f"profile /in/{slug}/", not_found_ok=True)
        if status == 404:
            raise ProfileNotFound(f"the profile /in/{slug}/ answered 404 (not found): no visit")
        heading = self._require(self.page, L.PROFILE_NAME, where).inner_text(timeout=self._ms()).strip()
        if fold(heading) in {fold(text) for text in self.texts.profile_not_found}:
            raise ProfileNotFound(f"the profile /in/{slug}/ says {heading!r}: no visit")
        return heading
