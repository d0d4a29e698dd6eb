"""Keyset paging of jobs in their list order (newest first: created_at, then id, descending).

A page is asked for by an opaque cursor naming the row it continues from and the direction, so a
page costs the same however deep it is (an offset would read and skip every row before it), and a
job created or deleted meanwhile does not shift the pages after it. Used by the job list
(``GET /jobs``), the per-job part of ``/stats`` and the dashboard's jobs and stats pages.
"""
import base64
import binascii
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db.models import Q, QuerySet

JOB_PAGE_DEFAULT = 100
JOB_PAGE_MAX = 500


@dataclass(frozen=True)
class Cursor:
    created_at: datetime
    id: uuid.UUID
    backwards: bool = False  # the page before this row (newer jobs) rather than after it

    def encode(self) -> str:
        text = f"{'p' if self.backwards else 'n'}|{self.created_at.isoformat()}|{self.id.hex}"
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> "Cursor":
        """Raises ValueError for anything ``encode`` did not make."""
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            direction, moment, row_id = raw.split("|")
            created_at = datetime.fromisoformat(moment)
            if direction not in ("n", "p") or created_at.tzinfo is None or not 1970 <= created_at.year <= 9000:
                raise ValueError(text)
            # In UTC here, so a cursor with an extreme offset fails now, not in the query.
            created_at = created_at.astimezone(UTC)
            return cls(created_at=created_at, id=uuid.UUID(hex=row_id), backwards=direction == "p")
        except (binascii.Error, UnicodeDecodeError, ValueError, TypeError, OverflowError) as exc:
            raise ValueError(f"not a cursor: {text!r}") from exc


@dataclass
class Page:
    items: list
    next: Cursor | None  # the page after (older jobs), None on the last page
    prev: Cursor | None  # the page before (newer jobs), None on the first page


def _key_of(item) -> tuple[datetime, Any]:
    if isinstance(item, dict):
        return item["created_at"], item["id"]
    return item.created_at, item.pk


def keyset_page(queryset: QuerySet, *, cursor: Cursor | None, limit: int,
                fetch: Callable[[QuerySet], list] = list) -> Page:
    """One page of ``queryset`` (jobs, any filters) after or before ``cursor``. ``fetch`` turns
    the final query into items (model instances, or dicts with ``created_at`` and ``id``)."""
    if cursor is None:
        window = queryset.order_by("-created_at", "-id")
    elif not cursor.backwards:
        window = queryset.filter(created_at__lte=cursor.created_at).filter(
            Q(created_at__lt=cursor.created_at) | Q(created_at=cursor.created_at, id__lt=cursor.id)
        ).order_by("-created_at", "-id")
    else:
        window = queryset.filter(created_at__gte=cursor.created_at).filter(
            Q(created_at__gt=cursor.created_at) | Q(created_at=cursor.created_at, id__gt=cursor.id)
        ).order_by("created_at", "id")
    items = fetch(window[: limit + 1])
    more = len(items) > limit
    items = items[:limit]

    def at(item, backwards: bool) -> Cursor:
        created_at, row_id = _key_of(item)
        return Cursor(created_at=created_at, id=uuid.UUID(str(row_id)), backwards=backwards)

    if cursor is not None and cursor.backwards:
        items.reverse()
        next_cursor = at(items[-1], False) if items else Cursor(cursor.created_at, cursor.id)
        prev_cursor = at(items[0], True) if more else None
    else:
        next_cursor = at(items[-1], False) if more else None
        if cursor is None:
            prev_cursor = None
        else:
            prev_cursor = at(items[0], True) if items else Cursor(cursor.created_at, cursor.id, backwards=True)
    return Page(items=items, next=next_cursor, prev=prev_cursor)
