"""JSON body parsing with the limits the contract sets (1 MB, strict JSON, any nesting depth
answered with a 400 rather than a crash)."""
import json

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils.json import strict_constant

from scheduler_app.api.exceptions import RequestTooLarge


def max_body_bytes() -> int:
    return settings.SCHEDULER_API_MAX_BODY_BYTES


class LimitedJSONParser(JSONParser):
    """DRF's parser reads the request stream directly, past Django's DATA_UPLOAD_MAX_MEMORY_SIZE
    check, so the size limit is enforced here: from Content-Length when given, and by never
    reading more than the limit plus one byte."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        limit = max_body_bytes()
        request = parser_context.get("request")
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        except ValueError:
            declared = 0
        if declared > limit:
            raise RequestTooLarge(f"Request body is larger than {limit} bytes.")
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise RequestTooLarge(f"Request body is larger than {limit} bytes.")
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            return json.loads(raw.decode(encoding), parse_constant=strict_constant)
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
            raise ParseError(f"JSON parse error - {exc}") from None
