"""Checks shared by the catalog's writers: the unset marker, uniqueness, text lists."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql import ColumnElement

from domain.catalog.errors import CatalogErrorCode, catalog_error
from domain.errors import DomainError, InvalidInput
from domain.text import clean_text


class Keep(enum.Enum):
    """A field left out of an update (as opposed to one set to null)."""

    KEEP = "keep"


KEEP = Keep.KEEP


async def refuse_taken(
    session: AsyncSession,
    column: InstrumentedAttribute[Any],
    value: object,
    code: CatalogErrorCode,
    field: str,
    *,
    exclude: ColumnElement[bool] | None = None,
) -> None:
    stmt = select(column).where(column == value).limit(1)
    if exclude is not None:
        stmt = stmt.where(exclude)
    if await session.scalar(stmt) is not None:
        raise catalog_error(code, f"`{field}` {value!r} is taken.", field)


async def flush_unique(session: AsyncSession, constraints: Mapping[str, DomainError]) -> None:
    """Flush; a unique constraint a concurrent writer got to first becomes its error."""
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as error:
        for name, domain_error in constraints.items():
            if name in str(error.orig):
                raise domain_error from None
        raise


def pairs(
    values: list[tuple[str, str]], field: str, *, limit: int, name_limit: int, value_limit: int
) -> list[tuple[str, str]]:
    """Name/value pairs with unique, non-empty names, in the order given."""
    if len(values) > limit:
        raise InvalidInput(f"At most {limit} entries in `{field}`.", field)
    cleaned: list[tuple[str, str]] = []
    seen: set[str] = set()
    for name, value in values:
        n = clean_text(name, field, name_limit)
        v = clean_text(value, field, value_limit)
        if n.casefold() in seen:
            raise InvalidInput(f"`{field}` names {n!r} twice.", field)
        seen.add(n.casefold())
        cleaned.append((n, v))
    return cleaned
