"""Dashboard fixtures: a logged-in person, test bot runners, and a broker that is a list."""
import pytest

from tests.support.accounts import no_session_file, probes  # noqa: F401  (fixtures)


@pytest.fixture(autouse=True)
def _test_runners(settings):
    settings.BOT_RUNNERS = {
        "birthday": "tests.support.runners.succeed",
        "visitor": "tests.support.runners.succeed",
    }


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(username="alice", password="s3cret-pass", is_staff=True)


@pytest.fixture
def client_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def sent_tasks(monkeypatch):
    """Celery messages ``job_run_now`` would send, captured instead of reaching a broker."""
    sent = []
    monkeypatch.setattr(
        "scheduler_app.services.jobs.celery_app.send_task",
        lambda name, kwargs=None, **options: sent.append((name, kwargs)),
    )
    return sent
