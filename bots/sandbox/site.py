"""The sandbox as a WSGI app: LinkedIn-shaped pages plus ``/__sandbox__/`` control endpoints.

Control (JSON):
  GET  /__sandbox__/state           messages sent, profiles visited, text typed in composers, the scenario
  POST /__sandbox__/reset           forget records; body (optional) = scenario changes over the default
  POST /__sandbox__/faults          turn faults on/off, e.g. {"wrong_recipient": ["alice-martin-0"]}

LinkedIn pushing back (faults ``checkpoint*`` and ``limit*``, see scenario.FAULTS): a checkpoint
redirects every logged-in page to ``/checkpoint/challenge/AgH...`` (a security check without the
global navigation); a limit shows LinkedIn's banner on the feed, birthday, search and profile
pages. The send endpoint refuses while either is on (403 with where the page goes, 429 with the
banner the conversation shows), so nothing more is recorded.
"""
import base64
import hashlib
import json
import threading
import time
from datetime import UTC, date, datetime
from html import escape
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, quote, urlparse
from zoneinfo import ZoneInfo

from bots.sandbox import pages
from bots.sandbox.scenario import (
    DECOY,
    SESSION_COOKIE,
    SESSION_TOKEN,
    WRONG_PERSON,
    default_scenario,
    is_today,
    person,
    scenario_merge,
    when_text,
)

HANG_SECONDS = 60  # "never answers", as far as a bot run is concerned

Response = tuple[str, list[tuple[str, str]], bytes]


class SandboxSite:
    def __init__(self, scenario: dict[str, Any] | None = None) -> None:
        self._lock = threading.Lock()
        self.scenario = scenario_merge(default_scenario(), scenario or {})
        self.messages: list[dict[str, Any]] = []
        self.visits: list[dict[str, Any]] = []
        self.typed: list[dict[str, Any]] = []

    # --- state ---------------------------------------------------------------------------------
    def reset(self, changes: dict[str, Any] | None = None) -> None:
        scenario = scenario_merge(default_scenario(), changes or {})
        with self._lock:
            self.scenario, self.messages, self.visits, self.typed = scenario, [], [], []

    def set_faults(self, faults: dict[str, Any]) -> None:
        scenario = scenario_merge(self.scenario, {"faults": faults})
        with self._lock:
            self.scenario = scenario

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {"messages": list(self.messages), "visits": list(self.visits), "typed": list(self.typed),
                    "scenario": self.scenario}

    def _record(self, kind: list[dict[str, Any]], entry: dict[str, Any]) -> None:
        with self._lock:
            kind.append({**entry, "at": datetime.now(UTC).isoformat()})

    # --- WSGI ----------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        try:
            status, headers, body = self._route(environ)
        except ValueError as exc:
            status, headers, body = _json({"error": str(exc)}, "400 Bad Request")
        start_response(status, headers + [("Content-Length", str(len(body)))])
        return [body]

    def _route(self, environ: dict[str, Any]) -> Response:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/")
        query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        if path.startswith("/__sandbox__/"):
            return self._control(method, path, query, environ)
        faults = self.scenario["faults"]
        if faults["slow_ms"]:
            time.sleep(faults["slow_ms"] / 1000)
        if path in ("/login", "/login/", "/authwall"):
            if method == "POST":
                cookie = f"{SESSION_COOKIE}={SESSION_TOKEN}; Path=/; HttpOnly; SameSite=Lax"
                return "302 Found", [("Location", "/feed/"), ("Set-Cookie", cookie)], b""
            return self._html(pages.login_page(self._language()))
        if path.startswith("/checkpoint/"):
            return self._html(pages.checkpoint_page(self._language()))
        if not self._logged_in(environ):
            target = "/authwall" if faults["expired_session"] or faults["expire_after_visits"] is not None else "/login"
            return "302 Found", [("Location", f"{target}?session_redirect={quote(path)}")], b""
        if self._checkpoint_active():
            return "302 Found", [("Location", _checkpoint_location(path))], b""
        if path == "/" or path == "/feed/":
            return self._html(pages.feed_page(language=self._language(), banner=self._banner("restricted")))
        if path in ("/mynetwork/catch-up/birthday/", "/mynetwork/catch-up/all/"):
            return self._html(self._birthday_page())
        if path == "/search/results/people/":
            return self._html(self._search_page(query))
        if path.startswith("/in/") and path.endswith("/") and path.count("/") == 3:
            return self._profile(path.split("/")[2])
        return self._html(pages.not_found_page(self._language()), "404 Not Found")

    def _language(self) -> str:
        return self.scenario["language"]

    def _html(self, text: str, status: str = "200 OK") -> Response:
        """A page as served: with the ``html_lang`` fault on, it declares that language instead of its own
        (its words stay the scenario's), so only what the page declares tells the bots it is not theirs."""
        declared = self.scenario["faults"]["html_lang"]
        if declared is not None:
            text = text.replace(f"<html lang='{self._language()}'>", f"<html lang='{escape(declared)}'>", 1)
        return _html(text, status)

    def _logged_in(self, environ: dict[str, Any]) -> bool:
        faults = self.scenario["faults"]
        if faults["expired_session"]:
            return False
        if faults["expire_after_visits"] is not None and len(self.visits) >= faults["expire_after_visits"]:
            return False
        cookie = SimpleCookie(environ.get("HTTP_COOKIE", ""))
        return SESSION_COOKIE in cookie and cookie[SESSION_COOKIE].value == SESSION_TOKEN

    def _checkpoint_active(self) -> bool:
        faults = self.scenario["faults"]
        return (bool(faults["checkpoint"]) or _reached(faults["checkpoint_after_sent"], len(self.messages))
                or _reached(faults["checkpoint_after_visits"], len(self.visits)))

    def _limit_language(self) -> str | None:
        """The language of the limit banner when one shows (the fault's, else the scenario's), else None."""
        faults = self.scenario["faults"]
        if faults["limit_banner"]:
            return faults["limit_banner"]
        if _reached(faults["limit_after_sent"], len(self.messages)) or _reached(faults["limit_after_visits"],
                                                                                 len(self.visits)):
            return self.scenario["language"]
        return None

    def _banner(self, kind: str, *, inline: bool = False) -> str:
        language = self._limit_language()
        return pages.limit_banner(language, kind, inline=inline) if language else ""

    def _message_post(self, environ: dict[str, Any]) -> Response:
        message = _body(environ)
        if self._checkpoint_active():  # the conversation's page is sent to the security check
            referer = urlparse(environ.get("HTTP_REFERER", "")).path or "/messaging/"
            return _json({"error": "checkpoint", "redirect": _checkpoint_location(referer)}, "403 Forbidden")
        if banner := self._banner("restricted", inline=True):
            return _json({"error": "limit reached", "banner": banner}, "429 Too Many Requests")
        hang_after = self.scenario["faults"]["hang_after_sent"]
        if hang_after is not None and len(self.messages) >= hang_after:
            time.sleep(HANG_SECONDS)
            return _json({"error": "timed out"}, "504 Gateway Timeout")
        self._record(self.messages, {"to": message["slug"], "name": message["name"], "text": message["text"]})
        answer: dict[str, Any] = {"ok": True}
        if banner := self._banner("restricted"):  # this message reached the limit: the page shows it at once
            answer["banner"] = banner
        return _json(answer)

    def _control(self, method: str, path: str, query: dict[str, str], environ: dict[str, Any]) -> Response:
        if path == "/__sandbox__/state" and method == "GET":
            return _json(self.state())
        if path == "/__sandbox__/reset" and method == "POST":
            self.reset(_body(environ))
            return _json({"ok": True})
        if path == "/__sandbox__/faults" and method == "POST":
            self.set_faults(_body(environ))
            return _json({"ok": True, "faults": self.scenario["faults"]})
        if path == "/__sandbox__/api/birthday-cards" and method == "GET":
            return _json(self._cards_batch(int(query.get("offset", 0))))
        if path == "/__sandbox__/api/messages" and method == "POST":
            return self._message_post(environ)
        if path == "/__sandbox__/api/typing" and method == "POST":
            typing = _body(environ)
            self._record(self.typed, {"in": typing["slug"], "text": typing["text"]})
            return _json({"ok": True})
        return _json({"error": f"no control endpoint {method} {path}"}, "404 Not Found")

    # --- pages ---------------------------------------------------------------------------------
    def _labels(self) -> dict[str, str]:
        return pages.LABELS[self._language()]

    def _cards_html(self) -> list[str]:
        today = datetime.now(ZoneInfo(self.scenario["timezone"])).date()
        with_button = not self.scenario["faults"]["missing_button"]
        html = []
        for index, birthday in enumerate(self.scenario["birthdays"]):
            card = {**birthday, "when": when_text(birthday, today=today, default_lang=self._language()),
                    "today": is_today(birthday)}
            html.append(pages.birthday_card(card, labels=self._labels(), with_button=with_button))
            if index == 1:
                html.append(pages.ad_card(self._labels()))
        return html

    def _cards_batch(self, offset: int) -> dict[str, Any]:
        """The lazy list's next batch; the faults make it stall (never done) or never end."""
        faults, size = self.scenario["faults"], self.scenario["batch_size"]
        if faults["endless_list"]:
            more = [{**person(offset + i), "slug": f"endless-{offset + i}", "days_ago": 0} for i in range(size)]
            labels, with_button = self._labels(), not faults["missing_button"]
            today = when_text({"days_ago": 0}, today=date.today(), default_lang=self._language())
            return {"cards": [pages.birthday_card({**b, "when": today, "today": True}, labels=labels,
                                                  with_button=with_button) for b in more], "done": False}
        cards = self._cards_html()
        stall = faults["list_stalls_after"]
        if stall is not None and offset >= stall:
            return {"cards": [], "done": False}
        end = offset + size if stall is None else min(offset + size, stall)
        batch = cards[offset:end]
        return {"cards": batch, "done": stall is None and offset + len(batch) >= len(cards)}

    def _birthday_page(self) -> str:
        first = self._cards_batch(0)
        faults = self.scenario["faults"]
        conf = {
            "loaded": len(first["cards"]),
            "done": first["done"],
            "stale": faults["stale_cards"],
            "wrongRecipient": faults["wrong_recipient"],
            "noEcho": faults["no_echo"],
            "droppedSend": faults["dropped_send"],
            "namesake": faults["namesake_recipient"],
            "listDelayMs": faults["slow_list_ms"],
            "wrongPerson": WRONG_PERSON,
            "decoy": DECOY if faults["decoy_overlay"] else None,
            "labels": self._labels(),
        }
        today_count = sum(1 for birthday in self.scenario["birthdays"] if is_today(birthday))
        return pages.birthday_page(cards_html=first["cards"], conf=conf, today_count=today_count,
                                   language=self._language(), banner=self._banner("restricted"))

    def _search_page(self, query: dict[str, str]) -> str:
        keywords = query.get("keywords", "")
        words = keywords.lower().split()
        matches = [
            p for p in self.scenario["people"]
            if all(w in f"{p['name']} {p['headline']} {p['location']}".lower() for w in words)
        ]
        size = self.scenario["page_size"]
        page = max(int(query.get("page", 1) or 1), 1)
        return pages.search_page(keywords=keywords, results=matches[(page - 1) * size : page * size],
                                 total=len(matches), page=page, pages=-(-len(matches) // size),
                                 language=self._language(), banner=self._banner("search"))

    def _profile(self, slug: str) -> Response:
        people = {p["slug"]: p for p in self.scenario["birthdays"] + self.scenario["people"]}
        person = people.get(slug)
        language = self._language()
        if person is None or person.get("gone") is True:
            return self._html(pages.profile_page(None, language=language), "404 Not Found")
        if person.get("gone") == "soft":  # LinkedIn also answers 200 with a "doesn't exist" page
            return self._html(pages.profile_page(None, language=language))
        if banner := self._banner("profile"):  # the limit is reached: this view is not one more visit
            return self._html(pages.profile_page(person, language=language, banner=banner))
        self._record(self.visits, {"slug": slug, "name": person["name"]})
        return self._html(pages.profile_page(person, language=language))


def _reached(threshold: int | None, count: int) -> bool:
    return threshold is not None and count >= threshold


def _checkpoint_location(path: str) -> str:
    """Where LinkedIn sends a session it wants to check: /checkpoint/challenge/AgH<token>?ut=..."""
    digest = hashlib.sha256(path.encode()).digest()
    token = base64.urlsafe_b64encode(digest[:30]).decode().rstrip("=")
    return f"/checkpoint/challenge/AgH{token}?ut={digest[30:].hex()}&session_redirect={quote(path)}"


def _body(environ: dict[str, Any]) -> dict[str, Any]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    if not raw:
        return {}
    value = json.loads(raw)
    if not isinstance(value, dict):
        raise ValueError("the body must be a JSON object")
    return value


def _html(text: str, status: str = "200 OK") -> Response:
    return status, [("Content-Type", "text/html; charset=utf-8")], text.encode()


def _json(value: Any, status: str = "200 OK") -> Response:
    return status, [("Content-Type", "application/json")], json.dumps(value).encode()
