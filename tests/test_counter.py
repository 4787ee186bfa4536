"""The store counter and the kiosk, through the GraphQL endpoint on a real database:
counter sales on the POS's own cart (a scanned card makes the member the buyer), the
endless aisle (taken at one store, fulfilled by another), and return anywhere."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import StaffRole
from domain.membership import ledger
from tests.conftest import gql, ok
from tests.people import bearer, gid, make_staff, register, register_device, store_ids
from tests.test_checkout import (
    ADMIN,
    CHECKOUT,
    CREATE,
    PICKUP,
    redeem_points,
    scalar,
    store_with_stock,
)
from tests.test_pickup import COLLECT, READ, READY, available
from tests.test_stock import LEDGER_MISMATCHES

DEVICE_KEY = "x-omni-device-key"
IDENTITY = """mutation($c: ID!, $b: CartBuyerIdentityInput!) {
  cartBuyerIdentityUpdate(cartId: $c, buyerIdentity: $b) {
    cart { id lines { quantity } cost { total { amount } } readyForCheckout
           checkoutBlockers { code } }
    userErrors { code field message } } }"""
IN_STORE = """mutation($c: ID!) { cartFulfillmentUpdate(cartId: $c, fulfillment: {inStore: {}}) {
  cart { fulfillment { kind store { code } } readyForCheckout checkoutBlockers { code } }
  userErrors { code field message } } }"""
SALE = """mutation($i: CheckoutCompleteInput!) { checkoutComplete(input: $i) {
  order { id number status kind channel paymentMethod paymentStatus pointsEarned
          cost { total { amount } } location { code } takenAt { code }
          lines { id sku quantity total { amount } } }
  userErrors { code field message } } }"""
RETURN = """mutation($i: OrderReturnInput!) { orderReturn(input: $i) {
  order { status returns { reason refundMethod refund { amount } pointsReversed
                           store { code } lines { orderLineId quantity refund { amount } } } }
  userErrors { code field message } } }"""


async def scalar_rows(engine: Any, sql: str) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(text(sql))).scalars())


async def card_of(client: Any, headers: dict[str, str]) -> str:
    data = await ok(client, "{ me { membership { cardNumber } } }", headers=headers)
    return str(data["me"]["membership"]["cardNumber"])


async def test_a_counter_sale_completes_at_once_and_joins_the_members_history(
    engine, writer
) -> None:
    variant, store, code = await store_with_stock(engine, 5)
    admin = await make_staff(engine, writer, StaffRole.ADMIN)
    cashier = await make_staff(engine, writer, StaffRole.STORE_STAFF, [store])
    _, pos_key = await register_device(writer, admin, store, "POS")
    pos = {DEVICE_KEY: pos_key}
    till = {DEVICE_KEY: pos_key, **cashier.headers}
    member = await register(writer)
    line = [{"variantId": gid("ProductVariant", variant), "quantity": 1}]
    # The member's own online cart, which the counter must not touch.
    online = await ok(writer, CREATE, {"l": line}, member.headers)
    online_id = online["cartCreate"]["cart"]["id"]

    created = await ok(writer, CREATE, {"l": [{**line[0], "quantity": 2}]}, till)
    cart = created["cartCreate"]["cart"]["id"]
    assert cart != online_id
    # Cards are scanned at a counter only, on its own cart.
    web_card = await ok(
        writer, IDENTITY, {"c": online_id, "b": {"cardNumber": "1"}}, member.headers
    )
    assert web_card["cartBuyerIdentityUpdate"]["userErrors"][0]["code"] == "COUNTER_ONLY"
    unknown = await ok(writer, IDENTITY, {"c": cart, "b": {"cardNumber": "0000000000"}}, pos)
    assert unknown["cartBuyerIdentityUpdate"]["userErrors"][0]["code"] == "UNKNOWN_CARD"
    scanned = await ok(
        writer,
        IDENTITY,
        {"c": cart, "b": {"cardNumber": await card_of(writer, member.headers)}},
        pos,
    )
    assert scanned["cartBuyerIdentityUpdate"]["userErrors"] == []
    # The counter's cart is not the member's to read or change from their phone.
    hidden = await gql(
        writer, "query($c: ID!) { cart(id: $c) { id } }", {"c": cart}, member.headers
    )
    assert hidden.error_codes() == ["NOT_FOUND"]
    web_in_store = await ok(writer, IN_STORE, {"c": online_id}, member.headers)
    assert web_in_store["cartFulfillmentUpdate"]["userErrors"][0]["code"] == "COUNTER_ONLY"
    chosen = (await ok(writer, IN_STORE, {"c": cart}, pos))["cartFulfillmentUpdate"]
    assert chosen["userErrors"] == []
    assert chosen["cart"]["fulfillment"] == {"kind": "IN_STORE", "store": {"code": code}}
    assert chosen["cart"]["readyForCheckout"], chosen

    before = await available(engine, variant, store)
    total = scanned["cartBuyerIdentityUpdate"]["cart"]["cost"]["total"]["amount"]
    sale: dict[str, Any] = {
        "cartId": cart,
        "idempotencyKey": "counter-sale-1",
        "paymentMethod": "AT_COUNTER",
    }
    paid = {"method": "CASH", "amount": str(Decimal(total) + 20_000)}
    for headers, extra, expected in (
        (till, {"paymentReceived": {"method": "CASH", "amount": "1E+100000"}}, "INVALID_INPUT"),
        (pos, {"paymentReceived": paid}, "FORBIDDEN"),  # the cashier must be signed in
        (till, {}, "PAYMENT_REQUIRED"),
        (till, {"paymentReceived": {"method": "CARD", "amount": "1"}}, "PAYMENT_SHORT"),
        (
            till,
            {"paymentMethod": "PAY_AT_STORE", "paymentReceived": paid},
            "INVALID_PAYMENT_METHOD",
        ),
    ):
        refused = await ok(
            writer, SALE, {"i": {**sale, **extra, "idempotencyKey": f"refused-{expected}"}}, headers
        )
        assert refused["checkoutComplete"]["userErrors"][0]["code"] == expected, refused
    done = await ok(writer, SALE, {"i": {**sale, "paymentReceived": paid}}, till)
    order = done["checkoutComplete"]["order"]
    assert done["checkoutComplete"]["userErrors"] == []
    assert (order["status"], order["kind"], order["channel"], order["paymentMethod"]) == (
        "COMPLETED",
        "IN_STORE",
        "POS",
        "AT_COUNTER",
    )
    assert order["paymentStatus"] == "PAID"
    assert order["location"] == order["takenAt"] == {"code": code}
    assert order["pointsEarned"] == int(Decimal(total)) // 10_000 > 0
    # The units left the store with the customer; nothing is held for the order.
    assert await available(engine, variant, store) == before - 2
    assert (
        await scalar(
            engine,
            "SELECT count(*) FROM stock_reservations WHERE reference LIKE :r AND status = 'HELD'",
            r=f"{order['number']}/%",
        )
        == 0
    )
    assert await scalar(engine, LEDGER_MISMATCHES) is None
    change = await scalar(
        engine,
        "SELECT e.payload->'payment'->>'change' FROM order_events e JOIN orders o"
        " ON o.id = e.order_id WHERE o.number = :n",
        n=order["number"],
    )
    assert Decimal(change) == 20_000

    # In the member's history beside their online orders; their online cart untouched.
    mine = await ok(
        writer,
        """{ me { orders(first: 5) { nodes { number channel status } }
                 cart { id lines { quantity } } } }""",
        headers=member.headers,
    )
    assert mine["me"]["orders"]["nodes"][0] == {
        "number": order["number"],
        "channel": "POS",
        "status": "COMPLETED",
    }
    assert mine["me"]["cart"] == {"id": online_id, "lines": [{"quantity": 1}]}
    balance = await ok(writer, "{ me { membership { pointsBalance } } }", headers=member.headers)
    assert balance["me"]["membership"]["pointsBalance"] == order["pointsEarned"]


async def test_a_walk_in_sale_needs_no_member_and_no_contact(engine, writer) -> None:
    variant, store, _ = await store_with_stock(engine, 2)
    admin = await make_staff(engine, writer, StaffRole.ADMIN)
    cashier = await make_staff(engine, writer, StaffRole.STORE_STAFF, [store])
    _, pos_key = await register_device(writer, admin, store, "POS")
    till = {DEVICE_KEY: pos_key, **cashier.headers}
    line = [{"variantId": gid("ProductVariant", variant), "quantity": 1}]
    cart = (await ok(writer, CREATE, {"l": line}, till))["cartCreate"]["cart"]["id"]
    await ok(writer, IN_STORE, {"c": cart}, till)
    total = (
        await ok(
            writer,
            "query($c: ID!) { cart(id: $c) { cost { total { amount } } } }",
            {"c": cart},
            till,
        )
    )["cart"]["cost"]["total"]["amount"]
    done = await ok(
        writer,
        SALE,
        {
            "i": {
                "cartId": cart,
                "idempotencyKey": "walk-in-0001",
                "paymentMethod": "AT_COUNTER",
                "paymentReceived": {"method": "BANK_TRANSFER", "amount": total},
            }
        },
        till,
    )
    order = done["checkoutComplete"]["order"]
    assert order["status"] == "COMPLETED" and order["pointsEarned"] == 0


async def test_the_endless_aisle_records_where_it_was_taken_and_who_fulfils_it(
    engine, writer
) -> None:
    """Out of stock at the kiosk's store: the identified customer orders it for pickup at
    another store; at the counter, for delivery from a shipping location."""
    variant, far_store, far_code = await store_with_stock(engine, 4)
    stores = await store_ids(engine)
    admin = await make_staff(engine, writer, StaffRole.ADMIN)
    pickup_stores = set(
        await scalar_rows(engine, "SELECT code FROM locations WHERE pickup_enabled AND active")
    )
    here_code = next(c for c, i in stores.items() if i != far_store and c in pickup_stores)
    here = stores[here_code]
    async with engine.begin() as conn:  # sold out here
        await conn.execute(
            text(
                "INSERT INTO stock_levels (variant_id, location_id, on_hand, reserved)"
                " VALUES (:v, :l, 0, 0) ON CONFLICT (variant_id, location_id)"
                " DO UPDATE SET on_hand = stock_levels.reserved"
            ),
            {"v": variant, "l": here},
        )
        await conn.execute(
            text(
                "INSERT INTO stock_movements (variant_id, location_id, kind, quantity,"
                " on_hand_delta, reserved_delta, on_hand_after, reserved_after, actor_kind,"
                " channel, reason) SELECT :v, :l, 'COUNT_CORRECTION', 1, 0, 0, s.on_hand,"
                " s.reserved, 'SYSTEM', 'WEB', 'test' FROM stock_levels s"
                " WHERE s.variant_id = :v AND s.location_id = :l"
            ),
            {"v": variant, "l": here},
        )
    assert await available(engine, variant, here) == 0
    member = await register(writer)
    kiosk_id, kiosk_key = await register_device(writer, admin, here, "KIOSK")
    identified = await ok(
        writer,
        """mutation($c: String) { customerIdentify(input: {cardNumber: $c}) {
             session { token } userErrors { code } } }""",
        {"c": await card_of(writer, member.headers)},
        {DEVICE_KEY: kiosk_key},
    )
    kiosk = {DEVICE_KEY: kiosk_key, **bearer(identified["customerIdentify"]["session"]["token"])}
    line = [{"variantId": gid("ProductVariant", variant), "quantity": 1}]
    cart = (await ok(writer, CREATE, {"l": line}, kiosk))["cartCreate"]["cart"]["id"]
    await ok(writer, PICKUP, {"c": cart, "s": gid("Location", far_store)}, kiosk)
    placed = await ok(
        writer, CHECKOUT, {"c": cart, "k": "endless-aisle-1", "m": "PAY_AT_STORE"}, kiosk
    )
    order = placed["checkoutComplete"]["order"]
    assert placed["checkoutComplete"]["userErrors"] == [], placed
    assert order["channel"] == "KIOSK" and order["location"] == {"code": far_code}
    taken = await ok(
        writer,
        "query($o: ID!) { order(id: $o) { takenAt { code } } }",
        {"o": order["id"]},
        member.headers,
    )
    assert taken["order"]["takenAt"] == {"code": here_code}
    assert kiosk_id

    # At the counter: the cashier sends it from a shipping location to the member's home.
    cashier = await make_staff(engine, writer, StaffRole.STORE_STAFF, [here])
    _, pos_key = await register_device(writer, admin, here, "POS")
    till = {DEVICE_KEY: pos_key, **cashier.headers}
    counter_cart = (await ok(writer, CREATE, {"l": line}, till))["cartCreate"]["cart"]["id"]
    await ok(
        writer,
        IDENTITY,
        {"c": counter_cart, "b": {"cardNumber": await card_of(writer, member.headers)}},
        till,
    )
    from tests.test_checkout import ADDRESS

    await ok(
        writer,
        """mutation($c: ID!, $a: DeliveryAddressInput!) { cartFulfillmentUpdate(cartId: $c,
           fulfillment: {delivery: {address: $a}}) { userErrors { code } } }""",
        {"c": counter_cart, "a": ADDRESS},
        till,
    )
    shipped = await ok(
        writer,
        SALE,
        {
            "i": {
                "cartId": counter_cart,
                "idempotencyKey": "endless-aisle-2",
                "paymentMethod": "CASH_ON_DELIVERY",
            }
        },
        till,
    )
    delivery = shipped["checkoutComplete"]["order"]
    assert shipped["checkoutComplete"]["userErrors"] == [], shipped
    assert delivery["kind"] == "DELIVERY" and delivery["status"] == "PLACED"
    assert delivery["takenAt"] == {"code": here_code}
    assert delivery["location"] != {"code": here_code}
    ships = await scalar(
        engine, "SELECT ships_orders FROM locations WHERE code = :c", c=delivery["location"]["code"]
    )
    assert ships is True


async def pickup_order(
    client: Any, member: Any, variant: int, store: int, quantity: int, key: str, points: int = 0
) -> dict[str, Any]:
    """A placed pickup order of `member`, as SALE returns it (with its line ids)."""
    lines = [{"variantId": gid("ProductVariant", variant), "quantity": quantity}]
    cart = (await ok(client, CREATE, {"l": lines}, member.headers))["cartCreate"]["cart"]["id"]
    await ok(client, PICKUP, {"c": cart, "s": gid("Location", store)}, member.headers)
    if points:
        await redeem_points(client, cart, points, member.headers)
    placed = await ok(
        client,
        SALE,
        {"i": {"cartId": cart, "idempotencyKey": key, "paymentMethod": "PAY_AT_STORE"}},
        member.headers,
    )
    return dict(placed["checkoutComplete"]["order"])


async def test_bought_online_returned_in_a_shop(engine, writer) -> None:
    variant, store, _ = await store_with_stock(engine, 5)
    stores = await store_ids(engine)
    other_code, other = next((c, i) for c, i in stores.items() if i != store)
    member = await register(writer)
    staff = await make_staff(engine, writer, StaffRole.STORE_STAFF, [store])
    clerk = await make_staff(engine, writer, StaffRole.STORE_STAFF, [other])
    async with AsyncSession(engine) as session:
        await ledger.adjust_points(session, ADMIN, member.id, 4, "test")
        await session.commit()
    order = await pickup_order(writer, member, variant, store, 3, "return-anywhere-1", points=4)
    line_total = Decimal(order["lines"][0]["total"]["amount"])
    ask = {
        "orderId": order["id"],
        "lines": [{"orderLineId": "", "quantity": 1}],
        "storeId": gid("Location", other),
        "reason": "Wrong size",
        "refundMethod": "CASH",
    }
    early = (await ok(writer, RETURN, {"i": {**ask, "lines": []}}, clerk.headers))["orderReturn"]
    assert early["userErrors"][0]["code"] == "INVALID_INPUT"

    await ok(writer, READY, {"o": order["id"]}, staff.headers)
    code = (await ok(writer, READ, {"o": order["id"]}, member.headers))["order"]["pickup"]["code"]
    total = order["cost"]["total"]["amount"]
    await ok(
        writer,
        COLLECT,
        {
            "i": {
                "orderId": order["id"],
                "pickupCode": code,
                "paymentReceived": {"method": "CASH", "amount": total},
            }
        },
        staff.headers,
    )
    lines = (
        await ok(
            writer,
            "query($o: ID!) { order(id: $o) { pointsEarned lines { id } } }",
            {"o": order["id"]},
            member.headers,
        )
    )["order"]
    earned = lines["pointsEarned"]
    line_id = lines["lines"][0]["id"]
    assert earned > 0
    before_other = (
        await available(engine, variant, other)
        if await scalar(
            engine,
            "SELECT count(*) FROM stock_levels WHERE variant_id = :v AND location_id = :l",
            v=variant,
            l=other,
        )
        else 0
    )

    # The customer cannot return by themselves; a clerk of any store can.
    ask["lines"] = [{"orderLineId": line_id, "quantity": 1}]
    mine = (await ok(writer, RETURN, {"i": ask}, member.headers))["orderReturn"]
    assert mine["userErrors"][0]["code"] == "FORBIDDEN"
    too_many = (
        await ok(
            writer,
            RETURN,
            {"i": {**ask, "lines": [{"orderLineId": line_id, "quantity": 4}]}},
            clerk.headers,
        )
    )["orderReturn"]
    assert too_many["userErrors"][0]["code"] == "RETURN_EXCEEDS_PURCHASE"
    assert too_many["userErrors"][0]["field"] == ["input", "lines", "0", "quantity"]
    first = (await ok(writer, RETURN, {"i": ask}, clerk.headers))["orderReturn"]
    assert first["userErrors"] == [], first
    returned = first["order"]["returns"][0]
    one_third = (line_total / 3).quantize(Decimal(1))
    assert Decimal(returned["refund"]["amount"]) == one_third
    assert returned["store"] == {"code": other_code}
    assert returned["lines"] == [
        {"orderLineId": line_id, "quantity": 1, "refund": {"amount": returned["refund"]["amount"]}}
    ]
    assert await available(engine, variant, other) == before_other + 1
    rest = (
        await ok(
            writer,
            RETURN,
            {"i": {**ask, "lines": [{"orderLineId": line_id, "quantity": 2}]}},
            clerk.headers,
        )
    )["orderReturn"]
    assert rest["userErrors"] == []
    refunds = [Decimal(r["refund"]["amount"]) for r in rest["order"]["returns"]]
    assert sum(refunds) == line_total  # the whole line, to the đồng
    assert sum(r["pointsReversed"] for r in rest["order"]["returns"]) == earned
    nothing_left = (await ok(writer, RETURN, {"i": ask}, clerk.headers))["orderReturn"]
    assert nothing_left["userErrors"][0]["code"] == "RETURN_EXCEEDS_PURCHASE"
    # What was earned on the goods is gone; the 4 points spent on them came back.
    balance = await ok(writer, "{ me { membership { pointsBalance } } }", headers=member.headers)
    assert balance["me"]["membership"]["pointsBalance"] == 4
    assert (
        await scalar(
            engine,
            "SELECT count(*) FROM stock_movements WHERE kind = 'RETURNED' AND reference LIKE :r",
            r=f"{order['number']}/return/%",
        )
        == 2
    )
    assert (
        await scalar(
            engine,
            "SELECT sum(amount) FROM payments p JOIN orders o ON o.id = p.order_id"
            " WHERE o.number = :n AND p.status = 'REFUNDED'",
            n=order["number"],
        )
        == line_total
    )
    assert await scalar(engine, LEDGER_MISMATCHES) is None


async def test_returns_are_refused_before_the_sale_and_after_the_window(engine, writer) -> None:
    variant, store, _ = await store_with_stock(engine, 3)
    member = await register(writer)
    staff = await make_staff(engine, writer, StaffRole.STORE_STAFF, [store])
    order = await pickup_order(writer, member, variant, store, 1, "return-window-1")
    line_id = order["lines"][0]["id"]
    ask = {
        "orderId": order["id"],
        "lines": [{"orderLineId": line_id, "quantity": 1}],
        "storeId": gid("Location", store),
        "reason": "Faulty",
        "refundMethod": "CARD",
    }
    placed = (await ok(writer, RETURN, {"i": ask}, staff.headers))["orderReturn"]
    assert placed["userErrors"][0]["code"] == "NOT_RETURNABLE"
    assert "PLACED" in placed["userErrors"][0]["message"]
    await ok(writer, READY, {"o": order["id"]}, staff.headers)
    code = (await ok(writer, READ, {"o": order["id"]}, member.headers))["order"]["pickup"]["code"]
    await ok(
        writer,
        COLLECT,
        {
            "i": {
                "orderId": order["id"],
                "pickupCode": code,
                "paymentReceived": {"method": "CASH", "amount": order["cost"]["total"]["amount"]},
            }
        },
        staff.headers,
    )
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE orders SET collected_at = now() - interval '31 days' WHERE number = :n"),
            {"n": order["number"]},
        )
    late = (await ok(writer, RETURN, {"i": ask}, staff.headers))["orderReturn"]
    assert late["userErrors"][0]["code"] == "RETURN_WINDOW_CLOSED"
