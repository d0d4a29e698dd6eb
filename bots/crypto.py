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


def _fernet() -> Fernet:
    key = settings.LINKEDIN_ACCOUNTS_KEY
    if not key:
        digest = hashlib.sha256(b"linkedin-accounts:" + settings.SECRET_KEY.encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
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
