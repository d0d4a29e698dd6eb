"""Reading a text file a management command was given, for every command of the project
(bots/management/commands/import_messages.py, scheduler_app/management/commands/jobs.py and
import_upstream.py): UTF-8 with or without a BOM, ``-`` for standard input, and a clear
CommandError naming the file when it cannot be read."""
import sys
from pathlib import Path

from django.core.management.base import CommandError


def command_file_text(path: str) -> str:
    try:
        if path == "-":
            return sys.stdin.read()
        return Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise CommandError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror}") from None
