"""Moving the accounts' stored sessions to a new encryption key (bots/crypto.py).

``manage.py up`` makes a LINKEDIN_ACCOUNTS_KEY once; sessions stored before it were encrypted with
the key derived from SECRET_KEY, and would otherwise become unreadable (each account then asking
for a new session). Only ``session_encrypted`` changes: the session, its dates and its status stay.
"""
from dataclasses import dataclass

from django.db import transaction

from bots.crypto import derived_key, token_readable, token_rekey
from bots.models import LinkedInAccount


@dataclass(frozen=True)
class KeyChange:
    moved: list[str]  # labels of the accounts whose session now reads with the new key
    unreadable: list[str]  # labels of those whose session neither key reads (they need a new one)


def accounts_key_change(*, new_key: str, old_key: str | None = None) -> KeyChange:
    """Re-encrypt with ``new_key`` every stored session ``old_key`` (default: the key derived from
    SECRET_KEY) reads; sessions ``new_key`` already reads are left alone."""
    old_key = old_key or derived_key()
    moved, unreadable = [], []
    with transaction.atomic():
        for account in LinkedInAccount.objects.select_for_update().exclude(session_encrypted="").order_by("label"):
            if token_readable(account.session_encrypted, key=new_key):
                continue
            token = token_rekey(account.session_encrypted, old_key=old_key, new_key=new_key)
            if token is None:
                unreadable.append(account.label)
                continue
            LinkedInAccount.objects.filter(pk=account.pk).update(session_encrypted=token)
            moved.append(account.label)
    return KeyChange(moved=moved, unreadable=unreadable)
