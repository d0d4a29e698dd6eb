"""Account writes the scheduler adds to the bots' own (``bots.accounts``): a new session is
followed by its probe (the Celery task ``probe_account``, sent once the session is committed),
and a delete refuses an account whose history the "never twice" rule still needs.

Validation is the bots' (``AccountValidationError`` naming each field); nothing here writes an
account row itself.
"""
import logging
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError

from bots.accounts import (
    AccountInUse,
    LinkedInAccount,
    account_create,
    account_delete,
    account_session_save,
)
from scheduler_app.audit.actors import SYSTEM, Actor

logger = logging.getLogger(__name__)

PROBE_QUEUED = "queued"
PROBE_NOT_QUEUED = "not_queued"


def account_probe_queue(*, account: LinkedInAccount) -> str:
    """Send the probe of the account's session once the current transaction commits (at once
    outside one). Returns "queued", or "not_queued" when the broker refused the message (the
    session stays saved; the next upload, or the next run, tries again)."""
    outcome = {"probe": PROBE_QUEUED}

    def send() -> None:
        from scheduler_app.tasks import probe_account

        try:
            probe_account.delay(str(account.pk))
        except Exception:  # broker down: the session is saved all the same
            logger.exception("could not queue the probe of account %s", account.label)
            outcome["probe"] = PROBE_NOT_QUEUED

    transaction.on_commit(send)
    return outcome["probe"]


def account_session_upload(*, account: LinkedInAccount, storage_state: Any, actor: Actor | str = SYSTEM) -> str:
    """Store a new session (validated: a bad one raises AccountValidationError on
    ``storage_state`` and stores nothing, encrypted) and queue its probe. Returns the probe's
    state ("queued" / "not_queued")."""
    account_session_save(account=account, storage_state=storage_state, actor=actor)
    return account_probe_queue(account=account)


def account_add(*, data: dict[str, Any], actor: Actor | str = SYSTEM) -> tuple[LinkedInAccount, str | None]:
    """A new account; one created with a session gets its probe. Returns the account and the
    probe's state (None: no session, no probe)."""
    account = account_create(data=data, actor=actor)
    probe = account_probe_queue(account=account) if account.session_encrypted else None
    return account, probe


def account_remove(*, account: LinkedInAccount, actor: Actor | str = SYSTEM) -> None:
    """Delete an account with no jobs and no history. Raises AccountInUse naming what keeps it:
    its jobs, or the messages and visits it made (kept so no contact is wished twice)."""
    try:
        with transaction.atomic():
            account_delete(account=account, actor=actor)
    except ProtectedError:
        messages, visits = account.birthday_messages.count(), account.visits.count()
        raise AccountInUse(
            f"account {account.label!r} has a history ({messages} message(s), {visits} visit(s)) that keeps "
            "contacts from being wished or visited twice; it cannot be deleted") from None

