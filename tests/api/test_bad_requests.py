"""Bad requests: each gets its 4xx with a JSON body, and none of them changes what is stored.

Then a fuzz-ish sweep: every writable field set to every kind of wrong value, on create and
update, must never produce a 5xx.
"""
import json

import pytest

from scheduler_app.models import ScheduledJob
from tests.factories import job_data, make_job

pytestmark = pytest.mark.django_db

JSON = "application/json"
NIL = "00000000-0000-0000-0000-000000000000"


def _job(**overrides):
    return job_data(**overrides)


def _visitor(**bot_config):
    return job_data(bot_type="visitor", bot_config=bot_config)


def _deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


BAD = [
    # (case id, method, path, body, content type, expected status, field the 400 must name)
    ("create-empty", "post", "/jobs", {}, JSON, 400, "name"),
    ("name-empty", "post", "/jobs", _job(name=""), JSON, 400, "name"),
    ("name-blank", "post", "/jobs", _job(name="   "), JSON, 400, "name"),
    ("name-too-long", "post", "/jobs", _job(name="x" * 201), JSON, 400, "name"),
    ("name-number", "post", "/jobs", _job(name=123), JSON, 400, "name"),
    ("name-null", "post", "/jobs", _job(name=None), JSON, 400, "name"),
    ("description-too-long", "post", "/jobs", _job(description="d" * 501), JSON, 400, "description"),
    ("description-number", "post", "/jobs", _job(description=42), JSON, 400, "description"),
    ("bot-type-unknown", "post", "/jobs", _job(bot_type="spam"), JSON, 400, "bot_type"),
    ("schedule-type-unknown", "post", "/jobs", _job(schedule_type="hourly"), JSON, 400, "schedule_type"),
    ("daily-hour-24", "post", "/jobs", _job(schedule_config={"hour": 24}), JSON, 400, "schedule_config.hour"),
    ("daily-minute-neg", "post", "/jobs", _job(schedule_config={"minute": -1}), JSON, 400, "schedule_config.minute"),
    ("daily-hour-string", "post", "/jobs", _job(schedule_config={"hour": "8"}), JSON, 400, "schedule_config.hour"),
    ("daily-unknown-key", "post", "/jobs", _job(schedule_config={"hours": 8}), JSON, 400, "schedule_config.hours"),
    ("weekly-bad-day", "post", "/jobs", _job(schedule_type="weekly", schedule_config={"day_of_week": "funday"}),
     JSON, 400, "schedule_config.day_of_week"),
    ("weekly-backwards", "post", "/jobs", _job(schedule_type="weekly", schedule_config={"day_of_week": "fri-mon"}),
     JSON, 400, "schedule_config.day_of_week"),
    ("interval-zero", "post", "/jobs", _job(schedule_type="interval", schedule_config={"hours": 0, "minutes": 0}),
     JSON, 400, "schedule_config"),
    ("interval-negative", "post", "/jobs", _job(schedule_type="interval", schedule_config={"hours": -2}),
     JSON, 400, "schedule_config.hours"),
    ("cron-garbage", "post", "/jobs", _job(schedule_type="cron", schedule_config={"cron_expression": "bad"}),
     JSON, 400, "schedule_config.cron_expression"),
    ("cron-six-fields", "post", "/jobs",
     _job(schedule_type="cron", schedule_config={"cron_expression": "0 8 * * 1 2"}),
     JSON, 400, "schedule_config.cron_expression"),
    ("cron-dom-and-dow", "post", "/jobs",
     _job(schedule_type="cron", schedule_config={"cron_expression": "0 8 1 * 1"}),
     JSON, 400, "schedule_config.cron_expression"),
    ("cron-impossible-date", "post", "/jobs",
     _job(schedule_type="cron", schedule_config={"cron_expression": "0 0 30 2 *"}),
     JSON, 400, "schedule_config.cron_expression"),
    ("cron-missing", "post", "/jobs", _job(schedule_type="cron", schedule_config={}),
     JSON, 400, "schedule_config.cron_expression"),
    ("manual-with-config", "post", "/jobs", _job(schedule_type="manual", schedule_config={"hour": 8}),
     JSON, 400, "schedule_config.hour"),
    ("schedule-config-list", "post", "/jobs", _job(schedule_config=[]), JSON, 400, "schedule_config"),
    ("schedule-config-string", "post", "/jobs", _job(schedule_config="daily"), JSON, 400, "schedule_config"),
    ("birthday-late-0", "post", "/jobs", _job(bot_config={"process_late": True, "max_days_late": 0}),
     JSON, 400, "bot_config.max_days_late"),
    ("birthday-late-366", "post", "/jobs", _job(bot_config={"process_late": True, "max_days_late": 366}),
     JSON, 400, "bot_config.max_days_late"),
    ("birthday-per-run-101", "post", "/jobs", _job(bot_config={"max_messages_per_run": 101}),
     JSON, 400, "bot_config.max_messages_per_run"),
    ("birthday-dry-run-string", "post", "/jobs", _job(bot_config={"dry_run": "yes"}), JSON, 400, "bot_config.dry_run"),
    ("visitor-limit-501", "post", "/jobs", _visitor(limit=501), JSON, 400, "bot_config.limit"),
    ("visitor-unknown-key", "post", "/jobs", _visitor(foo=1), JSON, 400, "bot_config.foo"),
    ("birthday-visitor-key", "post", "/jobs", _job(bot_config={"limit": 5}), JSON, 400, "bot_config.limit"),
    ("timezone-unknown", "post", "/jobs", _job(timezone="Mars/Olympus"), JSON, 400, "timezone"),
    ("max-instances-0", "post", "/jobs", _job(max_instances=0), JSON, 400, "max_instances"),
    ("max-instances-float", "post", "/jobs", _job(max_instances=1.5), JSON, 400, "max_instances"),
    ("max-instances-huge", "post", "/jobs", _job(max_instances=10**30), JSON, 400, "max_instances"),
    ("misfire-0", "post", "/jobs", _job(misfire_grace_time=0), JSON, 400, "misfire_grace_time"),
    ("enabled-string", "post", "/jobs", _job(enabled="true"), JSON, 400, "enabled"),
    ("coalesce-int", "post", "/jobs", _job(coalesce=1), JSON, 400, "coalesce"),
    ("unknown-field", "post", "/jobs", _job(priority=5), JSON, 400, "priority"),
    ("nul-in-name", "post", "/jobs", _job(name="a\x00b"), JSON, 400, "name"),
    ("surrogate-in-name", "post", "/jobs", b'{"name": "\\ud800", "bot_type": "birthday", "schedule_type": "daily"}',
     JSON, 400, "name"),
    ("body-array", "post", "/jobs", [], JSON, 400, None),
    ("body-string", "post", "/jobs", "hello", JSON, 400, None),
    ("body-not-json", "post", "/jobs", b"not json", JSON, 400, None),
    ("body-truncated", "post", "/jobs", b'{"name":', JSON, 400, None),
    ("body-nan", "post", "/jobs", b'{"name": "x", "max_instances": NaN}', JSON, 400, None),
    ("body-bad-utf8", "post", "/jobs", b'{"name": "\xff\xfe"}', JSON, 400, None),
    ("body-deep", "post", "/jobs", _deep(200_000), JSON, 400, None),
    ("body-form", "post", "/jobs", b"name=x&bot_type=birthday", "application/x-www-form-urlencoded", 415, None),
    ("body-text", "post", "/jobs", b"hello", "text/plain", 415, None),
    ("body-too-large", "post", "/jobs", _job(description="x" * (1024 * 1024 + 1)), JSON, 413, None),
    ("put-bot-type", "put", "/jobs/{id}", {"bot_type": "visitor"}, JSON, 400, "bot_type"),
    ("put-hour-99", "put", "/jobs/{id}", {"schedule_config": {"hour": 99}}, JSON, 400, "schedule_config.hour"),
    ("put-unknown-and-bad", "put", "/jobs/{id}", {"foo": 1, "schedule_config": {"hour": 99}}, JSON, 400,
     "schedule_config.hour"),
    ("put-new-type-bad-config", "put", "/jobs/{id}", {"schedule_type": "weekly", "schedule_config": {"hour": 30}},
     JSON, 400, "schedule_config.hour"),
    ("put-name-empty", "put", "/jobs/{id}", {"name": ""}, JSON, 400, "name"),
    ("put-not-json", "put", "/jobs/{id}", b"{nope", JSON, 400, None),
    ("put-array", "put", "/jobs/{id}", [1, 2], JSON, 400, None),
    ("put-form", "put", "/jobs/{id}", b"name=x", "application/x-www-form-urlencoded", 415, None),
    ("patch-enabled-string", "patch", "/jobs/{id}", {"enabled": "no"}, JSON, 400, "enabled"),
    ("patch-interval-overflow", "patch", "/jobs/{id}",
     {"schedule_type": "interval", "schedule_config": {"weeks": 2**31 - 1}}, JSON, 400, None),
    ("toggle-string", "post", "/jobs/{id}/toggle", {"enabled": "yes"}, JSON, 400, "enabled"),
    ("toggle-unknown-key", "post", "/jobs/{id}/toggle", {"enable": True}, JSON, 400, "enable"),
    ("toggle-query", "post", "/jobs/{id}/toggle?enabled=maybe", None, JSON, 400, "enabled"),
    ("toggle-array", "post", "/jobs/{id}/toggle", [True], JSON, 400, None),
    ("run-dry-run-string", "post", "/jobs/{id}/run", {"dry_run": "true"}, JSON, 400, "dry_run"),
    ("run-unknown-key", "post", "/jobs/{id}/run", {"now": True}, JSON, 400, "now"),
    ("run-not-json", "post", "/jobs/{id}/run", b"go", JSON, 400, None),
    ("list-enabled-only", "get", "/jobs?enabled_only=maybe", None, None, 400, "enabled_only"),
    ("list-bot-type", "get", "/jobs?bot_type=robot", None, None, 400, "bot_type"),
    ("history-limit", "get", "/jobs/{id}/history?limit=500", None, None, 400, "limit"),
    ("next-runs-count", "get", "/jobs/{id}/next-runs?count=101", None, None, 400, "count"),
    ("next-runs-after", "get", "/jobs/{id}/next-runs?after=soon", None, None, 400, "after"),
    ("get-malformed-id", "get", "/jobs/not-a-uuid", None, None, 404, None),
    ("put-malformed-id", "put", "/jobs/12345", {"name": "x"}, JSON, 404, None),
    ("delete-malformed-id", "delete", "/jobs/%27%3B%20DROP%20TABLE", None, None, 404, None),
    ("delete-unknown-id", "delete", f"/jobs/{NIL}", None, None, 404, None),
    ("run-unknown-id", "post", f"/jobs/{NIL}/run", None, None, 404, None),
    ("post-to-job", "post", "/jobs/{id}", {"name": "x"}, JSON, 405, None),
    ("unknown-endpoint", "post", "/jobs/{id}/explode", None, None, 404, None),
]


def _send(client, method, path, body, content_type):
    kwargs = {}
    if body is not None:
        kwargs["data"] = body if isinstance(body, bytes) else json.dumps(body)
        kwargs["content_type"] = content_type
    return getattr(client, method)(f"/scheduler{path}", **kwargs)


def _snapshot():
    return list(ScheduledJob.objects.order_by("pk").values())


def test_the_table_is_big_enough():
    assert len(BAD) >= 40


@pytest.mark.parametrize(("method", "path", "body", "content_type", "expected", "field"),
                         [case[1:] for case in BAD], ids=[case[0] for case in BAD])
def test_bad_request_is_refused_and_changes_nothing(client, method, path, body, content_type, expected, field):
    job = make_job()
    before, count = _snapshot(), ScheduledJob.objects.count()
    response = _send(client, method, path.format(id=job.pk), body, content_type)
    assert response.status_code == expected, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()
    if field is not None:
        assert field in response.json()["errors"], response.json()
    assert ScheduledJob.objects.count() == count
    assert _snapshot() == before


def test_a_400_names_every_bad_field_at_once(client):
    body = _job(name="", schedule_config={"hour": 25, "minute": 61}, bot_config={"max_messages_per_run": 0},
                extra="x")
    errors = client.post("/scheduler/jobs", body, format="json").json()["errors"]
    assert {"name", "schedule_config.hour", "schedule_config.minute", "bot_config.max_messages_per_run",
            "extra"} <= set(errors)


JUNK = [None, "", "x" * 300, "\x00", -1, 0, 2**40, 1.5, True, [], {}, {"a": {"b": [1, {"c": None}]}}, "mon-sun"]
FIELDS = ["name", "description", "bot_type", "enabled", "schedule_type", "schedule_config", "bot_config",
          "timezone", "max_instances", "misfire_grace_time", "coalesce", "id", "created_at"]


@pytest.mark.parametrize("field", FIELDS)
def test_no_wrong_value_in_any_field_produces_a_5xx(client, field):
    job = make_job()
    for value in JUNK:
        created = client.post("/scheduler/jobs", _job(**{field: value}), format="json")
        updated = client.patch(f"/scheduler/jobs/{job.pk}", {field: value}, format="json")
        for response in (created, updated):
            assert response.status_code < 500, (field, value, response.content[:300])
        for schedule_type in ("daily", "weekly", "interval", "cron", "manual"):
            config = {"schedule_type": schedule_type, "schedule_config": {field: value}}
            assert client.patch(f"/scheduler/jobs/{job.pk}", config, format="json").status_code < 500
        bot_config = {"bot_config": {field: value}}
        assert client.patch(f"/scheduler/jobs/{job.pk}", bot_config, format="json").status_code < 500
