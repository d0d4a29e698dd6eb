"""Incident flips: one alert per incident per channel, min_consecutive_failures, recovered once,
skipped neither opens nor closes, no alert on a first success (scheduler_app/notify/services/incidents.py)."""
from datetime import timedelta

import pytest
from django.utils.timezone import now as utc_now

from scheduler_app.notify.models import Incident, NotificationChannel, NotificationDelivery, NotificationRule
from tests.factories import make_job, record_run

pytestmark = pytest.mark.django_db


def channel(name="hook", **config):
    return NotificationChannel.objects.create(name=name, kind="webhook",
                                              config=config or {"url": "http://127.0.0.1:9/hook"}, secret="s" * 20)


def rule(channel, events=("failed", "recovered"), **fields):
    return NotificationRule.objects.create(channel=channel, events=list(events), **fields)


def events(**filters):
    return list(NotificationDelivery.objects.filter(**filters).order_by("created_at").values_list("event", flat=True))


def test_one_incident_one_alert_whatever_the_number_of_failures():
    job = make_job()
    rule(channel())
    for _ in range(5):
        record_run(job, "failed")
    assert events() == ["failed"]
    incident = Incident.objects.get(job=job)
    assert incident.state == "failing" and incident.consecutive_failures == 5


def test_each_channel_gets_its_own_single_alert():
    job = make_job()
    first, second = channel("a"), channel("b")
    rule(first)
    rule(second)
    record_run(job, "failed")
    record_run(job, "failed")
    assert sorted(NotificationDelivery.objects.values_list("channel__name", flat=True)) == ["a", "b"]


@pytest.mark.parametrize(("failures", "alerts"), [(2, 0), (3, 1), (6, 1)])
def test_min_consecutive_failures(failures, alerts):
    job = make_job()
    rule(channel(), min_consecutive_failures=3)
    for _ in range(failures):
        record_run(job, "failed")
    assert len(events(event="failed")) == alerts


def test_a_success_resets_the_count_before_the_threshold():
    job = make_job()
    rule(channel(), min_consecutive_failures=3)
    for status in ("failed", "failed", "success", "failed", "failed"):
        record_run(job, status)
    assert events() == []


def test_next_success_sends_one_recovered_and_a_new_incident_alerts_again():
    job = make_job()
    rule(channel())
    for status in ("failed", "failed", "success", "success", "failed"):
        record_run(job, status)
    assert events() == ["failed", "recovered", "failed"]
    keys = set(NotificationDelivery.objects.values_list("dedupe_key", flat=True))
    assert len(keys) == 3


def test_first_success_and_successes_say_nothing():
    job = make_job()
    rule(channel())
    for _ in range(3):
        record_run(job, "success")
    assert events() == []


def test_skipped_neither_opens_nor_closes():
    job = make_job()
    rule(channel(), min_consecutive_failures=2)
    record_run(job, "failed")
    record_run(job, "skipped")
    record_run(job, "failed")
    assert events() == ["failed"]  # the skip did not break the run of failures
    record_run(job, "skipped")
    assert Incident.objects.get(job=job).state == "failing"  # nor close the incident
    record_run(job, "success")
    assert events() == ["failed", "recovered"]


def test_recovered_only_for_rules_that_ask_for_it():
    job = make_job()
    rule(channel(), events=["failed"])
    record_run(job, "failed")
    record_run(job, "success")
    assert events() == ["failed"]
    assert Incident.objects.get(job=job).state == "ok"


def test_missed_counts_only_for_rules_subscribed_to_missed():
    job = make_job()
    only_failed = rule(channel("f"), events=["failed"])
    missed = rule(channel("m"), events=["missed"])
    record_run(job, "missed")
    assert list(NotificationDelivery.objects.values_list("rule_id", "event")) == [(missed.pk, "missed")]
    assert not Incident.objects.filter(rule=only_failed).exists()


def test_scope_bot_type_and_job():
    birthday, visitor = make_job(), make_job(bot_type="visitor", bot_config={"dry_run": True})
    hook = channel()
    rule(hook, bot_type="visitor")
    rule(channel("only-birthday-job"), job=birthday)
    record_run(birthday, "failed")
    record_run(visitor, "failed")
    assert sorted(NotificationDelivery.objects.values_list("channel__name", "job_id")) == sorted(
        [("hook", visitor.pk), ("only-birthday-job", birthday.pk)])


def test_disabled_rule_or_channel_sends_nothing():
    job = make_job()
    rule(channel("off-rule"), enabled=False)
    off = channel("off-channel")
    off.enabled = False
    off.save()
    rule(off)
    record_run(job, "failed")
    assert events() == []


def test_realert_every_on_a_further_failure_after_the_period():
    job = make_job()
    rule(channel(), realert_every_seconds=3600)
    record_run(job, "failed")
    record_run(job, "failed", at=utc_now() + timedelta(minutes=30))
    assert events() == ["failed"]
    record_run(job, "failed", at=utc_now() + timedelta(hours=2))
    assert events() == ["failed", "failed"]


def test_session_expired_raises_needs_attention_once_until_a_success():
    job = make_job()
    rule(channel(), events=["needs_attention"])
    from scheduler_app.services.executions import execution_claim, execution_finish

    for _ in range(3):
        execution = execution_claim(job_id=job.pk, scheduled_for=utc_now().replace(microsecond=0)
                                    + timedelta(seconds=len(events()) + _))
        execution_finish(execution=execution, status="failed", error="session expired: LinkedIn sent the login page")
    assert events() == ["needs_attention"]


def test_payload_carries_job_execution_counts_and_link():
    job = make_job()
    rule(channel())
    execution = record_run(job, "failed", messages=2)
    payload = NotificationDelivery.objects.get().payload
    assert payload["event"] == "failed"
    assert payload["job"]["id"] == str(job.pk) and payload["job"]["name"] == job.name
    assert payload["execution"]["id"] == str(execution.pk)
    assert payload["execution"]["status"] == "failed"
    assert payload["counts"]["messages_sent"] == 2
    assert payload["delivery_id"] == str(NotificationDelivery.objects.get().pk)
    assert payload["url"].endswith(f"/dashboard/jobs/{job.pk}/history/#execution-{execution.pk}")
