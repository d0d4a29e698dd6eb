from django.db import IntegrityError, transaction
from django.utils import timezone

from bots.audit import audit_change
from bots.models import Contact
from bots.services import InvalidInput
from bots.services.templates import language_clean


def contact_upsert(*, slug: str, name: str) -> Contact:
    """The contact for this profile, created on first sight; keeps the latest displayed name."""
    now = timezone.now()
    contact = Contact.objects.filter(slug=slug).first()
    if contact is None:
        try:
            with transaction.atomic():
                return Contact.objects.create(slug=slug, name=name, first_seen_at=now, last_seen_at=now)
        except IntegrityError:  # another worker saw the same person first
            contact = Contact.objects.get(slug=slug)
    updates = {"last_seen_at": now} | ({"name": name} if name and name != contact.name else {})
    Contact.objects.filter(pk=contact.pk).update(**updates)
    for field, value in updates.items():
        setattr(contact, field, value)
    return contact


SLUG_MAX = 200


def contact_language_set(*, slug: str, language: str, actor: object = None) -> Contact:
    """Write this person in ``language`` (a BCP-47 tag), whatever their jobs or account say; ``""``
    clears it. A profile not seen yet is remembered now (its name comes with the first run that
    meets it). InvalidInput names the field at fault; nothing is stored then."""
    slug = (slug or "").strip().strip("/").removeprefix("in/").strip("/")
    if not slug or len(slug) > SLUG_MAX or any(c.isspace() or c == "/" for c in slug):
        raise InvalidInput(f"a profile slug is the part after /in/ in its address (1..{SLUG_MAX} characters, "
                           "no spaces)", field="slug")
    if not isinstance(language, str):
        raise InvalidInput("a BCP-47 language tag (fr, en, fr-CA), or empty for none", field="language")
    language = language_clean(language) if language.strip() else ""
    now = timezone.now()
    with transaction.atomic():
        contact, _ = Contact.objects.get_or_create(slug=slug, defaults={"first_seen_at": now, "last_seen_at": now})
        if contact.language != language:
            before = contact.language
            contact.language = language
            contact.save(update_fields=["language"])
            audit_change(actor=actor, action="update", object_type="contact", object_id=contact.slug,
                         label=contact.name or contact.slug, before={"language": before}, after={"language": language})
    return contact
