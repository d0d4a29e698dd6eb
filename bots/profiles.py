"""Profile addresses -> slugs, and names compared the way a person reads them.

A contact is keyed by the slug of ``/in/<slug>/`` because names are not unique and the
address is what the birthday card, the search result and the blacklist all share.
"""
import re
from urllib.parse import unquote, urlparse

from bots.text import fold

_SLUG = re.compile(r"/in/([^/?#]+)")


def slug_from_href(value: str) -> str | None:
    """``https://www.linkedin.com/in/jane-doe-12/?x=1`` or ``/in/jane-doe-12/`` -> ``jane-doe-12``."""
    match = _SLUG.search(urlparse(value).path or value)
    return unquote(match.group(1)).strip().lower() if match else None


def slug_normalize(value: str) -> str:
    """Admin input may be a full address or a bare slug; both become the bare slug."""
    value = value.strip()
    return slug_from_href(value) or value.strip("/").lower()


def name_key(name: str) -> str:
    """Case, accents and spacing folded: "Zoé  Martin" and "zoe martin" are the same person's name."""
    return fold(name)


def first_name(full_name: str) -> str:
    """What ``{name}`` becomes in a template: the first word of the displayed name."""
    parts = full_name.split()
    return parts[0] if parts else full_name
