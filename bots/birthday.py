"""The birthday bot: wish today's birthdays (and late ones, when asked) on LinkedIn.

Reads the whole catch-up list first, then decides per card and acts on each by its profile
link. A message is claimed in the database before the browser types it (quotas, one message
per birthday), and counted as sent only when the conversation shows it.

The run's status tells the truth (bots/report.py): it fails, its counts kept, when a send was
not confirmed (after UNCONFIRMED_IN_A_ROW of them in a row it stops clicking Send), or when the
list could not be read to the end (the walk gave up, or the page announces more birthdays today
than were read). A birthday still to come is never wished, whatever ``max_days_late`` says.
LinkedIn pushing back (a checkpoint, an expired session, a limit banner: ``SessionLost`` /
``RateLimited`` from the driver) ends the run at once, its counts kept; a send that it refused
after the click stays ``unknown``, so that birthday is never wished twice.
"""
import logging

from bots.account_run import account_browser
from bots.configs import BirthdayBotConfig
from bots.dates import announced_today, birthday_on, date_line, days_late
from bots.driver import BirthdayCard, BirthdayList, ContactProblem, LinkedInDriver, PageChanged
from bots.messages import Composed, message_compose, message_language_for
from bots.models import Contact, MessageStatus
from bots.pacing import human_pause, working_hours_check, working_hours_of
from bots.report import RunReport
from bots.runner import BotOutcome, BotRun
from bots.selectors import account_for_run, birthday_message_get, blacklist_reason, local_today
from bots.services.claims import ClaimRefused, message_claim, message_finish
from bots.services.contacts import contact_upsert
from bots.steps import CHECKING_MESSAGE_TO, OPENING_LINKEDIN, READING_BIRTHDAYS, WRITING_TO, step

logger = logging.getLogger(__name__)

# Unconfirmed sends in a row after which the page is not doing what the driver thinks: stop.
UNCONFIRMED_IN_A_ROW = 2


def card_days_late(card: BirthdayCard, *, today, language: str | None = None) -> int | None:
    """Days since the card's birthday, read from its date line only (None: no single date line), in the
    page's display language first."""
    line = date_line(card.lines, language=language)
    return days_late(line, today=today, language=language) if line is not None else None


def _late_refusal(late_by: int | None, card: BirthdayCard, config: BirthdayBotConfig) -> str | None:
    """Why this card's timing rules it out, or None when it is in the window."""
    if late_by is None:
        return f"could not tell when the birthday was from {card.text!r}"
    if late_by < 0:
        return f"birthday is in {-late_by} day(s): never wished before the day"
    if late_by > 0 and not config.process_late:
        return f"birthday was {late_by} day(s) ago and process_late is off"
    if late_by > config.max_days_late:
        return f"birthday was {late_by} days ago, more than max_days_late ({config.max_days_late})"
    return None


def _list_problem(listing: BirthdayList, *, today_read: int) -> str | None:
    """Why the list as read is not the whole list, or None (lesson 2: checked against the page's own count)."""
    if listing.incomplete:
        return f"the birthday list was not read to the end: {listing.incomplete}"
    announced = announced_today(listing.headings, language=listing.language)
    if announced is not None and today_read < announced:
        return (f"the birthday list was not read to the end: the page announces {announced} birthday(s) today, "
                f"{today_read} read")
    return None


def run(bot_run: BotRun) -> BotOutcome:
    config = bot_run.config
    account = account_for_run(bot_run.account_id)
    spec, zone = working_hours_of(account, timezone=bot_run.timezone)
    working_hours_check(timezone=zone, spec=spec)
    # One calendar for every job (settings.TIME_ZONE, as the quotas): with the job's own zone, two
    # jobs either side of midnight would date a "Today" card differently and wish it twice.
    today = local_today()
    report = RunReport(dry_run=config.dry_run, extra={"today": today.isoformat()})
    with report.kept(), account_browser(bot_run) as held:
        driver, session = held.driver, held.session
        bot_run.report(OPENING_LINKEDIN)
        report.extra["page_language"] = driver.ensure_logged_in()
        bot_run.report(READING_BIRTHDAYS)
        listing = driver.birthday_cards()
        cards = listing.cards
        report.extra["cards_found"] = len(cards)
        timing = {card.slug: card_days_late(card, today=today, language=listing.language) for card in cards}
        if problem := _list_problem(listing, today_read=sum(1 for late in timing.values() if late == 0)):
            report.problems.append(problem)
        # What the account has left (warm-up included) caps the run: it stops there, not at a refusal.
        run_cap = min(config.max_messages_per_run, held.allowance.left)
        run_cap_reason = (f"max_messages_per_run ({config.max_messages_per_run}) reached"
                          if run_cap == config.max_messages_per_run else f"{held.allowance.name} reached")
        # What the run means to write, for its progress ("writing to Ann 3/9"): the cards in the window, capped.
        planned = min(run_cap, sum(1 for card in cards if _late_refusal(timing[card.slug], card, config) is None))
        bot_run.report(READING_BIRTHDAYS, messages_sent=0, planned=planned)
        done = 0  # sent (or would send) this run
        unconfirmed = 0  # unconfirmed sends in a row
        for card in cards:
            late_by = timing[card.slug]
            if refusal := _late_refusal(late_by, card, config):
                report.add(name=card.name, slug=card.slug, status="skipped", reason=refusal, days_late=late_by)
                continue
            assert late_by is not None
            if report.stopped:
                report.add(name=card.name, slug=card.slug, status="skipped", reason=report.stopped, days_late=late_by)
                continue
            if done >= run_cap:
                report.stopped = run_cap_reason
                report.add(name=card.name, slug=card.slug, status="skipped", reason=report.stopped, days_late=late_by)
                continue
            contact = contact_upsert(slug=card.slug, name=card.name)
            if reason := blacklist_reason(slug=card.slug, name=card.name, account=account):
                report.add(name=card.name, slug=card.slug, status="skipped", reason=reason, days_late=late_by)
                continue
            birthday = birthday_on(today=today, late_by=late_by)
            language = message_language_for(contact=contact, job_language=config.message_language, account=account)
            words = message_compose(full_name=card.name, slug=card.slug, birthday=birthday, days_late=late_by,
                                    contact=contact, language=language)
            doing = step(CHECKING_MESSAGE_TO if config.dry_run else WRITING_TO, name=card.name, number=done + 1,
                         total=planned)
            bot_run.report(doing)
            if config.dry_run:
                status = _dry_run_one(driver, card, contact, birthday, late_by, words, report, account)
            else:
                status = _send_one(driver, card, contact, birthday, late_by, words, bot_run, report, account)
            bot_run.report(doing, messages_sent=report.count("sent"))
            if status == "unknown":
                unconfirmed += 1
                if unconfirmed >= UNCONFIRMED_IN_A_ROW:
                    report.stopped = (f"stopped after {unconfirmed} unconfirmed sends in a row: "
                                      "the page is not doing what the bot expects")
                    report.problems.append(report.stopped)
            elif status == "sent":
                unconfirmed = 0
                # A checkpoint or a limit banner that this send brought shows on this page, which no
                # page load checks again: SessionLost / RateLimited end the run, the message counted.
                driver.check_pushback("birthday")
            if status in ("sent", "would_send", "unknown"):
                done += 1
                human_pause(deadline=session.deadline, report=bot_run.report)
        if unknown := report.names("unknown"):
            report.problems.insert(0, f"{len(unknown)} send(s) not confirmed in the conversation: {', '.join(unknown)}")
    return report.finish()


def _words(words: Composed) -> dict:
    """What the result says about the words: the exact text, its language and template (null: the
    built-in wording), and a forced repeat."""
    details: dict = {"message": words.text, "language": words.language,
                     "template_id": words.template.id if words.template else None}
    if words.reused:
        details["template_reused"] = words.reused
    return details


def _dry_run_one(driver: LinkedInDriver, card: BirthdayCard, contact: Contact, birthday, late_by: int,
                 words: Composed, report: RunReport, account) -> str:
    """Everything but writing: the overlay is opened and its recipient checked; nothing is typed in it."""
    existing = birthday_message_get(contact=contact, birthday=birthday, account=account)
    if existing is not None and existing.status != MessageStatus.FAILED:
        report.add(name=card.name, slug=card.slug, status="skipped", days_late=late_by,
                   reason=f"already wished for the birthday of {birthday:%Y-%m-%d} ({existing.status})")
        return "skipped"
    try:
        driver.message_card(slug=card.slug, name=card.name, text=words.text, send=False)
    except ContactProblem as problem:
        report.add(name=card.name, slug=card.slug, status="failed", reason=problem.reason, days_late=late_by)
        return "failed"
    report.add(name=card.name, slug=card.slug, status="would_send", days_late=late_by, **_words(words))
    return "would_send"


def _send_one(driver: LinkedInDriver, card: BirthdayCard, contact: Contact, birthday, late_by: int,
              words: Composed, bot_run: BotRun, report: RunReport, account) -> str:
    text = words.text
    try:
        message = message_claim(
            contact=contact, birthday=birthday, days_late=late_by, text=text, execution_id=bot_run.execution_id,
            account=account, template=words.template,
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
        # A send that may have reached the person says which words (they are on its row too).
        report.add(name=card.name, slug=card.slug, status=str(status) if problem.maybe_sent else "failed",
                   reason=problem.reason, days_late=late_by, **(_words(words) if problem.maybe_sent else {}))
        return str(status) if problem.maybe_sent else "failed"
    except PageChanged as exc:
        message_finish(message=message, status=MessageStatus.FAILED, error=str(exc))  # failed before any send
        raise
    except BaseException as exc:
        # The run is failing (time limit, browser crash...) and the click may have happened:
        # keep the claim as unknown so this birthday is never wished twice, and say so in the report.
        message_finish(message=message, status=MessageStatus.UNKNOWN, error=f"run failed: {exc}")
        report.add(name=card.name, slug=card.slug, status="unknown", reason=f"the run ended while sending: {exc}",
                   days_late=late_by, **_words(words))
        raise
    message_finish(message=message, status=MessageStatus.SENT)
    report.add(name=card.name, slug=card.slug, status="sent", days_late=late_by, **_words(words))
    return "sent"
