"""The check a new session gets before the jobs of its account run again: open LinkedIn's feed
with it, holding the account's browser lease and a host slot like any run (bots/account_run.py),
and see the logged-in navigation. Raises the driver's error (SessionLost, RateLimited, ...) when
the feed does not load logged in."""
import time
import uuid

from django.conf import settings

from bots.account_run import account_lease, host_browser_slot, session_for
from bots.browser import linkedin_browser
from bots.models import LinkedInAccount

PROBE_TIME_LIMIT = 120.0


def session_probe(*, account: LinkedInAccount) -> None:
    probe_id = uuid.uuid4()
    give_up = time.monotonic() + settings.ACCOUNT_WAIT_SECONDS
    with account_lease(account=account, execution_id=probe_id, job_id=None, holder="the check of a new session"):
        storage_state = session_for(account)
        with host_browser_slot(give_up=give_up), linkedin_browser(time_limit=PROBE_TIME_LIMIT,
                                                                  storage_state=storage_state) as (driver, _):
            driver.ensure_logged_in()
