"""A randomised run of mixed orders on a real database: pickup checkouts, ready, collect,
cancel, expiry, counter sales and returns, some of them at the same time, each by a
random actor. Whatever is accepted or refused, afterwards for every (variant, location)
on-hand and reserved equal the sums of their movements, nothing is below zero, no held
reservation belongs to a finished order, and every open order still holds its lines."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import StaffRole
from domain.inventory import adjustments
from domain.inventory.models import MovementKind
from domain.orders.cancel import expire_pickups
from domain.unit_of_work import transaction
from tests.conftest import ok
from tests.people import Person, gid, make_staff, register, register_device
from tests.test_checkout import ADMIN, CREATE, PICKUP, scalar
from tests.test_counter import IN_STORE, RETURN, SALE, scalar_rows
from tests.test_pickup import COLLECT, READ, READY, cancel
from tests.test_stock import LEDGER_MISMATCHES

DEVICE_KEY = "x-omni-device-key"
# Refusals a random action may meet; anything else is a bug.
EXPECTED = {
    "INVALID_TRANSITION",
    "INSUFFICIENT_STOCK",
    "RETURN_EXCEEDS_PURCHASE",
    "NOT_RETURNABLE",
    "PICKUP_LOCKED",
    "WRONG_PICKUP_CODE",
    "ALREADY_PAID",
    "NOT_FOUND",
    "FORBIDDEN",
}

HELD_BY_FINISHED = """
    SELECT count(*) FROM order_lines l JOIN orders o ON o.id = l.order_id
    JOIN stock_reservations r ON r.reference = l.reservation
    WHERE r.status = 'HELD' AND o.status IN ('COLLECTED', 'DELIVERED', 'COMPLETED', 'CANCELLED')"""
OPEN_WITHOUT_HOLD = """
    SELECT count(*) FROM order_lines l JOIN orders o ON o.id = l.order_id
    LEFT JOIN stock_reservations r ON r.reference = l.reservation AND r.status = 'HELD'
    WHERE o.status IN ('PLACED', 'READY_FOR_PICKUP') AND r.reference IS NULL"""


@dataclass
class Store:
    id: int
    staff: Person
    till: dict[str, str]


@dataclass
class Placed:
    id: str
    number: str
    member: Person | None
    store: Store
    line_ids: list[str]


def refusal(payload: dict[str, Any]) -> None:
    errors = payload.get("userErrors") or []
    for error in errors:
        assert error["code"] in EXPECTED, error


async def test_a_random_mix_of_orders_keeps_the_stock_ledger_whole(engine, writer) -> None:
    rng = random.Random(20261203)
    codes = await scalar_rows(
        engine, "SELECT id FROM locations WHERE pickup_enabled AND active ORDER BY id LIMIT 2"
    )
    variants = await scalar_rows(
        engine,
        """SELECT v.id FROM product_variants v JOIN products p ON p.id = v.product_id
           WHERE p.published AND p.archived_at IS NULL AND v.archived_at IS NULL
           ORDER BY v.id LIMIT 3""",
    )
    admin = await make_staff(engine, writer, StaffRole.ADMIN)
    stores: list[Store] = []
    async with AsyncSession(engine, expire_on_commit=False) as session:
        for location in codes:
            for variant in variants:
                reserved = await scalar(
                    engine,
                    "SELECT coalesce(max(reserved), 0) FROM stock_levels"
                    " WHERE variant_id = :v AND location_id = :l",
                    v=variant,
                    l=location,
                )
                await transaction(
                    session,
                    lambda s, v=variant, loc=location, r=reserved: adjustments.adjust(
                        s,
                        ADMIN,
                        location_id=loc,
                        variant_id=v,
                        kind=MovementKind.COUNT_CORRECTION,
                        set_to=r + 4,
                        reason="random run",
                    ),
                )
    for location in codes:
        staff = await make_staff(engine, writer, StaffRole.STORE_STAFF, [location])
        _, key = await register_device(writer, admin, location, "POS")
        stores.append(Store(location, staff, {DEVICE_KEY: key, **staff.headers}))
    members = [await register(writer) for _ in range(3)]
    orders: list[Placed] = []
    keys = iter(range(1_000_000))

    def lines() -> list[dict[str, Any]]:
        return [
            {"variantId": gid("ProductVariant", v), "quantity": rng.randint(1, 2)}
            for v in rng.sample(variants, rng.randint(1, 2))
        ]

    async def checkout_pickup() -> None:
        member, store = rng.choice(members), rng.choice(stores)
        created = await ok(writer, CREATE, {"l": lines()}, member.headers)
        cart = created["cartCreate"]["cart"]
        if cart is None:
            refusal(created["cartCreate"])
            return
        await ok(writer, PICKUP, {"c": cart["id"], "s": gid("Location", store.id)}, member.headers)
        placed = await ok(
            writer,
            SALE,
            {
                "i": {
                    "cartId": cart["id"],
                    "idempotencyKey": f"random-{next(keys):06d}",
                    "paymentMethod": "PAY_AT_STORE",
                }
            },
            member.headers,
        )
        order = placed["checkoutComplete"]["order"]
        refusal(placed["checkoutComplete"])
        if order:
            ids = [line["id"] for line in order["lines"]]
            orders.append(Placed(order["id"], order["number"], member, store, ids))

    async def counter_sale() -> None:
        store = rng.choice(stores)
        created = await ok(writer, CREATE, {"l": lines()}, store.till)
        cart = created["cartCreate"]["cart"]
        if cart is None:
            refusal(created["cartCreate"])
            return
        await ok(writer, IN_STORE, {"c": cart["id"]}, store.till)
        sale = await ok(
            writer,
            SALE,
            {
                "i": {
                    "cartId": cart["id"],
                    "idempotencyKey": f"random-{next(keys):06d}",
                    "paymentMethod": "AT_COUNTER",
                    "paymentReceived": {"method": "CASH", "amount": "100000000"},
                }
            },
            store.till,
        )
        refusal(sale["checkoutComplete"])
        order = sale["checkoutComplete"]["order"]
        if order:
            ids = [line["id"] for line in order["lines"]]
            orders.append(Placed(order["id"], order["number"], None, store, ids))

    async def step_on(order: Placed) -> None:
        action = rng.choice(["ready", "collect", "cancel", "cancel-store", "expire", "return"])
        if action == "ready":
            refusal((await ok(writer, READY, {"o": order.id}, order.store.till))["orderMarkReady"])
        elif action == "collect":
            if order.member is None:
                return
            seen = (await ok(writer, READ, {"o": order.id}, order.member.headers))["order"]
            code = (seen["pickup"] or {}).get("code") or "000000"
            collected = await ok(
                writer,
                COLLECT,
                {
                    "i": {
                        "orderId": order.id,
                        "pickupCode": code,
                        "paymentReceived": {"method": "CARD", "amount": "100000000"},
                    }
                },
                order.store.till,
            )
            refusal(collected["orderCollect"])
        elif action in ("cancel", "cancel-store"):
            who = order.member.headers if action == "cancel" and order.member else order.store.till
            refusal(await cancel(writer, {"id": order.id}, "random", who))
        elif action == "expire":
            async with engine.begin() as conn:
                await conn.execute(
                    text(
                        "UPDATE orders SET collect_by = now() - interval '1 second'"
                        " WHERE number = :n AND status = 'READY_FOR_PICKUP'"
                    ),
                    {"n": order.number},
                )
            async with AsyncSession(engine) as session:
                await expire_pickups(session)
        else:
            back = rng.choice(stores)
            returned = await ok(
                writer,
                RETURN,
                {
                    "i": {
                        "orderId": order.id,
                        "lines": [{"orderLineId": rng.choice(order.line_ids), "quantity": 1}],
                        "storeId": gid("Location", back.id),
                        "reason": "random",
                        "refundMethod": "CASH",
                    }
                },
                back.staff.headers,
            )
            refusal(returned["orderReturn"])

    for _ in range(30):
        batch = []
        for _ in range(rng.randint(1, 3)):
            roll = rng.random()
            if roll < 0.3 or not orders:
                batch.append(checkout_pickup())
            elif roll < 0.4:
                batch.append(counter_sale())
            else:
                batch.append(step_on(rng.choice(orders)))
        await asyncio.gather(*batch)

    assert len(orders) >= 10
    statuses = set(await scalar_rows(engine, "SELECT DISTINCT status::text FROM orders"))
    assert {"PLACED", "COLLECTED", "CANCELLED", "COMPLETED"} & statuses
    assert await scalar(engine, LEDGER_MISMATCHES) is None
    assert await scalar(engine, "SELECT count(*) FROM stock_levels WHERE on_hand < reserved") == 0
    assert await scalar(engine, HELD_BY_FINISHED) == 0
    assert await scalar(engine, OPEN_WITHOUT_HOLD) == 0
    returned_too_much = await scalar(
        engine,
        """SELECT count(*) FROM order_lines l JOIN (
               SELECT order_line_id, sum(quantity) q FROM order_return_lines GROUP BY 1) r
             ON r.order_line_id = l.id WHERE r.q > l.quantity""",
    )
    assert returned_too_much == 0
