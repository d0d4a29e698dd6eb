"""Upstream linkedin-birthday-auto's ``config.yaml`` as jobs here (``manage.py import_upstream``).

Upstream runs one bot process with one config; here the same settings become a birthday job, a
visitor job when the config has an enabled ``visitor`` block, and the LinkedIn account's working
hours and message caps. The jobs go through the jobs import (services/transfer.py): validated like
any write, all or nothing, merge or replace, dry run. Running it again with the same file changes
nothing (the jobs have fixed names).

Every key of the file is accounted for: mapped (``MAPPED``, with where it went), known but with no
equivalent here (``NOT_APPLICABLE``, with why), or unknown (not an upstream setting): each listed
in the report, none dropped silently. A mapped key the file leaves out takes upstream's default
(``UPSTREAM_DEFAULTS``), so the jobs do what upstream did with that file.
"""
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from bots.accounts import AccountValidationError, account_default_ensure, account_find, account_update
from scheduler_app.audit.actors import SYSTEM, Actor
from scheduler_app.services.transfer import DOCUMENT_VERSION, DocumentInvalid, ImportReport, jobs_import

BIRTHDAY_JOB = "Upstream birthday wishes"
VISITOR_JOB = "Upstream profile visits"
DESCRIPTION = "Imported from linkedin-birthday-auto's config.yaml (manage.py import_upstream)."
MOST_MESSAGES_PER_RUN = 100  # bots/configs.py: the birthday bot's max_messages_per_run bound
VISITOR_MINUTE = 30  # the visitor job runs half an hour after the birthday job

# Upstream's defaults for the keys mapped here (its config_schema.py).
UPSTREAM_DEFAULTS: dict[str, Any] = {
    "dry_run": False,
    "bot_mode": "standard",
    "messaging_limits.max_messages_per_run": None,
    "messaging_limits.weekly_message_limit": 80,
    "messaging_limits.daily_message_limit": None,
    "scheduling.daily_start_hour": 7,
    "scheduling.daily_end_hour": 19,
    "scheduling.timezone": "Europe/Paris",
    "birthday_filter.process_today": True,
    "birthday_filter.process_late": True,
    "birthday_filter.max_days_late": 10,
    "visitor.enabled": True,
    "visitor.keywords": [],
    "visitor.location": "France",
    "visitor.limits.profiles_per_run": 15,
}
MAPPED = frozenset(UPSTREAM_DEFAULTS)
NOT_APPLICABLE: dict[str, str] = {
    "version": "the file's own version",
    "browser": "Chromium is set up by the bots themselves (headless, locale, one user agent)",
    "auth": "sessions are stored per account: manage.py linkedin_login or PUT /scheduler/accounts/{id}/session",
    "delays": "the bots' pauses are the BOT_* pacing settings",
    "messages.messages_file": "message files: manage.py import_messages messages.txt late_messages.txt",
    "messages.late_messages_file": "message files: manage.py import_messages messages.txt late_messages.txt",
    "messages.avoid_repetition_years": "a server setting here: BOT_AVOID_REPETITION_DAYS (years x 365)",
    "proxy": "no proxy support",
    "debug": "logs and screenshots follow the server's settings",
    "database": "the scheduler's own database (DATABASE_URL)",
    "playwright": "the bots' timeouts are their own",
    "monitoring": "GET /scheduler/metrics serves Prometheus metrics",
    "paths": "the server's own directories",
    "visitor.limits.max_pages_to_scrape": "the visitor bot pages through results until its limit",
    "visitor.limits.max_pages_without_new": "the visitor bot pages through results until its limit",
    "visitor.delays": "the bots' pauses are the BOT_* pacing settings",
    "visitor.retry": "runs retry as a whole (the job's retry_max), not per profile",
}
# Account fields and the upstream keys they come from (to name a bad value by its key).
ACCOUNT_SOURCES = {
    "working_hours": "scheduling.daily_start_hour",
    "messages_per_day": "messaging_limits.daily_message_limit",
    "messages_per_week": "messaging_limits.weekly_message_limit",
}


@dataclass
class UpstreamReport:
    jobs: ImportReport
    account: str
    account_changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    mapped: list[tuple[str, str]] = field(default_factory=list)  # (upstream key, where it went)
    not_imported: list[tuple[str, str]] = field(default_factory=list)  # (upstream key, why)
    unknown: list[str] = field(default_factory=list)


def _known_below(path: str) -> bool:
    prefix = f"{path}."
    return any(key.startswith(prefix) for key in (*MAPPED, *NOT_APPLICABLE))


def _account_for(config: dict[str, Any], report: UpstreamReport, *, path: str = "") -> None:
    """Sort every key of ``config`` into not applicable or unknown (mapped ones are the mapper's)."""
    for key, value in config.items():
        where = f"{path}.{key}" if path else str(key)
        if where in MAPPED:
            continue
        if where in NOT_APPLICABLE:
            report.not_imported.append((where, NOT_APPLICABLE[where]))
        elif isinstance(value, dict) and _known_below(where):
            _account_for(value, report, path=where)
        else:
            report.unknown.append(where)


def _value(config: dict[str, Any], path: str) -> tuple[Any, bool]:
    """The value at ``path`` (dotted) and whether the file gives it; else upstream's default."""
    node: Any = config
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return UPSTREAM_DEFAULTS[path], False
        node = node[part]
    return node, True


def _hour(config: dict[str, Any], path: str, errors: dict[str, list[str]]) -> int:
    hour, _ = _value(config, path)
    if isinstance(hour, bool) or not isinstance(hour, int) or not 0 <= hour <= 23:
        errors.setdefault(path, []).append("must be an hour, 0..23")
        return 0
    return hour


def upstream_map(config: Any, *, account: str) -> tuple[dict[str, Any], dict[str, Any], UpstreamReport]:
    """The jobs document, the account's settings and the report's key lists for ``config``
    (upstream's parsed config.yaml). Raises DocumentInvalid naming upstream keys it cannot read."""
    if not isinstance(config, dict):
        raise DocumentInvalid({"document": ["must be upstream's config.yaml: a mapping of settings"]})
    report = UpstreamReport(jobs=ImportReport(mode="merge", dry_run=False), account=account)
    _account_for(config, report)
    errors: dict[str, list[str]] = {}
    value = {path: _value(config, path)[0] for path in MAPPED}
    start = _hour(config, "scheduling.daily_start_hour", errors)
    end = _hour(config, "scheduling.daily_end_hour", errors)
    keywords = value["visitor.keywords"]
    if not isinstance(keywords, list) or not all(isinstance(word, str) for word in keywords):
        errors.setdefault("visitor.keywords", []).append("must be a list of words")
        keywords = []
    if errors:
        raise DocumentInvalid(errors)

    per_run = value["messaging_limits.max_messages_per_run"]
    if value["bot_mode"] == "unlimited" or per_run is None:
        per_run = MOST_MESSAGES_PER_RUN
    common = {"description": DESCRIPTION, "enabled": True, "schedule_type": "daily",
              "timezone": value["scheduling.timezone"], "account": account}
    jobs = {BIRTHDAY_JOB: {
        **common, "bot_type": "birthday", "schedule_config": {"hour": start, "minute": 0},
        "bot_config": {"dry_run": value["dry_run"], "process_late": value["birthday_filter.process_late"],
                       "max_days_late": value["birthday_filter.max_days_late"], "max_messages_per_run": per_run},
    }}
    birthday, visitor = f"jobs.{BIRTHDAY_JOB}", f"jobs.{VISITOR_JOB}"
    report.mapped += [
        ("dry_run", f"{birthday}.bot_config.dry_run (and the visitor job's)"),
        ("bot_mode", f"unlimited: {birthday}.bot_config.max_messages_per_run = {MOST_MESSAGES_PER_RUN}, the most "
                     "allowed here; standard and custom: messaging_limits as given"),
        ("messaging_limits.max_messages_per_run",
         f"{birthday}.bot_config.max_messages_per_run (none: {MOST_MESSAGES_PER_RUN}, the most allowed here)"),
        ("messaging_limits.daily_message_limit", f"account {account}: messages_per_day"),
        ("messaging_limits.weekly_message_limit", f"account {account}: messages_per_week"),
        ("scheduling.daily_start_hour", f"{birthday}: daily at that hour; account {account}: working_hours start"),
        ("scheduling.daily_end_hour", f"account {account}: working_hours end"),
        ("scheduling.timezone", "each job's timezone"),
        ("birthday_filter.process_late", f"{birthday}.bot_config.process_late"),
        ("birthday_filter.max_days_late", f"{birthday}.bot_config.max_days_late"),
    ]
    if value["birthday_filter.process_today"] is True:
        report.mapped.append(("birthday_filter.process_today", "always on here: the birthday bot wishes today's"))
    else:
        report.not_imported.append(("birthday_filter.process_today",
                                    "the birthday bot always wishes today's birthdays; disable the job instead"))

    has_visitor = isinstance(config.get("visitor"), dict)
    if has_visitor and value["visitor.enabled"] is True:
        jobs[VISITOR_JOB] = {
            **common, "bot_type": "visitor", "schedule_config": {"hour": start, "minute": VISITOR_MINUTE},
            "bot_config": {"dry_run": value["dry_run"], "limit": value["visitor.limits.profiles_per_run"],
                           "keywords": " ".join(keywords) or None, "location": value["visitor.location"] or None},
        }
        report.mapped += [
            ("visitor.enabled", f"{visitor}: daily at {start:02d}:{VISITOR_MINUTE}"),
            ("visitor.keywords", f"{visitor}.bot_config.keywords (joined by spaces)"),
            ("visitor.location", f"{visitor}.bot_config.location"),
            ("visitor.limits.profiles_per_run", f"{visitor}.bot_config.limit"),
        ]
    else:
        report.not_imported.append(("visitor", "no visitor block, or not enabled: no visitor job"))

    settings = {"working_hours": f"{start:02d}:00-{end:02d}:00",
                "messages_per_week": value["messaging_limits.weekly_message_limit"]}
    if value["messaging_limits.daily_message_limit"] is not None:
        settings["messages_per_day"] = value["messaging_limits.daily_message_limit"]
    report.mapped.sort()
    report.not_imported.sort()
    report.unknown.sort()
    return {"version": DOCUMENT_VERSION, "jobs": jobs}, settings, report


def upstream_import(*, config: Any, account_label: str | None = None, mode: str = "merge", dry_run: bool = False,
                    actor: Actor = SYSTEM) -> UpstreamReport:
    """Apply upstream's config: the account's settings and the jobs, in one transaction (none of it
    with ``dry_run``). ``account_label``: the account the jobs run on (default: the default one).
    Its events (account update, job create/update/delete) are noted "import_upstream"."""
    actor = actor.with_note(actor.note or "import_upstream")
    with transaction.atomic():
        account = account_find(account_label) if account_label else account_default_ensure()
        if account is None:
            raise DocumentInvalid({"account": [f"no LinkedIn account is labelled {account_label!r}"
                                               if account_label else "several accounts, none 'default': name one"]})
        document, settings, report = upstream_map(config, account=account.label)
        changes = {name: value for name, value in settings.items() if getattr(account, name) != value}
        report.account_changes = {name: {"old": getattr(account, name), "new": value}
                                  for name, value in changes.items()}
        if changes:
            try:
                account_update(account=account, changes=changes, actor=actor)
            except AccountValidationError as exc:
                raise DocumentInvalid({ACCOUNT_SOURCES.get(name, name): messages
                                       for name, messages in exc.errors.items()}) from None
        report.jobs = jobs_import(document=document, mode=mode, actor=actor)
        report.jobs.dry_run = dry_run
        if dry_run:
            transaction.set_rollback(True)
    return report
