"""Message template writes: the one place their rules live (the admin calls these too)."""
from typing import TypedDict

from bots.models import MessageTemplate, TemplateKind
from bots.services import InvalidInput, model_update


class TemplateFields(TypedDict):
    kind: str
    text: str
    active: bool


def message_template_clean(*, kind: str, text: str, active: bool = True) -> TemplateFields:
    """The fields as stored: text trimmed; InvalidInput for an unknown kind or no text."""
    if kind not in TemplateKind.values:
        raise InvalidInput(f"unknown template kind {kind!r}: one of {', '.join(TemplateKind.values)}", field="kind")
    text = text.strip()
    if not text:
        raise InvalidInput("a template needs some text", field="text")
    return {"kind": kind, "text": text, "active": bool(active)}


def message_template_create(*, kind: str = TemplateKind.TODAY, text: str, active: bool = True) -> MessageTemplate:
    return MessageTemplate.objects.create(**message_template_clean(kind=kind, text=text, active=active))


def message_template_update(*, template: MessageTemplate, kind: str, text: str, active: bool) -> MessageTemplate:
    return model_update(template, message_template_clean(kind=kind, text=text, active=active))
