"""`load_all` gives what DataLoader.load_many gives, failures and cancellation included."""

from __future__ import annotations

import asyncio
import gc

import pytest
from strawberry.dataloader import DataLoader

from api.core.loaders import RequestLoader, load_all

# Omni's loaders are RequestLoaders; strawberry's DataLoader is what `load_all` must match.
KINDS = pytest.mark.parametrize(
    "make", [lambda fetch: DataLoader(load_fn=fetch), RequestLoader], ids=["strawberry", "request"]
)

pytestmark = pytest.mark.asyncio


@KINDS
async def test_values_in_key_order_from_one_batch(make):
    batches: list[list[int]] = []

    async def fetch(keys: list[int]) -> list[int]:
        batches.append(list(keys))
        return [k * 10 for k in keys]

    loader = make(fetch)
    loader.prime(2, 99)
    assert await load_all(loader, [3, 2, 1]) == [30, 99, 10]
    assert batches == [[3, 1]]
    assert await load_all(loader, [1, 2]) == [10, 99]  # cached: no batch
    assert batches == [[3, 1]]


async def test_a_failed_batch_raises_once_and_leaves_nothing_unretrieved():
    async def fetch(keys: list[int]) -> list[int]:
        raise RuntimeError("database said no")

    loop = asyncio.get_running_loop()
    reported: list[dict[str, object]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: reported.append(context))
    try:
        loader = DataLoader(load_fn=fetch, cache=False)
        with pytest.raises(RuntimeError, match="database said no"):
            await load_all(loader, [1, 2, 3])
        await asyncio.sleep(0)
        del loader
        gc.collect()  # an unretrieved exception is reported when its future is freed
    finally:
        loop.set_exception_handler(previous)
    assert not [c for c in reported if "never retrieved" in str(c.get("message"))]


@KINDS
async def test_a_cancelled_wait_cancels_the_batch(make):
    started = asyncio.Event()
    stopped = asyncio.Event()

    async def fetch(keys: list[int]) -> list[int]:
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            stopped.set()
            raise
        return keys

    loader = make(fetch)
    waiting = asyncio.ensure_future(load_all(loader, [1, 2]))
    await started.wait()
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await asyncio.wait_for(stopped.wait(), 5)
