"""Run reasons in the reader's language.

Why a run was skipped, missed or failed, why an account is braked, why a delivery failed: these
are written once, in English, where they happen (the executions' ``error``, the bots' ``result``,
an account's ``status_reason``, a delivery's ``error``), and stored as written, since they are
data the API returns and logs quote. People read them translated at display time: each known
reason is a pattern with named parts, and its message (a gettext msgid with the same names as
placeholders) is translated and filled with those parts. Parts named in ``NESTED`` are reasons
themselves and are translated in turn ("attempt 1 failed: <reason>; ..."). A reason no pattern
knows (an exception's text, a new reason) is shown as stored.
"""
import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

NESTED = frozenset({"reason", "error", "why", "quota", "how"})
ISO = r"(?P<{}>\d{{4}}-\d\d-\d\d[T ][\d:.]+(?:[+-]\d\d:\d\d|Z)?)"


def _iso(name: str) -> str:
    return ISO.format(name)


# (pattern, msgid): the pattern must match the whole reason; the first that matches wins, so a
# longer form comes before its shorter prefix.
REASONS: list[tuple[str, str]] = [
    # Pauses and blackouts (scheduler_app/brakes/rules.py).
    (rf"paused by the system until {_iso('until')}: (?P<reason>.+)",
     gettext_noop("paused by the system until %(until)s: %(reason)s")),
    (r"paused by the system: (?P<reason>.+)", gettext_noop("paused by the system: %(reason)s")),
    (rf"paused by (?P<who>.+?) until {_iso('until')}: (?P<note>.+)",
     gettext_noop("paused by %(who)s until %(until)s: %(note)s")),
    (rf"paused by (?P<who>.+?) until {_iso('until')}", gettext_noop("paused by %(who)s until %(until)s")),
    (r"paused by (?P<who>[^:]+): (?P<note>.+)", gettext_noop("paused by %(who)s: %(note)s")),
    (r"paused by (?P<who>[^:]+)", gettext_noop("paused by %(who)s")),
    (r"blackout (?P<name>.+?): public holiday in (?P<country>\w+) \((?P<holiday>.+)\)",
     gettext_noop("blackout %(name)s: public holiday in %(country)s (%(holiday)s)")),
    (r"blackout (?P<name>.+)", gettext_noop("blackout %(name)s")),
    # The executions' lifecycle (scheduler_app/services/executions.py, catchup.py, retries.py).
    (rf"worker lost: no sign of life since its lease expired at {_iso('at')}",
     gettext_noop("worker lost: no sign of life since its lease expired at %(at)s")),
    (r"worker lost: the run's message never reached a worker within (?P<seconds>\d+)s",
     gettext_noop("worker lost: the run's message never reached a worker within %(seconds)ss")),
    (r"its message never reached a worker within misfire_grace_time \((?P<grace>\d+)s\); lost with a worker or "
     r"with Redis",
     gettext_noop("its message never reached a worker within misfire_grace_time (%(grace)ss); lost with a worker "
                  "or with Redis")),
    (rf"coalesced into {_iso('slot')}", gettext_noop("coalesced into %(slot)s")),
    (r"not sent within misfire_grace_time \((?P<grace>\d+)s\) of its slot; beat was (?P<late>\d+)s late \(down, "
     r"or without Redis or a leader\)",
     gettext_noop("not sent within misfire_grace_time (%(grace)ss) of its slot; beat was %(late)ss late (down, "
                  "or without Redis or a leader)")),
    (r"the job was disabled before this run started", gettext_noop("the job was disabled before this run started")),
    (r"started (?P<late>\d+)s after its slot, past misfire_grace_time \((?P<grace>\d+)s\)",
     gettext_noop("started %(late)ss after its slot, past misfire_grace_time (%(grace)ss)")),
    (r"max_instances reached: (?P<count>\d+) run\(s\) of this job already running",
     gettext_noop("max_instances reached: %(count)s run(s) of this job already running")),
    (rf"attempt (?P<failed>\d+) failed: (?P<error>.+); attempt (?P<next>\d+) at {_iso('at')}",
     gettext_noop("attempt %(failed)s failed: %(error)s; attempt %(next)s at %(at)s")),
    (r"could not queue the run: (?P<why>.+)", gettext_noop("could not queue the run: %(why)s")),
    # Accounts and their brakes (bots/account_run.py, bots/pacing.py, scheduler_app/brakes/accounts.py).
    (r"outside working hours: it is (?P<time>\d\d:\d\d) in (?P<zone>\S+), bots act only (?P<hours>\S+)",
     gettext_noop("outside working hours: it is %(time)s in %(zone)s, bots act only %(hours)s")),
    (r"account '(?P<label>.+)' needs a new session: (?P<reason>.+); no browser started",
     gettext_noop("account '%(label)s' needs a new session: %(reason)s; no browser started")),
    (r"account '(?P<label>.+)' needs a new session; no browser started",
     gettext_noop("account '%(label)s' needs a new session; no browser started")),
    (rf"account '(?P<label>.+)' is cooling down until {_iso('until')}: (?P<reason>.+)",
     gettext_noop("account '%(label)s' is cooling down until %(until)s: %(reason)s")),
    (rf"account '(?P<label>.+)' is cooling down until {_iso('until')}",
     gettext_noop("account '%(label)s' is cooling down until %(until)s")),
    (rf"quota used up until {_iso('until')}: (?P<quota>.+) \(account '(?P<label>.+)'\)",
     gettext_noop("quota used up until %(until)s: %(quota)s (account '%(label)s')")),
    (r"account busy with (?P<holder>.+): its browser was not free within ACCOUNT_WAIT_SECONDS \((?P<wait>\d+)s\)",
     gettext_noop("account busy with %(holder)s: its browser was not free within ACCOUNT_WAIT_SECONDS (%(wait)ss)")),
    (r"no browser slot free on this host \(BOT_BROWSER_SLOTS=(?P<slots>\d+)\) within ACCOUNT_WAIT_SECONDS "
     r"\((?P<wait>\d+)s\)",
     gettext_noop("no browser slot free on this host (BOT_BROWSER_SLOTS=%(slots)s) within ACCOUNT_WAIT_SECONDS "
       "(%(wait)ss)")),
    (r"no session saved yet", gettext_noop("no session saved yet")),
    (r"the saved session was checked and did not load the feed: (?P<why>.+)",
     gettext_noop("the saved session was checked and did not load the feed: %(why)s")),
    (r"rate limited: LinkedIn says '(?P<line>.+)'", gettext_noop("rate limited: LinkedIn says '%(line)s'")),
    # What a bot run ended on (bots/birthday.py, bots/visitor.py, bots/driver.py, bots/deadline.py).
    (r"time limit of (?P<seconds>[\d.]+)s reached while (?P<what>.+); the browser was closed",
     gettext_noop("time limit of %(seconds)ss reached while %(what)s; the browser was closed")),
    (r"the birthday list was not read to the end: the page announces (?P<announced>\d+) birthday\(s\) today, "
     r"(?P<read>\d+) read",
     gettext_noop("the birthday list was not read to the end: the page announces %(announced)s birthday(s) today, "
                  "%(read)s read")),
    (r"the birthday list was not read to the end: (?P<why>.+)",
     gettext_noop("the birthday list was not read to the end: %(why)s")),
    (r"the list was still growing after (?P<scrolls>\d+) scrolls \((?P<cards>\d+) cards\)",
     gettext_noop("the list was still growing after %(scrolls)s scrolls (%(cards)s cards)")),
    (r"(?P<count>\d+) send\(s\) not confirmed in the conversation: (?P<names>[^;]+)",
     gettext_noop("%(count)s send(s) not confirmed in the conversation: %(names)s")),
    (r"checkpoint: LinkedIn asks for a security check \((?P<path>[^)]*)\); pass it when you log in again, then "
     r"save the session into the run's account: (?P<how>.+)",
     gettext_noop("checkpoint: LinkedIn asks for a security check (%(path)s); pass it when you log in again, then "
                  "save the session into the run's account: %(how)s")),
    (r"session expired: LinkedIn sent the (?P<page>.+?) page to (?P<path>\S+); log in again and save the session "
     r"into the run's account: (?P<how>.+)",
     gettext_noop("session expired: LinkedIn sent the %(page)s page to %(path)s; log in again and save the session "
                  "into the run's account: %(how)s")),
    (r"session expired: the (?P<page>.+?) page has no global navigation \((?P<names>.+?)\); log in again and save "
     r"the session into the run's account: (?P<how>.+)",
     gettext_noop("session expired: the %(page)s page has no global navigation (%(names)s); log in again and save "
                  "the session into the run's account: %(how)s")),
    (r"(?P<command>`[^`]+`), or upload it on the dashboard's Accounts page",
     gettext_noop("%(command)s, or upload it on the dashboard's Accounts page")),
    (r"LinkedIn is displayed in (?P<shown>.+); supported: (?P<supported>.+)",
     gettext_noop("LinkedIn is displayed in %(shown)s; supported: %(supported)s")),
    (r"could not tell when the birthday was from (?P<text>.+)",
     gettext_noop("could not tell when the birthday was from %(text)s")),
    (r"stopped after (?P<count>\d+) unconfirmed sends in a row: the page is not doing what the bot expects",
     gettext_noop("stopped after %(count)s unconfirmed sends in a row: the page is not doing what the bot expects")),
    (r"the run crashed: (?P<what>.+)", gettext_noop("the run crashed: %(what)s")),
    (r"run failed: (?P<why>.+)", gettext_noop("run failed: %(why)s")),
    # Why a contact was left out (the bots' result tables).
    (r"blacklisted: (?P<note>.+)", gettext_noop("blacklisted: %(note)s")),
    (r"blacklisted", gettext_noop("blacklisted")),
    (r"visited within (?P<days>\d+) days", gettext_noop("visited within %(days)s days")),
    (r"birthday is in (?P<days>\d+) day\(s\): never wished before the day",
     gettext_noop("birthday is in %(days)s day(s): never wished before the day")),
    (r"birthday was (?P<days>\d+) day\(s\) ago and process_late is off",
     gettext_noop("birthday was %(days)s day(s) ago and process_late is off")),
    (r"birthday was (?P<days>\d+) days ago, more than max_days_late \((?P<max>\d+)\)",
     gettext_noop("birthday was %(days)s days ago, more than max_days_late (%(max)s)")),
    (r"already wished for the birthday of (?P<day>\d{4}-\d\d-\d\d) \((?P<status>\w+)\)",
     gettext_noop("already wished for the birthday of %(day)s (%(status)s)")),
    (r"max_messages_per_run \((?P<count>\d+)\) reached", gettext_noop("max_messages_per_run (%(count)s) reached")),
    (r"limit \((?P<count>\d+)\) reached", gettext_noop("limit (%(count)s) reached")),
    (r"(?P<quota>(?:daily|weekly) quota of \d+ \w+(?: \(warm-up week \d+\))?) reached",
     gettext_noop("%(quota)s reached")),
    # An account's quotas by name (bots/selectors.py), alone or inside the reasons above.
    (r"daily quota of (?P<count>\d+) messages \(warm-up week (?P<week>\d+)\)",
     gettext_noop("daily quota of %(count)s messages (warm-up week %(week)s)")),
    (r"daily quota of (?P<count>\d+) messages", gettext_noop("daily quota of %(count)s messages")),
    (r"weekly quota of (?P<count>\d+) messages", gettext_noop("weekly quota of %(count)s messages")),
    (r"daily quota of (?P<count>\d+) visits \(warm-up week (?P<week>\d+)\)",
     gettext_noop("daily quota of %(count)s visits (warm-up week %(week)s)")),
    (r"daily quota of (?P<count>\d+) visits", gettext_noop("daily quota of %(count)s visits")),
    (r"the message dialog is addressed to (?P<recipient>'.+'), not (?P<name>'.+'): nothing typed",
     gettext_noop("the message dialog is addressed to %(recipient)s, not %(name)s: nothing typed")),
    (r"the send button stayed disabled or hidden: nothing sent",
     gettext_noop("the send button stayed disabled or hidden: nothing sent")),
    (r"send was clicked but the message did not appear in the conversation: outcome unknown",
     gettext_noop("send was clicked but the message did not appear in the conversation: outcome unknown")),
    (r"the card left the birthday list before it could be opened",
     gettext_noop("the card left the birthday list before it could be opened")),
    (r"the profile (?P<path>/in/\S+/) answered 404 \(not found\): no visit",
     gettext_noop("the profile %(path)s answered 404 (not found): no visit")),
    # Notifications: incidents and deliveries (scheduler_app/notify/).
    (r"This is a test of the channel\.", gettext_noop("This is a test of the channel.")),
    (rf"no successful run since {_iso('since')}", gettext_noop("no successful run since %(since)s")),
    (r"no successful run yet", gettext_noop("no successful run yet")),
    (r"a beat leads again", gettext_noop("a beat leads again")),
    (r"channel disabled: by a user", gettext_noop("channel disabled: by a user")),
    (r"channel disabled: (?P<reason>.+)", gettext_noop("channel disabled: %(reason)s")),
    (r"connection failed: (?P<why>.+)", gettext_noop("connection failed: %(why)s")),
    (r"unknown host: (?P<host>.+)", gettext_noop("unknown host: %(host)s")),
    (r"HTTP (?P<code>\d+): redirect to (?P<where>.+) not followed",
     gettext_noop("HTTP %(code)s: redirect to %(where)s not followed")),
]

_COMPILED = [(re.compile(pattern, re.DOTALL), msgid) for pattern, msgid in REASONS]

# The words of a bot's per-contact status column.
STATUS_WORDS = {
    "sent": gettext_noop("sent"), "skipped": gettext_noop("skipped"), "unknown": gettext_noop("unknown"),
    "failed": gettext_noop("failed"), "visited": gettext_noop("visited"), "dry_run": gettext_noop("dry run"),
    "not_found": gettext_noop("not found"),
    "would_send": gettext_noop("would send"), "would_visit": gettext_noop("would visit"),
}


def _known(text: str, depth: int) -> str | None:
    for pattern, msgid in _COMPILED:
        match = pattern.fullmatch(text)
        if match:
            parts = {name: (reason_display(value, depth=depth + 1) if name in NESTED else value)
                     for name, value in match.groupdict().items()}
            return _(msgid) % parts if parts else _(msgid)
    return None


def reason_display(text: str, *, depth: int = 0) -> str:
    """``text`` in the active language when a pattern knows it, else as stored. A run that ends on
    several problems joins them with "; ": each known one is translated in place."""
    if not text or not isinstance(text, str) or depth > 3:
        return text
    known = _known(text, depth)
    if known is not None:
        return known
    pieces = text.split("; ")
    if len(pieces) > 1:
        shown = [_known(piece, depth) for piece in pieces]
        if any(piece is not None for piece in shown):
            return "; ".join(mine if mine is not None else piece for mine, piece in zip(shown, pieces, strict=True))
    return text


def status_word_display(text: str) -> str:
    msgid = STATUS_WORDS.get(text) if isinstance(text, str) else None
    return _(msgid) if msgid else text
