"""The stock ledger on a real database: every change writes a movement, the levels always
equal the sums of their movements, and concurrent writers neither lose updates nor oversell."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from domain.actors import SYSTEM, Actor, DeviceScope, StaffRole, StaffScope
from domain.channels import Channel
from domain.errors import CommonErrorCode, DomainError
from domain.inventory import adjustments, stock
from domain.inventory.errors import StockErrorCode
from domain.inventory.models import MovementKind
from domain.unit_of_work import transaction

T = TypeVar("T")

ADMIN = Actor(channel=Channel.WEB, staff=StaffScope(1, StaffRole.ADMIN))

# For every level: on-hand and reserved minus the sums of its movements (all zero when the
# ledger holds), and every level that has movements but no row.
LEDGER_MISMATCHES = """
SELECT coalesce(s.variant_id, m.variant_id), coalesce(s.location_id, m.location_id),
       coalesce(s.on_hand, 0) - coalesce(m.on_hand, 0),
       coalesce(s.reserved, 0) - coalesce(m.reserved, 0)
FROM stock_levels s
FULL JOIN (
    SELECT variant_id, location_id, sum(on_hand_delta) AS on_hand,
           sum(reserved_delta) AS reserved
    FROM stock_movements GROUP BY variant_id, location_id
) m ON m.variant_id = s.variant_id AND m.location_id = s.location_id
WHERE coalesce(s.on_hand, 0) <> coalesce(m.on_hand, 0)
   OR coalesce(s.reserved, 0) <> coalesce(m.reserved, 0)
"""

# Held reservations add up to each level's reserved units.
RESERVATION_MISMATCHES = """
SELECT s.variant_id, s.location_id FROM stock_levels s
LEFT JOIN (
    SELECT variant_id, location_id, sum(quantity) AS held FROM stock_reservations
    WHERE status = 'HELD' GROUP BY variant_id, location_id
) r ON r.variant_id = s.variant_id AND r.location_id = s.location_id
WHERE s.reserved <> coalesce(r.held, 0)
"""


def adjusting(
    variant_id: int,
    location_id: int,
    kind: MovementKind,
    *,
    delta: int | None = None,
    set_to: int | None = None,
    actor: Actor = ADMIN,
    reason: str = "test",
) -> Callable[[AsyncSession], Awaitable[Any]]:
    """The `stockAdjust` use case as a unit of work."""
    return lambda s: adjustments.adjust(
        s,
        actor,
        location_id=location_id,
        variant_id=variant_id,
        kind=kind,
        delta=delta,
        set_to=set_to,
        reason=reason,
    )


async def run(engine: AsyncEngine, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async with AsyncSession(engine, expire_on_commit=False) as session:
        return await transaction(session, work)


async def refused(engine: AsyncEngine, work: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
    with pytest.raises(DomainError) as caught:
        await run(engine, work)
    return caught.value.code


async def scalar(engine: AsyncEngine, sql: str, **params: Any) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(text(sql), params)).scalar()


async def rows(engine: AsyncEngine, sql: str, **params: Any) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(text(sql), params)).all())


async def level(engine: AsyncEngine, variant_id: int, location_id: int) -> tuple[int, int]:
    found = await rows(
        engine,
        "SELECT on_hand, reserved FROM stock_levels WHERE variant_id = :v AND location_id = :l",
        v=variant_id,
        l=location_id,
    )
    return (found[0][0], found[0][1]) if found else (0, 0)


async def some_ids(engine: AsyncEngine) -> tuple[list[int], list[int]]:
    variants = [r[0] for r in await rows(engine, "SELECT id FROM product_variants ORDER BY id")]
    locations = [r[0] for r in await rows(engine, "SELECT id FROM locations ORDER BY id")]
    return variants, locations


async def test_demo_data_and_migration_start_with_a_balanced_ledger(engine):
    assert await rows(engine, LEDGER_MISMATCHES) == []
    assert await rows(engine, RESERVATION_MISMATCHES) == []
    assert await scalar(engine, "SELECT count(*) FROM stock_movements") > 0


async def test_a_randomised_run_of_mixed_operations_keeps_the_ledger(engine):
    variants, locations = await some_ids(engine)
    variants, locations = variants[:4], locations[:3]
    rng = random.Random(9)
    references: list[str] = []
    applied = refusals = 0
    for i in range(160):
        op = rng.choice(["adjust", "count", "counts", "transfer", "reserve", "release", "sell"])
        v, loc = rng.choice(variants), rng.choice(locations)
        work: Callable[[AsyncSession], Awaitable[Any]]
        if op == "adjust":
            kind = rng.choice([MovementKind.RECEIVED, MovementKind.DAMAGED])
            amount = rng.randint(1, 15) * (1 if kind is MovementKind.RECEIVED else -1)
            work = adjusting(v, loc, kind, delta=amount)
        elif op == "count":
            work = adjusting(v, loc, MovementKind.COUNT_CORRECTION, set_to=rng.randint(0, 40))
        elif op == "counts":  # the bulk import's batch of counts
            cells = rng.sample([(a, b) for a in variants for b in locations], 4)
            batch = [stock.Count(a, b, rng.randint(0, 40)) for a, b in cells]
            work = lambda s, batch=batch: stock.set_counts(s, SYSTEM, batch, reason="import")  # noqa: E731
        elif op == "transfer":
            to = rng.choice([x for x in locations if x != loc])
            work = lambda s, v=v, loc=loc, to=to, q=rng.randint(1, 10): adjustments.transfer(  # noqa: E731
                s,
                ADMIN,
                from_location_id=loc,
                to_location_id=to,
                lines=[adjustments.TransferLine(v, q)],
                reason="rebalance",
            )
        elif op == "reserve":
            ref = f"run:{i}"
            references.append(ref)
            work = lambda s, ref=ref, v=v, loc=loc, q=rng.randint(1, 5): stock.reserve(  # noqa: E731
                s, SYSTEM, ref, v, loc, q
            )
        else:
            if not references:
                continue
            ref = rng.choice(references)
            close = stock.release if op == "release" else stock.sell
            work = lambda s, ref=ref, close=close: close(s, SYSTEM, ref)  # noqa: E731
        try:
            await run(engine, work)
            applied += 1
        except DomainError:
            refusals += 1
    assert applied > 60 and refusals > 5  # both paths were exercised
    assert await rows(engine, LEDGER_MISMATCHES) == []
    assert await rows(engine, RESERVATION_MISMATCHES) == []
    assert await scalar(engine, "SELECT count(*) FROM stock_levels WHERE on_hand < reserved") == 0
    kinds = {r[0] for r in await rows(engine, "SELECT DISTINCT kind FROM stock_movements")}
    assert {"RECEIVED", "DAMAGED", "TRANSFER_OUT", "TRANSFER_IN", "RESERVED"} <= kinds
    assert await scalar(engine, "SELECT count(*) FROM stock_movements WHERE reason = 'import'")


async def test_concurrent_adjustments_of_one_row_lose_no_update(engine):
    variants, locations = await some_ids(engine)
    v, loc = variants[0], locations[0]
    before, _ = await level(engine, v, loc)

    async def receive(n: int) -> None:
        await run(
            engine,
            adjusting(v, loc, MovementKind.RECEIVED, delta=n, reason="delivery"),
        )

    await asyncio.gather(*(receive(n) for n in range(1, 21)))
    after, _ = await level(engine, v, loc)
    assert after == before + sum(range(1, 21))
    assert await rows(engine, LEDGER_MISMATCHES) == []


async def test_concurrent_reservations_never_oversell(engine):
    variants, locations = await some_ids(engine)
    v, loc = variants[1], locations[1]
    await run(
        engine,
        adjusting(v, loc, MovementKind.COUNT_CORRECTION, set_to=7, reason="count"),
    )
    on_hand, reserved = await level(engine, v, loc)
    available = on_hand - reserved

    async def attempt(i: int) -> bool:
        try:
            await run(engine, lambda s: stock.reserve(s, SYSTEM, f"race:{i}", v, loc, 1))
            return True
        except DomainError as error:
            assert error.code is StockErrorCode.INSUFFICIENT_STOCK
            return False

    results = await asyncio.gather(*(attempt(i) for i in range(available + 6)))
    assert sum(results) == available
    assert await level(engine, v, loc) == (on_hand, on_hand)
    assert await rows(engine, LEDGER_MISMATCHES) == []


async def test_a_reservation_is_released_or_sold_exactly_once(engine):
    variants, locations = await some_ids(engine)
    v, loc = variants[2], locations[0]
    await run(
        engine,
        adjusting(v, loc, MovementKind.RECEIVED, delta=10, reason="delivery"),
    )
    on_hand, reserved = await level(engine, v, loc)
    await run(engine, lambda s: stock.reserve(s, SYSTEM, "line:1", v, loc, 3))
    assert await level(engine, v, loc) == (on_hand, reserved + 3)
    assert (
        await refused(engine, lambda s: stock.reserve(s, SYSTEM, "line:1", v, loc, 1))
        is StockErrorCode.RESERVATION_EXISTS
    )
    await run(engine, lambda s: stock.release(s, SYSTEM, "line:1"))
    assert await level(engine, v, loc) == (on_hand, reserved)
    for close in (stock.release, stock.sell):
        assert (
            await refused(engine, lambda s, close=close: close(s, SYSTEM, "line:1"))
            is StockErrorCode.RESERVATION_CLOSED
        )
    await run(engine, lambda s: stock.reserve(s, SYSTEM, "line:2", v, loc, 2))
    await run(engine, lambda s: stock.sell(s, SYSTEM, "line:2"))
    assert await level(engine, v, loc) == (on_hand - 2, reserved)
    assert (
        await refused(engine, lambda s: stock.sell(s, SYSTEM, "line:2"))
        is StockErrorCode.RESERVATION_CLOSED
    )
    kinds = [
        r[0]
        for r in await rows(
            engine,
            "SELECT kind FROM stock_movements WHERE reference LIKE 'line:%' ORDER BY id",
        )
    ]
    assert kinds == ["RESERVED", "RELEASED", "RESERVED", "SOLD"]


async def test_reserved_units_cannot_be_adjusted_away(engine):
    variants, locations = await some_ids(engine)
    v, loc = variants[3], locations[2]

    def count(n: int) -> Callable[[AsyncSession], Awaitable[Any]]:
        return adjusting(v, loc, MovementKind.COUNT_CORRECTION, set_to=n, reason="count")

    # Release whatever the demo data held, so the figures below are exact.
    for (ref,) in await rows(
        engine,
        "SELECT reference FROM stock_reservations WHERE variant_id = :v AND location_id = :l "
        "AND status = 'HELD'",
        v=v,
        l=loc,
    ):
        await run(engine, lambda s, ref=ref: stock.release(s, SYSTEM, ref))
    await run(engine, count(5))
    await run(engine, lambda s: stock.reserve(s, SYSTEM, "hold:1", v, loc, 4))
    assert await refused(engine, count(3)) is StockErrorCode.INSUFFICIENT_STOCK
    damaged = adjusting(v, loc, MovementKind.DAMAGED, delta=-2)
    assert await refused(engine, damaged) is StockErrorCode.INSUFFICIENT_STOCK
    assert await level(engine, v, loc) == (5, 4)
    assert await run(engine, count(5)) is None  # a count that finds the figure right


async def test_a_transfer_moves_both_sides_or_neither(engine):
    variants, locations = await some_ids(engine)
    a, b = locations[0], locations[1]
    v1, v2 = variants[5], variants[6]
    for v in (v1, v2):
        await run(
            engine,
            adjusting(v, a, MovementKind.COUNT_CORRECTION, set_to=50, reason="count"),
        )
    before = [await level(engine, v, loc) for v in (v1, v2) for loc in (a, b)]
    available_v2 = before[2][0] - before[2][1]
    too_many = lambda s: adjustments.transfer(  # noqa: E731
        s,
        ADMIN,
        from_location_id=a,
        to_location_id=b,
        lines=[
            adjustments.TransferLine(v1, 5),
            adjustments.TransferLine(v2, available_v2 + 1),
        ],
        reason="rebalance",
    )
    assert await refused(engine, too_many) is StockErrorCode.INSUFFICIENT_STOCK
    assert [await level(engine, v, loc) for v in (v1, v2) for loc in (a, b)] == before
    moved = await run(
        engine,
        lambda s: adjustments.transfer(
            s,
            ADMIN,
            from_location_id=a,
            to_location_id=b,
            lines=[adjustments.TransferLine(v1, 5), adjustments.TransferLine(v2, 2)],
            reason="rebalance",
        ),
    )
    assert len(moved) == 4 and len({m.transfer_id for m in moved}) == 1
    after = [await level(engine, v, loc) for v in (v1, v2) for loc in (a, b)]
    assert after[0][0] == before[0][0] - 5 and after[1][0] == before[1][0] + 5
    assert after[2][0] == before[2][0] - 2 and after[3][0] == before[3][0] + 2
    same = lambda s: adjustments.transfer(  # noqa: E731
        s,
        ADMIN,
        from_location_id=a,
        to_location_id=a,
        lines=[adjustments.TransferLine(v1, 1)],
        reason="x",
    )
    assert await refused(engine, same) is StockErrorCode.SAME_LOCATION


async def test_opposite_transfers_at_once_do_not_deadlock(engine):
    variants, locations = await some_ids(engine)
    a, b = locations[0], locations[1]
    vs = variants[7:10]
    for v in vs:
        for loc in (a, b):
            await run(
                engine,
                lambda s, v=v, loc=loc: stock.set_on_hand(s, SYSTEM, v, loc, 100, reason="count"),
            )

    def send(src: int, dst: int) -> Callable[[AsyncSession], Awaitable[Any]]:
        return lambda s: adjustments.transfer(
            s,
            ADMIN,
            from_location_id=src,
            to_location_id=dst,
            lines=[adjustments.TransferLine(v, 1) for v in (vs if src == a else vs[::-1])],
            reason="swap",
        )

    await asyncio.gather(*(run(engine, send(*pair)) for pair in [(a, b), (b, a)] * 10))
    for v in vs:
        assert (await level(engine, v, a))[0] == (await level(engine, v, b))[0] == 100
    assert await rows(engine, LEDGER_MISMATCHES) == []


async def test_only_admins_and_staff_of_the_store_adjust(engine):
    variants, locations = await some_ids(engine)
    v, here, there = variants[0], locations[0], locations[1]
    store_staff = Actor(staff=StaffScope(2, StaffRole.STORE_STAFF, frozenset({here})))

    def receive(actor: Actor, loc: int) -> Callable[[AsyncSession], Awaitable[Any]]:
        return adjusting(v, loc, MovementKind.RECEIVED, delta=1, actor=actor)

    assert await refused(engine, receive(Actor(), here)) is CommonErrorCode.UNAUTHENTICATED
    assert await refused(engine, receive(Actor(customer_id=1), here)) is CommonErrorCode.FORBIDDEN
    device = Actor(channel=Channel.POS, device=DeviceScope(1, here, Channel.POS))
    assert await refused(engine, receive(device, here)) is CommonErrorCode.FORBIDDEN
    assert await refused(engine, receive(store_staff, there)) is CommonErrorCode.FORBIDDEN
    movement = await run(engine, receive(store_staff, here))
    assert movement is not None and movement.actor_kind == "STAFF" and movement.actor_id == 2
    sold = adjusting(v, here, MovementKind.SOLD, delta=-1)
    assert await refused(engine, sold) is StockErrorCode.INVALID_KIND
    wrong_way = adjusting(v, here, MovementKind.RECEIVED, delta=-1)
    assert await refused(engine, wrong_way) is StockErrorCode.INVALID_KIND
    unknown = adjusting(10**9, here, MovementKind.RECEIVED, delta=1)
    assert await refused(engine, unknown) is CommonErrorCode.NOT_FOUND


async def test_change_events_are_announced_on_commit_only(engine, fresh_db):
    from sqlalchemy.engine import make_url

    u = make_url(fresh_db)
    conn = await asyncpg.connect(
        user=u.username,
        password=u.password,
        database=u.database,
        host=u.host or u.query.get("host"),
        port=u.port,
    )
    heard: asyncio.Queue[str] = asyncio.Queue()
    await conn.add_listener("omni_changes", lambda *args: heard.put_nowait(args[3]))
    try:
        variants, locations = await some_ids(engine)
        v, loc = variants[0], locations[0]

        async def receive_then_fail(s: AsyncSession) -> None:
            await stock.move(s, SYSTEM, stock.Move(v, loc, MovementKind.RECEIVED, on_hand_delta=1))
            raise DomainError(CommonErrorCode.INVALID_INPUT, "changed my mind")

        before = await scalar(engine, "SELECT count(*) FROM change_events")
        with pytest.raises(DomainError):
            await run(engine, receive_then_fail)
        await asyncio.sleep(0.2)
        assert heard.empty()
        assert await scalar(engine, "SELECT count(*) FROM change_events") == before

        await run(
            engine,
            lambda s: stock.move(
                s, SYSTEM, stock.Move(v, loc, MovementKind.RECEIVED, on_hand_delta=2)
            ),
        )
        event_id = int(await asyncio.wait_for(heard.get(), 5))
        kind, entity_id, payload = (
            await rows(
                engine,
                "SELECT kind, entity_id, payload FROM change_events WHERE id = :i",
                i=event_id,
            )
        )[0]
        assert (kind, entity_id) == ("stock.changed", v)
        assert payload["locationId"] == loc and payload["available"] == (
            payload["onHand"] - payload["reserved"]
        )
    finally:
        await conn.close()
