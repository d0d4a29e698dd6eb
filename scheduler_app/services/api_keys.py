"""API keys: create, revoke, check, and the bootstrap key from ``SCHEDULER_API_KEY``.

Keys are djangorestframework-api-key rows, so only a SHA-512 hash is stored and the admin can
list and revoke them. Generated keys look like ``<prefix>.<secret>`` and are found by their
prefix. The bootstrap key is whatever string the operator chose, so it has no such prefix: its
row is filed under a prefix derived from the key's own hash, and ``api_key_check`` looks under
both.

``SCHEDULER_API_KEY`` itself is valid whenever it is set, however the server was started: the
authenticator compares it directly (``api_key_is_environment_key``), so a server started without
``manage.py apikey bootstrap`` or ``manage.py up`` still accepts it. The stored "bootstrap" row
those commands write is what the admin and ``apikey list`` show; revoking it does not disable the
key while the variable is still set.

A key made with ``read_only=True`` (``manage.py apikey create NAME --read-only``) carries a
``ReadOnlyApiKey`` row: it may read everything and write nothing (``api_key_is_read_only``). The
bootstrap key is always a write key.
"""
import hashlib
import hmac

from django.conf import settings
from django.db import transaction
from rest_framework_api_key.crypto import KeyGenerator
from rest_framework_api_key.models import APIKey

from scheduler_app.audit.actors import SYSTEM, Actor
from scheduler_app.audit.services import Action, audit_record
from scheduler_app.models import ReadOnlyApiKey

BOOTSTRAP_NAME = "bootstrap"
MIN_BOOTSTRAP_LENGTH = 8
_generator = KeyGenerator()


def _derived_prefix(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def _lookup_prefixes(key: str) -> list[str]:
    prefixes = [_derived_prefix(key)]
    generated_prefix, dot, _ = key.partition(".")
    if dot and 0 < len(generated_prefix) <= 8:
        prefixes.append(generated_prefix)
    return prefixes


def bootstrap_key_problem(key: object) -> str | None:
    """Why ``key`` cannot be the bootstrap key (too short, outer spaces), or None if it can."""
    if not isinstance(key, str) or len(key.strip()) < MIN_BOOTSTRAP_LENGTH or key != key.strip():
        return f"the bootstrap API key must be at least {MIN_BOOTSTRAP_LENGTH} characters, no outer spaces"
    return None


def api_key_is_environment_key(key: str) -> bool:
    """Whether ``key`` is ``SCHEDULER_API_KEY`` (set and usable), compared in constant time."""
    expected = settings.SCHEDULER_API_KEY
    if not expected or not key or bootstrap_key_problem(expected):
        return False
    return hmac.compare_digest(key.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))


def api_key_check(key: str) -> APIKey | None:
    """The usable (not revoked, not expired) key row matching this plaintext key, or None."""
    if not key or len(key) > 500:
        return None
    for candidate in APIKey.objects.filter(prefix__in=_lookup_prefixes(key), revoked=False):
        if not candidate.has_expired and _generator.verify(key, candidate.hashed_key):
            return candidate
    return None


def _audit(row: APIKey, *, actor: Actor, action: str, after: dict) -> None:
    """A key's event: its name, prefix and access, never the key or its hash."""
    audit_record(actor=actor, action=action, object_type="api_key", object_id=row.prefix, label=row.name,
                 changes={name: {"old": None, "new": value} for name, value in after.items()})


def api_key_create(*, name: str, read_only: bool = False, actor: Actor = SYSTEM) -> tuple[APIKey, str]:
    """A new random key named ``name`` (shown as ``created_by`` on the jobs it creates); with
    ``read_only`` it can call every GET of the API and nothing that writes or runs.

    Returns the row and the plaintext key, which is not stored and cannot be shown again.
    """
    name = name.strip()
    if not name or len(name) > 50:
        raise ValueError("an API key name must be 1..50 characters")
    with transaction.atomic():
        row, key = APIKey.objects.create_key(name=name)
        if read_only:
            ReadOnlyApiKey.objects.create(api_key=row)
        _audit(row, actor=actor, action=Action.KEY_CREATED, after={"read_only": read_only})
    return row, key


def api_key_is_read_only(api_key: object) -> bool:
    """Whether ``api_key`` (a request's ``auth``) is a stored key marked read-only. The
    environment's bootstrap key and anything that is not a stored key are not."""
    if not isinstance(api_key, APIKey):
        return False
    return ReadOnlyApiKey.objects.filter(api_key_id=api_key.pk).exists()


def api_key_revoke(*, name_or_prefix: str, actor: Actor = SYSTEM) -> int:
    """Revoke every usable key with this name or prefix; returns how many. Revoking is final."""
    keys = APIKey.objects.filter(revoked=False).filter(name=name_or_prefix) | APIKey.objects.filter(
        revoked=False, prefix=name_or_prefix
    )
    count = 0
    with transaction.atomic():
        for key in keys.distinct():
            key.revoked = True
            key.save(update_fields=["revoked"])
            _audit(key, actor=actor, action=Action.KEY_REVOKED, after={"revoked": True})
            count += 1
    return count


def api_key_ensure_bootstrap(key: str, *, actor: Actor = SYSTEM) -> None:
    """Make ``key`` a valid API key named "bootstrap"; idempotent.

    Only the key given last stays valid among bootstrap keys: changing ``SCHEDULER_API_KEY``
    (or generating a new one at each start) revokes the previous bootstrap key instead of
    leaving every old one usable.
    """
    problem = bootstrap_key_problem(key)
    if problem:
        raise ValueError(problem)
    prefix = _derived_prefix(key)
    with transaction.atomic():
        row = APIKey.objects.select_for_update().filter(prefix=prefix).first()
        usable = row is not None and not row.revoked and not row.has_expired
        if row is not None and not (usable and _generator.verify(key, row.hashed_key) and row.name == BOOTSTRAP_NAME):
            if row.name != BOOTSTRAP_NAME:
                raise ValueError("the bootstrap key collides with an existing API key; choose another")
            row.delete()  # revoked or expired: revocation cannot be undone, so make a new row
            row = None
        if row is None:
            hashed = _generator.hash(key)
            row = APIKey(id=f"{prefix}.{hashed}", prefix=prefix, hashed_key=hashed, name=BOOTSTRAP_NAME)
            row.save()
            _audit(row, actor=actor, action=Action.KEY_CREATED, after={"read_only": False})
        ReadOnlyApiKey.objects.filter(api_key_id=row.pk).delete()  # the bootstrap key always writes
        for stale in APIKey.objects.filter(name=BOOTSTRAP_NAME, revoked=False).exclude(pk=row.pk):
            stale.revoked = True
            stale.save(update_fields=["revoked"])
            _audit(stale, actor=actor, action=Action.KEY_REVOKED, after={"revoked": True})
