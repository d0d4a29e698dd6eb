"""What the bots remember between runs: accounts, people, what was sent or visited, templates,
blacklist.

The safety rules live here as database guarantees, so they hold across runs and across
workers on different hosts: one message per (contact, birthday) is a unique constraint, and a
message or visit is a row *claimed* before the browser acts (see ``bots.services.claims``), so
quotas count work in flight too. Rows are written by ``bots.services`` only.
"""
import uuid

from django.db import models
from django.db.models import Q
from django.utils.timezone import now as utc_now
from django.utils.translation import gettext_lazy as _

# The account every job had before there were accounts (the migration makes it from
# LINKEDIN_STORAGE_STATE); a job written without an account goes to it.
DEFAULT_ACCOUNT_LABEL = "default"
COOLDOWN_HOURS_MIN, COOLDOWN_HOURS_MAX, COOLDOWN_HOURS_DEFAULT = 1, 168, 24


class AccountStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    NEEDS_REAUTH = "needs_reauth", _("Needs a new session")
    COOLING_DOWN = "cooling_down", _("Cooling down")


class LinkedInAccount(models.Model):
    """A LinkedIn account the bots act on: its session (encrypted at rest, bots/crypto.py), what
    LinkedIn last said of it (status), its own quotas, working hours and warm-up, and the lease
    that lets one browser at a time drive it, fleet-wide (bots/services/accounts.py)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    label = models.CharField(max_length=100, unique=True)
    # A Fernet token of the Playwright storage-state JSON; never shown by any interface.
    session_encrypted = models.TextField(blank=True, default="", editable=False)
    session_saved_at = models.DateTimeField(null=True, blank=True, editable=False)
    li_at_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The expiry warnings already sent for this session ("14", "2"): one each, reset by a new session.
    li_at_warned = models.JSONField(default=list, blank=True, editable=False)
    status = models.CharField(max_length=16, choices=AccountStatus.choices, default=AccountStatus.ACTIVE)
    status_reason = models.TextField(blank=True, default="")
    status_execution_id = models.UUIDField(null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    cooldown_until = models.DateTimeField(null=True, blank=True)
    cooldown_hours = models.PositiveSmallIntegerField(default=COOLDOWN_HOURS_DEFAULT)
    last_ok_at = models.DateTimeField(null=True, blank=True)
    # Day 0 of the warm-up ramp (BOT_WARMUP_*); a restriction starts it again.
    warmup_started_at = models.DateTimeField(default=utc_now)
    # The zone its working hours are read in; blank: each job's own zone.
    timezone = models.CharField(max_length=64, blank=True, default="")
    # "09:00-20:00"; blank: BOT_WORKING_HOURS.
    working_hours = models.CharField(max_length=32, blank=True, default="")
    # The language its contacts are written in when neither the contact nor the job names one
    # (bots/messages.py ``message_language_for``); blank: "fr".
    message_language = models.CharField(max_length=35, blank=True, default="")
    # Caps once warmed up; null: the BOT_* setting.
    messages_per_day = models.PositiveIntegerField(null=True, blank=True)
    messages_per_week = models.PositiveIntegerField(null=True, blank=True)
    visits_per_day = models.PositiveIntegerField(null=True, blank=True)
    # The browser lease: which run drives the account now, until when (renewed while it runs).
    browser_execution_id = models.UUIDField(null=True, blank=True, editable=False)
    browser_job_id = models.UUIDField(null=True, blank=True, editable=False)
    browser_holder = models.CharField(max_length=300, blank=True, default="", editable=False)
    browser_lease_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=utc_now, editable=False)
    updated_at = models.DateTimeField(default=utc_now, editable=False)

    class Meta:
        ordering = ["label"]
        verbose_name = _("LinkedIn account")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=AccountStatus.values), name="account_status_valid"),
            models.CheckConstraint(
                condition=Q(cooldown_hours__gte=COOLDOWN_HOURS_MIN, cooldown_hours__lte=COOLDOWN_HOURS_MAX),
                name="account_cooldown_hours_range"),
        ]

    def __str__(self) -> str:
        return self.label


def default_account_id():
    """The default account's id: the account of a message or visit written without one (rows
    from before accounts, and code paths that know of one account only); made on first use when
    no account exists (bots/services/accounts.py ``account_default_ensure``).

    It reads ids only: migration 0004's AlterField calls it with this code's model against a table
    that does not have the columns added after 0004 yet (selecting them would fail the migrate)."""
    from bots.services.accounts import account_default_ensure

    accounts = LinkedInAccount.objects.values_list("pk", flat=True)
    ids = list(accounts.filter(label=DEFAULT_ACCOUNT_LABEL)[:1]) or list(accounts[:2])
    if ids:
        return ids[0] if len(ids) == 1 else None  # two accounts, none "default": ambiguous, as account_default
    account = account_default_ensure()
    return account.pk if account is not None else None


class Contact(models.Model):
    """A LinkedIn member, keyed by the slug of their profile address (``/in/<slug>/``)."""

    slug = models.CharField(max_length=200, unique=True)
    name = models.CharField(max_length=300, blank=True)
    # The language this person is written in, whatever the job or the account says (BCP-47: fr,
    # en...); blank: none of their own (bots/messages.py ``message_language_for``).
    language = models.CharField(max_length=35, blank=True, default="")
    first_seen_at = models.DateTimeField(default=utc_now)
    last_seen_at = models.DateTimeField(default=utc_now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} (/in/{self.slug}/)"


class MessageStatus(models.TextChoices):
    CLAIMED = "claimed", _("Claimed (being sent)")
    SENT = "sent", _("Sent (seen in the conversation)")
    UNKNOWN = "unknown", _("Unknown (send clicked, not confirmed)")
    FAILED = "failed", _("Failed (nothing sent)")


# Rows that may have reached the person: they count against quotas and block a second message.
MESSAGE_COUNTED_STATUSES = (MessageStatus.CLAIMED, MessageStatus.SENT, MessageStatus.UNKNOWN)


class BirthdayMessage(models.Model):
    # Whose message: quotas count per account, and each account wishes its own contacts once.
    account = models.ForeignKey(LinkedInAccount, on_delete=models.PROTECT, related_name="birthday_messages",
                                default=default_account_id)
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="birthday_messages")
    # The day the birthday fell on (not the day we wrote): "one message per birthday" keys on it.
    birthday = models.DateField()
    days_late = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=MessageStatus.choices, default=MessageStatus.CLAIMED)
    text = models.TextField(blank=True)  # the exact text sent
    # The template it came from (null: the built-in wording, or a template since deleted).
    template = models.ForeignKey("MessageTemplate", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="messages")
    error = models.TextField(blank=True)
    execution_id = models.UUIDField(null=True, blank=True, db_index=True)
    claimed_at = models.DateTimeField(default=utc_now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-claimed_at"]
        constraints = [
            # Two workers racing for the same card: the second insert fails, the person gets one message.
            models.UniqueConstraint(fields=["account", "contact", "birthday"], name="one_message_per_birthday"),
            models.CheckConstraint(condition=Q(status__in=MessageStatus.values), name="birthday_message_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.contact} {self.birthday} {self.status}"


class VisitStatus(models.TextChoices):
    CLAIMED = "claimed", _("Claimed (being visited)")
    VISITED = "visited", _("Visited")
    UNKNOWN = "unknown", _("Unknown (profile requested, visit not confirmed)")
    FAILED = "failed", _("Failed (profile not requested)")
    NOT_FOUND = "not_found", _("Not found (the profile answered 404: no visit)")


# Visits LinkedIn may have recorded: they count against the daily cap and the skip window.
VISIT_COUNTED_STATUSES = (VisitStatus.CLAIMED, VisitStatus.VISITED, VisitStatus.UNKNOWN)


class ProfileVisit(models.Model):
    account = models.ForeignKey(LinkedInAccount, on_delete=models.PROTECT, related_name="visits",
                                default=default_account_id)
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="visits")
    status = models.CharField(max_length=16, choices=VisitStatus.choices, default=VisitStatus.CLAIMED)
    error = models.TextField(blank=True)
    execution_id = models.UUIDField(null=True, blank=True, db_index=True)
    visited_at = models.DateTimeField(default=utc_now, db_index=True)

    class Meta:
        ordering = ["-visited_at"]
        indexes = [models.Index(fields=["contact", "-visited_at"], name="visit_contact_latest"),
                   models.Index(fields=["account", "visited_at"], name="visit_account_time")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=VisitStatus.values), name="profile_visit_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.contact} {self.visited_at:%Y-%m-%d %H:%M} {self.status}"


class TemplateKind(models.TextChoices):
    TODAY = "today", _("Birthday today")
    LATE = "late", _("Late birthday")


class MessageTemplate(models.Model):
    """A birthday message in one language: variables and spintax (bots/spintax.py). Late birthdays get their own."""

    kind = models.CharField(max_length=8, choices=TemplateKind.choices, default=TemplateKind.TODAY)
    language = models.CharField(max_length=35, default="fr", help_text=_("BCP-47 tag: fr, en, fr-CA..."))
    body = models.TextField(
        help_text=_("Up to 1,000 characters. {first_name}, {last_name}, {name} (= first name), {days_late} (late "
                    "only); spintax {Bonjour|Salut|Coucou}, nested up to 3 deep; {{ and }} for literal braces."))
    weight = models.PositiveSmallIntegerField(default=1, help_text=_("1..10: how often it is picked among the others."))
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=utc_now)

    class Meta:
        ordering = ["kind", "language", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=TemplateKind.values), name="message_template_kind_valid"),
            models.CheckConstraint(condition=Q(weight__gte=1, weight__lte=10), name="message_template_weight_1_10"),
        ]

    def __str__(self) -> str:
        return f"[{self.kind}/{self.language}] {self.body[:60]}"


class BlacklistEntry(models.Model):
    """Someone the bots must leave alone: matched on profile slug or on full name (either one)."""

    # Null: every account leaves this person alone.
    account = models.ForeignKey(LinkedInAccount, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="blacklist")
    slug = models.CharField(max_length=200, blank=True, help_text=_("Profile slug or address (/in/<slug>/)."))
    name = models.CharField(max_length=300, blank=True, help_text=_("Full name, matched without case."))
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=utc_now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = _("blacklist entries")
        constraints = [
            models.CheckConstraint(condition=~Q(slug="") | ~Q(name=""), name="blacklist_slug_or_name"),
        ]

    def __str__(self) -> str:
        return self.slug or self.name


class QuotaLock(models.Model):
    """One row per quota; claims lock it (SELECT ... FOR UPDATE) so count-then-insert is atomic.

    SQLite has no row locks, but the project runs it with IMMEDIATE transactions, which
    serialise writers the same way. Quotas are per account: ``messages:<account id>``.
    """

    name = models.CharField(max_length=64, primary_key=True)

    def __str__(self) -> str:
        return self.name
