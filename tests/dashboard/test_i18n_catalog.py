"""The French catalog does not rot: every text of our templates is marked, every marked text is in
the catalog and translated, and the compiled catalog is the one the .po says.

No gettext here: the catalogs are read with polib (pinned in requirements.txt), the templates with
Django's own template lexer and ``templatize`` (what makemessages feeds xgettext), the Python
sources with ``ast``. When one of these fails, `python manage.py catalogs` refreshes the catalog
(README, "Languages"); translate what it adds.
"""
import ast
import re
import tokenize
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path

import polib
from django.template.base import Lexer, TokenType
from django.utils.translation.template import templatize

from scheduler_app.management.commands.catalogs import IGNORE, model_words_source

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
TEMPLATES = ROOT / "scheduler_app" / "templates"
PYTHON_ROOTS = (ROOT / "scheduler_app", ROOT / "bots")

# Attributes people read (screen readers included; a phone shows each cell's data-label); the others
# (class, href, id...) are technical.
READ_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "aria-description", "data-label"}
# Text that is the same in every language: units, symbols, settings' names, file names, language tags.
TECHNICAL = re.compile(r"^(?:[\W\d_]*|pid|UTC|HTTP|JSON|[A-Z_]+\*?|[a-z_]+\.(?:py|md|json|txt)"
                       r"|[a-z]{2}(?:-[A-Z]{2})?)$")
# Filters whose string arguments are formats or values, not words.
FORMAT_FILTERS = {"date", "time", "stringformat", "yesno", "floatformat", "default", "add", "cut", "truncatechars"}
TRANSLATED_LITERAL = re.compile(r'_\(\s*(["\']).*?\1\s*\)')
STRING_LITERAL = re.compile(r'(["\'])((?:(?!\1).)*)\1')


def template_files() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*") if p.is_file() and p.suffix in (".html", ".txt"))


class _TextCollector(HTMLParser):
    """Collects the text nodes and read attributes of HTML whose template parts were blanked."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._skip = 0  # inside <code>, <script>, <style>: code, not words

    def handle_starttag(self, tag, attrs):
        if tag in ("code", "script", "style"):
            self._skip += 1
        self.texts.extend(value for name, value in attrs if name in READ_ATTRIBUTES and value)

    def handle_endtag(self, tag):
        if tag in ("code", "script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.texts.append(data)


def _words(text: str) -> bool:
    """Whether ``text`` (template parts blanked) holds words a person reads."""
    text = " ".join(text.split())
    if not re.search(r"[A-Za-z]", text):
        return False
    return not all(TECHNICAL.match(part) for part in re.split(r"[\s\x00]+", text) if part)


def untranslated_literals(token_text: str) -> list[str]:
    """String literals in a {{ }} or {% %} token that read as words and are not ``_("...")``."""
    found = []
    text = TRANSLATED_LITERAL.sub("", token_text)
    for match in STRING_LITERAL.finditer(text):
        literal = match.group(2)
        before = text[:match.start()].rstrip()
        filter_name = re.search(r"\|(\w+):$", before)
        phrase = re.search(r"[A-Za-z]+\s+[A-Za-z]+", literal)  # two words: a phrase, not a name or a path
        if filter_name and filter_name.group(1) in FORMAT_FILTERS:
            if filter_name.group(1) in ("yesno", "default") and phrase:
                found.append(literal)  # words shown when the value is empty / true / false
            continue  # a date format, a number format
        if phrase:
            found.append(literal)
    return found


def unmarked_texts(source: str) -> list[str]:
    """The texts of a template outside translate / blocktranslate, as a person would read them."""
    html, problems, depth, comment = [], [], 0, False
    for token in Lexer(source).tokenize():
        content = token.contents.strip()
        if token.token_type == TokenType.BLOCK:
            name = content.split()[0] if content else ""
            if name in ("comment", "endcomment"):
                comment = name == "comment"
            elif comment:
                continue
            elif name in ("blocktranslate", "blocktrans"):
                depth += 1
                html.append("\x00")
            elif name in ("endblocktranslate", "endblocktrans"):
                depth -= 1
            elif name in ("translate", "trans"):
                html.append("\x00")
            elif depth == 0:
                problems += untranslated_literals(content)
        elif comment:
            continue
        elif token.token_type == TokenType.VAR and depth == 0:
            html.append("\x00")
            problems += untranslated_literals(content)
        elif token.token_type == TokenType.TEXT and depth == 0:
            html.append(token.contents)
    collector = _TextCollector()
    collector.feed("".join(html))
    collector.close()
    return problems + [" ".join(t.split()) for t in collector.texts if _words(t)]


def test_every_text_of_our_templates_is_marked_for_translation():
    unmarked = {str(path.relative_to(ROOT)): unmarked_texts(path.read_text()) for path in template_files()}
    unmarked = {path: texts for path, texts in unmarked.items() if texts}
    assert not unmarked, f"texts not marked for translation (wrap them in translate/blocktranslate): {unmarked}"


def test_the_template_check_finds_unmarked_text_attributes_and_phrases():
    """The check itself: it must see what a person reads, and only that."""
    assert unmarked_texts("<p>Hello there</p>") == ["Hello there"]
    assert unmarked_texts('<button title="Run it now">▶</button>') == ["Run it now"]
    assert unmarked_texts('{% include "x.html" with label="Pages of jobs" %}') == ["Pages of jobs"]
    assert unmarked_texts("{{ a|default:'a run' }}") == ["a run"]
    assert unmarked_texts('{% load i18n %}<p>{% translate "Hello there" %}</p><p title="{% translate \'Hi\' %}">'
                          '{% blocktranslate %}Hi {{ name }}{% endblocktranslate %}</p>') == []
    assert unmarked_texts('<td class="num">{{ n }} / {{ m }}</td><code>BOT_WORKING_HOURS</code>'
                          '{{ d|date:"D j M Y, H:i" }}{% url "dashboard:jobs" %}') == []


def _catalog() -> polib.POFile:
    return polib.pofile(str(PO))


def _key(entry) -> tuple:
    return entry.msgctxt or None, entry.msgid, entry.msgid_plural or None


def test_the_french_catalog_has_every_msgid_translated_and_none_fuzzy():
    catalog = _catalog()
    untranslated = [e.msgid for e in catalog.untranslated_entries()]
    fuzzy = [e.msgid for e in catalog.fuzzy_entries()]
    assert not untranslated, f"msgids without a French translation: {untranslated}"
    assert not fuzzy, f"fuzzy msgids (check and unmark them): {fuzzy}"
    assert catalog.percent_translated() == 100


def test_the_french_translations_keep_the_placeholders():
    placeholder = re.compile(r"%\(\w+\)[sdr]|\{\w+\}")
    wrong = []
    for entry in _catalog().translated_entries():
        if entry.msgid_plural:
            # French uses the singular for 0 and 1: it may leave out the count, as English's singular does.
            singular, plural = (set(placeholder.findall(entry.msgstr_plural[i])) for i in (0, 1))
            if not (set(placeholder.findall(entry.msgid)) <= singular <= set(placeholder.findall(entry.msgid_plural))
                    and plural == set(placeholder.findall(entry.msgid_plural))):
                wrong.append((entry.msgid_plural, entry.msgstr_plural))
        elif set(placeholder.findall(entry.msgid)) != set(placeholder.findall(entry.msgstr)):
            wrong.append((entry.msgid, entry.msgstr))
    assert not wrong, wrong


def test_the_committed_mo_is_the_compiled_po():
    po = {_key(e): (e.msgstr, dict(e.msgstr_plural)) for e in _catalog().translated_entries()}
    mo = {_key(e): (e.msgstr, dict(e.msgstr_plural)) for e in polib.mofile(str(MO)) if e.msgid}
    assert set(po) == set(mo), {"only in the .po": set(po) - set(mo), "only in the .mo": set(mo) - set(po)}
    differ = [key for key in po if po[key] != mo[key]]
    assert not differ, f"compiled text differs from the .po (run manage.py compilemessages): {differ}"


def _template_msgids(path: Path) -> set[tuple]:
    """The msgids makemessages takes from a template: its ``templatize`` output's gettext calls."""
    found = set()
    code = templatize(path.read_text(), origin=str(path))
    for line in code.splitlines():
        for call in re.finditer(r"\b(gettext|ngettext|pgettext|npgettext|_)\(", line):
            args = _string_args(line[call.end():])
            name = call.group(1)
            if name in ("gettext", "_") and args:
                found.add((None, args[0], None))
            elif name == "ngettext" and len(args) >= 2:
                found.add((None, args[0], args[1]))
            elif name == "pgettext" and len(args) >= 2:
                found.add((args[0], args[1], None))
            elif name == "npgettext" and len(args) >= 3:
                found.add((args[0], args[1], args[2]))
    return found


def _string_args(rest: str) -> list[str]:
    """The leading string literal arguments of a call whose "(" was just read."""
    args = []
    try:
        for token in tokenize.generate_tokens(StringIO(rest).readline):
            if token.type == tokenize.STRING:
                args.append(ast.literal_eval(token.string))
            elif token.type == tokenize.OP and token.string == ",":
                continue
            else:
                break
    except (tokenize.TokenError, SyntaxError, ValueError):
        pass
    return args


GETTEXT_CALLS = {"_": 1, "gettext": 1, "gettext_lazy": 1, "gettext_noop": 1, "ngettext": 2, "ngettext_lazy": 2,
                 "pgettext": 2, "pgettext_lazy": 2}


def _python_files() -> list[Path]:
    """Our Python files that makemessages reads (manage.py catalogs ignores the same folders)."""
    ignored = [ROOT / name for name in IGNORE]
    return sorted(p for base in PYTHON_ROOTS for p in base.rglob("*.py")
                  if "migrations" not in p.parts and not any(p.is_relative_to(folder) for folder in ignored))


def _python_msgids(path: Path) -> set[tuple]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
        if name not in GETTEXT_CALLS:
            continue
        args = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        if len(args) < GETTEXT_CALLS[name]:
            continue
        if name.startswith("pgettext"):
            found.add((args[0], args[1], None))
        elif name.startswith("ngettext"):
            found.add((None, args[0], args[1]))
        else:
            found.add((None, args[0], None))
    return found


def test_every_marked_text_of_our_code_and_templates_is_in_the_catalog():
    catalog = {_key(e) for e in _catalog() if not e.obsolete}
    missing = {}
    for path in template_files():
        absent = _template_msgids(path) - catalog
        if absent:
            missing[str(path.relative_to(ROOT))] = sorted(m[1] for m in absent)
    for path in _python_files():
        absent = _python_msgids(path) - catalog
        if absent:
            missing[str(path.relative_to(ROOT))] = sorted(m[1] for m in absent)
    assert not missing, f"marked but not in the French catalog (run manage.py catalogs, then translate): {missing}"


def test_the_admin_model_words_file_is_in_step_with_the_models():
    words_file = ROOT / "scheduler_app" / "model_words.py"
    assert words_file.read_text() == model_words_source(), "run manage.py catalogs: the models' labels changed"
