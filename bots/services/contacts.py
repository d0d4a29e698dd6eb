from django.db import IntegrityError, transaction
from django.utils import timezone

from bots.models import Contact


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
