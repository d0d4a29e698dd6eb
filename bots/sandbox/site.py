"""The sandbox as a WSGI app: LinkedIn-shaped pages plus ``/__sandbox__/`` control endpoints.

Control (JSON):
  GET  /__sandbox__/state           messages sent, profiles visited, the scenario
  POST /__sandbox__/reset           forget records; body (optional) = scenario changes over the default
  POST /__sandbox__/faults          turn faults on/off, e.g. {"wrong_recipient": ["alice-martin-0"]}
"""
import json
import threading
import time
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, quote
from zoneinfo import ZoneInfo

from bots.sandbox import pages
from bots.sandbox.scenario import (
    DECOY,
    SESSION_COOKIE,
    SESSION_TOKEN,
    WRONG_PERSON,
    default_scenario,
    scenario_merge,
    when_text,
)

Response = tuple[str, list[tuple[str, str]], bytes]


class SandboxSite:
    def __init__(self, scenario: dict[str, Any] | None = None) -> None:
        self._lock = threading.Lock()
        self.scenario = scenario_merge(default_scenario(), scenario or {})
        self.messages: list[dict[str, Any]] = []
        self.visits: list[dict[str, Any]] = []

    # --- state ---------------------------------------------------------------------------------
    def reset(self, changes: dict[str, Any] | None = None) -> None:
        scenario = scenario_merge(default_scenario(), changes or {})
        with self._lock:
            self.scenario, self.messages, self.visits = scenario, [], []

    def set_faults(self, faults: dict[str, Any]) -> None:
        scenario = scenario_merge(self.scenario, {"faults": faults})
        with self._lock:
            self.scenario = scenario

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {"messages": list(self.messages), "visits": list(self.visits), "scenario": self.scenario}

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
            return _html(pages.login_page())
        if not self._logged_in(environ):
            target = "/authwall" if faults["expired_session"] else "/login"
            return "302 Found", [("Location", f"{target}?session_redirect={quote(path)}")], b""
        if path == "/" or path == "/feed/":
            return _html(pages.feed_page())
        if path in ("/mynetwork/catch-up/birthday/", "/mynetwork/catch-up/all/"):
            return _html(self._birthday_page())
        if path == "/search/results/people/":
            return _html(self._search_page(query))
        if path.startswith("/in/") and path.endswith("/") and path.count("/") == 3:
            return self._profile(path.split("/")[2])
        return _html(pages.layout("Not found", "<main><h1>Page not found</h1></main>"), "404 Not Found")

    def _logged_in(self, environ: dict[str, Any]) -> bool:
        if self.scenario["faults"]["expired_session"]:
            return False
        cookie = SimpleCookie(environ.get("HTTP_COOKIE", ""))
        return SESSION_COOKIE in cookie and cookie[SESSION_COOKIE].value == SESSION_TOKEN

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
            cards = self._cards_html()
            offset = int(query.get("offset", 0))
            batch = cards[offset : offset + self.scenario["batch_size"]]
            return _json({"cards": batch, "done": offset + len(batch) >= len(cards)})
        if path == "/__sandbox__/api/messages" and method == "POST":
            message = _body(environ)
            self._record(self.messages, {"to": message["slug"], "name": message["name"], "text": message["text"]})
            return _json({"ok": True})
        return _json({"error": f"no control endpoint {method} {path}"}, "404 Not Found")

    # --- pages ---------------------------------------------------------------------------------
    def _labels(self) -> dict[str, str]:
        return pages.LABELS[self.scenario["language"]]

    def _cards_html(self) -> list[str]:
        today = datetime.now(ZoneInfo(self.scenario["timezone"])).date()
        with_button = not self.scenario["faults"]["missing_button"]
        html = []
        for index, birthday in enumerate(self.scenario["birthdays"]):
            card = {**birthday, "when": when_text(birthday, today=today, default_lang=self.scenario["language"])}
            html.append(pages.birthday_card(card, labels=self._labels(), with_button=with_button))
            if index == 1:
                html.append(pages.AD_CARD)  # ads are list items too, without a profile link
        return html

    def _birthday_page(self) -> str:
        cards = self._cards_html()
        first = cards[: self.scenario["batch_size"]]
        faults = self.scenario["faults"]
        conf = {
            "loaded": len(first),
            "done": len(first) >= len(cards),
            "stale": faults["stale_cards"],
            "wrongRecipient": faults["wrong_recipient"],
            "noEcho": faults["no_echo"],
            "wrongPerson": WRONG_PERSON,
            "decoy": DECOY if faults["decoy_overlay"] else None,
            "labels": self._labels(),
        }
        return pages.birthday_page(cards_html=first, conf=conf)

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
                                 total=len(matches))

    def _profile(self, slug: str) -> Response:
        people = {p["slug"]: p for p in self.scenario["people"] + self.scenario["birthdays"]}
        person = people.get(slug)
        if person is None:
            return _html(pages.profile_page(None), "404 Not Found")
        self._record(self.visits, {"slug": slug, "name": person["name"]})
        return _html(pages.profile_page(person))


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
