"""OpenAPI pieces drf-spectacular cannot infer: the config shapes per type, taken from the
pydantic models that validate them (so the docs cannot drift from the rules), and the
``X-API-Key`` security scheme."""
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from pydantic import BaseModel
from rest_framework.permissions import SAFE_METHODS

from scheduler_app.spec import BOT_CONFIGS, SCHEDULE_CONFIGS


def _openapi30(node: Any) -> Any:
    """pydantic emits JSON Schema 2020-12; OpenAPI 3.0 spells ``X | None`` as nullable."""
    if isinstance(node, dict):
        node = {key: _openapi30(value) for key, value in node.items()}
        variants = node.get("anyOf")
        if isinstance(variants, list) and {"type": "null"} in variants:
            others = [v for v in variants if v != {"type": "null"}]
            if len(others) == 1:
                rest = {k: v for k, v in node.items() if k != "anyOf"}
                node = {**others[0], **rest, "nullable": True}
        return node
    if isinstance(node, list):
        return [_openapi30(item) for item in node]
    return node


def model_schema(model: type[BaseModel], title: str) -> dict[str, Any]:
    schema = _openapi30(model.model_json_schema())
    schema["title"] = title
    if model.__doc__:
        schema["description"] = " ".join(model.__doc__.split())
    return schema


def configs_any_of(registry: dict[str, type[BaseModel]], type_field: str, kind: str) -> dict[str, Any]:
    """A config field's schema: one variant per type, read off the models that validate it (the job's
    configs here, a notification channel's in scheduler_app/notify/api.py)."""
    return {
        "anyOf": [model_schema(model, f"{kind} for {type_field}={name}") for name, model in registry.items()],
        "description": (
            f"Shape chosen by `{type_field}` ({', '.join(registry)}). Unknown keys are rejected; "
            "omitted keys take the defaults shown, and the stored config is returned with them filled in."
        ),
    }


SCHEDULE_CONFIG_SCHEMA = configs_any_of(SCHEDULE_CONFIGS, "schedule_type", "schedule_config")
BOT_CONFIG_SCHEMA = configs_any_of(BOT_CONFIGS, "bot_type", "bot_config")


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "scheduler_app.api.auth.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "X-API-Key"}


WRITE_KEY_EXTENSION = "x-requires-write-key"


class SchedulerAutoSchema(AutoSchema):
    """Names components after the API class that nests them (``JobCreateApi.InputSerializer``
    -> ``JobCreateInput``): with one Input/OutputSerializer per API class, the plain class names
    would all collide.

    Every operation a read-only key may not call (any write of a view guarded by
    ``WritesNeedWriteKey``) says so: a sentence at the end of its description and
    ``x-requires-write-key: true``."""

    def needs_write_key(self) -> bool:
        from scheduler_app.api.auth import WritesNeedWriteKey

        return self.method not in SAFE_METHODS and any(
            isinstance(permission, WritesNeedWriteKey) for permission in self.view.get_permissions()
        )

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is not None and self.needs_write_key():
            from scheduler_app.api.auth import WRITE_KEY_NOTE

            description = operation.get("description", "").rstrip()
            operation["description"] = f"{description}\n\n{WRITE_KEY_NOTE}" if description else WRITE_KEY_NOTE
            operation[WRITE_KEY_EXTENSION] = True
        return operation

    def get_serializer_name(self, serializer, direction):
        parts = type(serializer).__qualname__.split(".")
        return "".join(part.removesuffix("Api").removesuffix("Serializer") for part in parts)


def drop_slash_aliases(endpoints):
    """Each route also answers with a trailing slash; document it once, as the original API spells it."""
    return [endpoint for endpoint in endpoints if not endpoint[0].endswith("/")]
