"""A lease kept alive from a thread: ``renew()`` every ``every`` seconds while a block runs.

Both leases of a run use it: its execution's (scheduler_app/services/executions.py) and its
account's browser (bots/account_run.py). When the process dies, the renewals stop and the lease
runs out; that is what frees a SIGKILLed worker's run and account.
"""
import logging
import threading
from collections.abc import Callable

from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)


class PeriodicRenewal:
    """``with PeriodicRenewal(renew, every=10, what="the lease of execution X"):`` calls ``renew``
    every ``every`` seconds until the block ends or ``renew`` returns False (the lease is no longer
    ours); a database error is logged and the next round tries again."""

    def __init__(self, renew: Callable[[], bool], *, every: float, what: str) -> None:
        self.renew, self.every, self.what = renew, every, what
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"renew {what}"[:60], daemon=True)

    def __enter__(self) -> "PeriodicRenewal":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        try:
            while not self._stopped.wait(self.every):
                try:
                    if not self.renew():
                        logger.info("stopped renewing %s: no longer held", self.what)
                        return
                except DatabaseError:
                    logger.warning("could not renew %s", self.what, exc_info=True)
        finally:
            connection.close()  # this thread's own connection
