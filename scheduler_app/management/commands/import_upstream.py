"""``manage.py import_upstream config.yaml [--account LABEL] [--mode merge|replace] [--dry-run]``:
upstream linkedin-birthday-auto's settings as a birthday job, a visitor job (when its visitor
block is enabled) and the account's working hours and message caps
(scheduler_app/services/upstream.py has the mapping). Every key of the file is listed: where it
went, why it has no equivalent here, or that it is unknown. A bad value stores nothing and exits 1.
"""
from django.core.management.base import BaseCommand

from config.command_files import command_file_text
from scheduler_app.audit.actors import cli_actor
from scheduler_app.management.commands.jobs import refused, report_lines
from scheduler_app.services.transfer import MODES, DocumentInvalid, document_load
from scheduler_app.services.upstream import upstream_import


class Command(BaseCommand):
    help = ("Turn upstream linkedin-birthday-auto's config.yaml into jobs here (a birthday job, a visitor job when "
            "its visitor block is enabled) and the account's working hours and message caps; lists every key.")

    def add_arguments(self, parser):
        parser.add_argument("path", help="upstream's config.yaml (- for standard input)")
        parser.add_argument("--account", help="the LinkedIn account's label (default: the default account)")
        parser.add_argument("--mode", choices=MODES, default="merge",
                            help="merge (default) keeps your other jobs; replace deletes them")
        parser.add_argument("--dry-run", action="store_true", help="store nothing; say what would happen")

    def handle(self, *args, path: str, account: str | None, mode: str, dry_run: bool, **options):
        source = "standard input" if path == "-" else path
        try:
            config = document_load(command_file_text(path), fmt="yaml")
            report = upstream_import(config=config, account_label=account, mode=mode, dry_run=dry_run,
                                     actor=cli_actor())
        except DocumentInvalid as exc:
            raise refused(exc, source=source) from None
        write = self.stdout.write
        for line in report_lines(report.jobs):
            write(line)
        if report.account_changes:
            changes = ", ".join(f"{name} {change['old']!r} -> {change['new']!r}"
                                for name, change in report.account_changes.items())
            write(f"account {report.account}: {changes}")
        else:
            write(f"account {report.account}: unchanged")
        write("mapped:")
        for key, target in report.mapped:
            write(f"  {key} -> {target}")
        if report.not_imported:
            write("not imported (no equivalent here):")
            for key, why in report.not_imported:
                write(f"  {key}: {why}")
        if report.unknown:
            write(self.style.WARNING(f"unknown keys, not upstream settings ({len(report.unknown)}), ignored:"))
            for key in report.unknown:
                write(f"  {key}")
