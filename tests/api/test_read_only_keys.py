"""Read-only API keys (issue 22, item 7): every GET of the API answers 200 to a read-only key,
every write or run answers 403 and changes nothing; write keys (stored, bootstrap, staff
session) still write; the OpenAPI document marks exactly the writes.

The endpoints are walked from the URL conf (scheduler_app/api/urls.py), with real ids for every
path parameter, and checked against the OpenAPI document, so a new endpoint is covered without
touching this file."""
import re

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import URLPattern
from rest_framework.test import APIClient
from rest_framework_api_key.models import APIKey

from scheduler_app.api import urls as api_urls
from scheduler_app.api.auth import READ_ONLY_KEY_DETAIL, WRITE_KEY_NOTE
from scheduler_app.api.base import SchedulerApi
from scheduler_app.api.schema import WRITE_KEY_EXTENSION
from scheduler_app.models import ReadOnlyApiKey, ScheduledJob
from scheduler_app.services.api_keys import api_key_create, api_key_ensure_bootstrap
from tests.factories import job_data
from tests.support.accounts import storage_state

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_session_file", "probes")]

READS = {"get"}
WRITES = {"post", "put", "patch", "delete"}
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


def api_routes() -> list[tuple[str, type]]:
    """(route, API class) of every named endpoint of the API (not the schema and docs pages, not
    the catch-all 404, not the trailing-slash aliases)."""
    routes = []
    for pattern in api_urls.urlpatterns:
        view_class = getattr(pattern.callback, "view_class", None)
        if isinstance(pattern, URLPattern) and pattern.name and view_class and issubclass(view_class, SchedulerApi):
            routes.append((str(pattern.pattern), view_class))
    return routes


def operations() -> list[tuple[str, str, str]]:
    """(method, route, path with {parameters}) for every method each API class implements."""
    found = []
    for route, view_class in api_routes():
        for method in view_class.http_method_names:
            if method in READS | WRITES and hasattr(view_class, method):
                found.append((method, route, PARAMETER.sub(r"{\1}", route)))
    return found


def client_with(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=key)
    return client


@pytest.fixture
def writer(api_key) -> APIClient:
    return client_with(api_key)


@pytest.fixture
def reader() -> APIClient:
    _, key = api_key_create(name="wallboard", read_only=True)
    return client_with(key)


@pytest.fixture
def ids(writer) -> dict[str, str]:
    """A real row for every kind of id a route takes, made through the API with a write key."""
    def created(path, body):
        answer = writer.post(f"/scheduler/{path}", body, format="json")
        assert answer.status_code in (201, 202), (path, answer.content)
        return answer.json()["id"]

    account_id = created("accounts", {"label": "sales", "timezone": "Europe/Paris"})
    assert writer.put(f"/scheduler/accounts/{account_id}/session", storage_state(), format="json").status_code == 202
    job_id = created("jobs", job_data())
    run = writer.post(f"/scheduler/jobs/{job_id}/run", {}, format="json")
    assert run.status_code == 202, run.content
    channel_id = created("notification-channels",
                         {"name": "ops mail", "kind": "email", "config": {"to": ["ops@example.com"]}})
    return {
        "job_id": job_id,
        "execution_id": run.json()["execution_id"],
        "account_id": account_id,
        "blackout_id": created("blackouts", {"name": "Christmas", "start_date": "2026-12-24",
                                             "end_date": "2026-12-27", "yearly": True}),
        "channel_id": channel_id,
        "rule_id": created("notification-rules", {"channel_id": channel_id, "events": ["failed"]}),
        "slug": "ada-lovelace",  # a contact's profile slug (PATCH makes one not seen yet)
    }


def url(route: str, ids: dict[str, str]) -> str:
    def real_id(match):
        assert match.group(1) in ids, f"no object made for {match.group(1)} in {route}: add one to the ids fixture"
        return ids[match.group(1)]

    return "/scheduler/" + PARAMETER.sub(real_id, route)


def database() -> dict[str, list[dict]]:
    """Every row of every table, to compare before and after."""
    return {model._meta.label: list(model._base_manager.order_by("pk").values()) for model in apps.get_models()}


def test_the_walk_covers_every_operation_of_the_openapi_document(anon):
    documented = {(method, path.removeprefix("/scheduler/"))
                  for path, item in anon.get("/scheduler/schema").json()["paths"].items()
                  for method in item if method in READS | WRITES}
    walked = {(method, path) for method, _, path in operations()}
    assert walked == documented
    assert {method for method, _ in walked} == READS | WRITES


def test_a_read_only_key_reads_everything_and_writes_nothing(reader, ids):
    walked = operations()
    for method, route, _ in walked:
        if method == "get":
            answer = reader.get(url(route, ids))
            assert answer.status_code == 200, (route, answer.content)
    before = database()
    # Deletes last, so every write finds the objects it would change.
    for method, route, _ in sorted(walked, key=lambda op: op[0] == "delete"):
        if method in WRITES:
            answer = getattr(reader, method)(url(route, ids), {}, format="json")
            assert answer.status_code == 403, (method, route, answer.content)
            assert answer.json()["detail"] == READ_ONLY_KEY_DETAIL
    assert database() == before


def test_write_keys_still_write(writer, ids, settings, sent_tasks):
    """Every write answers a write key with something other than 403 (an empty body is a 400 for
    most), and the stored key, the bootstrap key and the environment key all create jobs."""
    for method, route, _ in sorted(operations(), key=lambda op: op[0] == "delete"):
        if method in WRITES:
            answer = getattr(writer, method)(url(route, ids), {}, format="json")
            assert answer.status_code != 403 and answer.status_code < 500, (method, route, answer.content)

    api_key_ensure_bootstrap("a-bootstrap-secret")
    settings.SCHEDULER_API_KEY = "an-environment-secret"
    for key in ("a-bootstrap-secret", "an-environment-secret"):
        created = client_with(key).post("/scheduler/jobs", job_data(name=f"job of {key}"), format="json")
        assert created.status_code == 201, created.content


def test_the_bootstrap_key_is_never_read_only(anon):
    api_key_ensure_bootstrap("a-bootstrap-secret")
    ReadOnlyApiKey.objects.create(api_key=APIKey.objects.get(name="bootstrap"))
    api_key_ensure_bootstrap("a-bootstrap-secret")
    assert not ReadOnlyApiKey.objects.exists()
    assert client_with("a-bootstrap-secret").post("/scheduler/jobs", job_data(), format="json").status_code == 201


def test_a_staff_session_still_writes(django_user_model):
    staff = django_user_model.objects.create_user("admin", password="pw", is_staff=True)
    session = APIClient()
    session.force_login(staff)
    assert session.post("/scheduler/jobs", job_data(), format="json").status_code == 201


def test_the_openapi_document_marks_exactly_the_writes(anon):
    for path, item in anon.get("/scheduler/schema").json()["paths"].items():
        for method, operation in item.items():
            if method in WRITES:
                assert operation.get(WRITE_KEY_EXTENSION) is True, (method, path)
                assert operation["description"].endswith(WRITE_KEY_NOTE), (method, path)
            elif method in READS:
                assert WRITE_KEY_EXTENSION not in operation, (method, path)
                assert WRITE_KEY_NOTE not in operation.get("description", ""), (method, path)


def test_apikey_command_makes_and_lists_read_only_keys(anon, capsys):
    call_command("apikey", "create", "wallboard", "--read-only")
    key = capsys.readouterr().out.strip()
    call_command("apikey", "create", "deploy")
    capsys.readouterr()
    reader = client_with(key)
    assert reader.get("/scheduler/jobs").status_code == 200
    refused = reader.post("/scheduler/jobs", job_data(), format="json")
    assert refused.status_code == 403 and "read-only" in refused.json()["detail"]
    assert not ScheduledJob.objects.exists()
    call_command("apikey", "list")
    lines = {line.split("\t")[1]: line.split("\t") for line in capsys.readouterr().out.splitlines()}
    assert lines["wallboard"][2:4] == ["active", "read-only"]
    assert lines["deploy"][2:4] == ["active", "write"]
