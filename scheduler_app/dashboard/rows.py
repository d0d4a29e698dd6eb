"""Table rows as the templates show them: a job or an execution plus the words and local times.

Kept out of the templates (which only print) and out of the views (which only route), so a
test can check "next run in the job's time zone" without rendering HTML.
"""
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from scheduler_app.brakes.rules import pause_reason
from scheduler_app.brakes.selectors import job_standing_pauses
from scheduler_app.dashboard.display import duration_in_words, local, relative, schedule_in_words
from scheduler_app.models import FINAL_STATUSES, JobExecution, ScheduledJob
from scheduler_app.reasons import reason_display, status_word_display
from scheduler_app.selectors import executions_live
from scheduler_app.spec import job_bot_config, job_schedule


@dataclass
class JobRow:
    job: ScheduledJob
    schedule_words: str
    dry_run: bool
    next_run_local: datetime | None
    next_run_relative: str
    last_run_local: datetime | None
    last_run_relative: str
    pauses: list[str]  # the reasons of its standing pauses (what its skipped rows will say)
    live: JobExecution | None = None  # its newest queued or running execution: the row polls while there is one


def job_row(job: ScheduledJob, now: datetime, pauses: list | None = None,
            live: dict[str, JobExecution] | None = None) -> JobRow:
    """``pauses``: the job's standing pauses, and ``live``: the live executions by job id
    (``executions_live``), when the caller read them for a whole page."""
    if pauses is None:
        pauses = job_standing_pauses(job=job)
    if live is None:
        live = executions_live(job_ids=[job.pk])
    return JobRow(
        live=live.get(str(job.pk)),
        pauses=[pause_reason(pause) for pause in pauses],
        job=job,
        schedule_words=schedule_in_words(job_schedule(job), job.timezone),
        dry_run=job_bot_config(job).dry_run,
        next_run_local=local(job.next_run_at, job.timezone),
        next_run_relative=relative(job.next_run_at, now),
        last_run_local=local(job.last_run_at, job.timezone),
        last_run_relative=relative(job.last_run_at, now),
    )


@dataclass
class ResultTable:
    title: str
    columns: list[str]
    rows: list[list[str]]


@dataclass
class ExecutionRow:
    execution: JobExecution
    final: bool
    time_local: datetime | None
    scheduled_local: datetime | None
    duration: str
    lag: str
    details: list[tuple[str, str]]
    tables: list[ResultTable]


# The names of the keys the bots put in ``result`` and in its per-contact rows, as people read them;
# a key not listed shows as written, underscores as spaces.
RESULT_LABELS = {
    "dry_run": gettext_lazy("dry run"), "cards_found": gettext_lazy("cards found"),
    "page_language": gettext_lazy("page language"), "pages": gettext_lazy("pages"),
    "summary": gettext_lazy("summary"), "stopped": gettext_lazy("stopped"), "contacts": gettext_lazy("contacts"),
    "problems": gettext_lazy("problems"), "profiles": gettext_lazy("profiles"), "name": gettext_lazy("name"),
    "profile": gettext_lazy("profile"), "status": gettext_lazy("status"), "reason": gettext_lazy("reason"),
    "days_late": gettext_lazy("days late"), "language": gettext_lazy("language"), "text": gettext_lazy("text"),
    "template": gettext_lazy("template"), "template_reused": gettext_lazy("template reused"),
    "error": gettext_lazy("error"),
}
# Columns whose values are stored English words: a reason, a status.
REASON_COLUMNS = frozenset({"reason", "stopped", "problems", "error"})


def result_label(key: str) -> str:
    label = RESULT_LABELS.get(key)
    return str(label) if label is not None else key.replace("_", " ")


def _words(key: str, value: str) -> str:
    if key in REASON_COLUMNS:
        return reason_display(value)
    if key == "status":
        return status_word_display(value)
    return value


def _cell(value: Any, key: str = "") -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str):
        return _words(key, value)
    if isinstance(value, list) and key in REASON_COLUMNS and all(isinstance(v, str) for v in value):
        return "; ".join(reason_display(v) for v in value)
    if isinstance(value, dict) and all(not isinstance(v, dict | list) for v in value.values()):
        # e.g. the bots' status summary
        return ", ".join(f"{status_word_display(k)}: {_cell(v)}" for k, v in value.items())
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def result_parts(result: Any) -> tuple[list[tuple[str, str]], list[ResultTable]]:
    """Split a bot's ``result`` into plain details and tables, without knowing the bot.

    The bots put per-contact lists (one dict per contact) in ``result``; any list of dicts
    becomes a table whose columns are the union of the dicts' keys in first-seen order, so a
    new bot or a new key shows up without a template change.
    """
    if not result:
        return [], []
    if not isinstance(result, dict):
        return [(_("result"), _cell(result))], []
    details, tables = [], []
    for key, value in result.items():
        if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
            columns: list[str] = []
            for item in value:
                columns.extend(k for k in item if k not in columns)
            rows = [[_cell(item.get(column), column) for column in columns] for item in value]
            tables.append(ResultTable(title=result_label(key), columns=[result_label(c) for c in columns], rows=rows))
        else:
            details.append((result_label(key), _cell(value, key)))
    return details, tables


def execution_row(execution: JobExecution, timezone: str) -> ExecutionRow:
    lag = ""
    if execution.scheduled_for and execution.started_at:
        lag = duration_in_words(max((execution.started_at - execution.scheduled_for).total_seconds(), 0.0))
    details, tables = result_parts(execution.result)
    return ExecutionRow(
        execution=execution,
        final=execution.status in FINAL_STATUSES,
        time_local=local(execution.started_at or execution.queued_at, timezone),
        scheduled_local=local(execution.scheduled_for, timezone),
        duration=duration_in_words(execution.duration_seconds),
        lag=lag,
        details=details,
        tables=tables,
    )
