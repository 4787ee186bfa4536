"""Keyset (cursor) pagination shared by every connection.

A cursor is an opaque base64url JSON document naming the sort it was made for and the
sort-key values of one row. Pages are cut with row comparisons on (sort keys..., id), so
they have neither duplicates nor gaps when rows are added between requests.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Row, Select, literal, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import ErrorCode, InvalidInput

T = TypeVar("T")
U = TypeVar("U")


class PageErrorCode(ErrorCode):
    """Codes of `errors[].extensions.code` for bad paging arguments."""

    INVALID_CURSOR = "INVALID_CURSOR", "The cursor is not valid for this list."
    PAGE_SIZE = "PAGE_SIZE", "The page size is out of range."


MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
# Omni's own cursors are a few dozen characters; anything this long was not made here.
MAX_CURSOR_LENGTH = 2000


@dataclass(frozen=True, slots=True)
class PageRequest:
    """`first/after` walks forwards; `last/before` walks backwards."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    def validate(self, max_page_size: int = MAX_PAGE_SIZE) -> None:
        for name, value in (("first", self.first), ("last", self.last)):
            if value is None:
                continue
            if value < 0:
                raise InvalidInput(f"`{name}` must not be negative.", name, PageErrorCode.PAGE_SIZE)
            if value > max_page_size:
                raise InvalidInput(
                    f"`{name}` is {value}; the maximum page size is {max_page_size}.",
                    name,
                    PageErrorCode.PAGE_SIZE,
                )
        if self.first is not None and self.last is not None:
            raise InvalidInput("Pass `first` or `last`, not both.", "last")
        if self.last is not None and self.after is not None:
            raise InvalidInput("`last` goes with `before`, not `after`.", "after")
        if self.first is not None and self.before is not None:
            raise InvalidInput("`first` goes with `after`, not `before`.", "before")

    @property
    def backwards(self) -> bool:
        return self.last is not None or (self.before is not None and self.first is None)

    @property
    def size(self) -> int:
        if self.backwards:
            return self.last if self.last is not None else DEFAULT_PAGE_SIZE
        return self.first if self.first is not None else DEFAULT_PAGE_SIZE

    @property
    def cursor(self) -> str | None:
        return self.before if self.backwards else self.after


@dataclass(frozen=True, slots=True)
class Cursor:
    sort: str
    values: tuple[Any, ...]

    def encode(self) -> str:
        raw = json.dumps({"s": self.sort, "v": list(self.values)}, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str, *, sort: str, kinds: Sequence[type], field: str) -> Cursor:
        """Decode a cursor whose values must be of `kinds` (str, int or float), in order.

        Cursors come from clients, so every value is checked before it reaches SQL.
        """
        if len(token) > MAX_CURSOR_LENGTH:
            raise invalid_cursor(field)
        try:
            padded = token + "=" * (-len(token) % 4)
            data = json.loads(base64.urlsafe_b64decode(padded.encode()))
            values = tuple(data["v"]) if isinstance(data["v"], list) else None
            made_for = data["s"]
        except (binascii.Error, ValueError, KeyError, TypeError, RecursionError):
            raise invalid_cursor(field) from None
        if values is None or not all(_fits(v, k) for v, k in zip(values, kinds, strict=False)):
            raise invalid_cursor(field)
        if made_for != sort or len(values) != len(kinds):
            raise InvalidInput(
                "The cursor was made for another sort order or search; "
                "start again without a cursor.",
                field,
                PageErrorCode.INVALID_CURSOR,
            )
        return cls(made_for, values)


def invalid_cursor(field: str) -> InvalidInput:
    return InvalidInput("The cursor is not valid.", field, PageErrorCode.INVALID_CURSOR)


def _fits(value: object, kind: type) -> bool:
    if isinstance(value, bool):
        return False
    if kind is int:
        return isinstance(value, int) and -(2**63) <= value < 2**63
    if kind is float:
        return isinstance(value, int | float) and math.isfinite(value)
    return isinstance(value, str) and len(value) <= 1000 and "\x00" not in value


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of rows with the cursor of each and the neighbours' existence."""

    items: Sequence[T]
    cursors: Sequence[str]
    has_next_page: bool
    has_previous_page: bool

    def map(self, convert: Callable[[T], U]) -> Page[U]:
        return Page(
            [convert(item) for item in self.items],
            self.cursors,
            self.has_next_page,
            self.has_previous_page,
        )


@dataclass(frozen=True, slots=True)
class Keyset:
    """How a list is ordered for keyset pages: sort columns (the primary key last), the
    kind of each in a cursor, and the direction.

    `sort` names the order (and search) a cursor is made for; a cursor from another order
    is refused. `decoders` turn cursor values back into column values (a Decimal from its
    string, say); they may raise ValueError for values Omni never wrote.
    """

    sort: str
    columns: Sequence[ColumnElement[Any]]
    kinds: Sequence[type]
    ascending: bool = True
    decoders: Sequence[Callable[[Any], Any]] | None = None


async def keyset_page(
    session: AsyncSession,
    stmt: Select[Any],
    keyset: Keyset,
    page: PageRequest,
    cursor_values: Callable[[Row[Any]], Sequence[Any]],
) -> Page[Row[Any]]:
    """One page of `stmt`'s rows, cut with a row comparison on the keyset columns.

    `cursor_values(row)` gives the row's values of the keyset columns as they go into its
    cursor. Walking backwards reads the reversed order and flips the rows afterwards.
    """
    backwards = page.backwards
    read_ascending = keyset.ascending != backwards
    cols = list(keyset.columns)
    if page.cursor is not None:
        field = "before" if backwards else "after"
        cursor = Cursor.decode(page.cursor, sort=keyset.sort, kinds=keyset.kinds, field=field)
        values: Sequence[Any] = cursor.values
        if keyset.decoders is not None:
            try:
                values = [d(v) for d, v in zip(keyset.decoders, values, strict=True)]
            except (ValueError, ArithmeticError):
                raise invalid_cursor(field) from None
        bound = tuple_(*[literal(v, type_=c.type) for v, c in zip(values, cols, strict=True)])
        stmt = stmt.where(tuple_(*cols) > bound if read_ascending else tuple_(*cols) < bound)
    stmt = stmt.order_by(*[c.asc() if read_ascending else c.desc() for c in cols])
    rows = list((await session.execute(stmt.limit(page.size + 1))).all()) if page.size else []
    has_more = len(rows) > page.size
    rows = rows[: page.size]
    if backwards:
        rows.reverse()
    return Page(
        items=rows,
        cursors=[Cursor(keyset.sort, tuple(cursor_values(row))).encode() for row in rows],
        has_next_page=has_more if not backwards else page.before is not None,
        has_previous_page=has_more if backwards else page.after is not None,
    )
