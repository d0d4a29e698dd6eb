"""Health (leading beat, Redis, database, counts), the OpenAPI document and its docs page."""
import re

import pytest

from scheduler_app import beat_status
from tests.factories import make_job

pytestmark = pytest.mark.django_db


class FakeRedis:
    def __init__(self):
        self.values = {}

    def set(self, key, value, ex=None):
        self.values[key] = (value, ex)

    def get(self, key):
        return self.values.get(key, (None, None))[0]

    def ping(self):
        return True


@pytest.fixture
def fake_redis(monkeypatch):
    fake = FakeRedis()
    monkeypatch.setattr(beat_status, "_client", lambda url: fake)
    monkeypatch.setattr("scheduler_app.stats.redis_ping", lambda url: True)
    return fake


def test_health_without_redis_or_beat_is_degraded(anon):
    make_job()
    make_job(enabled=False)
    body = anon.get("/scheduler/health").json()
    assert body == {"status": "degraded", "scheduler_running": False, "redis_connected": False,
                    "database": "ok", "total_jobs": 2, "enabled_jobs": 1, "beat_leader": None,
                    "dispatch_lag_seconds": None, "last_dispatch": None}


def test_health_names_the_leading_beat_and_the_dispatch_lag(anon, fake_redis):
    assert anon.get("/scheduler/health").json()["scheduler_running"] is False
    assert beat_status.beat_status_write({
        "leader": {"id": "abc123", "host": "beat-1", "pid": 42}, "since": "2026-12-01T09:00:00+00:00",
        "lag_seconds": 0.25, "entries": 3, "at": "2026-12-01T09:00:05+00:00",
        "last_dispatch": {"at": "2026-12-01T09:00:00.1+00:00", "jobs": 3, "messages": 3, "missed_rows": 0,
                          "lag_seconds": 0.1},
    })
    body = anon.get("/scheduler/health").json()
    assert body["status"] == "ok" and body["scheduler_running"] is True and body["redis_connected"] is True
    assert body["beat_leader"] == {"id": "abc123", "host": "beat-1", "pid": 42, "since": "2026-12-01T09:00:00+00:00"}
    assert body["dispatch_lag_seconds"] == 0.25
    assert body["last_dispatch"]["messages"] == 3
    _, ttl = fake_redis.values[beat_status.STATUS_KEY]
    assert ttl == beat_status.STATUS_TTL_SECONDS


def test_a_standby_beat_ticks_without_writing_a_status(fake_redis, monkeypatch):
    from config.celery import app
    from scheduler_app.beat import FleetScheduler

    monkeypatch.setattr(FleetScheduler, "_elect", lambda self: None)  # a standby that never wins
    scheduler = FleetScheduler(app=app, lazy=True)
    assert 0 < scheduler.tick() <= 1.0
    assert not scheduler.leading
    assert beat_status.beat_status_read() is None


def test_status_write_survives_redis_being_down(monkeypatch, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    beat_status._client.cache_clear()
    assert beat_status.beat_status_write({"leader": {}}) is False
    assert beat_status.beat_status_read() is None


def test_schema_is_openapi_3_with_config_shapes(anon):
    response = anon.get("/scheduler/schema")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for path in ["/scheduler/jobs", "/scheduler/jobs/{job_id}", "/scheduler/jobs/{job_id}/toggle",
                 "/scheduler/jobs/{job_id}/run", "/scheduler/jobs/{job_id}/history",
                 "/scheduler/jobs/{job_id}/next-runs", "/scheduler/stats", "/scheduler/health"]:
        assert path in paths
    job = schema["components"]["schemas"]["JobCreateInputRequest"]["properties"]
    titles = [variant["title"] for variant in job["schedule_config"]["anyOf"]]
    assert titles == [f"schedule_config for schedule_type={t}" for t in ["daily", "weekly", "interval", "cron",
                                                                         "manual"]]
    daily = job["schedule_config"]["anyOf"][0]
    assert daily["properties"]["hour"]["maximum"] == 23 and daily["additionalProperties"] is False
    visitor = job["bot_config"]["anyOf"][1]
    assert visitor["properties"]["limit"]["maximum"] == 500
    assert visitor["properties"]["keywords"]["nullable"] is True
    assert schema["components"]["securitySchemes"]["ApiKeyAuth"] == {"type": "apiKey", "in": "header",
                                                                      "name": "X-API-Key"}


def test_schema_yaml_and_docs_page(anon):
    assert anon.get("/scheduler/schema?format=yaml").content.startswith(b"openapi:")
    docs = anon.get("/scheduler/docs")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


def asset_urls(html: str) -> list[str]:
    """Every URL the page loads: src= and href= attributes."""
    return re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)


def test_docs_page_loads_swagger_ui_from_this_server_only(anon):
    """No CDN (issue 15): every asset is a local static URL that answers, and nothing is
    validated online, so the page works offline."""
    html = anon.get("/scheduler/docs").content.decode()
    urls = asset_urls(html)
    assert len(urls) >= 3, urls
    for url in urls:
        assert url.startswith("/static/drf_spectacular_sidecar/swagger-ui-dist/"), url
    names = {url.rsplit("/", 1)[-1] for url in urls}
    assert {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"} <= names
    assert not re.search(r"https?://|//cdn", html), "the page names an outside host"
    assert '"validatorUrl": null' in html
    for url in urls:
        response = anon.get(url)
        assert response.status_code == 200, url
        assert b"".join(response.streaming_content if response.streaming else [response.content])
