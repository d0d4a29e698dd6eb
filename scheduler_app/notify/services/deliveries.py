"""Deliveries: queue an alert, attempt it, retry it, and never lose it.

A delivery row is written in the transaction that decided the alert (an incident flip, a test),
so an alert exists exactly when its cause does. After that transaction commits, a Celery task
(``scheduler_app.tasks.notify_deliver``) makes the attempts:

- an attempt first *claims* the row (queued and due, or sending with an expired lease) with one
  conditional UPDATE that moves it to ``sending`` with a lease: two workers, a redelivered message
  and the reaper cannot attempt it at once;
- a 2xx ends it ``delivered``; a permanent failure (scheduler_app/notify/senders.py) ends it
  ``failed`` and disables the channel with the reason; any other failure puts it back ``queued``
  for the next attempt, NOTIFY_RETRY_BASE_SECONDS x 3^(n-1) later with +-20 % jitter (22 s, 66 s,
  198 s, 594 s: 5 attempts over about 15 minutes), and after NOTIFY_MAX_ATTEMPTS it ends ``failed``;
- the reaper (``deliveries_reap``, run by every worker's watchdog, scheduler_app/notify/watch.py)
  attempts, in its own thread, every row still queued NOTIFY_REAP_SLACK_SECONDS past its time
  and every row whose attempt lost its worker (lease expired). A message lost with Redis or a
  worker SIGKILLed mid-attempt therefore delays a delivery, never drops it. A receiver may then
  see one delivery twice (the first POST may have arrived): it deduplicates on the
  ``X-Scheduler-Delivery`` header, the row's id.
"""
import logging
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F, Q
from django.utils.timezone import now as utc_now

from scheduler_app.audit.services import Action, audit_record
from scheduler_app.notify.models import DeliveryStatus, Event, NotificationChannel, NotificationDelivery
from scheduler_app.notify.payloads import payload_build
from scheduler_app.notify.senders import SendResult, send

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Alert:
    """One event for one channel, before it is a row. ``dedupe_key`` names the cause (an
    incident's opening, a recovery...) so the same cause can never be queued twice."""

    channel_id: uuid.UUID
    event: str
    dedupe_key: str | None
    job: object = None
    execution: object = None
    incident: object = None
    rule_id: uuid.UUID | None = None
    reason: str | None = None


def retry_delay_seconds(attempts: int) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt."""
    base = settings.NOTIFY_RETRY_BASE_SECONDS * 3 ** (attempts - 1)
    return base * random.uniform(0.8, 1.2)


def deliveries_queue(*, alerts: list[Alert], now: datetime | None = None, dispatch: bool = True) -> list[uuid.UUID]:
    """Write a queued delivery per alert, in the caller's transaction, and (``dispatch``) send
    the message of the first attempt once it commits. An alert whose ``dedupe_key`` is already
    taken is dropped (it was queued before). Returns the ids queued."""
    now = now or utc_now()
    queued = []
    for alert in alerts:
        delivery_id = uuid.uuid4()
        payload = payload_build(event=alert.event, delivery_id=delivery_id, occurred_at=now, job=alert.job,
                                execution=alert.execution, incident=alert.incident, reason=alert.reason,
                                test=alert.event == Event.TEST)
        delivery = NotificationDelivery(
            id=delivery_id, channel_id=alert.channel_id, rule_id=alert.rule_id, event=alert.event,
            incident=alert.incident, job=alert.job, execution=alert.execution, dedupe_key=alert.dedupe_key,
            payload=payload, next_attempt_at=now, created_at=now,
        )
        try:
            with transaction.atomic():
                delivery.save(force_insert=True)
        except IntegrityError:
            logger.info("alert %s was already queued; not queued again", alert.dedupe_key)
            continue
        queued.append(delivery_id)
    if queued and dispatch:
        transaction.on_commit(lambda: deliveries_dispatch(delivery_ids=queued))
    return queued


def deliveries_dispatch(*, delivery_ids: list[uuid.UUID], countdown: float | None = None) -> None:
    """Send the Celery message that attempts each delivery. A broker that is down only delays
    them: the reaper attempts rows left queued."""
    from scheduler_app.tasks import notify_deliver

    for delivery_id in delivery_ids:
        try:
            notify_deliver.apply_async(args=[str(delivery_id)], countdown=countdown, retry=False)
        except Exception:  # the broker's errors are many; the row is safe either way
            logger.warning("could not queue delivery %s; the reaper will send it", delivery_id, exc_info=True)


def _claim(delivery_id, now: datetime) -> bool:
    lease = timedelta(seconds=settings.NOTIFY_LEASE_SECONDS)
    claimable = Q(status=DeliveryStatus.QUEUED, next_attempt_at__lte=now + timedelta(seconds=1)) | Q(
        status=DeliveryStatus.SENDING, lease_expires_at__lt=now)
    return bool(NotificationDelivery.objects.filter(claimable, pk=delivery_id).update(
        status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, lease_expires_at=now + lease))


def delivery_attempt(*, delivery_id) -> float | None:
    """Attempt one delivery if it is due and nobody else is attempting it. Returns the seconds
    until its next attempt when it must be retried, else None."""
    now = utc_now()
    if not _claim(delivery_id, now):
        return None
    delivery = NotificationDelivery.objects.select_related("channel").get(pk=delivery_id)
    channel = delivery.channel
    if not channel.enabled and delivery.event != Event.TEST:
        result = SendResult(ok=False, error=f"channel disabled: {channel.disabled_reason or 'by a user'}",
                            permanent=True)
    else:
        try:
            result = send(channel, delivery)
        except Exception as exc:  # a sender bug must not leave the row "sending" until its lease ends
            logger.exception("delivery %s: the %s sender crashed", delivery.pk, channel.kind)
            result = SendResult(ok=False, error=f"{type(exc).__name__}: {exc}")
    return _record(delivery, channel, result, disable=channel.enabled)


def _record(delivery: NotificationDelivery, channel: NotificationChannel, result: SendResult, *,
            disable: bool) -> float | None:
    now = utc_now()
    log = [*delivery.attempt_log, {"attempt": delivery.attempts, "at": now.isoformat(), "ok": result.ok,
                                   "http_status": result.http_status, "error": result.error}]
    retry_in = None
    fields = {"attempt_log": log, "http_status": result.http_status, "error": result.error,
              "lease_expires_at": None}
    if result.ok:
        fields.update(status=DeliveryStatus.DELIVERED, delivered_at=now, finished_at=now)
    elif result.permanent or delivery.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
        fields.update(status=DeliveryStatus.FAILED, finished_at=now)
    else:
        retry_in = retry_delay_seconds(delivery.attempts)
        fields.update(status=DeliveryStatus.QUEUED, next_attempt_at=now + timedelta(seconds=retry_in))
    with transaction.atomic():
        # Only the holder of this attempt records it (a reaper that took an expired lease over
        # records its own attempt instead).
        updated = NotificationDelivery.objects.filter(
            pk=delivery.pk, status=DeliveryStatus.SENDING, attempts=delivery.attempts).update(**fields)
        if not updated:
            return None
        channel_fields = {"last_error": None if result.ok else result.error, "updated_at": now}
        if result.ok:
            channel_fields["last_notified_at"] = now
        if result.permanent and disable:
            channel_fields.update(enabled=False, disabled_reason=(
                f"disabled after a permanent failure of delivery {delivery.pk} "
                f"({delivery.event}, {now:%Y-%m-%d %H:%M} UTC): {result.error}"))
            logger.warning("channel %s disabled: %s", channel.pk, result.error)
        changed = NotificationChannel.objects.filter(pk=channel.pk).update(**channel_fields)
        if changed and "enabled" in channel_fields and channel.enabled:
            audit_record(action=Action.UPDATE, object_type="channel", object_id=channel.pk, label=channel.name,
                         before={"enabled": True}, after={"enabled": False},
                         note=channel_fields["disabled_reason"])
    return retry_in


def delivery_run(*, delivery_id) -> None:
    """The task's body: one attempt, and the message for the next one when it must be retried."""
    retry_in = delivery_attempt(delivery_id=delivery_id)
    if retry_in is not None:
        deliveries_dispatch(delivery_ids=[delivery_id], countdown=retry_in)


def deliveries_reap(*, now: datetime | None = None, limit: int = 100) -> int:
    """Attempt, here and now, the deliveries nobody is attempting: queued past their time by more
    than NOTIFY_REAP_SLACK_SECONDS (their message was lost), or sending with an expired lease
    (their worker died). Returns how many were attempted."""
    now = now or utc_now()
    slack = timedelta(seconds=settings.NOTIFY_REAP_SLACK_SECONDS)
    stale = NotificationDelivery.objects.filter(
        Q(status=DeliveryStatus.QUEUED, next_attempt_at__lt=now - slack)
        | Q(status=DeliveryStatus.SENDING, lease_expires_at__lt=now)
    ).order_by("next_attempt_at").values_list("pk", flat=True)[:limit]
    attempted = 0
    for delivery_id in list(stale):
        try:
            retry_in = delivery_attempt(delivery_id=delivery_id)
        except DatabaseError:
            logger.warning("the reaper could not attempt delivery %s", delivery_id, exc_info=True)
            continue
        attempted += 1
        if retry_in is not None:
            deliveries_dispatch(delivery_ids=[delivery_id], countdown=retry_in)
    if attempted:
        logger.info("reaper attempted %d delivery(ies) left behind", attempted)
    return attempted


def delivery_send_test(*, channel: NotificationChannel) -> NotificationDelivery:
    """Send a ``test`` event to ``channel`` now (even a disabled one: that is how a user checks
    a fixed channel) and return the delivery as it stands after the first attempt; a retryable
    failure goes on being retried like any delivery."""
    with transaction.atomic():
        (delivery_id,) = deliveries_queue(alerts=[Alert(channel_id=channel.pk, event=Event.TEST, dedupe_key=None,
                                                        reason="This is a test of the channel.")], dispatch=False)
    delivery_run(delivery_id=delivery_id)
    return NotificationDelivery.objects.select_related("channel").get(pk=delivery_id)
