"""Refresh the translation catalogs: ``manage.py catalogs``.

Writes the admin's model words (scheduler_app/model_words.py), runs makemessages for every
language of LANGUAGES but the source one (English) over our code and templates, then compiles the
catalogs (the .mo files are committed, so running the project needs no gettext). Needs GNU
gettext on this machine (Debian: ``apt-get install gettext``); the tests do not.
"""
from pathlib import Path

from django.conf import settings
from django.core.management import BaseCommand, call_command

from scheduler_app.model_labels import model_words

# Not ours, or not words people read: the virtualenv, collected files, the sandbox's imitation of
# LinkedIn's pages (whose words are LinkedIn's, in the sandbox's own tables), the tests.
IGNORE = [".venv", "venv", "staticfiles", "var", "test-artifacts", "tests", "docs", "bots/sandbox", "locale"]
WORDS_FILE = Path(settings.BASE_DIR) / "scheduler_app" / "model_words.py"


def model_words_source() -> str:
    lines = [
        '"""The admin\'s model, field and app names, for makemessages (scheduler_app/model_labels.py).',
        "",
        'Written by ``manage.py catalogs``: do not edit."""',
        "from django.utils.translation import gettext_noop",
        "",
        "WORDS = [",
        *[f"    gettext_noop({word!r})," for word in model_words()],
        "]",
        "",
    ]
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Write the model words, run makemessages and compilemessages for every translation."

    def handle(self, *args, **options):
        WORDS_FILE.write_text(model_words_source())
        languages = [code for code, _name in settings.LANGUAGES if code != "en"]
        call_command("makemessages", locale=languages, ignore_patterns=IGNORE, extensions=["html", "txt", "py"],
                     no_obsolete=True, add_location="file", verbosity=options["verbosity"])
        call_command("compilemessages", locale=languages, ignore_patterns=IGNORE, verbosity=options["verbosity"])
        self.stdout.write(f"catalogs refreshed: {', '.join(languages)} (locale/<lang>/LC_MESSAGES/django.po, .mo)")
