"""Who watches the watcher: the leading beat pings ``HEALTHCHECKS_PING_URL`` (any
Healthchecks-compatible URL) every ``HEALTHCHECKS_PING_EVERY_SECONDS``, so a service outside the
scheduler raises the alarm when pings stop: every beat dead, Redis gone (no beat can lead), the
host down. Called from ``FleetScheduler._housekeeping`` (scheduler_app/beat.py).

A ping runs in a daemon thread with a short timeout: a slow or dead monitoring service must never
hold up dispatch or stop beat. A failed ping is logged; the monitor notices the gap by itself.
"""
import logging
import threading
import urllib.request

logger = logging.getLogger(__name__)

PING_TIMEOUT_SECONDS = 5.0
USER_AGENT = "bot-scheduler-beat"


def healthchecks_ping(*, url: str, timeout: float = PING_TIMEOUT_SECONDS) -> bool:
    """One GET of ``url``; True on a 2xx answer. Never raises: any error is logged and is False."""
    try:
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (operator's URL)
            response.read(1024)
            ok = 200 <= response.status < 300
    except Exception as exc:  # noqa: BLE001 (URLError, timeouts, a bad URL...: none may reach beat)
        logger.warning("healthchecks ping to %s failed: %s", url, exc)
        return False
    if not ok:
        logger.warning("healthchecks ping to %s answered %s", url, response.status)
    return ok


def healthchecks_ping_start(*, url: str, timeout: float = PING_TIMEOUT_SECONDS) -> threading.Thread:
    """The same ping in a daemon thread, returned started (the caller never waits on it)."""
    thread = threading.Thread(target=healthchecks_ping, kwargs={"url": url, "timeout": timeout},
                              name="healthchecks-ping", daemon=True)
    thread.start()
    return thread
