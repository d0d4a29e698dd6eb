"""Sessions encrypted at rest: a LinkedIn session cookie is as good as the password.

The key is LINKEDIN_ACCOUNTS_KEY (a Fernet key; ``manage.py up`` makes one under ``var/``). Without
it, a key is derived from SECRET_KEY, so a development checkout works and a production one is
only as safe as its SECRET_KEY; README "LinkedIn accounts" says to set the key. Changing the key
makes the stored sessions unreadable: each account then asks for a new session.
"""
import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


class SessionUnreadable(Exception):
    """The stored session cannot be decrypted with the current key."""


def derived_key() -> str:
    """The key used while LINKEDIN_ACCOUNTS_KEY is empty: derived from SECRET_KEY."""
    digest = hashlib.sha256(b"linkedin-accounts:" + settings.SECRET_KEY.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def _fernet(key: str | bytes | None = None) -> Fernet:
    key = key or settings.LINKEDIN_ACCOUNTS_KEY or derived_key()
    return Fernet(key.encode() if isinstance(key, str) else key)


def session_encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def session_decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except (InvalidToken, ValueError) as exc:
        raise SessionUnreadable("the stored session cannot be decrypted with LINKEDIN_ACCOUNTS_KEY") from exc


def new_key() -> str:
    return Fernet.generate_key().decode()


def token_rekey(token: str, *, old_key: str, new_key: str) -> str | None:
    """``token`` encrypted with ``new_key`` instead of ``old_key``; None when ``old_key`` cannot
    read it."""
    try:
        plain = _fernet(old_key).decrypt(token.encode())
    except (InvalidToken, ValueError):
        return None
    return _fernet(new_key).encrypt(plain).decode()


def token_readable(token: str, *, key: str) -> bool:
    try:
        _fernet(key).decrypt(token.encode())
    except (InvalidToken, ValueError):
        return False
    return True
