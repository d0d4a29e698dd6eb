"""The words of a birthday message: which template, which spintax options, which names.

Templates come from the admin (``MessageTemplate``: kind, language, body, weight); with none of
the kind and language there, built-in ones keep the bot usable on a fresh install. Late
birthdays get their own wording ("belated"), so nobody is wished a happy birthday "today" three
days after it.

Everything random here is drawn from one generator seeded by (contact slug, birthday date): a dry
run shows exactly what the real run sends, and a run repeated for the same birthday sends the
same words. Among the active templates of the kind and language, one is drawn by weight, leaving
out those used for this contact within ``BOT_AVOID_REPETITION_DAYS`` (730) unless none is left:
then the least recently used one is taken and the result says so.

The language a contact is written in (``message_language_for``), first found wins:

1. the contact's own (``Contact.language``: set per person in the admin or with
   ``PATCH /scheduler/contacts/{slug}``), because a person's language is a fact about them;
2. the job's ``bot_config.message_language``, when the job names one: a job is the narrower choice
   (one account may run a French job and an English one);
3. the account's ``message_language`` (API, admin): the language of that account's network;
4. ``fr`` (DEFAULT_LANGUAGE), the product's first language.

Templates are looked up in that language (``fr-CA``), then in its primary language (``fr``); with
none, a built-in wording in the language (French for ``fr*``, English otherwise).
"""
import random
from dataclasses import dataclass
from datetime import date

from django.conf import settings

from bots.models import Contact, LinkedInAccount, MessageTemplate, TemplateKind
from bots.profiles import first_name
from bots.selectors import message_template_list, template_last_uses
from bots.spintax import TemplateSyntaxError, parse, render

DEFAULT_LANGUAGE = "fr"
# Used when no active template of the kind exists in the language: French for fr*, else English.
DEFAULT_TEMPLATES = {
    "en": {
        TemplateKind.TODAY: [
            "Happy birthday {name}! Wishing you a great year ahead.",
            "Happy birthday {name}! All the best for the year to come.",
        ],
        TemplateKind.LATE: [
            "Happy belated birthday {name}! I hope it was a great day.",
            "A little late, but happy birthday {name}! All the best for the year ahead.",
        ],
    },
    "fr": {
        TemplateKind.TODAY: [
            "Joyeux anniversaire {name} ! Je te souhaite une très belle année.",
            "Bon anniversaire {name} ! Plein de bonnes choses pour l'année qui vient.",
        ],
        TemplateKind.LATE: [
            "Joyeux anniversaire {name}, avec un peu de retard ! J'espère que tu as passé une belle journée.",
            "Un peu en retard, mais bon anniversaire {name} ! Plein de bonnes choses pour l'année qui vient.",
        ],
    },
}


def primary_language(language: str) -> str:
    """``fr-CA`` → ``fr``."""
    return language.split("-")[0].lower()


def message_language_for(*, contact: Contact | None, job_language: str | None = None,
                         account: LinkedInAccount | None = None) -> str:
    """The language ``contact`` is written in: contact → job → account → ``fr`` (module docstring)."""
    for language in (contact.language if contact else "", job_language, account.message_language if account else ""):
        if language:
            return language
    return DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Composed:
    text: str
    template: MessageTemplate | None  # None: a built-in wording
    reused: str | None = None  # why a template used for this contact in the window was taken again
    language: str = DEFAULT_LANGUAGE  # the language asked for (the template's may be its primary one)


def name_values(full_name: str, *, days_late: int = 0) -> dict[str, str]:
    """What the variables become for a person shown as ``full_name``."""
    first = first_name(full_name)
    rest = full_name.split()[1:]
    return {"first_name": first, "name": first, "last_name": " ".join(rest), "days_late": str(days_late)}


def template_render(body: str, *, full_name: str, days_late: int = 0, rng: random.Random | None = None) -> str:
    """One text of a template body (a body that does not parse is a bug upstream: it raises)."""
    return render(parse(body), name_values(full_name, days_late=days_late), rng or random.Random())


def message_seed(*, slug: str, birthday: date) -> random.Random:
    """The generator of every choice for one contact's birthday (str seeds are stable across processes)."""
    return random.Random(f"{slug}|{birthday.isoformat()}")


def _pick(templates: list[MessageTemplate], *, contact: Contact | None, birthday: date,
          rng: random.Random) -> tuple[MessageTemplate, str | None]:
    days = settings.BOT_AVOID_REPETITION_DAYS
    used = template_last_uses(contact=contact, birthday=birthday, within_days=days) if contact and days > 0 else {}
    fresh = [t for t in templates if t.id not in used]
    if fresh:
        return rng.choices(fresh, weights=[t.weight for t in fresh])[0], None
    # Every one was used for this person within the window: the one used longest ago.
    oldest = min(templates, key=lambda t: (used[t.id], t.id))
    return oldest, (f"every {oldest.kind} template in {oldest.language!r} was used for this contact within "
                    f"{days} days: reused the least recently used one "
                    f"(last for the birthday of {used[oldest.id]:%Y-%m-%d})")


def message_compose(*, full_name: str, slug: str, birthday: date, days_late: int = 0, contact: Contact | None = None,
                    language: str = DEFAULT_LANGUAGE) -> Composed:
    """The words for ``full_name`` (profile ``slug``) for the birthday of ``birthday``, ``days_late`` ago."""
    kind = TemplateKind.LATE if days_late > 0 else TemplateKind.TODAY
    rng = message_seed(slug=slug, birthday=birthday)
    values = name_values(full_name, days_late=days_late)
    late = kind == TemplateKind.LATE
    templates: list[MessageTemplate] = []
    for tag in dict.fromkeys((language, primary_language(language))):  # fr-CA, then fr
        # One stored before templates were checked and that does not parse is left out, not sent half-made.
        templates = [t for t in message_template_list(kind=kind, language=tag) if _parses(t.body, late=late)]
        if templates:
            break
    if not templates:
        builtin = DEFAULT_TEMPLATES.get(primary_language(language), DEFAULT_TEMPLATES["en"])
        body = rng.choice(builtin[kind])
        return Composed(text=render(parse(body), values, rng), template=None, language=language)
    template, reused = _pick(templates, contact=contact, birthday=birthday, rng=rng)
    return Composed(text=render(parse(template.body, late=late), values, rng), template=template, reused=reused,
                    language=language)


def _parses(body: str, *, late: bool) -> bool:
    try:
        parse(body, late=late)
    except TemplateSyntaxError:
        return False
    return True
