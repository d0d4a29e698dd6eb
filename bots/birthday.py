"""The birthday bot: wish today's birthdays (and late ones, when asked) on LinkedIn.

Reads the whole catch-up list first, then decides per card and acts on each by its profile
link. A message is claimed in the database before the browser types it (quotas, one message
per birthday), and counted as sent only when the conversation shows it.
"""
import logging

from bots.browser import linkedin_browser
from bots.dates import birthday_on, days_late
from bots.driver import BirthdayCard, ContactProblem, LinkedInDriver, PageChanged
from bots.messages import message_compose
from bots.models import Contact, MessageStatus
from bots.pacing import human_pause, working_hours_check
from bots.report import RunReport
from bots.runner import BotOutcome, BotRun
from bots.selectors import birthday_message_get, blacklist_reason, local_today, message_quota_left
from bots.services.claims import ClaimRefused, message_claim, message_finish
from bots.services.contacts import contact_upsert
from scheduler_app.configs import BirthdayBotConfig

logger = logging.getLogger(__name__)


def _late_refusal(late_by: int | None, card: BirthdayCard, config: BirthdayBotConfig) -> str | None:
    """Why this card's timing rules it out, or None when it is in the window."""
    if late_by is None:
        return f"could not tell when the birthday was from {card.text!r}"
    if late_by > 0 and not config.process_late:
        return f"birthday was {late_by} day(s) ago and process_late is off"
    if late_by > config.max_days_late:
        return f"birthday was {late_by} days ago, more than max_days_late ({config.max_days_late})"
    return None


def run(bot_run: BotRun) -> BotOutcome:
    config = BirthdayBotConfig.model_validate({**bot_run.config, "dry_run": bot_run.dry_run})
    working_hours_check(timezone=bot_run.timezone)
    # One calendar for every job (settings.TIME_ZONE, as the quotas): with the job's own zone, two
    # jobs either side of midnight would date a "Today" card differently and wish it twice.
    today = local_today()
    report = RunReport(dry_run=config.dry_run, extra={"today": today.isoformat()})
    with linkedin_browser() as (driver, session):
        driver.ensure_logged_in()
        cards = driver.birthday_cards()
        report.extra["cards_found"] = len(cards)
        dry_run_budget, dry_run_quota = message_quota_left()
        done = 0  # sent (or would send) this run
        for card in cards:
            late_by = days_late(card.text, today=today)
            if refusal := _late_refusal(late_by, card, config):
                report.add(name=card.name, slug=card.slug, status="skipped", reason=refusal, days_late=late_by)
                continue
            assert late_by is not None
            if report.stopped:
                report.add(name=card.name, slug=card.slug, status="skipped", reason=report.stopped, days_late=late_by)
                continue
            if done >= config.max_messages_per_run:
                report.stopped = f"max_messages_per_run ({config.max_messages_per_run}) reached"
                report.add(name=card.name, slug=card.slug, status="skipped", reason=report.stopped, days_late=late_by)
                continue
            contact = contact_upsert(slug=card.slug, name=card.name)
            if reason := blacklist_reason(slug=card.slug, name=card.name):
                report.add(name=card.name, slug=card.slug, status="skipped", reason=reason, days_late=late_by)
                continue
            text = message_compose(full_name=card.name, late=late_by > 0)
            birthday = birthday_on(today=today, late_by=late_by)
            if config.dry_run:
                if done >= dry_run_budget:
                    report.stopped = f"{dry_run_quota} reached"
                    report.add(name=card.name, slug=card.slug, status="skipped", reason=report.stopped)
                    continue
                status = _dry_run_one(driver, card, contact, birthday, late_by, text, report)
            else:
                status = _send_one(driver, card, contact, birthday, late_by, text, bot_run, report)
            if status in ("sent", "would_send", "unknown"):
                done += 1
                human_pause(deadline=session.deadline)
    return BotOutcome(messages_sent=report.count("sent"), result=report.as_result())


def _dry_run_one(driver: LinkedInDriver, card: BirthdayCard, contact: Contact, birthday, late_by: int, text: str,
                 report: RunReport) -> str:
    """Everything but the send: the overlay is opened and checked, the text typed and cleared."""
    existing = birthday_message_get(contact=contact, birthday=birthday)
    if existing is not None and existing.status != MessageStatus.FAILED:
        report.add(name=card.name, slug=card.slug, status="skipped", days_late=late_by,
                   reason=f"already wished for the birthday of {birthday:%Y-%m-%d} ({existing.status})")
        return "skipped"
    try:
        driver.message_card(slug=card.slug, name=card.name, text=text, send=False)
    except ContactProblem as problem:
        report.add(name=card.name, slug=card.slug, status="failed", reason=problem.reason, days_late=late_by)
        return "failed"
    report.add(name=card.name, slug=card.slug, status="would_send", days_late=late_by, message=text)
    return "would_send"


def _send_one(driver: LinkedInDriver, card: BirthdayCard, contact: Contact, birthday, late_by: int, text: str,
              bot_run: BotRun, report: RunReport) -> str:
    try:
        message = message_claim(
            contact=contact, birthday=birthday, days_late=late_by, text=text, execution_id=bot_run.execution_id
        )
    except ClaimRefused as refused:
        if refused.stop:
            report.stopped = refused.reason
        report.add(name=card.name, slug=card.slug, status="skipped", reason=refused.reason, days_late=late_by)
        return "skipped"
    try:
        driver.message_card(slug=card.slug, name=card.name, text=text, send=True)
    except ContactProblem as problem:
        status = MessageStatus.UNKNOWN if problem.maybe_sent else MessageStatus.FAILED
        message_finish(message=message, status=status, error=problem.reason)
        report.add(name=card.name, slug=card.slug, status=str(status) if problem.maybe_sent else "failed",
                   reason=problem.reason, days_late=late_by)
        return str(status) if problem.maybe_sent else "failed"
    except PageChanged as exc:
        message_finish(message=message, status=MessageStatus.FAILED, error=str(exc))  # failed before any send
        raise
    except BaseException as exc:
        # The run is failing (time limit, browser crash...) and the click may have happened:
        # keep the claim as unknown so this birthday is never wished twice.
        message_finish(message=message, status=MessageStatus.UNKNOWN, error=f"run failed: {exc}")
        raise
    message_finish(message=message, status=MessageStatus.SENT)
    report.add(name=card.name, slug=card.slug, status="sent", days_late=late_by, message=text)
    return "sent"
