"""The API behind a real gunicorn started by hand, as in production (DEBUG=0, the shared Redis
cache that docker-compose and `manage.py up` configure), without `manage.py apikey bootstrap`
(issue 15): SCHEDULER_API_KEY works, a valid key works from an address blocked for wrong keys,
a restart ends the block, and /scheduler/docs loads Swagger UI from this server only."""
import os
import re
import secrets
import sys
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest
from django.db import connection

from scheduler_app.services.api_keys import api_key_create
from scheduler_app.stack import ProcessGroup, free_port, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]
ROOT = Path(__file__).resolve().parents[2]
ENV_KEY = "operator-chosen-key-" + secrets.token_hex(8)


def get(url: str, key: str | None = None) -> tuple[int, bytes, dict]:
    request = Request(url, headers={"X-API-Key": key} if key else {})
    try:
        with urlopen(request, timeout=10) as response:  # our own server on 127.0.0.1
            return response.status, response.read(), dict(response.headers)
    except HTTPError as error:
        return error.code, error.read(), dict(error.headers)


class Gunicorn:
    """gunicorn config.wsgi:application with one worker (bad-key counts are per process)."""

    def __init__(self, env: dict, log: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env, self.log, self.group = env, log, ProcessGroup()

    def start(self) -> None:
        self.group.start(
            "web",
            [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
             "--workers", "1"],
            env=self.env, log=self.log, cwd=str(ROOT),
        )
        wait_until(self._answers, timeout=60, what="gunicorn")

    def _answers(self) -> bool:
        if self.group.first_exited():
            raise RuntimeError("gunicorn exited:\n" + self.log.read_text()[-3000:])
        try:
            return get(self.base + "/scheduler/health")[0] == 200
        except OSError:
            return False

    def stop(self) -> None:
        self.group.stop()


@pytest.fixture
def web(transactional_db, redis_url, tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{connection.settings_dict['NAME']}",
        "REDIS_URL": redis_url,
        "CACHE_URL": redis_url.rsplit("/", 1)[0] + "/1",  # as docker-compose and `manage.py up` set it
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SCHEDULER_API_KEY": ENV_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(tmp_path / "never-collected"),  # as from a fresh clone: no collectstatic ran
        "LOG_LEVEL": "WARNING",
    }
    server = Gunicorn(env, tmp_path / "gunicorn.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_scheduler_api_key_works_without_bootstrap(web):
    status, body, _ = get(web.base + "/scheduler/jobs", ENV_KEY)
    assert status == 200, body
    assert get(web.base + "/scheduler/jobs", ENV_KEY + "x")[0] == 401
    assert get(web.base + "/scheduler/jobs")[0] == 401


def test_valid_keys_work_while_blocked_and_a_restart_ends_the_block(web, settings):
    _, stored_key = api_key_create(name="owner")
    limit = settings.SCHEDULER_API_BAD_KEY_LIMIT
    codes = [get(web.base + "/scheduler/jobs", f"guess-{i}")[0] for i in range(limit + 1)]
    assert codes == [401] * limit + [429]
    # The owner behind the same address is not locked out, with either kind of key.
    assert get(web.base + "/scheduler/jobs", stored_key)[0] == 200
    assert get(web.base + "/scheduler/jobs", ENV_KEY)[0] == 200
    assert get(web.base + "/scheduler/jobs", "guess-again")[0] == 429

    web.stop()
    web.start()
    assert get(web.base + "/scheduler/jobs", "guess-after-restart")[0] == 401


def test_docs_page_and_its_assets_are_served_with_debug_off(web):
    status, body, _ = get(web.base + "/scheduler/docs")
    assert status == 200
    html = body.decode()
    assert not re.search(r"https?://", html), "the docs page names an outside host"
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert len(urls) >= 3 and all(url.startswith("/static/") for url in urls), urls
    for url in urls:
        status, content, headers = get(web.base + url)
        assert status == 200 and content, url
        if url.endswith(".js"):
            assert "javascript" in headers["Content-Type"], headers
    assert get(web.base + "/scheduler/schema")[0] == 200
