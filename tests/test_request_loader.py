"""RequestLoader answers as strawberry's DataLoader does, without a done callback per key.

It builds its batches with strawberry's own pieces (`get_current_batch`, `LoaderTask`,
`Batch._on_future_done`), so these tests also fail when a strawberry upgrade changes them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import pytest
from strawberry.dataloader import DataLoader

from api.core.loaders import KeyFuture, RequestLoader, load_all

Fetch = Callable[[list[int]], Awaitable[Sequence[Any]]]
KINDS: list[Callable[[Fetch], DataLoader[int, Any]]] = [
    lambda fetch: DataLoader(load_fn=fetch),
    RequestLoader,
]


async def _scenario(make: Callable[[Fetch], DataLoader[int, Any]]) -> list[Any]:
    """Loads, primes, cache hits and failures across three batches: what a caller sees."""
    batches: list[list[int]] = []

    async def fetch(keys: list[int]) -> list[Any]:
        batches.append(list(keys))
        return [ValueError(f"no {k}") if k == 13 else k * 10 for k in keys]

    loader = make(fetch)
    loader.prime(2, 99)
    first = [loader.load(k) for k in (3, 2, 1, 3, 13)]
    seen: list[Any] = []
    for future in first:
        try:
            seen.append(await future)
        except ValueError as error:
            seen.append(str(error))
    seen.append(await load_all(loader, [1, 4, 2]))
    loader.prime_many({5: 55})
    seen.append(await asyncio.gather(loader.load(5), loader.load(6)))
    loader.clear(6)
    seen.append(await loader.load(6))
    return [seen, batches]


async def test_the_same_values_batches_and_errors_as_strawberry() -> None:
    expected = await _scenario(KINDS[0])
    assert expected == [
        [30, 99, 10, 30, "no 13", [10, 40, 99], [55, 60], 60],
        [[3, 1, 13], [4], [6], [6]],
    ]
    assert await _scenario(RequestLoader) == expected


async def test_a_key_gets_no_done_callback() -> None:
    async def fetch(keys: list[int]) -> list[int]:
        return keys

    for make, callbacks in zip(KINDS, (1, 0), strict=True):
        loader = make(fetch)
        future = loader.load(1)
        batch = loader.batch
        assert batch is not None
        assert future.remove_done_callback(batch._on_future_done) == callbacks  # type: ignore[attr-defined]
        assert await future == 1
    future = RequestLoader(fetch).load(1)
    assert type(future) is KeyFuture
    # Done, it lets go of its batch (which holds it): no cycle is left for the collector.
    assert future.batch is not None and await future == 1 and future.batch is None


@pytest.mark.parametrize("make", KINDS, ids=["strawberry", "request"])
async def test_cancelling_every_waiter_stops_the_batch_and_one_does_not(
    make: Callable[[Fetch], DataLoader[int, Any]],
) -> None:
    started = asyncio.Event()
    stopped: list[list[int]] = []
    finished: list[list[int]] = []

    async def fetch(keys: list[int]) -> list[int]:
        started.set()
        try:
            await asyncio.sleep(0.2)
        except asyncio.CancelledError:
            stopped.append(list(keys))
            raise
        finished.append(list(keys))
        return keys

    async def wait_for(loader: DataLoader[int, Any], key: int) -> Any:
        return await loader.load(key)

    # All waiters cancelled while the batch runs: its fetch is stopped.
    loader = make(fetch)
    waiters = [asyncio.ensure_future(wait_for(loader, k)) for k in (1, 2)]
    await started.wait()
    for waiter in waiters:
        waiter.cancel()
    await asyncio.gather(*waiters, return_exceptions=True)
    await asyncio.sleep(0.05)
    assert stopped == [[1, 2]] and finished == []

    # One of two cancelled: the other still gets its value.
    started.clear()
    loader = make(fetch)
    waiters = [asyncio.ensure_future(wait_for(loader, k)) for k in (3, 4)]
    await started.wait()
    waiters[0].cancel()
    results = await asyncio.gather(*waiters, return_exceptions=True)
    assert isinstance(results[0], asyncio.CancelledError) and results[1] == 4
    assert finished == [[3, 4]]


async def test_a_key_cancelled_before_its_batch_runs_is_loaded_afresh() -> None:
    """strawberry's DataLoader hangs here: the cancelled key's callback cancels the batch's
    task before it starts, and the next load joins that batch, which never runs. Here the
    check runs at the cancel, before the task exists, so the batch runs, finds its keys all
    cancelled and fetches nothing, and the key's next load makes a batch of its own."""
    fetched: list[list[int]] = []

    async def fetch(keys: list[int]) -> list[int]:
        fetched.append(list(keys))
        return keys

    loader = RequestLoader(fetch)
    loader.load(5).cancel()
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert fetched == []
    assert await asyncio.wait_for(loader.load(5), 5) == 5
    assert fetched == [[5]]
