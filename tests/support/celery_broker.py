"""Point this test process's Celery app at a test Redis."""
from config.celery import app as celery_app


def celery_send_to(url: str) -> None:
    """Send this process's Celery messages (run-now, beat envelopes) to ``url``: the cached
    connection and producer pools still point at the previous broker, so they are dropped."""
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    celery_app.conf.broker_url = url
