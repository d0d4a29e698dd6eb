"""The scheduler's door to message templates, as ``bots.runner`` is its door to runs and
``bots.accounts`` to accounts: what scheduler_app may use of the words (templates, their preview,
a contact's language), so the parser and the words' rules can change behind it."""
from dataclasses import dataclass

from bots.messages import name_values
from bots.models import MessageTemplate, TemplateKind
from bots.selectors import message_template_get, message_template_list
from bots.services import InvalidInput
from bots.services.contacts import contact_language_set
from bots.services.templates import (
    BODY_MAX,
    WEIGHT_MAX,
    WEIGHT_MIN,
    message_template_create,
    message_template_delete,
    message_template_update,
    template_body_clean,
)
from bots.spintax import TemplateSyntaxError, distinct_renders, parse, variations

__all__ = ["BODY_MAX", "PREVIEW_DAYS_LATE", "TEMPLATE_KINDS", "WEIGHT_MAX", "WEIGHT_MIN", "InvalidInput",
           "MessageTemplate", "Preview", "contact_language_set", "message_template_create",
           "message_template_delete", "message_template_get", "message_template_list", "message_template_update",
           "template_preview", "template_variations"]

TEMPLATE_KINDS = list(TemplateKind.values)
PREVIEW_DAYS_LATE = 3  # what {days_late} shows in a late template's preview


@dataclass(frozen=True)
class Preview:
    renders: list[str]  # distinct texts, at most the count asked for
    variations: int  # how many ways the spintax choices can fall


def template_preview(*, body: str, count: int, first_name: str, last_name: str = "",
                     kind: str = TemplateKind.TODAY) -> Preview:
    """What ``body`` can send to ``first_name last_name``; InvalidInput (naming the position) for a
    body the templates' validation would refuse. Nothing is stored."""
    body = template_body_clean(body, kind=kind)
    template = parse(body, late=kind == TemplateKind.LATE)
    first, last = first_name.strip(), last_name.strip()
    values = name_values(f"{first} {last}".strip(), days_late=PREVIEW_DAYS_LATE)
    values.update(first_name=first, name=first, last_name=last)
    return Preview(renders=distinct_renders(template, values, count=count, seed=body), variations=variations(template))


def template_variations(template: MessageTemplate) -> int | None:
    """How many ways a stored template's spintax can fall (None: a body stored before templates
    were checked, which no longer parses)."""
    try:
        return variations(parse(template.body, late=template.kind == TemplateKind.LATE))
    except TemplateSyntaxError:
        return None
