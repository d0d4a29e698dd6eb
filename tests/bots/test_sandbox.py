"""The sandbox site over HTTP: what the bots and tests rely on it to do."""
import json
from urllib.error import HTTPError
from urllib.request import HTTPRedirectHandler, Request, build_opener

import pytest

from bots.sandbox.scenario import SESSION_TOKEN
from bots.sandbox.server import SandboxClient, SandboxServer


class _NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def server():
    with SandboxServer() as running:
        yield running


def _get(url: str, cookie: str | None = None):
    request = Request(url, headers={"Cookie": f"li_at={cookie}"} if cookie else {})
    try:
        response = build_opener(_NoRedirect).open(request, timeout=5)
        return response.status, dict(response.headers), response.read().decode()
    except HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


def test_pages_need_the_session_cookie(server):
    status, headers, _ = _get(server.base_url + "/mynetwork/catch-up/birthday/")
    assert status == 302 and headers["Location"].startswith("/login")
    status, _, body = _get(server.base_url + "/mynetwork/catch-up/birthday/", cookie=SESSION_TOKEN)
    assert status == 200 and 'id="global-nav"' in body and "data-sdui-screen" in body


def test_expired_session_fault_redirects_to_authwall(server):
    SandboxClient(server.base_url).faults(expired_session=True)
    status, headers, _ = _get(server.base_url + "/feed/", cookie=SESSION_TOKEN)
    assert status == 302 and headers["Location"].startswith("/authwall")


def test_profile_visits_are_recorded_and_reset(server):
    client = SandboxClient(server.base_url)
    status, _, body = _get(server.base_url + "/in/alice-martin-0/", cookie=SESSION_TOKEN)
    assert status == 200 and '<h1 class="text-heading-xlarge">Alice Martin</h1>' in body
    assert [v["slug"] for v in client.state()["visits"]] == ["alice-martin-0"]
    client.reset()
    assert client.state()["visits"] == []


def test_search_pages_then_an_empty_page(server):
    _, _, page3 = _get(server.base_url + "/search/results/people/?keywords=&page=3", cookie=SESSION_TOKEN)
    _, _, page4 = _get(server.base_url + "/search/results/people/?keywords=&page=4", cookie=SESSION_TOKEN)
    assert page3.count("people-search-result") == 5 and "people-search-result" not in page4


def test_birthday_cards_come_in_batches(server):
    status, _, body = _get(server.base_url + "/__sandbox__/api/birthday-cards?offset=4")
    data = json.loads(body)
    assert status == 200 and data["done"] is True and len(data["cards"]) == 4  # 7 people + 1 ad, 4 first


def test_unknown_fault_is_refused(server):
    with pytest.raises(HTTPError) as refused:
        SandboxClient(server.base_url).faults(explode=True)
    assert refused.value.code == 400
