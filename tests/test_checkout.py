"""checkoutComplete on a real database: an order with a snapshot, stock reserved, the cart
closed; idempotent (also under concurrent duplicates); never oversells; a failure after the
reservations leaves nothing behind."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from domain.actors import Actor, StaffRole, StaffScope
from domain.inventory import adjustments
from domain.inventory.models import MovementKind
from domain.membership import ledger
from domain.orders import checkout
from domain.unit_of_work import transaction
from tests.conftest import gql, ok
from tests.people import gid, make_staff, register
from tests.test_stock import LEDGER_MISMATCHES

ADMIN = Actor(staff=StaffScope(1, StaffRole.ADMIN))
CREATE = """mutation($l: [CartLineInput!]!) { cartCreate(input: {lines: $l}) {
  cart { id cost { total { amount } } } userErrors { code message } } }"""
PICKUP = """mutation($c: ID!, $s: ID!) { cartFulfillmentUpdate(cartId: $c,
  fulfillment: {pickup: {storeId: $s}}) { userErrors { code } } }"""
CONTACT = """mutation($c: ID!) { cartBuyerIdentityUpdate(cartId: $c,
  buyerIdentity: {phone: "0901234567"}) { userErrors { code } } }"""
CHECKOUT = """mutation($c: ID!, $k: String!, $m: PaymentMethod!) {
  checkoutComplete(input: {cartId: $c, idempotencyKey: $k, paymentMethod: $m}) {
    order { id number status kind channel paymentMethod pointsRedeemed voucherCode
            cost { subtotal { amount } discounts { amount } delivery { amount } vat { amount }
                   total { amount } }
            lines { sku quantity unitPrice { amount } total { amount } }
            location { code } }
    userErrors { code field message } } }"""


async def scalar(engine: AsyncEngine, sql: str, **params: Any) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(text(sql), params)).scalar()


async def redeem_points(client: Any, cart: str, points: int, headers: Any) -> None:
    data = await ok(
        client,
        "mutation($c: ID!, $p: Int!) { cartPointsRedeem(cartId: $c, points: $p) {"
        " userErrors { code } } }",
        {"c": cart, "p": points},
        headers,
    )
    assert data["cartPointsRedeem"]["userErrors"] == [], data


async def store_with_stock(engine: AsyncEngine, units: int = 5) -> tuple[int, int, str]:
    """(variant, pickup store, store code) with exactly `units` available there."""
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    """SELECT s.variant_id, s.location_id, l.code, s.reserved
                       FROM stock_levels s JOIN locations l ON l.id = s.location_id
                       JOIN product_variants v ON v.id = s.variant_id
                       JOIN products p ON p.id = v.product_id
                       WHERE l.pickup_enabled AND l.active AND p.published
                         AND v.archived_at IS NULL AND p.archived_at IS NULL
                       ORDER BY s.variant_id, s.location_id LIMIT 1"""
                )
            )
        ).one()
    async with AsyncSession(engine, expire_on_commit=False) as session:
        await transaction(
            session,
            lambda s: adjustments.adjust(
                s,
                ADMIN,
                location_id=row.location_id,
                variant_id=row.variant_id,
                kind=MovementKind.COUNT_CORRECTION,
                set_to=row.reserved + units,
                reason="test",
            ),
        )
    return row.variant_id, row.location_id, row.code


async def ready_cart(
    client: Any, variant: int, store: int, quantity: int = 1, headers: Any = None
) -> str:
    data = await ok(
        client,
        CREATE,
        {"l": [{"variantId": gid("ProductVariant", variant), "quantity": quantity}]},
        headers,
    )
    assert data["cartCreate"]["userErrors"] == [], data
    cart = data["cartCreate"]["cart"]["id"]
    await ok(client, PICKUP, {"c": cart, "s": gid("Location", store)}, headers)
    await ok(client, CONTACT, {"c": cart}, headers)
    return str(cart)


async def test_a_pickup_checkout_places_the_order_and_closes_the_cart(engine, writer) -> None:
    variant, store, code = await store_with_stock(engine, 5)
    member = await register(writer)
    cart = await ready_cart(writer, variant, store, 2, member.headers)
    before = await ok(
        writer,
        "query($c: ID!) { cart(id: $c) { cost { total { amount } } } }",
        {"c": cart},
        member.headers,
    )
    wrong = await ok(
        writer, CHECKOUT, {"c": cart, "k": "key-0000001", "m": "CASH_ON_DELIVERY"}, member.headers
    )
    assert wrong["checkoutComplete"]["userErrors"][0]["code"] == "INVALID_PAYMENT_METHOD"
    short = await ok(
        writer, CHECKOUT, {"c": cart, "k": "short", "m": "PAY_AT_STORE"}, member.headers
    )
    assert short["checkoutComplete"]["userErrors"][0]["code"] == "INVALID_IDEMPOTENCY_KEY"

    data = await ok(
        writer, CHECKOUT, {"c": cart, "k": "key-0000001", "m": "PAY_AT_STORE"}, member.headers
    )
    payload = data["checkoutComplete"]
    assert payload["userErrors"] == []
    order = payload["order"]
    assert order["number"].startswith("SF-") and len(order["number"]) == 9
    assert (order["status"], order["kind"], order["paymentMethod"], order["location"]) == (
        "PLACED",
        "PICKUP",
        "PAY_AT_STORE",
        {"code": code},
    )
    assert order["cost"]["total"] == before["cart"]["cost"]["total"]
    assert [line["quantity"] for line in order["lines"]] == [2]
    # Stock reserved at the store, with its movement; cart closed; event, outbox, payment.
    reserved = await scalar(
        engine,
        "SELECT sum(quantity) FROM stock_reservations WHERE reference = :r AND status = 'HELD'",
        r=f"{order['number']}/1",
    )
    assert reserved == 2
    assert (
        await scalar(engine, "SELECT count(*) FROM order_events WHERE kind = 'order.placed'") == 1
    )
    assert (
        await scalar(engine, "SELECT count(*) FROM notifications WHERE template = 'order_placed'")
        == 1
    )
    assert await scalar(engine, "SELECT status::text FROM payments") == "PENDING"
    assert (await ok(writer, "{ me { cart { id } } }", headers=member.headers))["me"][
        "cart"
    ] is None
    assert await scalar(engine, LEDGER_MISMATCHES) is None

    # The same key again: the same order, nothing new. Another key: CART_ALREADY_ORDERED.
    again = await ok(
        writer, CHECKOUT, {"c": cart, "k": "key-0000001", "m": "PAY_AT_STORE"}, member.headers
    )
    assert again["checkoutComplete"] == payload
    assert await scalar(engine, "SELECT count(*) FROM orders") == 1
    other = await ok(
        writer, CHECKOUT, {"c": cart, "k": "key-0000002", "m": "PAY_AT_STORE"}, member.headers
    )
    error = other["checkoutComplete"]["userErrors"][0]
    assert error["code"] == "CART_ALREADY_ORDERED" and order["number"] in error["message"]
    second = await ready_cart(writer, variant, store, 1, member.headers)
    reused = await ok(
        writer, CHECKOUT, {"c": second, "k": "key-0000001", "m": "PAY_AT_STORE"}, member.headers
    )
    assert reused["checkoutComplete"]["userErrors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"

    # The customer reads it in me.orders and by id; a stranger does not; store staff do.
    mine = await ok(
        writer, "{ me { orders(first: 5) { nodes { number channel } } } }", headers=member.headers
    )
    assert mine["me"]["orders"]["nodes"] == [{"number": order["number"], "channel": "WEB"}]
    read = "query($id: ID!) { order(id: $id) { number } }"
    stranger = await register(writer)
    assert (await gql(writer, read, {"id": order["id"]}, stranger.headers)).error_codes() == [
        "NOT_FOUND"
    ]
    assert (await gql(writer, read, {"id": order["id"]})).error_codes() == ["NOT_FOUND"]
    staff = await make_staff(engine, writer, StaffRole.STORE_STAFF, [store])
    assert (await ok(writer, read, {"id": order["id"]}, staff.headers))["order"]["number"] == order[
        "number"
    ]


async def test_a_checkout_costs_a_pinned_number_of_statements(engine, writer) -> None:
    """The statements of checkoutComplete, pinned; each further line adds one: its stock
    row's conditional UPDATE (one per row, in variant order, so checkouts cannot
    deadlock). Lines, reservations, movements and change events are one INSERT each."""
    variant, store, _ = await store_with_stock(engine, 5)
    async with engine.connect() as conn:
        others = list(
            (
                await conn.execute(
                    text(
                        """SELECT v.id FROM product_variants v
                           JOIN products p ON p.id = v.product_id
                           WHERE p.published AND p.archived_at IS NULL AND v.archived_at IS NULL
                             AND v.id <> :v ORDER BY v.id LIMIT 2"""
                    ),
                    {"v": variant},
                )
            ).scalars()
        )
    async with AsyncSession(engine, expire_on_commit=False) as session:
        for other in others:
            await transaction(
                session,
                lambda s, o=other: adjustments.adjust(
                    s,
                    ADMIN,
                    location_id=store,
                    variant_id=o,
                    kind=MovementKind.RECEIVED,
                    delta=10,
                    reason="test",
                ),
            )
    one = await ready_cart(writer, variant, store)
    three = await ready_cart(writer, variant, store)
    added = await ok(
        writer,
        """mutation($c: ID!, $l: [CartLineInput!]!) { cartLinesAdd(cartId: $c, lines: $l) {
             userErrors { code } } }""",
        {"c": three, "l": [{"variantId": gid("ProductVariant", o), "quantity": 1} for o in others]},
    )
    assert added["cartLinesAdd"]["userErrors"] == []
    # Budget; lock wait bound, key; cart, lines; tiers, promotions, categories; store;
    # number, order, cart, notification, event, lines, payment, key; reservations, one
    # stock UPDATE per line, movements, change events. The payload answers from what was written.
    small = await gql(writer, CHECKOUT, {"c": one, "k": "pinned-0001", "m": "PAY_AT_STORE"})
    large = await gql(writer, CHECKOUT, {"c": three, "k": "pinned-0003", "m": "PAY_AT_STORE"})
    assert small.data["checkoutComplete"]["userErrors"] == []
    assert large.data["checkoutComplete"]["userErrors"] == []
    assert (small.sql_statements, large.sql_statements) == (20, 22)


async def test_twenty_concurrent_duplicates_make_one_order(engine, writer) -> None:
    variant, store, _ = await store_with_stock(engine, 5)
    cart = await ready_cart(writer, variant, store)
    results = await asyncio.gather(
        *(
            ok(writer, CHECKOUT, {"c": cart, "k": "same-key-20x", "m": "PAY_AT_STORE"})
            for _ in range(20)
        )
    )
    ids = {r["checkoutComplete"]["order"]["id"] for r in results if r["checkoutComplete"]["order"]}
    assert len(ids) == 1
    assert all(r["checkoutComplete"]["userErrors"] == [] for r in results)
    assert await scalar(engine, "SELECT count(*) FROM orders") == 1
    assert (
        await scalar(engine, "SELECT count(*) FROM stock_reservations WHERE reference LIKE 'SF-%'")
        == 1
    )


async def test_fifty_checkouts_for_five_units_make_five_orders(engine, writer) -> None:
    variant, store, _ = await store_with_stock(engine, 5)
    carts = [await ready_cart(writer, variant, store) for _ in range(50)]
    results = await asyncio.gather(
        *(
            ok(writer, CHECKOUT, {"c": c, "k": f"oversell-{i:04d}", "m": "PAY_AT_STORE"})
            for i, c in enumerate(carts)
        )
    )
    placed = [r for r in results if r["checkoutComplete"]["order"]]
    refused = [
        r["checkoutComplete"]["userErrors"][0]["code"]
        for r in results
        if not r["checkoutComplete"]["order"]
    ]
    assert len(placed) == 5
    assert refused == ["INSUFFICIENT_STOCK"] * 45
    available = await scalar(
        engine,
        "SELECT on_hand - reserved FROM stock_levels WHERE variant_id = :v AND location_id = :l",
        v=variant,
        l=store,
    )
    assert available == 0
    assert await scalar(engine, LEDGER_MISMATCHES) is None
    open_carts = await scalar(engine, "SELECT count(*) FROM carts WHERE status = 'ACTIVE'")
    assert open_carts == 45


async def test_a_failure_after_reserving_leaves_nothing_behind(engine, writer) -> None:
    variant, store, _ = await store_with_stock(engine, 5)
    member = await register(writer)
    async with AsyncSession(engine) as session:
        await ledger.adjust_points(session, ADMIN, member.id, 1000, "test")
        await session.commit()
    cart = await ready_cart(writer, variant, store, 1, member.headers)
    await redeem_points(writer, cart, 1, member.headers)
    counts = """SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM stock_reservations
        WHERE reference LIKE 'SF-%'), (SELECT count(*) FROM points_entries WHERE kind = 'REDEEM'),
        (SELECT count(*) FROM voucher_redemptions), (SELECT count(*) FROM idempotency_keys)"""

    async def explode() -> None:
        raise RuntimeError("injected failure after the reservations")

    checkout.after_reservations = explode
    try:
        result = await gql(
            writer, CHECKOUT, {"c": cart, "k": "fault-00001", "m": "PAY_AT_STORE"}, member.headers
        )
    finally:
        checkout.after_reservations = None
    assert result.error_codes() == ["INTERNAL_SERVER_ERROR"]
    async with engine.connect() as conn:
        assert tuple((await conn.execute(text(counts))).one()) == (0, 0, 0, 0, 0)
    assert (
        await scalar(engine, "SELECT status::text FROM carts WHERE customer_id = :c", c=member.id)
        == "ACTIVE"
    )
    assert await scalar(engine, LEDGER_MISMATCHES) is None
    # The same key works once the fault is gone, and the points are spent then.
    data = await ok(
        writer, CHECKOUT, {"c": cart, "k": "fault-00001", "m": "PAY_AT_STORE"}, member.headers
    )
    assert data["checkoutComplete"]["order"]["pointsRedeemed"] == 1
    assert await scalar(engine, "SELECT count(*) FROM points_entries WHERE kind = 'REDEEM'") == 1


@pytest.mark.parametrize("missing", ["EMPTY", "NO_FULFILLMENT", "CONTACT_REQUIRED"])
async def test_an_unready_cart_is_refused_with_its_blocker(engine, writer, missing) -> None:
    variant, store, _ = await store_with_stock(engine, 5)
    lines = (
        [] if missing == "EMPTY" else [{"variantId": gid("ProductVariant", variant), "quantity": 1}]
    )
    cart = (await ok(writer, CREATE, {"l": lines}))["cartCreate"]["cart"]["id"]
    if missing != "NO_FULFILLMENT":
        await ok(writer, PICKUP, {"c": cart, "s": gid("Location", store)})
    if missing != "CONTACT_REQUIRED":
        await ok(writer, CONTACT, {"c": cart})
    data = await ok(writer, CHECKOUT, {"c": cart, "k": f"unready-{missing}", "m": "PAY_AT_STORE"})
    assert data["checkoutComplete"]["userErrors"][0]["code"] == missing
    assert await scalar(engine, "SELECT count(*) FROM orders") == 0


ADDRESS = {
    "recipient": "Lan",
    "phone": "0901234567",
    "street": "1 Lê Lợi",
    "ward": "Bến Nghé",
    "district": "Quận 1",
    "province": "TP. Hồ Chí Minh",
}


async def delivery_cart(engine: AsyncEngine, client: Any, headers: Any, quantity: int) -> str:
    """A cart of `quantity` units of a variant some shipping location holds, to ADDRESS."""
    async with engine.connect() as conn:
        variant = (
            await conn.execute(
                text(
                    """SELECT s.variant_id FROM stock_levels s
                       JOIN locations l ON l.id = s.location_id
                       JOIN product_variants v ON v.id = s.variant_id
                       JOIN products p ON p.id = v.product_id
                       WHERE l.ships_orders AND l.active AND s.on_hand - s.reserved >= :q
                         AND p.published AND v.archived_at IS NULL ORDER BY s.variant_id LIMIT 1"""
                ),
                {"q": quantity},
            )
        ).scalar_one()
    data = await ok(
        client,
        CREATE,
        {"l": [{"variantId": gid("ProductVariant", variant), "quantity": quantity}]},
        headers,
    )
    cart = str(data["cartCreate"]["cart"]["id"])
    await ok(
        client,
        """mutation($c: ID!, $a: DeliveryAddressInput!) { cartFulfillmentUpdate(cartId: $c,
           fulfillment: {delivery: {address: $a}}) { userErrors { code } } }""",
        {"c": cart, "a": ADDRESS},
        headers,
    )
    return cart


async def test_a_delivery_ships_from_one_location_holding_everything(engine, writer) -> None:
    member = await register(writer)
    cart = await delivery_cart(engine, writer, member.headers, 3)
    placed = await ok(
        writer, CHECKOUT, {"c": cart, "k": "delivery-0001", "m": "CASH_ON_DELIVERY"}, member.headers
    )
    order = placed["checkoutComplete"]["order"]
    assert placed["checkoutComplete"]["userErrors"] == []
    assert order["kind"] == "DELIVERY" and order["paymentMethod"] == "CASH_ON_DELIVERY"
    ships = await scalar(
        engine, "SELECT ships_orders FROM locations WHERE code = :c", c=order["location"]["code"]
    )
    assert ships is True
    total = Decimal(order["cost"]["total"]["amount"])
    lines = sum(Decimal(line["total"]["amount"]) for line in order["lines"])
    assert total == lines + Decimal(order["cost"]["delivery"]["amount"])


async def test_a_single_use_voucher_and_one_redemption_hold_under_concurrent_checkouts(
    engine, writer
) -> None:
    variant, store, _ = await store_with_stock(engine, 20)
    boss = await make_staff(engine, writer, StaffRole.ADMIN)
    made = await ok(
        writer,
        """mutation { voucherCreate(input: {code: "ONLYONE", kind: FIXED, value: "1000",
           usageLimit: 1}) { userErrors { code } } }""",
        headers=boss.headers,
    )
    assert made["voucherCreate"]["userErrors"] == []
    carts = []
    for _ in range(8):
        person = await register(writer)
        cart = await ready_cart(writer, variant, store, 1, person.headers)
        applied = await ok(
            writer,
            'mutation($c: ID!) { cartVoucherApply(cartId: $c, code: "onlyone") '
            "{ userErrors { code } } }",
            {"c": cart},
            person.headers,
        )
        assert applied["cartVoucherApply"]["userErrors"] == []
        carts.append((cart, person))
    results = await asyncio.gather(
        *(
            ok(writer, CHECKOUT, {"c": c, "k": f"voucher-race-{i}", "m": "PAY_AT_STORE"}, p.headers)
            for i, (c, p) in enumerate(carts)
        )
    )
    placed = [r for r in results if r["checkoutComplete"]["order"]]
    codes = {
        r["checkoutComplete"]["userErrors"][0]["code"]
        for r in results
        if not r["checkoutComplete"]["order"]
    }
    assert len(placed) == 1 and placed[0]["checkoutComplete"]["order"]["voucherCode"] == "ONLYONE"
    assert codes == {"USAGE_LIMIT_REACHED"}
    assert await scalar(engine, "SELECT times_used FROM vouchers WHERE code = 'ONLYONE'") == 1

    # One point, spent by a checkout while staff take it away: one of them wins.
    member = await register(writer)
    async with AsyncSession(engine) as session:
        await ledger.adjust_points(session, ADMIN, member.id, 1, "test")
        await session.commit()
    cart = await ready_cart(writer, variant, store, 1, member.headers)
    await redeem_points(writer, cart, 1, member.headers)

    async def take_away() -> str:
        async with AsyncSession(engine) as session:
            try:
                await ledger.adjust_points(session, ADMIN, member.id, -1, "race")
                await session.commit()
                return "taken"
            except Exception:
                await session.rollback()
                return "refused"

    outcome, taken = await asyncio.gather(
        ok(
            writer, CHECKOUT, {"c": cart, "k": "points-race-1", "m": "PAY_AT_STORE"}, member.headers
        ),
        take_away(),
    )
    spent = outcome["checkoutComplete"]["order"] is not None
    assert spent != (taken == "taken")
    balance = await scalar(
        engine, "SELECT points_balance FROM memberships WHERE customer_id = :c", c=member.id
    )
    assert balance == 0
