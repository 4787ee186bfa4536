"""DataLoaders, created on first use per request.

A capability declares its loaders in its own `loaders.py` as module-level `Loader`s over a
repository function `fetch(session, keys) -> {key: value}`; `customer(info)` then gives the
request's DataLoader, made the first time the request asks for it. Each batch is one SQL
statement on the request's session.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import AbstractCache, DataLoader, LoaderTask, get_current_batch

from api.core.db import RequestDb

if TYPE_CHECKING:
    from api.context import Context
    from api.core.types import OmniInfo

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

MISSING: Any = object()


class KeyFuture(asyncio.Future[Any]):
    """The future of one key of a batch. strawberry's DataLoader gives every key a done
    callback, so that a batch whose keys are all cancelled stops; each such callback costs
    an event-loop turn when the key's value arrives (about 200 per listing page). Here the
    same check runs only when a key is cancelled, which is the one case it acts on."""

    # Its batch, until the key is done: the batch holds its futures, so a future that kept
    # it would make a cycle, which only the cycle collector frees.
    batch: Any = None

    def set_result(self, result: Any) -> None:
        self.batch = None
        super().set_result(result)

    def set_exception(self, exception: Any) -> None:
        self.batch = None
        super().set_exception(exception)

    def cancel(self, msg: Any | None = None) -> bool:
        if not super().cancel(msg):
            return False
        batch, self.batch = self.batch, None
        if batch is not None:
            batch._on_future_done(self)  # stops the batch if its keys are all cancelled
        return True


class KeyCache(AbstractCache[Any, Any]):
    """strawberry's DefaultCache without its identity key function, a call per lookup."""

    def __init__(self) -> None:
        self.cache_map: dict[Hashable, asyncio.Future[Any]] = {}

    def get(self, key: Any) -> asyncio.Future[Any] | None:
        return self.cache_map.get(key)

    def set(self, key: Any, value: asyncio.Future[Any]) -> None:
        self.cache_map[key] = value

    def delete(self, key: Any) -> None:
        del self.cache_map[key]

    def clear(self) -> None:
        self.cache_map.clear()


class RequestLoader(DataLoader[K, V]):
    """strawberry's DataLoader with cheaper keys (KeyFuture, KeyCache): the same batches,
    values, errors and cancellation (tests/test_request_loader.py compares the two)."""

    def __init__(self, load_fn: Callable[[list[K]], Awaitable[Sequence[V]]]) -> None:
        super().__init__(load_fn=load_fn, cache_map=KeyCache())

    def load(self, key: K) -> Awaitable[V]:
        cache_map = self.cache_map
        future = cache_map.get(key)
        if future is not None and not future.cancelled():
            return future
        future = KeyFuture(loop=self.loop)
        cache_map.set(key, future)
        batch = get_current_batch(self)
        future.batch = batch
        batch.tasks.append(LoaderTask(key, future))
        return future


class Loader(Generic[K, V]):
    """The declaration of a DataLoader; calling it with `info` gives the request's one."""

    def __init__(
        self,
        fetch: Callable[[AsyncSession, Sequence[K]], Awaitable[Mapping[K, V]]],
        default: Callable[[], V | None] = lambda: None,
    ) -> None:
        self._fetch = fetch
        self._default = default

    def build(self, db: RequestDb) -> DataLoader[K, V]:
        fetch, default = self._fetch, self._default

        async def load(keys: list[K]) -> list[V]:
            found = await db.run(lambda session: fetch(session, keys))
            return [found[k] if k in found else default() for k in keys]  # type: ignore[misc]

        return RequestLoader(load)

    def on(self, context: Context) -> DataLoader[K, V]:
        loader = context.loaders.get(self)
        if loader is None:
            loader = context.loaders[self] = self.build(context.db)
        return loader

    def __call__(self, info: OmniInfo) -> DataLoader[K, V]:
        # Inlined `on`: listing pages call this once per object.
        context = info.context
        loader = context.loaders.get(self)
        if loader is None:
            loader = context.loaders[self] = self.build(context.db)
        return loader


def grouped(keys: Sequence[K], rows: Iterable[V], key: Callable[[V], K]) -> dict[K, list[V]]:
    """`rows` (in the order they came) under their key; every key present, maybe empty.
    For loaders of a list per parent (an order's lines, a cart's lines)."""
    found: dict[K, list[V]] = {k: [] for k in keys}
    for row in rows:
        found[key(row)].append(row)
    return found


def load_all(loader: DataLoader[K, V], keys: Iterable[K]) -> Awaitable[list[V]]:
    """What `loader.load_many(keys)` gives, without asyncio.gather's wrapping, scheduling
    and callback per key: a listing asks for about a hundred keys at a time, most of them
    primed already. The keys are queued now, as `load_many` does, so batches form the same
    way; the futures of one batch are resolved together, so the result waits once per
    batch, and the first failed key in order raises, as its own `load` would."""
    return _results([cast("asyncio.Future[V]", loader.load(key)) for key in keys])


async def _results(futures: list[asyncio.Future[V]]) -> list[V]:
    try:
        for future in futures:
            if not future.done():
                await future
        return [future.result() for future in futures]
    except BaseException as error:
        # What gather does for its children: a cancelled wait cancels the keys still
        # pending (a batch whose keys are all cancelled is stopped), and every other key's
        # failure counts as seen, so asyncio logs no "exception was never retrieved".
        for future in futures:
            if future.done():
                _seen(future)
            elif isinstance(error, asyncio.CancelledError):
                future.cancel()
            else:
                future.add_done_callback(_seen)
        raise


def _seen(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


def peek(loader: DataLoader[K, V], key: K) -> V:
    """The value a loader already holds for `key` (primed or loaded), or MISSING.

    Lets a sync resolver answer from a page's bulk load without an awaitable per object.
    """
    future = loader.cache_map.get(key)
    if future is None or not future.done():
        return MISSING  # type: ignore[no-any-return]
    try:
        return future.result()
    except BaseException:  # a failed or cancelled load: take the DataLoader path
        return MISSING  # type: ignore[no-any-return]


class ViewerLoader(Generic[K, V]):
    """A DataLoader whose batch depends on who is asking (prices follow the viewer's tier):
    `fetch(context, keys)` gets the request's context, and may await other loaders."""

    def __init__(self, fetch: Callable[[Context, Sequence[K]], Awaitable[Mapping[K, V]]]) -> None:
        self._fetch = fetch

    def on(self, context: Context) -> DataLoader[K, V]:
        loader = context.loaders.get(self)
        if loader is None:
            fetch = self._fetch

            async def load(keys: list[K]) -> list[V]:
                found = await fetch(context, keys)
                return [found[k] for k in keys]

            loader = context.loaders[self] = RequestLoader(load)
        return loader

    def __call__(self, info: OmniInfo) -> DataLoader[K, V]:
        return self.on(info.context)
