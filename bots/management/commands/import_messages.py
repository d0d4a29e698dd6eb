"""``python manage.py import_messages messages.txt [late_messages.txt] --language fr [--skip-bad]``:
upstream's message files as message templates.

One template a line (``{name}`` and the rest of the template syntax, bots/spintax.py); the first
file's lines are ``today`` templates, the second's (optional) ``late`` ones. Blank lines and lines
whose first non-blank character is ``#`` are ignored. Files are read as UTF-8 (a BOM is allowed).
Every line is checked before anything is written, in one transaction (bots/services/templates.py
``message_templates_import``): one bad line and nothing of either file is stored, the bad lines
listed as ``file:line: why``; ``--skip-bad`` imports the good lines and says how many were
skipped. A template already stored with the same kind, language and text is not duplicated, so
running it twice adds nothing.
"""

from django.core.management.base import BaseCommand, CommandError

from bots.audit import ActorRef
from bots.models import TemplateKind
from bots.services import InvalidInput
from bots.services.templates import DEFAULT_LANGUAGE, ImportSource, TemplatesImportRefused, message_templates_import
from config.command_files import command_file_text


class Command(BaseCommand):
    help = ("Import upstream's message files as templates: the first file's lines are birthday-today templates, "
            "the second's (optional) late-birthday ones. One template a line; blank lines and # comments ignored. "
            "A file with a bad line stores nothing unless --skip-bad.")

    def add_arguments(self, parser):
        parser.add_argument("messages", help="upstream's messages.txt: templates for birthdays today")
        parser.add_argument("late_messages", nargs="?", help="upstream's late_messages.txt: for late birthdays")
        parser.add_argument("--language", default=DEFAULT_LANGUAGE,
                            help=f"BCP-47 tag of the templates (default {DEFAULT_LANGUAGE})")
        parser.add_argument("--skip-bad", action="store_true",
                            help="import the good lines, leave out (and count) the bad ones")

    def handle(self, *args, messages: str, late_messages: str | None, language: str, skip_bad: bool, **options):
        sources = [ImportSource(name=messages, kind=TemplateKind.TODAY, lines=command_file_text(messages).splitlines())]
        if late_messages:
            sources.append(ImportSource(name=late_messages, kind=TemplateKind.LATE,
                                        lines=command_file_text(late_messages).splitlines()))
        try:
            result = message_templates_import(sources=sources, language=language, skip_bad=skip_bad,
                                              actor=ActorRef(source="cli"))
        except InvalidInput as exc:
            raise CommandError(f"--{exc.field or 'language'}: {exc}") from None
        except TemplatesImportRefused as refused:
            lines = "\n".join(f"  {bad}" for bad in refused.bad)
            raise CommandError(f"{len(refused.bad)} bad line(s), nothing imported (fix them, or --skip-bad to "
                               f"import the others):\n{lines}") from None
        for source in sources:
            created, existing = result.created[source.name], result.existing[source.name]
            self.stdout.write(f"{source.name}: {created} {source.kind} template(s) created in {result.language!r}"
                              + (f", {existing} already there" if existing else ""))
        if result.skipped:
            self.stdout.write(self.style.WARNING(f"skipped {len(result.skipped)} bad line(s):"))
            for bad in result.skipped:
                self.stdout.write(f"  {bad}")
