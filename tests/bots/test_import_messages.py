"""``manage.py import_messages``: upstream's messages.txt / late_messages.txt as templates, all or
nothing unless --skip-bad, never a duplicate."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from bots.models import MessageTemplate

ROOT = Path(__file__).resolve().parents[2]

TODAY = "\n".join([
    "# upstream's birthday wishes",
    "Joyeux anniversaire {name} ! 🎉",
    "",
    "Bon anniversaire {name}, plein de bonnes choses !",
    "  {Joyeux anniversaire|Bon anniversaire} {name} !  ",  # blanks around a line are not part of it
]) + "\n"
LATE = """\
Joyeux anniversaire avec un peu de retard {name} !
Bon anniversaire {name}, {days_late} jours après !
"""


def _files(tmp_path, today=TODAY, late=LATE):
    messages, late_messages = tmp_path / "messages.txt", tmp_path / "late_messages.txt"
    messages.write_text(today, encoding="utf-8")
    late_messages.write_text(late, encoding="utf-8")
    return str(messages), str(late_messages)


def _stored():
    return sorted(MessageTemplate.objects.values_list("kind", "language", "body", "weight", "active"))


@pytest.mark.django_db
def test_both_files_become_templates_once_comments_and_blank_lines_ignored(tmp_path, capsys):
    messages, late = _files(tmp_path)
    call_command("import_messages", messages, late, "--language", "fr")
    assert _stored() == sorted([
        ("today", "fr", "Joyeux anniversaire {name} ! 🎉", 1, True),
        ("today", "fr", "Bon anniversaire {name}, plein de bonnes choses !", 1, True),
        ("today", "fr", "{Joyeux anniversaire|Bon anniversaire} {name} !", 1, True),
        ("late", "fr", "Joyeux anniversaire avec un peu de retard {name} !", 1, True),
        ("late", "fr", "Bon anniversaire {name}, {days_late} jours après !", 1, True),
    ])
    out = capsys.readouterr().out
    assert f"{messages}: 3 today template(s) created in 'fr'" in out and f"{late}: 2 late" in out
    call_command("import_messages", messages, late, "--language", "fr")  # again: nothing new
    assert MessageTemplate.objects.count() == 5
    assert "0 today template(s) created in 'fr', 3 already there" in capsys.readouterr().out
    call_command("import_messages", messages, "--language", "en-gb")  # another language is other templates
    assert MessageTemplate.objects.filter(language="en-GB", kind="today").count() == 3


@pytest.mark.django_db
def test_a_bad_line_stores_nothing_and_names_every_bad_line(tmp_path):
    messages, late = _files(tmp_path, today=TODAY + "Salut {prenom} !\n",
                            late=LATE + "{Coucou {name}\n# fine\nBravo {name} ({days_late} jours)\n")
    with pytest.raises(CommandError) as refused:
        call_command("import_messages", messages, late)
    error = str(refused.value)
    assert "2 bad line(s), nothing imported" in error
    assert f"{messages}:6: unknown variable {{prenom}}" in error and error.count("at position") == 2
    assert f"{late}:3: unclosed '{{'" in error
    assert not MessageTemplate.objects.exists()
    # {days_late} is for late templates only: in the first file it is a bad line.
    messages, _ = _files(tmp_path, today="Bon anniversaire {name}\nIl y a {days_late} jours\n")
    with pytest.raises(CommandError, match=r"messages.txt:2: \{days_late\} is only for late templates"):
        call_command("import_messages", messages)
    assert not MessageTemplate.objects.exists()


@pytest.mark.django_db
def test_skip_bad_imports_the_good_lines_and_says_how_many_were_skipped(tmp_path, capsys):
    messages, late = _files(tmp_path, today=TODAY + "Salut {prenom} !\n{}\n")
    call_command("import_messages", messages, late, "--skip-bad")
    assert MessageTemplate.objects.count() == 5
    out = capsys.readouterr().out
    assert "skipped 2 bad line(s):" in out and f"{messages}:6:" in out and f"{messages}:7: empty braces" in out


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--language", "français"], "--language: 'français' is not a BCP-47 language tag"),
        (["missing.txt"], "missing.txt: no such file"),
    ],
)
def test_bad_arguments_are_clear_errors_and_store_nothing(tmp_path, argv, message):
    messages, _ = _files(tmp_path)
    args = [messages, *argv] if argv[0].startswith("--") else [messages, str(tmp_path / argv[0])]
    with pytest.raises(CommandError, match=message):
        call_command("import_messages", *args)
    assert not MessageTemplate.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_manage_py_import_messages_in_a_process_of_its_own(tmp_path, settings):
    messages, late = _files(tmp_path, late=LATE + "Oups {nom}\n")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{settings.DATABASES['default']['NAME']}"}
    command = [sys.executable, "manage.py", "import_messages", messages, late, "--language", "fr"]
    refused = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1, refused
    assert f"{late}:3: unknown variable {{nom}}" in refused.stderr and not MessageTemplate.objects.exists()
    done = subprocess.run([*command, "--skip-bad"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done
    assert "skipped 1 bad line(s)" in done.stdout
    assert MessageTemplate.objects.count() == 5
