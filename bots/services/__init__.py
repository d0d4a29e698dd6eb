"""Writes of the bots app: contacts, claims on messages and visits (quotas), blacklist, templates."""
from typing import Any, TypeVar

from django.db import models

ModelT = TypeVar("ModelT", bound=models.Model)


class InvalidInput(ValueError):
    """Input a write refuses; ``field`` names the field at fault (None: the input as a whole),
    ``position`` the 0-based character in it when one is to blame (a template body's syntax)."""

    def __init__(self, message: str, *, field: str | None = None, position: int | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.position = position


def model_update(instance: ModelT, fields: dict[str, Any]) -> ModelT:
    """Set cleaned ``fields`` on ``instance`` and save just those columns (the update services)."""
    for field, value in fields.items():
        setattr(instance, field, value)
    instance.save(update_fields=list(fields))
    return instance
