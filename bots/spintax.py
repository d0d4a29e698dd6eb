"""Message template syntax: the one parser behind validation, rendering and variation counting.

- ``{first_name}``, ``{last_name}``, ``{name}`` (= first name), ``{days_late}`` (late templates only);
- spintax ``{Bonjour|Salut|Coucou}``: a brace group containing ``|`` at its own level is a choice
  (one option drawn, uniformly), one without is a variable; choices nest up to 3 levels deep
  (``{Bonjour|Salut {first_name}|{Coucou|Hello}}``); an option may be empty (``{!|}``);
- ``{{`` and ``}}`` are a literal ``{`` and ``}`` in the text outside any group, so a group
  cannot open with a nested one there: write ``{Coucou|{Salut|Hi} toi}``, not
  ``{{Salut|Hi} toi|Coucou}``. Inside a group every ``{`` opens a group and every ``}`` closes one
  (``{Bonjour|Salut {first_name}}`` ends with the variable and the group).

Errors name the character index (0-based) where the problem is.
"""
import itertools
import random
import re
from dataclasses import dataclass

VARIABLES = frozenset({"first_name", "last_name", "name", "days_late"})
LATE_ONLY = frozenset({"days_late"})
MAX_DEPTH = 3


class TemplateSyntaxError(ValueError):
    """A body that cannot be a template; ``position`` is the 0-based character index at fault."""

    def __init__(self, message: str, *, position: int) -> None:
        super().__init__(f"{message} at position {position}")
        self.position = position


@dataclass(frozen=True)
class Var:
    name: str
    position: int


@dataclass(frozen=True)
class Choice:
    options: tuple[tuple["Node", ...], ...]
    position: int


Node = str | Var | Choice
Template = tuple[Node, ...]


def parse(body: str, *, late: bool = True) -> Template:
    """The template's tree; TemplateSyntaxError naming the position for anything wrong.

    ``late=False`` (a ``today`` template) refuses ``{days_late}``.
    """
    nodes: list[Node] = []
    text: list[str] = []
    i, n = 0, len(body)
    while i < n:
        c = body[i]
        if c == "{" and body.startswith("{{", i):
            text.append("{")
            i += 2
        elif c == "}" and body.startswith("}}", i):
            text.append("}")
            i += 2
        elif c == "{":
            if text:
                nodes.append("".join(text))
                text = []
            node, i = _group(body, i, depth=1, late=late)
            nodes.append(node)
        elif c == "}":
            raise TemplateSyntaxError("unmatched '}' (write '}}' for a literal brace)", position=i)
        else:
            text.append(c)
            i += 1
    if text:
        nodes.append("".join(text))
    return tuple(nodes)


def _group(body: str, start: int, *, depth: int, late: bool) -> tuple[Node, int]:
    """The group opening at ``body[start] == "{"``, and the index after its closing brace."""
    options: list[list[Node]] = [[]]
    text: list[str] = []
    i, n = start + 1, len(body)

    def flush() -> None:
        if text:
            options[-1].append("".join(text))
            text.clear()

    while i < n:
        c = body[i]
        if c == "{":
            flush()
            node, i = _group(body, i, depth=depth + 1, late=late)
            options[-1].append(node)
        elif c == "}":
            flush()
            i += 1
            break
        elif c == "|":
            flush()
            options.append([])
            i += 1
        else:
            text.append(c)
            i += 1
    else:
        raise TemplateSyntaxError("unclosed '{' (write '{{' for a literal brace)", position=start)
    if len(options) == 1:
        return _variable(options[0], start, late=late), i
    if depth > MAX_DEPTH:
        raise TemplateSyntaxError(f"spintax nested deeper than {MAX_DEPTH} levels", position=start)
    return Choice(tuple(tuple(o) for o in options), start), i


def _variable(parts: list[Node], start: int, *, late: bool) -> Var:
    if not parts:
        raise TemplateSyntaxError("empty braces '{}'", position=start)
    if len(parts) != 1 or not isinstance(parts[0], str):
        raise TemplateSyntaxError("a variable is a name like {first_name}", position=start)
    name = parts[0]
    if name not in VARIABLES:
        known = ", ".join(f"{{{v}}}" for v in sorted(VARIABLES))
        raise TemplateSyntaxError(f"unknown variable {{{name}}} (known: {known})", position=start)
    if name in LATE_ONLY and not late:
        raise TemplateSyntaxError(f"{{{name}}} is only for late templates", position=start)
    return Var(name, start)


def tidy(text: str) -> str:
    """What is sent: an empty option leaves no double space, no space at either end."""
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def render(template: Template, values: dict[str, str], rng: random.Random) -> str:
    """One text: each choice drawn with ``rng`` (left to right), each variable from ``values``."""
    out: list[str] = []
    _render(template, values, rng, out)
    return tidy("".join(out))


def _render(nodes, values, rng, out) -> None:
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, Var):
            out.append(str(values.get(node.name, "")))
        else:
            _render(node.options[rng.randrange(len(node.options))], values, rng, out)


def variations(template: Template) -> int:
    """How many ways the choices can fall (distinct choices; two may read the same)."""
    total = 1
    for node in template:
        if isinstance(node, Choice):
            total *= sum(variations(option) for option in node.options)
    return total


def render_all(template: Template, values: dict[str, str]):
    """Every render, choice by choice (a generator: there may be many)."""
    def seq(nodes):
        parts = [node_renders(node) for node in nodes]
        for combo in itertools.product(*parts):
            yield "".join(combo)

    def node_renders(node):
        if isinstance(node, str):
            return [node]
        if isinstance(node, Var):
            return [str(values.get(node.name, ""))]
        return itertools.chain.from_iterable(seq(option) for option in node.options)

    return seq(template)


def distinct_renders(template: Template, values: dict[str, str], *, count: int, seed: int | str = 0) -> list[str]:
    """Up to ``count`` different texts: all of them when there are few, else a seeded sample."""
    found: dict[str, None] = {}
    if variations(template) <= 1_000:
        every = list(dict.fromkeys(tidy(t) for t in render_all(template, values)))
        random.Random(seed).shuffle(every)
        return every[:count]
    rng = random.Random(seed)
    for _ in range(count * 50):
        found.setdefault(render(template, values, rng), None)
        if len(found) >= count:
            break
    return list(found)
