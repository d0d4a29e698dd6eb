"""Who may call the API: an ``X-API-Key`` header (or the same key as ``Authorization: Bearer
<key>``, which Prometheus and most monitoring tools send), or a staff session (the dashboard).

The key authenticator comes first so an anonymous request gets 401 with a
``WWW-Authenticate`` header (DRF answers 403 when the first authenticator has no challenge).

A valid key always works: it is checked first, and only a wrong key is counted against its
client address. Past ``SCHEDULER_API_BAD_KEY_LIMIT`` wrong keys within the window, that address
gets 429 (with Retry-After) for every further wrong key for ``SCHEDULER_API_BAD_KEY_BLOCK_SECONDS``,
so someone behind the same NAT guessing keys cannot lock the owner out. The block tells a client
to slow down; it cannot stop guessing (a right key still works from a blocked address), the keys'
length does: generated keys carry 32 random characters. The counts live in this web process's
memory (the ``api_bad_keys`` cache in config/settings.py), so a restart clears every block, and
each web process counts on its own.

A read-only key (``apikey create NAME --read-only``) passes ``HasApiKeyOrStaffSession`` like any
key; ``WritesNeedWriteKey``, the other permission of every API class (``SchedulerApi``), answers
403 to it on any method but GET, HEAD and OPTIONS.
"""
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.throttling import BaseThrottle

from scheduler_app.audit.actors import Actor, request_actor
from scheduler_app.audit.models import AuditSource
from scheduler_app.services.api_keys import (
    BOOTSTRAP_NAME,
    api_key_check,
    api_key_is_environment_key,
    api_key_is_read_only,
)

API_KEY_HEADER = "X-API-Key"
BAD_KEYS_CACHE = "api_bad_keys"


@dataclass(frozen=True)
class EnvironmentApiKey:
    """``request.auth`` for ``SCHEDULER_API_KEY``: valid while the variable is set, stored or not."""

    name: str = BOOTSTRAP_NAME


@dataclass(frozen=True)
class ApiKeyPrincipal:
    """``request.user`` for a key-authenticated request: the key's name, nothing more."""

    username: str
    is_authenticated: bool = True
    is_anonymous: bool = False
    is_staff: bool = False
    is_active: bool = True

    def get_username(self) -> str:
        return self.username


def actor_name(request) -> str:
    """What ``created_by`` records: the key's name, or the logged-in user's name."""
    return request.user.get_username()


def api_actor(request, *, note: str | None = "") -> Actor:
    """Who writes through the API, for the audit trail: the key's name (or the staff user's),
    source ``api``, the request's X-Request-ID and client address, and the caller's ``note``."""
    return request_actor(request, source=AuditSource.API, note=note)


def _fail_key(ident: str) -> str:
    return f"scheduler:api:bad-keys:{ident}"


def _block_key(ident: str) -> str:
    return f"scheduler:api:blocked:{ident}"


def bad_key_guard(ident: str) -> None:
    """Raise Throttled (429, with Retry-After) while ``ident`` is blocked; for wrong keys only."""
    cache = caches[BAD_KEYS_CACHE]
    until = cache.get(_block_key(ident))
    if until is not None and until > time.time():
        raise Throttled(wait=until - time.time(), detail=_("Too many invalid API keys from this address."))


def bad_key_record(ident: str) -> None:
    """Count one wrong key; the one that reaches the limit blocks the address."""
    cache = caches[BAD_KEYS_CACHE]
    window = settings.SCHEDULER_API_BAD_KEY_WINDOW_SECONDS
    cache.add(_fail_key(ident), 0, timeout=window)
    try:
        count = cache.incr(_fail_key(ident))
    except ValueError:  # the window expired between add and incr
        cache.set(_fail_key(ident), 1, timeout=window)
        count = 1
    if count >= settings.SCHEDULER_API_BAD_KEY_LIMIT:
        block = settings.SCHEDULER_API_BAD_KEY_BLOCK_SECONDS
        cache.set(_block_key(ident), time.time() + block, timeout=block)
        cache.delete(_fail_key(ident))


def _presented_key(request) -> str | None:
    """The key the request carries: ``X-API-Key`` first, else a Bearer token. Another
    Authorization scheme is no key (session auth may still apply)."""
    key = request.META.get("HTTP_X_API_KEY")
    if key is not None:
        return key
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()  # an empty token is a wrong key, counted like any other


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request):
        key = _presented_key(request)
        if key is None:
            return None  # no key: let session auth try, else 401 from the permission check
        if api_key_is_environment_key(key):
            api_key = EnvironmentApiKey()
        else:
            api_key = api_key_check(key)
        if api_key is None:
            ident = BaseThrottle().get_ident(request) or "unknown"
            bad_key_guard(ident)
            bad_key_record(ident)
            raise AuthenticationFailed(_("Invalid API key."))
        return ApiKeyPrincipal(username=api_key.name), api_key

    def authenticate_header(self, request) -> str:
        return f'APIKey realm="scheduler", header="{API_KEY_HEADER}", Bearer realm="scheduler"'


class HasApiKeyOrStaffSession(BasePermission):
    """A valid key, or a logged-in staff user (who may edit jobs in the admin anyway)."""

    def has_permission(self, request, view) -> bool:
        if isinstance(request.user, ApiKeyPrincipal):
            return True
        user = request.user
        return bool(user and user.is_authenticated and user.is_staff)


READ_ONLY_KEY_DETAIL = gettext_lazy(
    "This API key is read-only: it can read (GET) but not write or run anything. Use a write key.")
WRITE_KEY_NOTE = "Needs a write key: a read-only API key gets 403."


class WritesNeedWriteKey(BasePermission):
    """Anything but GET/HEAD/OPTIONS is refused (403) to a read-only key; write keys and staff
    sessions pass. Reads cost no query: the key's mark is looked up only for a write."""

    message = READ_ONLY_KEY_DETAIL

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return not api_key_is_read_only(request.auth)
