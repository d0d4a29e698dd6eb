"""The scheduler's door to LinkedIn accounts, as ``bots.runner`` is its door to runs: everything
scheduler_app may use of accounts (rows, their readers and writers, the session check), so the
bots' insides can change behind it. Accounts live in ``bots`` (docs: DESIGN "Accounts")."""
from django.conf import settings

from bots.crypto import new_key as accounts_key_new
from bots.models import DEFAULT_ACCOUNT_LABEL, AccountStatus, LinkedInAccount
from bots.selectors import (
    Allowance,
    account_default,
    account_effective_status,
    account_find,
    account_get,
    account_list,
    account_message_allowance,
    account_visit_allowance,
    accounts_with_jobs_count,
    warmup_week,
)
from bots.services.account_keys import KeyChange, accounts_key_change
from bots.services.accounts import (
    SESSION_MAX_BYTES,
    AccountInUse,
    AccountValidationError,
    account_create,
    account_default_ensure,
    account_delete,
    account_expiry_warned,
    account_ok,
    account_session_save,
    account_status_set,
    account_update,
    accounts_cooldown_end,
    storage_state_parse,
)


def account_has_session(account: LinkedInAccount) -> bool:
    """Whether runs of the account find a session to load (without decrypting it): its own, or,
    for the default account without one, the LINKEDIN_STORAGE_STATE file (bots/selectors.py
    ``account_session_state``)."""
    if account.session_encrypted:
        return True
    return account.label == DEFAULT_ACCOUNT_LABEL and settings.LINKEDIN_STORAGE_STATE.is_file()


def session_probe(*, account: LinkedInAccount) -> None:
    """Open the feed with the account's saved session (bots/probe.py); raises the driver's error."""
    from bots.probe import session_probe as probe

    probe(account=account)


__all__ = [
    "AccountInUse", "AccountStatus", "AccountValidationError", "Allowance", "DEFAULT_ACCOUNT_LABEL", "KeyChange",
    "LinkedInAccount", "SESSION_MAX_BYTES", "account_create", "account_default", "account_default_ensure",
    "account_delete", "account_effective_status", "account_expiry_warned", "account_find", "account_get",
    "account_has_session", "account_list", "account_message_allowance", "account_ok", "account_session_save",
    "account_status_set", "account_update", "account_visit_allowance", "accounts_cooldown_end",
    "accounts_key_change", "accounts_key_new", "accounts_with_jobs_count", "session_probe", "storage_state_parse",
    "warmup_week",
]
