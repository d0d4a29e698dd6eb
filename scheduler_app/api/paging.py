"""Paging parameters and the ``Link`` header of paged answers (``GET /jobs``, ``GET /stats``).

The body stays what it was (the job list is a plain JSON array, as the upstream dashboard reads it);
the next and previous pages are in the ``Link`` header (RFC 8288), ``rel="next"`` and
``rel="prev"``, with the query's other parameters kept.
"""
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from scheduler_app.paging import JOB_PAGE_DEFAULT, JOB_PAGE_MAX, Cursor, Page


class CursorField(serializers.Field):
    """The opaque ``cursor`` of a ``Link`` header, decoded into a ``scheduler_app.paging.Cursor``."""

    default_error_messages = {"invalid": "Invalid cursor: use the one a Link header gave."}

    def validate_empty_values(self, data):
        # ``?cursor=`` (empty) is the first page, as on the dashboard: a client may fill it in blank.
        if isinstance(data, str) and not data.strip():
            return True, None
        return super().validate_empty_values(data)

    def to_internal_value(self, data):
        try:
            return Cursor.decode(str(data))
        except ValueError:
            self.fail("invalid")

    def to_representation(self, value):
        return value.encode()


class PageSerializer(serializers.Serializer):
    limit = serializers.IntegerField(
        min_value=1, max_value=JOB_PAGE_MAX, required=False, default=JOB_PAGE_DEFAULT,
        help_text=f"jobs per page, 1..{JOB_PAGE_MAX} (default {JOB_PAGE_DEFAULT})",
    )
    cursor = CursorField(required=False, help_text="from a Link header; absent for the first page")


PAGE_PARAMETERS = [
    OpenApiParameter("limit", int, description=f"jobs per page, 1..{JOB_PAGE_MAX}, default {JOB_PAGE_DEFAULT}"),
    OpenApiParameter("cursor", OpenApiTypes.STR, description="opaque; from the Link header of the previous answer"),
    OpenApiParameter(
        "Link", OpenApiTypes.STR, location=OpenApiParameter.HEADER, response=[200],
        description='`<url>; rel="next"` while more jobs follow, `<url>; rel="prev"` after the first page',
    ),
]


def page_link_header(request, page: Page) -> dict[str, str]:
    """``{"Link": ...}`` for ``page``, or nothing for a single page."""
    links = []
    for rel, cursor in (("next", page.next), ("prev", page.prev)):
        if cursor is None:
            continue
        query = request.query_params.copy()
        query["cursor"] = cursor.encode()
        links.append(f'<{request.build_absolute_uri(request.path)}?{query.urlencode()}>; rel="{rel}"')
    return {"Link": ", ".join(links)} if links else {}
