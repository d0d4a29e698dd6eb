"""Message template writes: the one place their rules live (the admin calls these too).

The body is checked by the template parser (bots/spintax.py): an unknown variable, ``{days_late}``
in a ``today`` template, unbalanced braces or spintax nested deeper than 3 → InvalidInput naming
the character position, and nothing is stored.
"""
import re
from typing import TypedDict

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


def message_template_create(*, kind: str = TemplateKind.TODAY, body: str, language: str = DEFAULT_LANGUAGE,
                            weight: int = 1, active: bool = True) -> MessageTemplate:
    return MessageTemplate.objects.create(
        **message_template_clean(kind=kind, body=body, language=language, weight=weight, active=active))


def message_template_update(*, template: MessageTemplate, kind: str, body: str, language: str = DEFAULT_LANGUAGE,
                            weight: int = 1, active: bool) -> MessageTemplate:
    return model_update(template, message_template_clean(kind=kind, body=body, language=language, weight=weight,
                                                         active=active))


def message_template_delete(*, template: MessageTemplate) -> None:
    """Messages sent with it keep their text; they no longer keep it from being repeated (it is gone)."""
    template.delete()
