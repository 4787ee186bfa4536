"""Plain reads: rows of a mapped table as plain objects with the model's attributes.

Loading a row through the ORM builds an instance state and an identity-map entry: about
20 µs a row, most of a catalog listing's database time in Python. The catalog's read paths
(listing, product page, variants, stock at a location) need neither: they select the
columns with Core or the driver and put the values straight into the `__dict__` of an
object of a read class made per model (`Product` read as a `ProductRow`). Its attributes are
plain instance attributes, where on the mapped class every read goes through SQLAlchemy's
`InstrumentedAttribute.__get__` (a Python call for each of a listing's ~1,500 reads). Such an
object is never attached to a session: reading an attribute left out of its shape, or
setting any, fails loudly, so it cannot be mistaken for a loaded entity. Writes load their
own ORM objects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Enum, Select, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.db import count_statement, on_driver

M = TypeVar("M")


class ReadRow:
    """A row read for display: its attributes are set once, when it is read."""

    __slots__ = ("__dict__",)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(
            f"{type(self).__name__} is a row read for display and cannot be changed; "
            "load the entity in a session to write it"
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} id={self.__dict__.get('id')!r}>"


def read_class(model: type[Any]) -> type[ReadRow]:
    return type(
        f"{model.__name__}Row",
        (ReadRow,),
        {"__module__": model.__module__, "__slots__": (), "__doc__": f"A read {model.__name__}."},
    )


@dataclass(frozen=True)
class Shape(Generic[M]):
    model: type[M]
    keys: tuple[str, ...]
    columns: tuple[ColumnElement[Any], ...]
    # What the driver gives differently from SQLAlchemy: enum columns come as their names.
    conversions: tuple[tuple[int, Callable[[Any], Any]], ...] = ()
    kind: type[ReadRow] = ReadRow

    @classmethod
    def of(
        cls, model: type[M], omit: Iterable[str] = (), only: Iterable[str] | None = None
    ) -> Shape[M]:
        left_out = set(omit)
        kept = None if only is None else set(only)
        attributes = [
            a
            for a in inspect(model).column_attrs
            if a.key not in left_out and (kept is None or a.key in kept)
        ]
        columns = tuple(a.expression for a in attributes)
        conversions = tuple(
            (i, _by_name(column.type.enum_class))
            for i, column in enumerate(columns)
            if isinstance(column.type, Enum) and column.type.enum_class is not None
        )
        keys = tuple(a.key for a in attributes)
        return cls(model, keys, columns, conversions, read_class(model))

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
        rows = await driver_rows(session, sql, *args)
        if not self.conversions:
            return self.all(rows)
        converted = []
        for row in rows:
            values = list(row)
            for i, convert in self.conversions:
                if values[i] is not None:
                    values[i] = convert(values[i])
            converted.append(values)
        return self.all(converted)

    def one(self, values: Sequence[Any]) -> M:
        """The object of a row's first `width` values."""
        obj = object.__new__(self.kind)
        obj.__dict__.update(zip(self.keys, values, strict=False))
        return obj  # type: ignore[return-value]

    def all(self, rows: Iterable[Sequence[Any]]) -> list[M]:
        return [self.one(row) for row in rows]


def _by_name(enum_class: Any) -> Callable[[Any], Any]:
    # SQLAlchemy's Enum stores the members' names.
    return lambda name: enum_class[name]


async def driver_rows(session: AsyncSession, sql: str, *args: Any) -> list[Any]:
    """Plain records of `sql` ($1… placeholders) straight through the driver, counted."""
    count_statement()
    rows = await on_driver(await session.connection(), lambda driver: driver.fetch(sql, *args))
    return list(rows)
