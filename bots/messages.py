"""The words of a birthday message: a random active template, ``{name}`` = first name.

Templates come from the admin (``MessageTemplate``); with none there, built-in ones keep the
bot usable on a fresh install. Late birthdays get their own wording ("belated"), so nobody is
wished a happy birthday "today" three days after it.
"""
import random

from bots.models import TemplateKind
from bots.profiles import first_name
from bots.selectors import message_template_list

DEFAULT_TEMPLATES = {
    TemplateKind.TODAY: [
        "Happy birthday {name}! Wishing you a great year ahead.",
        "Happy birthday {name}! All the best for the year to come.",
    ],
    TemplateKind.LATE: [
        "Happy belated birthday {name}! I hope it was a great day.",
        "A little late, but happy birthday {name}! All the best for the year ahead.",
    ],
}


def template_render(template: str, *, full_name: str) -> str:
    """Only ``{name}`` is replaced; other braces stay as typed (no str.format surprises)."""
    return template.replace("{name}", first_name(full_name)).strip()


def message_compose(*, full_name: str, late: bool, rng: random.Random | None = None) -> str:
    kind = TemplateKind.LATE if late else TemplateKind.TODAY
    texts = [t.text for t in message_template_list(kind=kind)] or DEFAULT_TEMPLATES[kind]
    return template_render((rng or random).choice(texts), full_name=full_name)
