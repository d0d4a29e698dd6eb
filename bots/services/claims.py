"""Claims: a message or a visit is written down *before* the browser acts.

Writing first is what makes the safety rules hold across workers: the quota count includes
work in flight, and the (contact, birthday) unique constraint stops a second worker before it
types anything. Each claim runs in one transaction holding the quota's lock row
(``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's IMMEDIATE transactions serialise writers),
so two workers cannot both see "one message left" and both send.
"""
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from bots.models import (
    BirthdayMessage,
    Contact,
    LinkedInAccount,
    MessageStatus,
    MessageTemplate,
    ProfileVisit,
    QuotaLock,
    VisitStatus,
)
from bots.selectors import (
    account_for_run,
    account_message_allowance,
    account_visit_allowance,
    birthday_message_get,
    visit_latest,
)

MESSAGES_LOCK = "messages"
VISITS_LOCK = "visits"


def _quota_lock(kind: str, account: LinkedInAccount) -> str:
    """The lock row of one account's quota: accounts never wait on each other."""
    name = f"{kind}:{account.pk}"
    QuotaLock.objects.get_or_create(name=name)
    return name


@dataclass
class ClaimRefused(Exception):
    """Not this contact: ``reason`` goes to the run's result; ``stop`` ends the run (a quota is spent)."""

    reason: str
    stop: bool = False

    def __str__(self) -> str:
        return self.reason


def message_claim(
    *, contact: Contact, birthday: date, days_late: int, text: str, execution_id: UUID | None,
    account: LinkedInAccount | None = None, template: MessageTemplate | None = None,
) -> BirthdayMessage:
    """Reserve the one message this contact gets from ``account`` (default: the default account)
    for this birthday, within the account's quotas, or refuse."""
    account = account or account_for_run(None)
    lock = _quota_lock(MESSAGES_LOCK, account)
    try:
        with transaction.atomic():
            QuotaLock.objects.select_for_update().get(name=lock)
            existing = birthday_message_get(contact=contact, birthday=birthday, account=account)
            if existing is not None and existing.status != MessageStatus.FAILED:
                raise ClaimRefused(f"already wished for the birthday of {birthday:%Y-%m-%d} ({existing.status})")
            allowance = account_message_allowance(account)
            if allowance.left <= 0:
                raise ClaimRefused(f"{allowance.name} reached", stop=True)
            fields = {
                "days_late": days_late,
                "status": MessageStatus.CLAIMED,
                "text": text,
                "template": template,
                "error": "",
                "execution_id": execution_id,
                "claimed_at": timezone.now(),
                "sent_at": None,
            }
            if existing is not None:
                # A failed attempt sent nothing, so this birthday may be retried; the status
                # condition makes the takeover happen once even if two workers try.
                if not BirthdayMessage.objects.filter(pk=existing.pk, status=MessageStatus.FAILED).update(**fields):
                    raise ClaimRefused(f"already wished for the birthday of {birthday:%Y-%m-%d}")
                existing.refresh_from_db()
                return existing
            return BirthdayMessage.objects.create(account=account, contact=contact, birthday=birthday, **fields)
    except IntegrityError:
        raise ClaimRefused(f"already wished for the birthday of {birthday:%Y-%m-%d} (by another run)") from None


def message_finish(*, message: BirthdayMessage, status: str, error: str = "") -> BirthdayMessage:
    """Record what the browser saw: sent (in the thread), unknown (clicked, not seen) or failed (not sent)."""
    with transaction.atomic():
        message.status = status
        message.error = error
        message.sent_at = timezone.now() if status == MessageStatus.SENT else None
        message.save(update_fields=["status", "error", "sent_at"])
    return message


def visit_claim(*, contact: Contact, execution_id: UUID | None, account: LinkedInAccount | None = None) -> ProfileVisit:
    """Reserve a visit within the account's daily cap, unless the account visited this profile in
    the skip window."""
    account = account or account_for_run(None)
    lock = _quota_lock(VISITS_LOCK, account)
    with transaction.atomic():
        QuotaLock.objects.select_for_update().get(name=lock)
        recent = visit_latest(contact=contact, within_days=settings.BOT_VISIT_SKIP_DAYS, account=account)
        if recent is not None:
            raise ClaimRefused(
                f"visited on {timezone.localtime(recent.visited_at):%Y-%m-%d}, "
                f"within {settings.BOT_VISIT_SKIP_DAYS} days"
            )
        allowance = account_visit_allowance(account)
        if allowance.left <= 0:
            raise ClaimRefused(f"{allowance.name} reached", stop=True)
        return ProfileVisit.objects.create(account=account, contact=contact, execution_id=execution_id,
                                           status=VisitStatus.CLAIMED)


def visit_finish(*, visit: ProfileVisit, status: str, error: str = "") -> ProfileVisit:
    """Record how the visit ended: visited (profile shown), unknown (maybe recorded), failed (not requested)
    or not_found (the profile answered 404)."""
    with transaction.atomic():
        visit.status = status
        visit.error = error
        visit.save(update_fields=["status", "error"])
    return visit
