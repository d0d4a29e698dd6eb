"""What the bots remember between runs: people, what was sent or visited, templates, blacklist.

The safety rules live here as database guarantees, so they hold across runs and across
workers on different hosts: one message per (contact, birthday) is a unique constraint, and a
message or visit is a row *claimed* before the browser acts (see ``bots.services.claims``), so
quotas count work in flight too. Rows are written by ``bots.services`` only.
"""
from django.db import models
from django.db.models import Q
from django.utils.timezone import now as utc_now


class Contact(models.Model):
    """A LinkedIn member, keyed by the slug of their profile address (``/in/<slug>/``)."""

    slug = models.CharField(max_length=200, unique=True)
    name = models.CharField(max_length=300, blank=True)
    first_seen_at = models.DateTimeField(default=utc_now)
    last_seen_at = models.DateTimeField(default=utc_now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} (/in/{self.slug}/)"


class MessageStatus(models.TextChoices):
    CLAIMED = "claimed", "Claimed (being sent)"
    SENT = "sent", "Sent (seen in the conversation)"
    UNKNOWN = "unknown", "Unknown (send clicked, not confirmed)"
    FAILED = "failed", "Failed (nothing sent)"


# Rows that may have reached the person: they count against quotas and block a second message.
MESSAGE_COUNTED_STATUSES = (MessageStatus.CLAIMED, MessageStatus.SENT, MessageStatus.UNKNOWN)


class BirthdayMessage(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="birthday_messages")
    # The day the birthday fell on (not the day we wrote): "one message per birthday" keys on it.
    birthday = models.DateField()
    days_late = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=MessageStatus.choices, default=MessageStatus.CLAIMED)
    text = models.TextField(blank=True)
    error = models.TextField(blank=True)
    execution_id = models.UUIDField(null=True, blank=True, db_index=True)
    claimed_at = models.DateTimeField(default=utc_now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-claimed_at"]
        constraints = [
            # Two workers racing for the same card: the second insert fails, the person gets one message.
            models.UniqueConstraint(fields=["contact", "birthday"], name="one_message_per_birthday"),
            models.CheckConstraint(condition=Q(status__in=MessageStatus.values), name="birthday_message_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.contact} {self.birthday} {self.status}"


class VisitStatus(models.TextChoices):
    CLAIMED = "claimed", "Claimed (being visited)"
    VISITED = "visited", "Visited"
    UNKNOWN = "unknown", "Unknown (profile requested, visit not confirmed)"
    FAILED = "failed", "Failed (profile not requested)"
    NOT_FOUND = "not_found", "Not found (the profile answered 404: no visit)"


# Visits LinkedIn may have recorded: they count against the daily cap and the skip window.
VISIT_COUNTED_STATUSES = (VisitStatus.CLAIMED, VisitStatus.VISITED, VisitStatus.UNKNOWN)


class ProfileVisit(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="visits")
    status = models.CharField(max_length=16, choices=VisitStatus.choices, default=VisitStatus.CLAIMED)
    error = models.TextField(blank=True)
    execution_id = models.UUIDField(null=True, blank=True, db_index=True)
    visited_at = models.DateTimeField(default=utc_now, db_index=True)

    class Meta:
        ordering = ["-visited_at"]
        indexes = [models.Index(fields=["contact", "-visited_at"], name="visit_contact_latest")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=VisitStatus.values), name="profile_visit_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.contact} {self.visited_at:%Y-%m-%d %H:%M} {self.status}"


class TemplateKind(models.TextChoices):
    TODAY = "today", "Birthday today"
    LATE = "late", "Late birthday"


class MessageTemplate(models.Model):
    """A birthday message; ``{name}`` becomes the person's first name. Late birthdays get their own."""

    kind = models.CharField(max_length=8, choices=TemplateKind.choices, default=TemplateKind.TODAY)
    text = models.TextField(help_text="Use {name} for the first name.")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=utc_now)

    class Meta:
        ordering = ["kind", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=TemplateKind.values), name="message_template_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"[{self.kind}] {self.text[:60]}"


class BlacklistEntry(models.Model):
    """Someone the bots must leave alone: matched on profile slug or on full name (either one)."""

    slug = models.CharField(max_length=200, blank=True, help_text="Profile slug or address (/in/<slug>/).")
    name = models.CharField(max_length=300, blank=True, help_text="Full name, matched without case.")
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=utc_now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "blacklist entries"
        constraints = [
            models.CheckConstraint(condition=~Q(slug="") | ~Q(name=""), name="blacklist_slug_or_name"),
        ]

    def __str__(self) -> str:
        return self.slug or self.name


class QuotaLock(models.Model):
    """One row per quota; claims lock it (SELECT ... FOR UPDATE) so count-then-insert is atomic.

    SQLite has no row locks, but the project runs it with IMMEDIATE transactions, which
    serialise writers the same way.
    """

    name = models.CharField(max_length=32, primary_key=True)

    def __str__(self) -> str:
        return self.name
