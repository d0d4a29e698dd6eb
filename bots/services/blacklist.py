from bots.models import BlacklistEntry
from bots.profiles import slug_normalize


def blacklist_entry_create(*, slug: str = "", name: str = "", reason: str = "") -> BlacklistEntry:
    """A profile address or slug, or a full name when the address is unknown."""
    slug, name = slug_normalize(slug) if slug.strip() else "", " ".join(name.split())
    if not slug and not name:
        raise ValueError("a blacklist entry needs a profile slug/address or a name")
    return BlacklistEntry.objects.create(slug=slug, name=name, reason=reason.strip())
