"""The account form and the session upload of the Accounts page: HTML values to service input and
back.

As with the job and channel forms, nothing is judged here: posted text is only coerced, and the
bots' ``AccountValidationError`` (its paths are the input names) puts each message next to its
field. The session is write-only: the form never holds it; an uploaded file (or pasted text) goes
straight to the service as bytes, and is not shown back after an error.
"""
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext_lazy

from bots.accounts import SESSION_MAX_BYTES, LinkedInAccount
from scheduler_app.dashboard.forms import _coerce

ACCOUNT_FIELDS = ("label", "timezone", "working_hours", "messages_per_day", "messages_per_week", "visits_per_day",
                  "cooldown_hours")
CAP_FIELDS = ("messages_per_day", "messages_per_week", "visits_per_day")
NO_FILE = gettext_lazy("choose the storage-state JSON file (saved by `manage.py linkedin_login --output FILE` on a "
                       "machine with a screen), or paste its content")


def _other_errors(errors: dict[str, list[str]], known: set[str]) -> dict[str, list[str]]:
    return {path: messages for path, messages in errors.items() if path not in known}


@dataclass
class AccountForm:
    account: LinkedInAccount | None
    values: dict[str, Any]
    errors: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def for_account(cls, account: LinkedInAccount | None = None) -> "AccountForm":
        if account is None:
            return cls(account=None, values={"label": "", "timezone": "", "working_hours": "",
                                             "messages_per_day": "", "messages_per_week": "", "visits_per_day": "",
                                             "cooldown_hours": 24})
        values = {name: getattr(account, name) for name in ACCOUNT_FIELDS}
        for name in CAP_FIELDS:
            values[name] = "" if values[name] is None else values[name]
        return cls(account=account, values=values)

    @classmethod
    def from_post(cls, post: QueryDict, account: LinkedInAccount | None = None) -> "AccountForm":
        values = dict(cls.for_account(account).values)
        for name in ACCOUNT_FIELDS:
            if name in post:
                values[name] = post.get(name, "").strip()
        return cls(account=account, values=values)

    def to_data(self) -> dict[str, Any]:
        """Service input: the API's account body. An empty cap means "the BOT_* setting" (null)."""
        data: dict[str, Any] = {name: self.values[name] for name in ("label", "timezone", "working_hours")}
        for name in CAP_FIELDS:
            raw = str(self.values[name])
            data[name] = _coerce("number", raw) if raw.strip() else None
        raw = str(self.values["cooldown_hours"])
        if raw.strip():
            data["cooldown_hours"] = _coerce("number", raw)
        return data

    @property
    def other_errors(self) -> dict[str, list[str]]:
        return _other_errors(self.errors, {*ACCOUNT_FIELDS, "storage_state"})


def storage_state_upload(files, post: QueryDict) -> bytes | None:
    """The storage state a form sent: the uploaded file's bytes (read up to one byte over the
    limit, so a huge file is refused without being read whole), else the pasted text; None when
    neither was given."""
    upload = files.get("storage_state")
    if upload is not None:
        return upload.read(SESSION_MAX_BYTES + 1)
    pasted = post.get("storage_state_text", "")
    return pasted.encode() if pasted.strip() else None
