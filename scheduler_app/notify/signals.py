"""Start the notification watchdog (scheduler_app/notify/watch.py) in each worker's main
process once it is ready, unless NOTIFY_WATCHDOG is off."""
from celery.signals import worker_ready, worker_shutdown
from django.conf import settings

_watchdog = None


@worker_ready.connect
def start_watchdog(**_):
    global _watchdog
    if settings.NOTIFY_WATCHDOG and _watchdog is None:
        from scheduler_app.notify.watch import Watchdog

        _watchdog = Watchdog().start()


@worker_shutdown.connect
def stop_watchdog(**_):
    global _watchdog
    if _watchdog is not None:
        _watchdog.stop()
        _watchdog = None
