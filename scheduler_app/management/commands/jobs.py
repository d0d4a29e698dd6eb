"""``manage.py jobs export [--format yaml|json] [--output FILE]`` and ``manage.py jobs import FILE
[--mode merge|replace] [--dry-run] [--format yaml|json] [--json]``: the jobs as a version 1
document (scheduler_app/services/transfer.py holds the format and the rules).

``export`` writes YAML to standard output unless told otherwise. ``import`` reads a file (``-``:
standard input; JSON when it ends in .json or ``--format json``, else YAML) and prints the names
created, updated, unchanged and deleted; a bad document stores nothing, lists each problem as
``jobs.<name>.<field>: why`` and exits 1.
"""
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from config.command_files import command_file_text
from scheduler_app.audit.actors import cli_actor
from scheduler_app.services.transfer import (
    FORMATS,
    MODES,
    DocumentInvalid,
    ExportRefused,
    ImportReport,
    document_dump,
    document_load,
    jobs_export_document,
    jobs_import,
)


def refused(exc: DocumentInvalid, *, source: str) -> CommandError:
    """A refused document as a command error: one problem a line, by its place in the document."""
    lines = "\n".join(f"  {path}: {' '.join(messages)}" for path, messages in exc.errors.items())
    return CommandError(f"{source}: {len(exc.errors)} problem(s), nothing imported:\n{lines}")


def report_lines(report: ImportReport) -> list[str]:
    """The report as a person reads it: a line per kind with the names (an updated job's with the
    fields it changes)."""
    lines = ["dry run: nothing stored; the import would do this:"] if report.dry_run else []
    kinds = [("created", report.created), ("updated", report.updated), ("unchanged", report.unchanged)]
    if report.mode == "replace":
        kinds.append(("deleted", report.deleted))
    for kind, names in kinds:
        listed = ", ".join(f"{name} ({', '.join(report.changes[name])})" if kind == "updated" else name
                           for name in names)
        lines.append(f"{kind} {len(names)}" + (f": {listed}" if names else ""))
    return lines


class Command(BaseCommand):
    help = ("Export the jobs as a YAML or JSON document keyed by job name (no ids, no secrets), or import one: "
            "all or nothing, every job validated like any write.")

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="export|import")
        export = actions.add_parser("export", help="write every job as a document (standard output by default)")
        export.add_argument("--format", choices=FORMATS, default="yaml", help="yaml (default) or json")
        export.add_argument("--output", "-o", help="write to this file instead of standard output")
        imported = actions.add_parser("import", help="make the jobs match a document, in one transaction")
        imported.add_argument("path", help="the document (- for standard input)")
        imported.add_argument("--mode", choices=MODES, default="merge",
                              help="merge (default): create and update the document's jobs, keep the others; "
                                   "replace: also delete the jobs the document does not name")
        imported.add_argument("--dry-run", action="store_true", help="store nothing; say what would happen")
        imported.add_argument("--format", choices=FORMATS,
                              help="the document's format (default: json for a .json file, else yaml)")
        imported.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, action: str, **options):
        if action == "export":
            self._export(fmt=options["format"], output=options["output"])
        else:
            self._import(path=options["path"], mode=options["mode"], dry_run=options["dry_run"],
                         fmt=options["format"] or ("json" if options["path"].endswith(".json") else "yaml"),
                         as_json=options["json"])

    def _export(self, *, fmt: str, output: str | None) -> None:
        try:
            text = document_dump(jobs_export_document(), fmt=fmt)
        except ExportRefused as exc:
            raise CommandError(str(exc)) from None
        if output:
            Path(output).write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")

    def _import(self, *, path: str, mode: str, dry_run: bool, fmt: str, as_json: bool) -> None:
        source = "standard input" if path == "-" else path
        try:
            document = document_load(command_file_text(path), fmt=fmt)
            report = jobs_import(document=document, mode=mode, dry_run=dry_run, actor=cli_actor())
        except DocumentInvalid as exc:
            raise refused(exc, source=source) from None
        if as_json:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
            return
        for line in report_lines(report):
            self.stdout.write(line)
