"""Writes of the bots app: contacts, claims on messages and visits (quotas), blacklist, templates."""


class InvalidInput(ValueError):
    """Input a write refuses; ``field`` names the field at fault (None: the input as a whole)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
