"""Validation of a whole job before any write: one function, used by every writer.

Errors come back keyed by field path (``schedule_config.hour``) so the API, the admin and the
dashboard can each put every message next to its field.
"""
import uuid
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from pydantic import BaseModel, ValidationError

from bots.accounts import account_default_ensure, account_find
from scheduler_app.spec import BOT_CONFIGS, SCHEDULE_CONFIGS, WRITABLE_FIELDS, JobFields, JobSpec, job_field_value


class JobValidationError(Exception):
    """Bad job input. ``errors`` maps each bad field's path to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


# No job field takes a number this large, and past it SQLite / PostgreSQL integer columns fail.
MAX_INT = 2**31 - 1


def unstorable_values(data: Any) -> dict[str, list[str]]:
    """Paths of values no database column can take: NUL characters and unpaired surrogates
    (PostgreSQL and UTF-8 refuse them) and integers beyond 32 bits. Iterative, so any nesting
    depth the JSON parser accepted is walked without recursion."""
    errors: dict[str, list[str]] = {}
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                if _bad_string(key):
                    errors.setdefault(path or "non_field_errors", []).append(
                        _("keys must not contain NUL characters or unpaired surrogates")
                    )
                stack.append((child, item))
        elif isinstance(value, list):
            stack.extend((f"{path}.{index}", item) for index, item in enumerate(value))
        elif isinstance(value, str) and _bad_string(value):
            errors.setdefault(path, []).append(_("must not contain NUL characters or unpaired surrogates"))
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
            errors.setdefault(path, []).append(_("must be at most %(max)s in absolute value") % {"max": MAX_INT})
    return errors


def _bad_string(value: str) -> bool:
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


# pydantic's messages, by error type, in the reader's language; the placeholders are the error's
# ``ctx`` keys. A type not listed keeps pydantic's English text.
PYDANTIC_MESSAGES = {
    "missing": gettext_noop("Field required"),
    "extra_forbidden": gettext_noop("Extra inputs are not permitted"),
    "int_parsing": gettext_noop("Input should be a valid integer, unable to parse string as an integer"),
    "int_type": gettext_noop("Input should be a valid integer"),
    "int_from_float": gettext_noop("Input should be a valid integer, got a number with a fractional part"),
    "bool_parsing": gettext_noop("Input should be a valid boolean, unable to interpret input"),
    "bool_type": gettext_noop("Input should be a valid boolean"),
    "string_type": gettext_noop("Input should be a valid string"),
    "dict_type": gettext_noop("Input should be a valid dictionary"),
    "list_type": gettext_noop("Input should be a valid list"),
    "greater_than_equal": gettext_noop("Input should be greater than or equal to %(ge)s"),
    "less_than_equal": gettext_noop("Input should be less than or equal to %(le)s"),
    "greater_than": gettext_noop("Input should be greater than %(gt)s"),
    "less_than": gettext_noop("Input should be less than %(lt)s"),
    "literal_error": gettext_noop("Input should be %(expected)s"),
    "enum": gettext_noop("Input should be %(expected)s"),
}


def pydantic_message(err: dict) -> str:
    """One pydantic error as a person reads it, in the active language."""
    kind, ctx = err.get("type"), err.get("ctx") or {}
    if kind == "string_too_long":
        count = ctx.get("max_length", 0)
        return ngettext("String should have at most %(count)s character",
                        "String should have at most %(count)s characters", count) % {"count": count}
    if kind == "string_too_short":
        count = ctx.get("min_length", 0)
        return ngettext("String should have at least %(count)s character",
                        "String should have at least %(count)s characters", count) % {"count": count}
    if kind in PYDANTIC_MESSAGES:
        try:
            return _(PYDANTIC_MESSAGES[kind]) % {key: str(value) for key, value in ctx.items()}
        except (KeyError, TypeError):  # a context this table did not expect: pydantic's own words
            pass
    return err["msg"].removeprefix("Value error, ")


def _collect(exc: ValidationError, prefix: str = "") -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for err in exc.errors():
        path = ".".join(str(part) for part in err["loc"])
        key = f"{prefix}.{path}" if prefix and path else (prefix or path or "non_field_errors")
        errors.setdefault(key, []).append(pydantic_message(err))
    return errors


def _config(key: str, registry: dict[str, type[BaseModel]], type_name: Any, config: Any,
            errors: dict[str, list[str]]) -> BaseModel | None:
    """``config`` as the model its type names, or None with the errors added (under ``key.``)."""
    model = registry.get(type_name) if isinstance(type_name, str) else None
    if model is None or not isinstance(config, dict):
        return None
    try:
        return model.model_validate(config)
    except ValidationError as exc:
        for path, messages in _collect(exc, prefix=key).items():
            errors.setdefault(path, []).extend(messages)
        return None


def validate_job_data(data: dict[str, Any], *, resolve_account: bool = True) -> JobSpec:
    """Full job fields in, a ``JobSpec`` out (configs typed, defaults filled in).

    Raises JobValidationError listing every bad field, nested ones by path. ``resolve_account``
    False leaves ``account`` as given, unchecked (the schedule preview: no database read, and no
    account error about a job it only pretends to be).
    """
    errors = unstorable_values(data)
    account = data.get("account")
    if account is not None and not isinstance(account, str) and hasattr(account, "pk"):
        data = {**data, "account": str(account.pk)}  # a form's model choice
    try:
        fields = JobFields.model_validate(data)
    except ValidationError as exc:
        for path, messages in _collect(exc).items():
            errors.setdefault(path, []).extend(messages)
        # Still check the configs when their type is known, so one answer names every bad field.
        fields = None
    values = fields.model_dump() if fields else data
    schedule = _config("schedule_config", SCHEDULE_CONFIGS, values.get("schedule_type"),
                       values.get("schedule_config", {}), errors)
    bot = _config("bot_config", BOT_CONFIGS, values.get("bot_type"), values.get("bot_config", {}), errors)
    if fields is not None and resolve_account:
        values["account"] = _account_id(values.get("account"), errors)
        values["run_after"] = _upstream_ids(values.get("run_after") or [], errors)
    if errors or fields is None or schedule is None or bot is None:
        raise JobValidationError(errors or {"non_field_errors": [_("invalid job")]})
    return JobSpec(
        **{name: value for name, value in values.items() if name not in ("schedule_config", "bot_config")},
        schedule=schedule,
        bot=bot,
    )


def _upstream_ids(refs: list[str], errors: dict[str, list[str]]) -> list[str]:
    """The ids of the jobs ``run_after`` names (each an id or a unique name), sorted; an unknown or
    ambiguous one is an error on ``run_after``. Same account and no cycles are checked where the
    links are written (scheduler_app/services/chains.py), which knows the job itself."""
    from scheduler_app.models import ScheduledJob

    ids = set()
    for ref in refs:
        try:
            matches = list(ScheduledJob.objects.filter(pk=uuid.UUID(ref)).values_list("pk", flat=True))
        except ValueError:
            matches = list(ScheduledJob.objects.filter(name=ref).values_list("pk", flat=True)[:2])
        if len(matches) == 1:
            ids.add(str(matches[0]))
        else:
            errors.setdefault("run_after", []).append(
                _("several jobs are named %(ref)r: name it by its id") % {"ref": ref} if matches
                else _("no job has the id or name %(ref)r") % {"ref": ref})
    return sorted(ids)


def _account_id(ref: str | None, errors: dict[str, list[str]]) -> str | None:
    """The id of the account ``ref`` names (its id or label), the default account when None;
    an unknown one is an error on ``account``."""
    account = account_default_ensure() if ref is None else account_find(ref)
    if account is None:
        errors.setdefault("account", []).append(
            _("several accounts exist and none is 'default': name one") if ref is None
            else _("no LinkedIn account has the id or label %(ref)r") % {"ref": ref})
        return None
    return str(account.pk)


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: ``patch``'s keys replace ``target``'s, ``null`` removes one (it
    goes back to its default), nested objects merge; a patch that is not an object replaces."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged


def merge_update(current: dict[str, Any], changes: dict[str, Any], *, merge_bot_config: bool = False) -> dict[str, Any]:
    """The job as it would be after a partial update; enforces what may not change.

    A new schedule_type without a new schedule_config starts from that type's defaults, since
    the old config belongs to the old type. With ``merge_bot_config`` (PATCH) the given
    bot_config is a merge patch of the stored one, so changing one key never resets the others
    (``dry_run`` above all); without it (PUT) a given bot_config replaces the stored one.
    """
    unknown = sorted(set(changes) - set(WRITABLE_FIELDS))
    if unknown:
        raise JobValidationError({name: [_("is not a writable job field")] for name in unknown})
    if "bot_type" in changes and changes["bot_type"] != current["bot_type"]:
        raise JobValidationError({"bot_type": [_("cannot be changed after the job is created")]})
    merged = {**current, **changes}
    if merge_bot_config and isinstance(changes.get("bot_config"), dict):
        merged["bot_config"] = merge_patch(current["bot_config"], changes["bot_config"])
    if changes.get("schedule_type", current["schedule_type"]) != current["schedule_type"] and (
        "schedule_config" not in changes
    ):
        merged["schedule_config"] = {}
    return merged


def job_validate(*, data: dict[str, Any], job=None, merge_bot_config: bool = False,
                 resolve_account: bool = True) -> JobSpec:
    """``data`` checked as a new job, or as a partial change of ``job`` (``merge_bot_config``:
    PATCH's merge of bot_config): the job as it would be stored. The one entry point for services,
    admin and API alike."""
    if job is None:
        return validate_job_data(data, resolve_account=resolve_account)
    current = {name: job_field_value(job, name) for name in WRITABLE_FIELDS}
    return validate_job_data(merge_update(current, data, merge_bot_config=merge_bot_config),
                             resolve_account=resolve_account)
