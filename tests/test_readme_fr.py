"""README.fr.md stays in step with README.md for the sections a user reads.

Each "## " section of the French README names the English section it translates (an HTML comment
on the line after its heading). A section cannot be checked word for word across languages, but
what a reader copies can: the commands (fenced blocks), the settings and names in code
(`BOT_WORKING_HOURS`, `LABEL`), the subsections and the table rows must be the same in both. A
command or setting added to an English section, a renamed section, a new subsection or table row,
fails here until the French follows.
"""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The sections people need to use the product; the others (API, operations) stay English-only.
REQUIRED = {"Run it (one command, Python 3.11+)", "Test it (one command)", "The dashboard", "LinkedIn accounts",
            "Message templates", "Languages", "Configuration (environment)"}
EN_MARK = re.compile(r"^<!-- en: (.+) -->$")
CODE_NAME = re.compile(r"[A-Z][A-Z0-9_]{2,}\*?")


def sections(text: str) -> dict[str, str]:
    """Top-level sections: heading -> body (up to the next "## ")."""
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def french_pairs() -> dict[str, tuple[str, str]]:
    """English heading -> (English body, French body)."""
    english = sections((ROOT / "README.md").read_text())
    pairs = {}
    for heading, body in sections((ROOT / "README.fr.md").read_text()).items():
        first = body.strip().splitlines()[0] if body.strip() else ""
        mark = EN_MARK.match(first)
        assert mark, f"README.fr.md, ## {heading}: the next line must be <!-- en: <English heading> -->"
        assert mark.group(1) in english, f"README.fr.md, ## {heading} names an English section that is gone: " \
                                         f"{mark.group(1)!r}"
        pairs[mark.group(1)] = (english[mark.group(1)], body)
    return pairs


def fences(text: str) -> list[str]:
    return re.findall(r"^```\w*\n(.*?)^```", text, flags=re.M | re.S)


def code_names(text: str) -> set[str]:
    spans = re.findall(r"`([^`\n]+)`", re.sub(r"^```.*?^```", "", text, flags=re.M | re.S))
    return {name for span in spans for name in CODE_NAME.findall(span)}


def table_rows(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.startswith("|"))


def test_the_french_readme_covers_every_section_a_user_needs():
    missing = REQUIRED - set(french_pairs())
    assert not missing, f"README.fr.md does not translate: {sorted(missing)}"


def test_each_french_section_keeps_the_commands_settings_subsections_and_rows_of_its_english_one():
    drift = {}
    for heading, (english, french) in french_pairs().items():
        problems = []
        if fences(english) != fences(french):
            problems.append("code blocks differ")
        if code_names(english) - code_names(french):
            problems.append(f"names missing: {sorted(code_names(english) - code_names(french))}")
        if english.count("\n### ") != french.count("\n### "):
            problems.append("not the same subsections")
        if table_rows(english) != table_rows(french):
            problems.append(f"table rows: {table_rows(english)} in English, {table_rows(french)} in French")
        if problems:
            drift[heading] = problems
    assert not drift, f"README.fr.md is behind README.md: {drift}"


def test_each_readme_points_to_the_other():
    assert "README.fr.md" in (ROOT / "README.md").read_text()
    assert "(README.md)" in (ROOT / "README.fr.md").read_text()
