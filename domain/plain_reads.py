"""Plain reads: rows of a mapped table as plain objects of the model's class.

Loading a row through the ORM builds an instance state and an identity-map entry: about
20 µs a row, most of a catalog listing's database time in Python. The catalog's read paths
(listing, product page, variants, stock at a location) do not need either; they select the
columns with Core and put the values straight into the instance's `__dict__`, which is
where the mapped attributes read them from. Such an object is never attached to a session:
reading an attribute left out of its shape, or setting any, fails loudly (no instance
state), so it cannot be mistaken for a loaded entity. Writes load their own ORM objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.db import count_statement

M = TypeVar("M")


@dataclass(frozen=True)
class Shape(Generic[M]):
    model: type[M]
    keys: tuple[str, ...]
    columns: tuple[ColumnElement[Any], ...]

    @classmethod
    def of(cls, model: type[M], omit: Iterable[str] = ()) -> Shape[M]:
        left_out = set(omit)
        attributes = [a for a in inspect(model).column_attrs if a.key not in left_out]
        return cls(model, tuple(a.key for a in attributes), tuple(a.expression for a in attributes))

    @property
    def width(self) -> int:
        return len(self.columns)

    def select(self, *more: ColumnElement[Any]) -> Select[Any]:
        return select(*self.columns, *more)

    def sql(self, rest: str) -> str:
        """`SELECT <the shape's columns> FROM <its table> <rest>`, for `fetch`."""
        table = self.model.__table__.name  # type: ignore[attr-defined]
        names = ", ".join(f'"{c.name}"' for c in self.columns)
        return f"SELECT {names} FROM {table} {rest}"

    async def fetch(self, session: AsyncSession, sql: str, *args: Any) -> list[M]:
        """Run `sql` (from `sql()`, with $1… placeholders) on the session's connection,
        straight through the driver."""
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        count_statement()
        rows = await raw.driver_connection.fetch(sql, *args)  # type: ignore[union-attr]
        return self.all(rows)

    def one(self, values: Sequence[Any]) -> M:
        """The object of a row's first `width` values."""
        obj = self.model.__new__(self.model)
        obj.__dict__.update(zip(self.keys, values, strict=False))
        return obj

    def all(self, rows: Iterable[Sequence[Any]]) -> list[M]:
        new, keys, model = self.model.__new__, self.keys, self.model
        objects = []
        for row in rows:
            obj = new(model)
            obj.__dict__.update(zip(keys, row, strict=False))
            objects.append(obj)
        return objects
