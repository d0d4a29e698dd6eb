"""Message template writes: the one place their rules live (the admin calls these too).

The body is checked by the template parser (bots/spintax.py): an unknown variable, ``{days_late}``
in a ``today`` template, unbalanced braces or spintax nested deeper than 3 → InvalidInput naming
the character position, and nothing is stored.
"""
import re
from dataclasses import dataclass, field
from typing import TypedDict

from django.db import transaction

from bots.audit import audit_change
from bots.models import MessageTemplate, TemplateKind
from bots.services import InvalidInput, model_update
from bots.spintax import TemplateSyntaxError, parse

BODY_MAX = 1_000
WEIGHT_MIN, WEIGHT_MAX = 1, 10
DEFAULT_LANGUAGE = "fr"
# BCP-47, in its common shape: a 2-3 letter language, then subtags (script, region, variant).
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


class TemplateFields(TypedDict):
    kind: str
    language: str
    body: str
    weight: int
    active: bool


def language_clean(language: str, *, field: str = "language") -> str:
    """A BCP-47 tag as stored: ``fr``, ``en-GB`` (language lower case, region upper case)."""
    language = (language or "").strip().replace("_", "-")
    if not LANGUAGE_TAG.match(language) or len(language) > 35:
        raise InvalidInput(f"{language!r} is not a BCP-47 language tag (e.g. fr, en, fr-CA)", field=field)
    head, *rest = language.split("-")
    return "-".join([head.lower(), *(p.upper() if len(p) == 2 else p for p in rest)])


def template_body_clean(body: str, *, kind: str) -> str:
    """The body as stored (trimmed), or InvalidInput naming the position of what is wrong."""
    body = (body or "").strip()
    if not body:
        raise InvalidInput("a template needs some text", field="body")
    if len(body) > BODY_MAX:
        raise InvalidInput(f"a template is at most {BODY_MAX:,} characters ({len(body):,} given)", field="body")
    try:
        parse(body, late=kind == TemplateKind.LATE)
    except TemplateSyntaxError as exc:
        raise InvalidInput(str(exc), field="body", position=exc.position) from None
    return body


def message_template_clean(*, kind: str, body: str, language: str = DEFAULT_LANGUAGE, weight: int = 1,
                           active: bool = True) -> TemplateFields:
    """The fields as stored; InvalidInput for an unknown kind, a bad language, weight or body."""
    if kind not in TemplateKind.values:
        raise InvalidInput(f"unknown template kind {kind!r}: one of {', '.join(TemplateKind.values)}", field="kind")
    if isinstance(weight, bool) or not isinstance(weight, int) or not WEIGHT_MIN <= weight <= WEIGHT_MAX:
        raise InvalidInput(f"weight must be a whole number from {WEIGHT_MIN} to {WEIGHT_MAX}", field="weight")
    return {
        "kind": kind,
        "language": language_clean(language),
        "body": template_body_clean(body, kind=kind),
        "weight": weight,
        "active": bool(active),
    }


TEMPLATE_AUDITED = ("kind", "language", "body", "weight", "active")


def _audit(template: MessageTemplate, *, actor: object, action: str, before: dict | None) -> None:
    after = None if action == "delete" else {name: getattr(template, name) for name in TEMPLATE_AUDITED}
    audit_change(actor=actor, action=action, object_type="template", object_id=template.pk,
                 label=template.body[:80], before=before, after=after)


def message_template_create(*, kind: str = TemplateKind.TODAY, body: str, language: str = DEFAULT_LANGUAGE,
                            weight: int = 1, active: bool = True, actor: object = None) -> MessageTemplate:
    fields = message_template_clean(kind=kind, body=body, language=language, weight=weight, active=active)
    with transaction.atomic():
        template = MessageTemplate.objects.create(**fields)
        _audit(template, actor=actor, action="create", before=None)
    return template


def message_template_update(*, template: MessageTemplate, kind: str, body: str, language: str = DEFAULT_LANGUAGE,
                            weight: int = 1, active: bool, actor: object = None) -> MessageTemplate:
    fields = message_template_clean(kind=kind, body=body, language=language, weight=weight, active=active)
    with transaction.atomic():
        before = {name: getattr(template, name) for name in TEMPLATE_AUDITED}
        model_update(template, fields)
        _audit(template, actor=actor, action="update", before=before)
    return template


def message_template_delete(*, template: MessageTemplate, actor: object = None) -> None:
    """Messages sent with it keep their text; they no longer keep it from being repeated (it is gone)."""
    with transaction.atomic():
        _audit(template, actor=actor, action="delete",
               before={name: getattr(template, name) for name in TEMPLATE_AUDITED})
        template.delete()


# --- import of upstream's files ----------------------------------------------------------------

COMMENT = "#"


@dataclass(frozen=True)
class ImportSource:
    """One upstream file: its name (for messages), the kind its lines become, its lines."""

    name: str
    kind: str
    lines: list[str]


@dataclass(frozen=True)
class BadLine:
    source: str
    number: int  # 1-based
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.number}: {self.message}"


@dataclass
class ImportResult:
    language: str  # as stored (fr-ca → fr-CA)
    created: dict[str, int] = field(default_factory=dict)  # source name → templates created
    existing: dict[str, int] = field(default_factory=dict)  # source name → lines already there (not duplicated)
    skipped: list[BadLine] = field(default_factory=list)  # bad lines left out (skip_bad)


class TemplatesImportRefused(Exception):
    """Bad lines and no ``skip_bad``: nothing was stored."""

    def __init__(self, bad: list[BadLine]):
        super().__init__("; ".join(map(str, bad)))
        self.bad = bad


def import_line_body(line: str) -> str | None:
    """The template a line of upstream's files holds: None for a blank line or a comment (a line
    whose first non-blank character is ``#``); the line without its surrounding blanks else."""
    text = line.strip()
    return None if not text or text.startswith(COMMENT) else text


def message_templates_import(*, sources: list[ImportSource], language: str = DEFAULT_LANGUAGE,
                             skip_bad: bool = False, actor: object = None) -> ImportResult:
    """Upstream's message files as templates (weight 1, active), in one transaction: every line is
    checked like any template first; with a bad line and no ``skip_bad`` nothing is stored and
    TemplatesImportRefused lists them all. A template already stored with the same kind, language
    and text (or twice in the files) is not made again."""
    language = language_clean(language)
    result = ImportResult(language=language)
    wanted: list[tuple[str, TemplateFields]] = []
    for source in sources:
        for number, line in enumerate(source.lines, start=1):
            body = import_line_body(line)
            if body is None:
                continue
            try:
                wanted.append((source.name, message_template_clean(kind=source.kind, body=body, language=language)))
            except InvalidInput as exc:
                result.skipped.append(BadLine(source.name, number, str(exc)))
    if result.skipped and not skip_bad:
        raise TemplatesImportRefused(result.skipped)
    with transaction.atomic():
        for source in sources:
            result.created.setdefault(source.name, 0)
            result.existing.setdefault(source.name, 0)
        for name, fields in wanted:
            same = MessageTemplate.objects.filter(kind=fields["kind"], language=fields["language"], body=fields["body"])
            if same.exists():
                result.existing[name] += 1
            else:
                MessageTemplate.objects.create(**fields)
                result.created[name] += 1
        audit_change(actor=actor, action="import", object_type="template",
                     label=", ".join(source.name for source in sources)[:200],
                     changes={"created": {"old": None, "new": sum(result.created.values())},
                              "skipped": {"old": None, "new": len(result.skipped)}})
    return result
