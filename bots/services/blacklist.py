"""Blacklist writes: the one place its rules live (the admin calls these too)."""
from typing import TypedDict

from bots.models import BlacklistEntry
from bots.profiles import slug_normalize
from bots.services import InvalidInput, model_update


class BlacklistFields(TypedDict):
    slug: str
    name: str
    reason: str


def blacklist_entry_clean(*, slug: str = "", name: str = "", reason: str = "") -> BlacklistFields:
    """The fields as stored: slug from an address or a bare slug, spacing tidied; InvalidInput when empty."""
    slug, name = slug_normalize(slug) if slug.strip() else "", " ".join(name.split())
    if not slug and not name:
        raise InvalidInput("a blacklist entry needs a profile slug/address or a name")
    return {"slug": slug, "name": name, "reason": reason.strip()}


def blacklist_entry_create(*, slug: str = "", name: str = "", reason: str = "") -> BlacklistEntry:
    """A profile address or slug, and/or a full name (either one matches)."""
    return BlacklistEntry.objects.create(**blacklist_entry_clean(slug=slug, name=name, reason=reason))


def blacklist_entry_update(
    *, entry: BlacklistEntry, slug: str = "", name: str = "", reason: str = ""
) -> BlacklistEntry:
    return model_update(entry, blacklist_entry_clean(slug=slug, name=name, reason=reason))
