"""LinkedIn, page by page: the only code that touches the DOM.

Every method runs on the browser's own thread (see ``bots.browser``) and returns plain data,
never a handle, because LinkedIn's lists re-render while they load. The rules LinkedIn's
automators learned the hard way (LINKEDIN.md) are built in here:

* check the session on every page, and say "session expired" when it is gone;
* a selector that matches nothing is a loud ``BotError`` naming it and the page, and "zero
  cards" is cross-checked against profile links on the page before it is believed;
* every locator is scoped to its card or overlay; the overlay's recipient is checked against
  the card's name before anything is typed;
* a message is sent when the conversation shows it, not when the button took a click.
"""
import time
from dataclasses import dataclass
from urllib.parse import urlparse

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator as PwLocator
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bots import linkedin_locators as L
from bots.profiles import name_key, slug_from_href
from bots.runner import BotError

SESSION_HELP = "log in again with `python manage.py linkedin_login`"


class PageChanged(BotError):
    """A selector no longer matches: raised before anything is sent, so no message is in doubt."""


class ContactProblem(Exception):
    """This contact could not be handled; the run goes on. ``maybe_sent``: the send button was clicked."""

    def __init__(self, reason: str, *, maybe_sent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.maybe_sent = maybe_sent


@dataclass(frozen=True)
class BirthdayCard:
    name: str
    slug: str
    text: str  # the card's text without the name: where "Yesterday" / "le 24 oct." is


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
          text: card.innerText};
})
"""

_READ_RESULTS_JS = """
(results, titleCss) => results.map(r => {
  const a = r.querySelector(titleCss);
  return {href: a ? a.getAttribute('href') : '', name: a ? a.innerText.trim() : ''};
})
"""


class LinkedInDriver:
    def __init__(self, *, page: Page, base_url: str, action_timeout_ms: int, scroll_wait_ms: int,
                 send_confirm_ms: int, recycle_page_every: int = 0) -> None:
        self.page = page
        self.recycle_page_every = recycle_page_every
        self._navigations = 0
        self.base_url = base_url.rstrip("/")
        self.action_timeout_ms = action_timeout_ms
        self.scroll_wait_ms = scroll_wait_ms
        self.send_confirm_ms = send_confirm_ms

    # --- pages and session ---------------------------------------------------------------
    def _recycle_page(self) -> None:
        """A tab that navigated many times keeps growing; a fresh one (same session) starts small."""
        fresh = self.page.context.new_page()
        self.page.close()
        self.page = fresh
        self._navigations = 0

    def _goto(self, path: str, page_name: str) -> None:
        if self.recycle_page_every and self._navigations >= self.recycle_page_every:
            self._recycle_page()
        self._navigations += 1
        try:
            self.page.goto(self.base_url + path, wait_until="domcontentloaded", timeout=self.action_timeout_ms)
        except PlaywrightTimeout:
            raise BotError(f"the {page_name} page did not load within {self.action_timeout_ms} ms") from None
        self._check_session(page_name)

    def _check_session(self, page_name: str) -> None:
        path = urlparse(self.page.url).path
        if path.startswith(L.LOGGED_OUT_PATH_PREFIXES):
            raise BotError(f"session expired: LinkedIn sent the {page_name} page to {path}; {SESSION_HELP}")
        markers = ", ".join(m.css for m in L.LOGGED_IN_MARKERS)
        try:
            self.page.locator(markers).first.wait_for(state="attached", timeout=self.action_timeout_ms)
        except PlaywrightTimeout:
            names = ", ".join(str(m) for m in L.LOGGED_IN_MARKERS)
            raise BotError(
                f"session expired: the {page_name} page has no global navigation ({names}); {SESSION_HELP}"
            ) from None

    def _require(self, scope: Page | PwLocator, locator: L.Locator, where: str) -> PwLocator:
        found = scope.locator(locator.css).first
        try:
            found.wait_for(state="attached", timeout=self.action_timeout_ms)
        except PlaywrightTimeout:
            raise PageChanged(f"selector {locator} not found on {where}: the page changed?") from None
        return found

    def ensure_logged_in(self) -> None:
        self._goto(L.FEED_PATH, "feed")

    # --- birthdays -------------------------------------------------------------------------
    def birthday_cards(self) -> list[BirthdayCard]:
        """Every card of the catch-up list, scrolling the last card into view until none is added."""
        self._goto(L.BIRTHDAYS_PATH, "birthday")
        screen = self._require(self.page, L.CATCH_UP_SCREEN, "the birthday page")
        listing = self._require(screen, L.BIRTHDAY_LIST, "the birthday page")
        cards = listing.locator(L.BIRTHDAY_CARD.css)
        count = cards.count()
        while count:
            try:
                cards.nth(count - 1).scroll_into_view_if_needed(timeout=self.action_timeout_ms)
                self.page.wait_for_function(
                    "([css, n]) => document.querySelectorAll(css).length > n",
                    arg=[f"{L.BIRTHDAY_LIST.css} {L.BIRTHDAY_CARD.css}", count],
                    timeout=self.scroll_wait_ms,
                )
            except PlaywrightTimeout:
                break  # the scroll added nothing: the list is complete
            except PlaywrightError:
                pass  # the card re-rendered under the scroll: count again and retry
            count = cards.count()
        raw = listing.locator(L.BIRTHDAY_CARD.css).evaluate_all(_READ_CARDS_JS)
        if not raw:
            self._cross_check_empty(screen, "birthday card", L.BIRTHDAY_CARD, "the birthday page")
        found: dict[str, BirthdayCard] = {}
        for item in raw:
            slug = slug_from_href(item["href"] or "")
            if not slug or slug in found:
                continue
            text = item["text"].replace(item["name"], " ", 1) if item["name"] else item["text"]
            found[slug] = BirthdayCard(name=item["name"], slug=slug, text=" ".join(text.split()))
        return list(found.values())

    def _cross_check_empty(self, scope: PwLocator, what: str, locator: L.Locator, where: str) -> None:
        """Zero results is believed only when the page shows no profile link either (lesson 2)."""
        links = scope.locator(L.PROFILE_LINK.css).count()
        if links:
            raise PageChanged(
                f"selector {locator} found no {what} on {where}, yet the page links to {links} profile(s): "
                "the page changed, refusing to report zero"
            )

    def message_card(self, *, slug: str, name: str, text: str, send: bool) -> str:
        """Open the card's conversation, check it names ``name``, type ``text``; send when ``send``.

        Returns "sent" (seen in the thread) or "typed" (dry run). Raises ContactProblem when this
        contact cannot be handled, BotError when the page no longer matches the selectors.
        """
        card = self.page.locator(L.card_for_profile(slug).css).first
        if not card.count():
            raise ContactProblem("the card left the birthday list before it could be opened")
        button = card.locator(L.CARD_MESSAGE_BUTTON.css).first
        if not button.count():
            raise PageChanged(f"selector {L.CARD_MESSAGE_BUTTON} not found in the card of {name} on the birthday page")
        # Mark the conversations already open: the one the click opens is the unmarked one.
        self.page.locator(L.OVERLAY.css).evaluate_all("els => els.forEach(e => e.setAttribute('data-bot-seen', ''))")
        button.click(timeout=self.action_timeout_ms)
        overlay = self.page.locator(f"{L.OVERLAY.css}:not([data-bot-seen])").first
        try:
            overlay.wait_for(state="visible", timeout=self.action_timeout_ms)
        except PlaywrightTimeout:
            raise PageChanged(
                f"selector {L.OVERLAY} not found on the birthday page after clicking the message button of {name}"
            ) from None
        try:
            return self._write_in_overlay(overlay, name=name, text=text, send=send)
        finally:
            self._close_overlay(overlay)

    def _write_in_overlay(self, overlay: PwLocator, *, name: str, text: str, send: bool) -> str:
        where = "the message overlay"
        recipient = self._require(overlay, L.OVERLAY_RECIPIENT, where).inner_text().strip()
        if name_key(recipient) != name_key(name):
            raise ContactProblem(f"the message dialog is addressed to {recipient!r}, not {name!r}: nothing typed")
        composer = self._require(overlay, L.COMPOSER, where)
        send_button = self._require(overlay, L.SEND_BUTTON, where)
        composer.click(timeout=self.action_timeout_ms)
        composer.fill(text, timeout=self.action_timeout_ms)
        if not send:
            composer.fill("", timeout=self.action_timeout_ms)
            return "typed"
        thread = overlay.locator(L.THREAD_MESSAGES.css)
        before = thread.count()
        try:
            send_button.click(timeout=self.action_timeout_ms)
        except PlaywrightTimeout:
            raise ContactProblem("the send button stayed disabled or hidden: nothing sent") from None
        if self._message_shown(thread, composer, before=before, text=text):
            return "sent"
        raise ContactProblem(
            "send was clicked but the message did not appear in the conversation: outcome unknown",
            maybe_sent=True,
        )

    def _message_shown(self, thread: PwLocator, composer: PwLocator, *, before: int, text: str) -> bool:
        """Lesson 1: the thread shows the new message and the composer emptied."""
        wanted = " ".join(text.split())
        stop = time.monotonic() + self.send_confirm_ms / 1000
        while time.monotonic() < stop:
            count = thread.count()
            if count > before:
                last = " ".join(thread.nth(count - 1).inner_text().split())
                if wanted in last and not composer.inner_text().strip():
                    return True
            self.page.wait_for_timeout(150)
        return False

    def _close_overlay(self, overlay: PwLocator) -> None:
        try:
            close = overlay.locator(L.CLOSE_BUTTON.css).first
            if close.count():
                close.click(timeout=self.action_timeout_ms)
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
            results.first.wait_for(state="attached", timeout=self.scroll_wait_ms)
        except PlaywrightTimeout:
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
        """Open the profile (that is the visit LinkedIn records) and return the name it shows."""
        self._goto(L.profile_path(slug), f"profile /in/{slug}/")
        heading = self._require(self.page, L.PROFILE_NAME, f"the profile page /in/{slug}/")
        return heading.inner_text().strip()
