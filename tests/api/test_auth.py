"""Who may call the API: X-API-Key (hashed, revocable, bootstrap, SCHEDULER_API_KEY), staff
sessions; 401 not 403; 429 for wrong keys after repeated wrong keys from one address, while a
valid key always works. Real servers: tests/integration/test_web_server.py."""
import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient
from rest_framework_api_key.models import APIKey

from scheduler_app.services.api_keys import (
    api_key_check,
    api_key_create,
    api_key_ensure_bootstrap,
    api_key_revoke,
)
from tests.factories import job_data

pytestmark = pytest.mark.django_db

PROTECTED = [
    ("get", "/scheduler/jobs"),
    ("post", "/scheduler/jobs"),
    ("get", "/scheduler/jobs/00000000-0000-0000-0000-000000000000"),
    ("put", "/scheduler/jobs/00000000-0000-0000-0000-000000000000"),
    ("patch", "/scheduler/jobs/00000000-0000-0000-0000-000000000000"),
    ("delete", "/scheduler/jobs/00000000-0000-0000-0000-000000000000"),
    ("post", "/scheduler/jobs/00000000-0000-0000-0000-000000000000/toggle"),
    ("post", "/scheduler/jobs/00000000-0000-0000-0000-000000000000/run"),
    ("get", "/scheduler/jobs/00000000-0000-0000-0000-000000000000/history"),
    ("get", "/scheduler/jobs/00000000-0000-0000-0000-000000000000/next-runs"),
    ("get", "/scheduler/stats"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_no_key_is_401_with_a_challenge(anon, method, path):
    response = getattr(anon, method)(path)
    assert response.status_code == 401
    assert "X-API-Key" in response["WWW-Authenticate"]
    assert "detail" in response.json()


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_wrong_key_is_401(anon, method, path):
    anon.credentials(HTTP_X_API_KEY="wrong.key")
    assert getattr(anon, method)(path).status_code == 401


@pytest.mark.parametrize("path", ["/scheduler/health", "/scheduler/schema", "/scheduler/docs"])
def test_health_and_docs_need_no_key(anon, path):
    assert anon.get(path).status_code == 200


def test_keys_are_stored_hashed(api_key):
    row = APIKey.objects.get(name="tests")
    assert api_key not in row.hashed_key and api_key not in row.id
    assert api_key_check(api_key) == row


def test_revoked_key_is_401(client, api_key):
    assert client.get("/scheduler/jobs").status_code == 200
    assert api_key_revoke(name_or_prefix="tests") == 1
    assert client.get("/scheduler/jobs").status_code == 401


def test_created_by_is_the_key_name(anon):
    _, key = api_key_create(name="ci-pipeline")
    anon.credentials(HTTP_X_API_KEY=key)
    assert anon.post("/scheduler/jobs", job_data(), format="json").json()["created_by"] == "ci-pipeline"


def test_repeated_wrong_keys_from_one_address_get_429(anon, api_key, settings):
    settings.SCHEDULER_API_BAD_KEY_LIMIT = 3
    anon.credentials(HTTP_X_API_KEY="guess")
    assert [anon.get("/scheduler/jobs").status_code for _ in range(3)] == [401, 401, 401]
    blocked = anon.get("/scheduler/jobs")
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) > 0
    # Another address is not affected.
    assert anon.get("/scheduler/jobs", REMOTE_ADDR="10.0.0.9").status_code == 401


def test_a_valid_key_works_from_a_blocked_address(anon, api_key, settings):
    """Someone behind the same NAT guessing keys cannot lock the owner out (issue 15)."""
    settings.SCHEDULER_API_BAD_KEY_LIMIT = 3
    settings.SCHEDULER_API_KEY = "the-operators-own-key"
    anon.credentials(HTTP_X_API_KEY="guess")
    assert [anon.get("/scheduler/jobs").status_code for _ in range(4)] == [401, 401, 401, 429]
    for key in (api_key, "the-operators-own-key"):
        anon.credentials(HTTP_X_API_KEY=key)
        assert [anon.get("/scheduler/jobs").status_code for _ in range(5)] == [200] * 5
    anon.credentials(HTTP_X_API_KEY="guess")
    assert anon.get("/scheduler/jobs").status_code == 429  # wrong keys are still throttled


def test_valid_keys_do_not_use_the_bad_key_budget(anon, api_key, settings):
    settings.SCHEDULER_API_BAD_KEY_LIMIT = 3
    codes = []
    for key in ["guess", api_key, api_key, "guess", api_key, api_key, "guess", "guess", api_key]:
        anon.credentials(HTTP_X_API_KEY=key)
        codes.append(anon.get("/scheduler/jobs").status_code)
    assert codes == [401, 200, 200, 401, 200, 200, 401, 429, 200]


def test_bad_key_counts_are_kept_in_process_memory_only(settings):
    """Not in the default cache (Redis under CACHE_URL), so a block ends with the web process."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    from scheduler_app.api.auth import BAD_KEYS_CACHE, bad_key_guard, bad_key_record

    settings.SCHEDULER_API_BAD_KEY_LIMIT = 1
    bad_key_record("192.0.2.1")
    with pytest.raises(Exception, match="Too many invalid API keys"):
        bad_key_guard("192.0.2.1")
    assert isinstance(caches[BAD_KEYS_CACHE], LocMemCache)
    assert not caches["default"].get("scheduler:api:blocked:192.0.2.1")


def test_spoofed_forwarded_for_does_not_escape_the_block(anon, settings):
    settings.SCHEDULER_API_BAD_KEY_LIMIT = 2
    anon.credentials(HTTP_X_API_KEY="guess")
    codes = [anon.get("/scheduler/jobs", HTTP_X_FORWARDED_FOR=f"1.2.3.{i}").status_code for i in range(4)]
    assert codes == [401, 401, 429, 429]


def test_wrong_keys_below_the_limit_do_not_block(anon, api_key, settings):
    settings.SCHEDULER_API_BAD_KEY_LIMIT = 5
    anon.credentials(HTTP_X_API_KEY="guess")
    for _ in range(4):
        anon.get("/scheduler/jobs")
    anon.credentials(HTTP_X_API_KEY=api_key)
    assert anon.get("/scheduler/jobs").status_code == 200


def test_bootstrap_key_is_valid_idempotent_and_replaces_the_previous_one(anon):
    api_key_ensure_bootstrap("my-operator-chosen-secret")
    api_key_ensure_bootstrap("my-operator-chosen-secret")
    assert APIKey.objects.filter(name="bootstrap", revoked=False).count() == 1
    anon.credentials(HTTP_X_API_KEY="my-operator-chosen-secret")
    response = anon.post("/scheduler/jobs", job_data(), format="json")
    assert response.status_code == 201 and response.json()["created_by"] == "bootstrap"

    api_key_ensure_bootstrap("a-new-secret-value")
    assert anon.get("/scheduler/jobs").status_code == 401
    anon.credentials(HTTP_X_API_KEY="a-new-secret-value")
    assert anon.get("/scheduler/jobs").status_code == 200


def test_bootstrap_key_can_come_back_after_being_revoked(anon):
    api_key_ensure_bootstrap("first-secret-value")
    api_key_ensure_bootstrap("second-secret-value")
    api_key_ensure_bootstrap("first-secret-value")
    anon.credentials(HTTP_X_API_KEY="first-secret-value")
    assert anon.get("/scheduler/jobs").status_code == 200


@pytest.mark.parametrize("key", ["", "short", " padded-secret-value "])
def test_bootstrap_key_must_be_usable(key):
    with pytest.raises(ValueError):
        api_key_ensure_bootstrap(key)


def test_apikey_command_creates_lists_and_revokes(anon, capsys):
    call_command("apikey", "create", "deploy")
    key = capsys.readouterr().out.strip()
    anon.credentials(HTTP_X_API_KEY=key)
    assert anon.get("/scheduler/jobs").status_code == 200
    call_command("apikey", "list")
    listing = capsys.readouterr().out
    assert "deploy" in listing and "active" in listing and key.split(".")[1] not in listing
    call_command("apikey", "revoke", "deploy")
    assert anon.get("/scheduler/jobs").status_code == 401
    with pytest.raises(CommandError):
        call_command("apikey", "revoke", "deploy")


def test_staff_session_works_and_csrf_applies():
    staff = User.objects.create_user("admin", password="pw", is_staff=True)
    session = APIClient(enforce_csrf_checks=True)
    session.force_login(staff)
    assert session.get("/scheduler/jobs").status_code == 200
    refused = session.post("/scheduler/jobs", job_data(), format="json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    session.get("/admin/")  # its logout form sets the CSRF cookie
    token = session.cookies["csrftoken"].value
    created = session.post("/scheduler/jobs", job_data(), format="json", HTTP_X_CSRFTOKEN=token)
    assert created.status_code == 201 and created.json()["created_by"] == "admin"


def test_non_staff_session_is_forbidden():
    user = User.objects.create_user("someone", password="pw")
    session = APIClient()
    session.force_login(user)
    assert session.get("/scheduler/jobs").status_code == 403


def test_apikey_bootstrap_command_uses_the_setting(anon, settings):
    settings.SCHEDULER_API_KEY = "from-the-environment"
    call_command("apikey", "bootstrap")
    settings.SCHEDULER_API_KEY = ""  # the stored (hashed) row is valid on its own
    anon.credentials(HTTP_X_API_KEY="from-the-environment")
    assert anon.get("/scheduler/jobs").status_code == 200
    with pytest.raises(CommandError):
        call_command("apikey", "bootstrap")


def test_environment_key_is_valid_without_bootstrap(anon, settings):
    """SCHEDULER_API_KEY works however the server was started: no `apikey bootstrap`, no row."""
    settings.SCHEDULER_API_KEY = "never-bootstrapped-key"
    assert not APIKey.objects.exists()
    anon.credentials(HTTP_X_API_KEY="never-bootstrapped-key")
    response = anon.post("/scheduler/jobs", job_data(), format="json")
    assert response.status_code == 201 and response.json()["created_by"] == "bootstrap"
    assert anon.get("/scheduler/jobs").status_code == 200
    assert not APIKey.objects.exists()  # nothing was written to make it valid
    anon.credentials(HTTP_X_API_KEY="never-bootstrapped-ke")
    assert anon.get("/scheduler/jobs").status_code == 401
    settings.SCHEDULER_API_KEY = ""
    anon.credentials(HTTP_X_API_KEY="never-bootstrapped-key")
    assert anon.get("/scheduler/jobs").status_code == 401


def test_environment_key_outlives_its_revoked_row_while_set(anon, settings):
    settings.SCHEDULER_API_KEY = "operator-env-key"
    call_command("apikey", "bootstrap")
    assert api_key_revoke(name_or_prefix="bootstrap") == 1
    anon.credentials(HTTP_X_API_KEY="operator-env-key")
    assert anon.get("/scheduler/jobs").status_code == 200  # the variable decides; unset it to disable the key
    settings.SCHEDULER_API_KEY = ""
    assert anon.get("/scheduler/jobs").status_code == 401


@pytest.mark.parametrize("key", ["short", " padded-secret-value "])
def test_an_unusable_environment_key_is_refused_and_reported(anon, settings, key):
    from django.core.checks import run_checks

    settings.SCHEDULER_API_KEY = key
    anon.credentials(HTTP_X_API_KEY=key)
    assert anon.get("/scheduler/jobs").status_code == 401
    assert [e.id for e in run_checks() if e.id.startswith("scheduler.")] == ["scheduler.E001"]
