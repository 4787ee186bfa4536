"""Relay cursor connections: the paging arguments every list takes, and one builder.

A connection type declares `edges` and `pageInfo`; its resolver asks the domain for a
`Page` (domain/pagination.py) and hands it to `connection()` with how to make one edge.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import strawberry

from api.core.types import OmniInfo, PageInfo
from domain.pagination import Page, PageRequest

T = TypeVar("T")
C = TypeVar("C")

First = Annotated[
    int | None,
    strawberry.argument(description="Page size walking forwards (default 20, at most 100)."),
]
After = Annotated[
    str | None, strawberry.argument(description="Start after this cursor (an `endCursor`).")
]
Last = Annotated[
    int | None,
    strawberry.argument(description="Page size walking backwards (at most 100)."),
]
Before = Annotated[
    str | None, strawberry.argument(description="End before this cursor (a `startCursor`).")
]


def page_request(
    info: OmniInfo, first: int | None, after: str | None, last: int | None, before: str | None
) -> PageRequest:
    """The paging arguments, checked against the deployment's maximum page size."""
    request = PageRequest(first=first, after=after, last=last, before=before)
    request.validate(info.context.settings.max_page_size)
    return request


def page_info(page: Page[Any]) -> PageInfo:
    cursors = page.cursors
    return PageInfo(
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
        start_cursor=cursors[0] if cursors else None,
        end_cursor=cursors[-1] if cursors else None,
    )


def connection(
    connection_type: Callable[..., C],
    page: Page[T],
    edge: Callable[[str, T], Any],
    **extra: Any,
) -> C:
    """`connection_type(edges=..., page_info=..., **extra)` for one page."""
    return connection_type(
        edges=[edge(cursor, item) for item, cursor in zip(page.items, page.cursors, strict=True)],
        page_info=page_info(page),
        **extra,
    )
