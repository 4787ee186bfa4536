"""A small helper to build DataLoaders whose batches run on the request's session."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from api.core.db import RequestDb

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def mapping_loader(
    db: RequestDb,
    fetch: Callable[[AsyncSession, Sequence[K]], Awaitable[Mapping[K, V]]],
    default: Callable[[], Any] = lambda: None,
) -> DataLoader[K, Any]:
    """A DataLoader over `fetch(session, keys) -> {key: value}`; missing keys get default()."""

    async def load(keys: list[K]) -> list[Any]:
        found = await db.run(lambda session: fetch(session, keys))
        return [found[k] if k in found else default() for k in keys]

    return DataLoader(load_fn=load)
