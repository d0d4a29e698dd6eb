"""The one place API errors get their JSON shape.

Every 400 is ``{"detail": ..., "errors": {path: [messages]}}`` with nested fields named by
dotted path (``schedule_config.hour``), whether the error came from the services'
JobValidationError or from a query-string serializer; ``detail`` is a one-line summary naming
the fields (a client that shows only ``detail`` still tells its user what to fix). Every other
error is ``{"detail": ...}``.
Nothing reaches Django's HTML error pages.
"""
import logging
from collections.abc import Mapping

from django.core.exceptions import ObjectDoesNotExist
from django.db import DataError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from bots.accounts import AccountInUse, AccountValidationError
from scheduler_app.services.chains import JobHasDependents
from scheduler_app.validation import JobValidationError

logger = logging.getLogger(__name__)

SUMMARY_LENGTH = 300


def error_summary(errors: dict[str, list[str]]) -> str:
    """``{path: [messages]}`` as one line: "Invalid input: schedule_config.hour: Input should be
    less than or equal to 23; name: ...", cut to about SUMMARY_LENGTH characters."""
    parts: list[str] = []
    for index, (path, messages) in enumerate(errors.items()):
        # A path can be a key the client chose (an unknown field): one line, and not too long.
        name = " ".join(str(path).split())
        name = name if len(name) <= 60 else name[:59] + "…"
        part = f"{name}: {' '.join(' '.join(str(m).split()) for m in messages)}"
        line = "; ".join([*parts, part])
        if parts and len(line) > SUMMARY_LENGTH:
            rest = len(errors) - index
            parts.append(ngettext("and %(count)s more field", "and %(count)s more fields", rest) % {"count": rest})
            break
        parts.append(part if len(part) <= SUMMARY_LENGTH else part[:SUMMARY_LENGTH - 1] + "…")
    if not parts:
        return _("Invalid input.")
    return _("Invalid input: %(fields)s") % {"fields": "; ".join(parts)}


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("Request body too large.")
    default_code = "request_too_large"


class RunNotQueued(exceptions.APIException):
    """The run was recorded but the broker refused the message (the execution is failed)."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = gettext_lazy("The run could not be queued: the message broker is unavailable.")
    default_code = "run_not_queued"


class JobPausedConflict(exceptions.APIException):
    """A run-now of a paused job without ``?force=true``: the detail names the pause."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("The job is paused.")
    default_code = "job_paused"


def flatten_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail -> {dotted.path: [messages]}."""
    if isinstance(detail, Mapping):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            for sub_path, messages in flatten_errors(value, path).items():
                flat.setdefault(sub_path, []).extend(messages)
        return flat
    if isinstance(detail, list) and any(isinstance(item, Mapping | list) for item in detail):
        flat = {}
        for index, item in enumerate(detail):
            for sub_path, messages in flatten_errors(item, f"{prefix}.{index}" if prefix else str(index)).items():
                flat.setdefault(sub_path, []).extend(messages)
        return flat
    messages = detail if isinstance(detail, list) else [detail]
    return {prefix or "non_field_errors": [str(message) for message in messages]}


class InUseConflict(exceptions.APIException):
    """A delete refused because other rows still need the thing (an account's jobs)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("It is still in use.")
    default_code = "in_use"


def exception_handler(exc, context):
    if isinstance(exc, JobValidationError | AccountValidationError):
        return Response({"detail": error_summary(exc.errors), "errors": exc.errors},
                        status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, AccountInUse):
        exc = InUseConflict(str(exc))
    if isinstance(exc, JobHasDependents):
        return Response({"detail": str(exc), "code": "has_dependents",
                         "dependents": [{"id": str(job.pk), "name": job.name} for job in exc.dependents]},
                        status=status.HTTP_409_CONFLICT)
    if isinstance(exc, ObjectDoesNotExist):
        exc = Http404()
    if isinstance(exc, OverflowError | DataError):
        # Safety net: a value validation let through that the schedule maths or the database
        # cannot hold. The write's transaction rolled back, so nothing was stored.
        logger.warning("value out of range in %s: %s", context.get("view"), exc)
        return Response({"detail": _("A value is out of the range this server can store or schedule.")}, status=400)
    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("unhandled error in %s", context.get("view"), exc_info=exc)
        return Response({"detail": _("Internal server error.")}, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        response.data = {"detail": error_summary(errors), "errors": errors}
    return response
