"""warn_after_seconds: a run still going past it raises one long_running alert per channel, from
the lease keeper's thread while the bot runs, never twice for one run."""
import time

import pytest
from django.utils.timezone import now as utc_now

from scheduler_app.notify.models import NotificationDelivery
from scheduler_app.notify.services.channels import channel_create, rule_create
from scheduler_app.services.executions import execution_claim, execution_long_running
from scheduler_app.services.progress import RunProgress
from tests.factories import make_job


@pytest.fixture
def long_running_rule(monkeypatch):
    monkeypatch.setattr("scheduler_app.notify.services.deliveries.deliveries_dispatch", lambda **kwargs: None)
    channel = channel_create(data={"name": "ops hook", "kind": "webhook",
                                   "config": {"url": "https://hooks.example.com/in"}})
    rule_create(data={"channel_id": str(channel.pk), "events": ["long_running"]})
    return channel


@pytest.mark.django_db
def test_one_alert_per_run_however_often_it_is_asked(long_running_rule):
    job = make_job(warn_after_seconds=60)
    execution = execution_claim(job_id=job.pk, scheduled_for=utc_now().replace(microsecond=0))

    assert execution_long_running(execution_id=execution.pk) == 1
    assert execution_long_running(execution_id=execution.pk) == 0

    (delivery,) = NotificationDelivery.objects.all()
    assert (delivery.event, delivery.execution_id) == ("long_running", execution.pk)
    assert "past warn_after_seconds (60s)" in delivery.payload["reason"]


@pytest.mark.django_db(transaction=True)
def test_the_lease_keeper_raises_it_once_the_run_passes_warn_after(long_running_rule, settings):
    from scheduler_app.services.executions import _lease_keeper

    settings.SCHEDULER_PROGRESS_SECONDS = 0.2
    job = make_job(warn_after_seconds=1)
    execution = execution_claim(job_id=job.pk, scheduled_for=utc_now().replace(microsecond=0))

    with _lease_keeper(execution.pk, RunProgress(), warn_after=1):
        time.sleep(0.6)
        assert not NotificationDelivery.objects.exists()
        time.sleep(1.2)
    assert NotificationDelivery.objects.filter(event="long_running").count() == 1
