"""The message template form of the Templates page: HTML values to service input and back.

As with the account and job forms, nothing is judged here: posted text is only coerced (the
weight to a number, the checkbox to a bool), and the bots' ``InvalidInput`` puts its message next
to the field it names, nothing stored.
"""
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict

from bots.templates import MessageTemplate
from scheduler_app.dashboard.forms import _coerce

TEMPLATE_FIELDS = ("kind", "language", "body", "weight", "active")
PREVIEW_NAME = "Camille"  # whom the editor's renders are written to, until the user says otherwise


@dataclass
class TemplateForm:
    template: MessageTemplate | None
    values: dict[str, Any]
    errors: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def for_template(cls, template: MessageTemplate | None = None) -> "TemplateForm":
        if template is None:
            return cls(template=None, values={"kind": "today", "language": "fr", "body": "", "weight": 1,
                                              "active": True})
        return cls(template=template, values={name: getattr(template, name) for name in TEMPLATE_FIELDS})

    @classmethod
    def from_post(cls, post: QueryDict, template: MessageTemplate | None = None) -> "TemplateForm":
        values = dict(cls.for_template(template).values)
        for name in ("kind", "language", "body", "weight"):
            if name in post:
                values[name] = post.get(name, "")
        values["active"] = "active" in post
        return cls(template=template, values=values)

    def to_data(self) -> dict[str, Any]:
        """Service input (``message_template_create`` / ``_update`` keywords)."""
        return {**self.values, "weight": _coerce("number", str(self.values["weight"]))}

    @property
    def other_errors(self) -> dict[str, list[str]]:
        return {path: messages for path, messages in self.errors.items() if path not in TEMPLATE_FIELDS}
