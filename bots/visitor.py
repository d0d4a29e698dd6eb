"""The visitor bot: open people's profiles from a search, so they see who looked.

Walks the people search page by page until ``limit`` profiles are visited or a page comes
back empty. A profile visited within BOT_VISIT_SKIP_DAYS is skipped, and each visit is
claimed in the database (daily cap across workers) before the browser opens the profile.
Every BOT_RESTART_BROWSER_EVERY profiles Chromium is restarted with the same session (it grows
with every page it loads and gives little back), and the login is checked again. A profile that
answers "not found" (404) is recorded as ``not_found``, never as a visit; whatever ends the run,
its counts and per-contact report are kept (bots/report.py).
"""
from django.conf import settings

from bots.account_run import account_browser
from bots.configs import VisitorBotConfig
from bots.driver import ContactProblem, PageChanged, ProfileNotFound
from bots.models import VisitStatus
from bots.pacing import human_pause, working_hours_check, working_hours_of
from bots.report import RunReport
from bots.runner import BotOutcome, BotRun
from bots.selectors import account_for_run, blacklist_reason, visit_latest
from bots.services.claims import ClaimRefused, visit_claim, visit_finish
from bots.services.contacts import contact_upsert
from bots.steps import CHECKING_PROFILE, OPENING_LINKEDIN, RESTARTING_CHROMIUM, SEARCHING_PEOPLE, VISITING, step


def search_words(config: VisitorBotConfig) -> str:
    """Location goes in as words: LinkedIn's ``geoUrn`` wants an id the bot does not have."""
    return " ".join(part.strip() for part in (config.keywords, config.location) if part and part.strip())


def run(bot_run: BotRun) -> BotOutcome:
    config = bot_run.config
    account = account_for_run(bot_run.account_id)
    spec, zone = working_hours_of(account, timezone=bot_run.timezone)
    working_hours_check(timezone=zone, spec=spec)
    keywords = search_words(config)
    report = RunReport(dry_run=config.dry_run, extra={"keywords": keywords, "pages": 0})
    seen: set[str] = set()
    done = 0
    opened = 0  # profiles opened by the current Chromium
    with report.kept(), account_browser(bot_run) as held:
        driver, session = held.driver, held.session
        # What the account has left today (warm-up included) caps the run.
        limit = min(config.limit, held.allowance.left)
        limit_reason = f"limit ({config.limit}) reached" if limit == config.limit else f"{held.allowance.name} reached"
        bot_run.report(OPENING_LINKEDIN, profiles_visited=0, planned=limit)
        report.extra["page_language"] = driver.ensure_logged_in()
        for page_number in range(1, settings.BOT_SEARCH_MAX_PAGES + 2):
            if done >= limit or report.stopped:
                break
            if page_number > settings.BOT_SEARCH_MAX_PAGES:
                report.stopped = f"BOT_SEARCH_MAX_PAGES ({settings.BOT_SEARCH_MAX_PAGES}) search pages read"
                break
            bot_run.report(step(SEARCHING_PEOPLE, page=page_number))
            results = driver.search_people(keywords=keywords, page_number=page_number)
            if not results:
                break
            report.extra["pages"] = page_number
            for person in results:
                if done >= limit:
                    report.stopped = limit_reason
                    break
                if person.slug in seen:
                    continue
                seen.add(person.slug)
                contact = contact_upsert(slug=person.slug, name=person.name)
                if reason := blacklist_reason(slug=person.slug, name=person.name, account=account):
                    report.add(name=person.name, slug=person.slug, status="skipped", reason=reason)
                    continue
                if config.dry_run:
                    bot_run.report(step(CHECKING_PROFILE, name=person.name, number=done + 1, total=limit))
                    recent = visit_latest(contact=contact, within_days=settings.BOT_VISIT_SKIP_DAYS, account=account)
                    if recent is not None:
                        report.add(name=person.name, slug=person.slug, status="skipped",
                                   reason=f"visited within {settings.BOT_VISIT_SKIP_DAYS} days")
                        continue
                    report.add(name=person.name, slug=person.slug, status="would_visit")
                    done += 1
                    continue
                if settings.BOT_RESTART_BROWSER_EVERY and opened >= settings.BOT_RESTART_BROWSER_EVERY:
                    # Before the claim: a session lost in the restart fails the run with no visit in doubt.
                    bot_run.report(RESTARTING_CHROMIUM)
                    session.restart_browser()
                    opened = 0
                try:
                    visit = visit_claim(contact=contact, execution_id=bot_run.execution_id, account=account)
                except ClaimRefused as refused:
                    report.add(name=person.name, slug=person.slug, status="skipped", reason=refused.reason)
                    if refused.stop:
                        report.stopped = refused.reason
                        break
                    continue
                opened += 1
                bot_run.report(step(VISITING, name=person.name, number=done + 1, total=limit))
                try:
                    shown = driver.visit_profile(slug=person.slug)
                except ProfileNotFound as exc:
                    visit_finish(visit=visit, status=VisitStatus.NOT_FOUND, error=str(exc))
                    report.add(name=person.name, slug=person.slug, status="not_found", reason=str(exc))
                    continue
                except ContactProblem as exc:
                    visit_finish(visit=visit, status=VisitStatus.FAILED, error=str(exc))
                    report.add(name=person.name, slug=person.slug, status="failed", reason=str(exc))
                    continue
                except BaseException as exc:
                    # The profile may have been requested (a changed page, a time-out, a crash after
                    # the address was opened), and LinkedIn may have recorded the visit: keep it as
                    # unknown, so it counts toward the cap and the skip window, as unknown messages do.
                    error = str(exc) if isinstance(exc, PageChanged) else f"run failed: {exc}"
                    visit_finish(visit=visit, status=VisitStatus.UNKNOWN, error=error)
                    report.add(name=person.name, slug=person.slug, status="unknown", reason=error)
                    raise
                visit_finish(visit=visit, status=VisitStatus.VISITED)
                report.add(name=shown or person.name, slug=person.slug, status="visited")
                done += 1
                bot_run.report(step(VISITING, name=person.name, number=done, total=limit), profiles_visited=done)
                human_pause(deadline=session.deadline, report=bot_run.report)
    return report.finish()
