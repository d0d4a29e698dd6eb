"""Celery task messages built ahead of time, as the bytes kombu's Redis transport would push.

Publishing one message at a time through ``send_task`` costs a Redis round trip (and a binding
lookup) per message; the fleet beat (scheduler_app.beat) instead builds each message before its
slot comes and, at the slot, pushes thousands of them in a few fenced calls (scheduler_app.leader).

Every step is Celery's or kombu's own: ``app.amqp.create_task_message`` makes the task protocol
v2 headers and body, kombu's serializer encodes it, and the Redis channel's ``prepare_message`` and
``_inplace_augment_message`` wrap it (base64 body, delivery tag, delivery info) exactly as
``Producer.publish`` -> ``Channel.basic_publish`` would before its ``LPUSH``. An unmodified worker
consumes the result; tests/scheduler_app/test_envelopes.py compares it with what ``send_task``
pushes, and the integration tests run it through a real worker.
"""
from dataclasses import dataclass

from celery import Celery
from kombu.serialization import dumps as serialize
from kombu.utils.json import dumps as json_dumps
from kombu.utils.uuid import uuid


@dataclass(frozen=True)
class Route:
    """Where kombu would put a task's messages: the Redis list key, and the names the envelope
    records in its delivery info."""

    key: str
    exchange: str
    routing_key: str


class EnvelopeFactory:
    """Builds envelopes for one app on one kombu Redis channel (its encoding rules)."""

    def __init__(self, app: Celery, channel):
        self.app = app
        self.channel = channel
        self._routes: dict[str, Route] = {}

    def route(self, task_name: str) -> Route:
        route = self._routes.get(task_name)
        if route is None:
            # A task routed to a direct queue is published by send_task on the anonymous exchange
            # with the queue's name as routing key (celery.app.amqp send_task_message).
            options = self.app.amqp.router.route({}, task_name)
            queue = options["queue"]
            priority = options.get("priority") or 0
            route = Route(self.channel._q_for_pri(queue.name, priority), "", queue.name)
            self._routes[task_name] = route
        return route

    def build(self, task_name: str, kwargs: dict, *, time_limit: float | None = None) -> bytes:
        """One task message for ``task_name(**kwargs)``, ready to LPUSH on ``route(task_name).key``;
        ``time_limit``: the Celery hard limit of this run (its worker child is killed past it)."""
        route = self.route(task_name)
        headers, properties, body, _ = self.app.amqp.create_task_message(
            uuid(), task_name, (), kwargs, reply_to=self.app.thread_oid, ignore_result=None, time_limit=time_limit
        )
        content_type, content_encoding, data = serialize(body, serializer=self.app.conf.task_serializer)
        properties = {**properties, "delivery_mode": 2}  # persistent, as Producer.publish marks it
        message = self.channel.prepare_message(data, None, content_type, content_encoding, headers, properties)
        self.channel._inplace_augment_message(message, route.exchange, route.routing_key)
        return json_dumps(message).encode()
