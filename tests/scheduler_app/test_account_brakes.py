"""The accounts' brakes as services (scheduler_app/brakes/accounts.py), without a browser: what a
pushback pauses, what a good new session lifts, when cool-downs end, and the li_at expiry
warnings (the browser tests in tests/bots/test_account_pushback.py run the same through
Chromium)."""
import json
from datetime import timedelta

import pytest
from django.utils.timezone import now as utc_now

from bots.crypto import session_decrypt
from bots.models import AccountStatus, LinkedInAccount
from bots.runner import RateLimited, SessionLost
from bots.services.accounts import account_create, account_session_save, session_expiry
from scheduler_app.brakes.accounts import (
    account_pushback,
    account_session_accepted,
    accounts_cooldowns_end,
    accounts_expiry_warn,
)
from scheduler_app.brakes.selectors import job_standing_pauses
from scheduler_app.brakes.services import job_pause
from scheduler_app.notify.models import NotificationDelivery
from scheduler_app.notify.services.channels import channel_create, rule_create
from tests.factories import make_job

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr("scheduler_app.notify.services.deliveries.deliveries_dispatch", lambda **_: None)


def _state(*, expires: float = -1) -> str:
    return json.dumps({"cookies": [{"name": "li_at", "value": "AQE-token", "domain": ".www.linkedin.com",
                                    "path": "/", "expires": expires}], "origins": []})


@pytest.fixture
def alpha():
    return account_create(data={"label": "alpha", "storage_state": _state()})


def test_the_session_is_stored_encrypted(alpha):
    assert "AQE-token" not in alpha.session_encrypted
    assert json.loads(session_decrypt(alpha.session_encrypted))["cookies"][0]["value"] == "AQE-token"


def test_a_checkpoint_pauses_the_enabled_jobs_of_that_account_only(alpha):
    wishes = make_job(name="wishes", account="alpha")
    visits = make_job(name="visits", bot_type="visitor", account="alpha", bot_config={"dry_run": True})
    off = make_job(name="off", account="alpha", enabled=False)
    elsewhere = make_job(name="elsewhere")  # the default account

    account_pushback(account_id=alpha.pk, execution_id=None, error=SessionLost("checkpoint: security check"))

    alpha.refresh_from_db()
    assert alpha.status == AccountStatus.NEEDS_REAUTH and alpha.status_reason == "checkpoint: security check"
    assert [p.cause for p in job_standing_pauses(job=wishes)] == ["needs_reauth"]
    assert [p.cause for p in job_standing_pauses(job=visits)] == ["needs_reauth"]
    assert job_standing_pauses(job=off) == [] and job_standing_pauses(job=elsewhere) == []


def test_a_limit_banner_cools_down_for_the_accounts_hours_and_restarts_its_warm_up(alpha):
    LinkedInAccount.objects.filter(pk=alpha.pk).update(cooldown_hours=36,
                                                      warmup_started_at=utc_now() - timedelta(days=90))
    wishes = make_job(name="wishes", account="alpha")
    before = utc_now()

    account_pushback(account_id=alpha.pk, execution_id=None, error=RateLimited("rate limited: weekly limit"))

    alpha.refresh_from_db()
    assert alpha.status == AccountStatus.COOLING_DOWN
    assert before + timedelta(hours=36) <= alpha.cooldown_until <= utc_now() + timedelta(hours=36)
    assert alpha.warmup_started_at == alpha.cooldown_until
    [pause] = job_standing_pauses(job=wishes)
    assert pause.until == alpha.cooldown_until
    assert accounts_cooldowns_end() == 0  # not yet
    assert accounts_cooldowns_end(now=alpha.cooldown_until) == 1
    alpha.refresh_from_db()
    assert alpha.status == AccountStatus.ACTIVE


def test_an_accepted_session_lifts_needs_reauth_pauses_and_nothing_else(alpha):
    wishes = make_job(name="wishes", account="alpha")
    mine = make_job(name="mine", account="alpha")
    account_pushback(account_id=alpha.pk, execution_id=None, error=SessionLost("session expired: login wall"))
    job_pause(job=mine, note="mine", actor="ada")

    alpha.refresh_from_db()
    assert account_session_accepted(account=alpha) == 2

    alpha.refresh_from_db()
    assert alpha.status == AccountStatus.ACTIVE and alpha.last_ok_at is not None
    assert job_standing_pauses(job=wishes) == []
    assert [(p.kind, p.note) for p in job_standing_pauses(job=mine)] == [("user", "mine")]


def test_the_li_at_expiry_warns_once_at_14_and_once_at_2_days(alpha):
    job = make_job(name="wishes", account="alpha")
    channel = channel_create(data={"name": "ops", "kind": "webhook", "config": {"url": "https://hooks.example.com/in"}})
    rule_create(data={"channel_id": str(channel.pk), "events": ["needs_attention"]})
    expires = utc_now() + timedelta(days=20)
    account_session_save(account=alpha, storage_state=_state(expires=expires.timestamp()))
    alpha.refresh_from_db()
    assert abs((alpha.li_at_expires_at - expires).total_seconds()) < 1

    assert accounts_expiry_warn() == 0  # 20 days left
    assert accounts_expiry_warn(now=expires - timedelta(days=13)) == 1
    assert accounts_expiry_warn(now=expires - timedelta(days=12)) == 0  # once
    assert accounts_expiry_warn(now=expires - timedelta(days=1, hours=12)) == 1
    assert accounts_expiry_warn(now=expires - timedelta(hours=1)) == 0
    deliveries = NotificationDelivery.objects.order_by("created_at")
    assert [d.event for d in deliveries] == ["needs_attention", "needs_attention"]
    assert all(d.job_id == job.pk for d in deliveries)
    assert "expires on" in deliveries[0].payload["reason"] and "14 days" in deliveries[0].payload["reason"]
    assert "2 days" in deliveries[1].payload["reason"]

    # A new session starts the warnings over.
    account_session_save(account=alpha, storage_state=_state(expires=(utc_now() + timedelta(days=10)).timestamp()))
    assert accounts_expiry_warn() == 1


def test_session_expiry_is_read_from_the_li_at_cookie():
    assert session_expiry(json.loads(_state())) is None  # a session cookie
    assert session_expiry(json.loads(_state(expires=2_000_000_000))).year == 2033
