"""Click-and-collect after checkout, through the GraphQL endpoint on a real database:
ready with a pickup code, collected and paid at the counter, locked by wrong codes and
unlocked by staff, cancelled by the customer or the store, expired by the job; delivery
shipped and delivered; the store's queues."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import StaffRole
from domain.membership import ledger
from domain.orders.cancel import expire_pickups
from tests.conftest import gql, ok
from tests.people import (
    Person,
    bearer,
    gid,
    make_staff,
    register,
    register_device,
    store_ids,
)
from tests.test_checkout import (
    ADMIN,
    CHECKOUT,
    delivery_cart,
    ready_cart,
    redeem_points,
    scalar,
    store_with_stock,
)
from tests.test_points import omni
from tests.test_stock import LEDGER_MISMATCHES

DEVICE_KEY = "x-omni-device-key"
CHANNEL = "x-omni-channel"

ORDER = """fragment O on Order { id number status pointsEarned paymentStatus channel
  cost { total { amount } }
  pickup { code qrPayload readyAt collectBy locked attemptsLeft store { code } }
  events { kind fromStatus toStatus actorKind channel } }"""
READY = (
    ORDER
    + """mutation($o: ID!) { orderMarkReady(orderId: $o) {
  order { ...O } userErrors { code field message } } }"""
)
COLLECT = (
    ORDER
    + """mutation($i: OrderCollectInput!) { orderCollect(input: $i) {
  order { ...O } userErrors { code field message } } }"""
)
CANCEL = (
    ORDER
    + """mutation($i: OrderCancelInput!) { orderCancel(input: $i) {
  order { ...O } userErrors { code field message } } }"""
)
UNLOCK = """mutation($o: ID!, $r: String!) { orderPickupUnlock(orderId: $o, reason: $r) {
  order { pickup { locked attemptsLeft } } userErrors { code message } } }"""
READ = ORDER + "query($o: ID!) { order(id: $o) { ...O } }"


async def place(
    client: Any, variant: int, store: int, person: Person | None = None, quantity: int = 1
) -> dict[str, Any]:
    headers = person.headers if person else None
    cart = await ready_cart(client, variant, store, quantity, headers)
    data = await ok(
        client,
        CHECKOUT,
        {"c": cart, "k": f"pickup-{cart[-12:]}-{quantity}", "m": "PAY_AT_STORE"},
        headers,
    )
    order = data["checkoutComplete"]["order"]
    assert order is not None, data
    return dict(order)


async def cancel(
    client: Any, order: dict[str, Any], reason: str, headers: dict[str, str]
) -> dict[str, Any]:
    """orderCancel's payload."""
    data = await ok(client, CANCEL, {"i": {"orderId": order["id"], "reason": reason}}, headers)
    return dict(data["orderCancel"])


def total(order: dict[str, Any]) -> str:
    return str(order["cost"]["total"]["amount"])


async def scalar_rows_of(engine: Any, sql: str, **params: Any) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(text(sql), params)).scalar_one()


async def available(engine: Any, variant: int, store: int) -> int:
    return int(
        await scalar(
            engine,
            "SELECT on_hand - reserved FROM stock_levels"
            " WHERE variant_id = :v AND location_id = :l",
            v=variant,
            l=store,
        )
    )


async def test_click_and_collect_across_channels(engine, writer) -> None:
    """Cart on the web, checkout in the app, ready by the store's POS, collected and paid
    at the counter; points on the web right after, the same order on every channel."""
    variant, store, code = await store_with_stock(engine, 5)
    member = await register(writer)
    web = {**member.headers, CHANNEL: "WEB"}
    app = {**member.headers, CHANNEL: "MOBILE_APP"}
    admin = await make_staff(engine, writer, StaffRole.ADMIN)
    _, pos_key = await register_device(writer, admin, store, "POS")
    cashier = await make_staff(engine, writer, StaffRole.STORE_STAFF, [store])
    pos = {DEVICE_KEY: pos_key}
    counter = {DEVICE_KEY: pos_key, **cashier.headers}

    cart = await ready_cart(writer, variant, store, 2, web)
    placed = await ok(
        writer, CHECKOUT, {"c": cart, "k": "across-channels-1", "m": "PAY_AT_STORE"}, app
    )
    order = placed["checkoutComplete"]["order"]
    assert order["channel"] == "MOBILE_APP" and order["status"] == "PLACED"
    before = await available(engine, variant, store)

    # The customer sees no pickup before the store has it ready.
    mine = await ok(writer, READ, {"o": order["id"]}, app)
    assert mine["order"]["pickup"] is None

    ready = (await ok(writer, READY, {"o": order["id"]}, pos))["orderMarkReady"]
    assert ready["userErrors"] == []
    assert ready["order"]["status"] == "READY_FOR_PICKUP"
    # The store's side never reads the code.
    assert (
        ready["order"]["pickup"]["code"] is None and ready["order"]["pickup"]["qrPayload"] is None
    )
    assert ready["order"]["pickup"]["store"] == {"code": code}
    shown = (await ok(writer, READ, {"o": order["id"]}, app))["order"]["pickup"]
    assert len(shown["code"]) == 6 and shown["code"].isdigit()
    assert shown["qrPayload"] == f"OMNI-PICKUP:{order['id']}:{shown['code']}"
    assert not shown["locked"] and shown["attemptsLeft"] == 5
    notified = await scalar(
        engine,
        "SELECT payload->>'pickupCode' FROM notifications WHERE template = 'order_ready_for_pickup'"
        " AND payload->>'number' = :n",
        n=order["number"],
    )
    assert notified == shown["code"]

    amount = total(order)
    short = (
        await ok(
            writer,
            COLLECT,
            {
                "i": {
                    "orderId": order["id"],
                    "pickupCode": shown["code"],
                    "paymentReceived": {"method": "CASH", "amount": str(int(amount) - 1)},
                }
            },
            counter,
        )
    )["orderCollect"]
    assert short["userErrors"][0]["code"] == "PAYMENT_SHORT"
    assert short["userErrors"][0]["field"] == ["input", "paymentReceived", "amount"]
    unpaid = (
        await ok(
            writer, COLLECT, {"i": {"orderId": order["id"], "pickupCode": shown["code"]}}, counter
        )
    )["orderCollect"]
    assert unpaid["userErrors"][0]["code"] == "PAYMENT_REQUIRED"

    collected = (
        await ok(
            writer,
            COLLECT,
            {
                "i": {
                    "orderId": order["id"],
                    "pickupCode": shown["code"],
                    "paymentReceived": {"method": "CASH", "amount": str(int(amount) + 5000)},
                }
            },
            counter,
        )
    )["orderCollect"]
    assert collected["userErrors"] == []
    done = collected["order"]
    assert done["status"] == "COLLECTED" and done["paymentStatus"] == "PAID"
    assert done["pickup"] is None
    expected_points = int(amount) // 10_000
    assert done["pointsEarned"] == expected_points > 0
    assert [e["kind"] for e in done["events"]] == [
        "order.placed",
        "order.ready",
        "order.collected",
    ]
    assert done["events"][2]["actorKind"] == "STAFF" and done["events"][2]["channel"] == "POS"
    # The units left the store: on-hand dropped, availability unchanged (they were held).
    assert await available(engine, variant, store) == before
    assert (
        await scalar(
            engine,
            "SELECT count(*) FROM stock_movements WHERE kind = 'SOLD' AND reference LIKE :r",
            r=f"{order['number']}/%",
        )
        == 1
    )
    assert await scalar(engine, LEDGER_MISMATCHES) is None

    # On the web right after: the points, and the same order in me.orders on every channel.
    points = await ok(writer, "{ me { membership { pointsBalance } } }", headers=web)
    assert points["me"]["membership"]["pointsBalance"] == expected_points
    # The spend counts toward the tier's 12 months.
    spent = await scalar(
        engine,
        "SELECT sum(s.amount) FROM spend_entries s JOIN memberships m ON m.id = s.membership_id"
        " WHERE m.customer_id = :c AND s.order_ref = :n",
        c=member.id,
        n=order["number"],
    )
    assert spent == int(amount)
    kiosk_id, kiosk_key = await register_device(writer, admin, store, "KIOSK")
    card = (await ok(writer, "{ me { membership { cardNumber } } }", headers=web))["me"][
        "membership"
    ]["cardNumber"]
    identified = await ok(
        writer,
        """mutation($c: String) { customerIdentify(input: {cardNumber: $c}) {
             session { token } userErrors { code } } }""",
        {"c": card},
        {DEVICE_KEY: kiosk_key},
    )
    kiosk = {DEVICE_KEY: kiosk_key, **bearer(identified["customerIdentify"]["session"]["token"])}
    listed = "{ me { orders(first: 5) { nodes { number status pointsEarned } } } }"
    seen = [
        (await ok(writer, listed, headers=h))["me"]["orders"]["nodes"] for h in (web, app, kiosk)
    ]
    assert (
        seen[0]
        == seen[1]
        == seen[2]
        == [{"number": order["number"], "status": "COLLECTED", "pointsEarned": expected_points}]
    )
    # Even the customer's own kiosk session does not show a code (there is none now anyway).
    assert kiosk_id


async def test_wrong_codes_lock_the_pickup_until_staff_unlock_it(engine, writer) -> None:
    variant, store, _ = await store_with_stock(engine, 3)
    member = await register(writer)
    staff = await make_staff(engine, writer, StaffRole.STORE_STAFF, [store])
    elsewhere = next(i for i in (await store_ids(engine)).values() if i != store)
    other = await make_staff(engine, writer, StaffRole.STORE_STAFF, [elsewhere])
    order = await place(writer, variant, store, member)
    await ok(writer, READY, {"o": order["id"]}, staff.headers)
    code = (await ok(writer, READ, {"o": order["id"]}, member.headers))["order"]["pickup"]["code"]
    wrong = "000000" if code != "000000" else "111111"
    attempt = {"orderId": order["id"], "pickupCode": wrong}

    codes = []
    for _ in range(5):
        result = (await ok(writer, COLLECT, {"i": attempt}, staff.headers))["orderCollect"]
        codes.append(result["userErrors"][0]["code"])
    assert codes == ["WRONG_PICKUP_CODE"] * 4 + ["PICKUP_LOCKED"]
    # Locked: even the right code is refused now, and the count was kept.
    right = {"orderId": order["id"], "pickupCode": code, "paymentReceived": None}
    right["paymentReceived"] = {"method": "CARD", "amount": total(order)}
    locked = (await ok(writer, COLLECT, {"i": right}, staff.headers))["orderCollect"]
    assert locked["userErrors"][0]["code"] == "PICKUP_LOCKED"
    state = (await ok(writer, READ, {"o": order["id"]}, member.headers))["order"]["pickup"]
    assert state["locked"] and state["attemptsLeft"] == 0

    # Staff of another store cannot see it; the customer cannot unlock it.
    hidden = await ok(writer, UNLOCK, {"o": order["id"], "r": "checked ID"}, other.headers)
    assert hidden["orderPickupUnlock"]["userErrors"][0]["code"] == "NOT_FOUND"
    mine = await ok(writer, UNLOCK, {"o": order["id"], "r": "me"}, member.headers)
    assert mine["orderPickupUnlock"]["userErrors"][0]["code"] == "FORBIDDEN"
    blank = await ok(writer, UNLOCK, {"o": order["id"], "r": "  "}, staff.headers)
    assert blank["orderPickupUnlock"]["userErrors"][0]["code"] == "INVALID_INPUT"
    unlocked = await ok(
        writer, UNLOCK, {"o": order["id"], "r": "Checked CCCD 0790…"}, staff.headers
    )
    assert unlocked["orderPickupUnlock"]["order"]["pickup"] == {"locked": False, "attemptsLeft": 5}
    done = (await ok(writer, COLLECT, {"i": right}, staff.headers))["orderCollect"]
    assert done["userErrors"] == [] and done["order"]["status"] == "COLLECTED"
    again = (await ok(writer, COLLECT, {"i": right}, staff.headers))["orderCollect"]
    assert again["userErrors"][0]["code"] == "INVALID_TRANSITION"
    assert "COLLECTED" in again["userErrors"][0]["message"]
    reasons = await scalar(
        engine,
        "SELECT payload->>'reason' FROM order_events e JOIN orders o ON o.id = e.order_id "
        "WHERE o.number = :n AND e.kind = 'order.pickup_unlocked'",
        n=order["number"],
    )
    assert reasons == "Checked CCCD 0790…"


async def test_who_may_take_which_step(engine, writer) -> None:
    variant, store, _ = await store_with_stock(engine, 3)
    member = await register(writer)
    stranger = await register(writer)
    admin = await make_staff(engine, writer, StaffRole.ADMIN)
    _, kiosk_key = await register_device(writer, admin, store, "KIOSK")
    order = await place(writer, variant, store, member)
    for headers, expected in (
        (member.headers, "FORBIDDEN"),  # customers never mark ready
        (stranger.headers, "NOT_FOUND"),
        ({DEVICE_KEY: kiosk_key}, "NOT_FOUND"),  # a kiosk is not the counter
        ({}, "NOT_FOUND"),
    ):
        result = (await ok(writer, READY, {"o": order["id"]}, headers))["orderMarkReady"]
        assert result["userErrors"][0]["code"] == expected, headers
        assert result["order"] is None
    # A phone-only kiosk session (first name and points) sees no orders, even its own.
    limited = await ok(
        writer,
        """mutation($p: String) { customerIdentify(input: {phone: $p}) {
             session { token limited } userErrors { code } } }""",
        {"p": member.phone},
        {DEVICE_KEY: kiosk_key},
    )
    assert limited["customerIdentify"]["session"]["limited"] is True
    phone_only = {DEVICE_KEY: kiosk_key, **bearer(limited["customerIdentify"]["session"]["token"])}
    unseen = await gql(writer, READ, {"o": order["id"]}, phone_only)
    assert unseen.error_codes() == ["NOT_FOUND"]
    not_cancelled = await cancel(writer, order, "not mine to cancel", phone_only)
    assert not_cancelled["userErrors"][0]["code"] == "NOT_FOUND"
    collect = {"orderId": order["id"], "pickupCode": "123456"}
    early = (await ok(writer, COLLECT, {"i": collect}, admin.headers))["orderCollect"]
    assert early["userErrors"][0]["code"] == "INVALID_TRANSITION"
    assert "PLACED" in early["userErrors"][0]["message"]
    assert (
        await scalar(
            engine, "SELECT pickup_attempts FROM orders WHERE number = :n", n=order["number"]
        )
        == 0
    )
    # A wrong type of id is a GraphQL error, not a silent miss.
    bad = await gql(writer, READY, {"o": gid("Product", 1)}, admin.headers)
    assert bad.errors


async def test_cancelling_gives_everything_back(engine, writer) -> None:
    variant, store, _ = await store_with_stock(engine, 4)
    member = await register(writer)
    staff = await make_staff(engine, writer, StaffRole.STORE_STAFF, [store])
    async with AsyncSession(engine) as session:
        await ledger.adjust_points(session, ADMIN, member.id, 5, "test")
        await session.commit()
    start = await available(engine, variant, store)

    # The customer cancels while it is PLACED; points come back with a REVERSE entry.
    cart = await ready_cart(writer, variant, store, 2, member.headers)
    await redeem_points(writer, cart, 5, member.headers)
    placed = await ok(
        writer, CHECKOUT, {"c": cart, "k": "cancel-points-1", "m": "PAY_AT_STORE"}, member.headers
    )
    order = placed["checkoutComplete"]["order"]
    assert order["pointsRedeemed"] == 5
    assert await available(engine, variant, store) == start - 2
    blank = await cancel(writer, order, "", member.headers)
    assert blank["userErrors"][0]["code"] == "INVALID_INPUT"
    cancelled = await cancel(writer, order, "Changed my mind", member.headers)
    assert cancelled["userErrors"] == []
    assert cancelled["order"]["status"] == "CANCELLED"
    assert cancelled["order"]["paymentStatus"] == "VOIDED"
    assert await available(engine, variant, store) == start
    balance = await ok(writer, "{ me { membership { pointsBalance } } }", headers=member.headers)
    assert balance["me"]["membership"]["pointsBalance"] == 5
    assert (
        await scalar(
            engine,
            "SELECT amount FROM points_entries WHERE kind = 'REVERSE' AND order_ref = :n",
            n=order["number"],
        )
        == 5
    )
    again = await cancel(writer, order, "x", member.headers)
    assert again["userErrors"][0]["code"] == "INVALID_TRANSITION"

    # Once ready, only the store cancels.
    second = await place(writer, variant, store, member)
    await ok(writer, READY, {"o": second["id"]}, staff.headers)
    refused = await cancel(writer, second, "x", member.headers)
    assert refused["userErrors"][0]["code"] == "INVALID_TRANSITION"
    assert "READY_FOR_PICKUP" in refused["userErrors"][0]["message"]
    by_store = await cancel(writer, second, "Damaged on the shelf", staff.headers)
    assert by_store["order"]["status"] == "CANCELLED"
    assert by_store["order"]["pickup"] is None
    assert await available(engine, variant, store) == start
    assert await scalar(engine, LEDGER_MISMATCHES) is None
    templates = await scalar(
        engine,
        "SELECT count(*) FROM notifications WHERE template = 'order_cancelled'"
        " AND payload->>'number' IN (:a, :b)",
        a=order["number"],
        b=second["number"],
    )
    assert templates == 2


async def test_expiry_releases_stock_voucher_and_points(engine, writer, fresh_db) -> None:
    variant, store, _ = await store_with_stock(engine, 3)
    member = await register(writer)
    staff = await make_staff(engine, writer, StaffRole.STORE_STAFF, [store])
    async with AsyncSession(engine) as session:
        await ledger.adjust_points(session, ADMIN, member.id, 3, "test")
        await session.commit()
    code = "EXPIRY-TEST"
    created = await ok(
        writer,
        """mutation($i: VoucherInput!) { voucherCreate(input: $i) {
             userErrors { code message } } }""",
        {"i": {"code": code, "kind": "FIXED", "value": "1000", "usageLimit": 1}},
        (await make_staff(engine, writer, StaffRole.ADMIN)).headers,
    )
    assert created["voucherCreate"]["userErrors"] == [], created
    start = await available(engine, variant, store)
    cart = await ready_cart(writer, variant, store, 1, member.headers)
    for mutation in (
        f'mutation($c: ID!) {{ cartVoucherApply(cartId: $c, code: "{code}") '
        "{ userErrors { code } } }",
        "mutation($c: ID!) { cartPointsRedeem(cartId: $c, points: 3) { userErrors { code } } }",
    ):
        applied = await ok(writer, mutation, {"c": cart}, member.headers)
        assert all(not v["userErrors"] for v in applied.values()), applied
    placed = await ok(
        writer, CHECKOUT, {"c": cart, "k": "expiry-test-1", "m": "PAY_AT_STORE"}, member.headers
    )
    order = placed["checkoutComplete"]["order"]
    assert order["voucherCode"] == code and order["pointsRedeemed"] == 3
    await ok(writer, READY, {"o": order["id"]}, staff.headers)

    async with AsyncSession(engine) as session:
        assert await expire_pickups(session) == 0  # not due yet
        await session.execute(
            text("UPDATE orders SET collect_by = now() - interval '1 minute' WHERE number = :n"),
            {"n": order["number"]},
        )
        await session.commit()
    # The job as cron runs it.
    code_, out, err = await omni("jobs", "run", "expire-pickups", database_url=fresh_db)
    assert code_ == 0, out + err
    assert "Expired 1 pickup orders." in out
    async with AsyncSession(engine) as session:
        assert await expire_pickups(session) == 0
    seen = (await ok(writer, READ, {"o": order["id"]}, member.headers))["order"]
    assert seen["status"] == "CANCELLED"
    assert seen["events"][-1]["kind"] == "order.expired"
    assert seen["events"][-1]["actorKind"] == "SYSTEM"
    assert await available(engine, variant, store) == start
    assert await scalar(engine, "SELECT times_used FROM vouchers WHERE code = :c", c=code) == 0
    balance = await ok(writer, "{ me { membership { pointsBalance } } }", headers=member.headers)
    assert balance["me"]["membership"]["pointsBalance"] == 3
    assert await scalar(engine, LEDGER_MISMATCHES) is None


async def test_two_collections_at_once_make_one(engine, writer) -> None:
    variant, store, _ = await store_with_stock(engine, 2)
    member = await register(writer)
    first = await make_staff(engine, writer, StaffRole.STORE_STAFF, [store])
    second = await make_staff(engine, writer, StaffRole.STORE_MANAGER, [store])
    order = await place(writer, variant, store, member)
    await ok(writer, READY, {"o": order["id"]}, first.headers)
    code = (await ok(writer, READ, {"o": order["id"]}, member.headers))["order"]["pickup"]["code"]
    collect = {
        "orderId": order["id"],
        "pickupCode": code,
        "paymentReceived": {"method": "E_WALLET", "amount": total(order)},
    }
    results = await asyncio.gather(
        ok(writer, COLLECT, {"i": collect}, first.headers),
        ok(writer, COLLECT, {"i": collect}, second.headers),
    )
    outcomes = sorted(
        r["orderCollect"]["userErrors"][0]["code"] if r["orderCollect"]["userErrors"] else "OK"
        for r in results
    )
    assert outcomes == ["INVALID_TRANSITION", "OK"]
    assert (
        await scalar(
            engine,
            "SELECT count(*) FROM stock_movements WHERE kind = 'SOLD' AND reference LIKE :r",
            r=f"{order['number']}/%",
        )
        == 1
    )
    assert (
        await scalar(
            engine,
            "SELECT count(*) FROM points_entries WHERE kind = 'EARN' AND order_ref = :n",
            n=order["number"],
        )
        == 1
    )


async def test_cancel_and_mark_ready_race_one_wins(engine, writer) -> None:
    variant, store, _ = await store_with_stock(engine, 10)
    staff = await make_staff(engine, writer, StaffRole.STORE_STAFF, [store])
    start = await available(engine, variant, store)
    for round_ in range(4):
        member = await register(writer)
        order = await place(writer, variant, store, member)
        withdrawn, ready = await asyncio.gather(
            cancel(writer, order, f"race {round_}", member.headers),
            ok(writer, READY, {"o": order["id"]}, staff.headers),
        )
        cancelled = not withdrawn["userErrors"]
        readied = not ready["orderMarkReady"]["userErrors"]
        assert cancelled != readied, (withdrawn, ready)
        status = (await ok(writer, READ, {"o": order["id"]}, member.headers))["order"]["status"]
        assert status == ("CANCELLED" if cancelled else "READY_FOR_PICKUP")
        expected = start if cancelled else start - 1
        assert await available(engine, variant, store) == expected
        if readied:
            await cancel(writer, order, "tidy up", staff.headers)
    assert await available(engine, variant, store) == start
    assert await scalar(engine, LEDGER_MISMATCHES) is None


SHIP = """mutation($i: OrderShipInput!) { orderShip(input: $i) {
  order { status shipment { carrier trackingNumber } paymentStatus pointsEarned }
  userErrors { code field message } } }"""
DELIVER = """mutation($o: ID!) { orderDeliver(orderId: $o) {
  order { status deliveredAt paymentStatus pointsEarned } userErrors { code message } } }"""


async def test_a_delivery_is_shipped_then_delivered_and_paid_at_the_door(engine, writer) -> None:
    member = await register(writer)
    cart = await delivery_cart(engine, writer, member.headers, 1)
    placed = await ok(
        writer,
        CHECKOUT,
        {"c": cart, "k": "ship-deliver-1", "m": "CASH_ON_DELIVERY"},
        member.headers,
    )
    order = placed["checkoutComplete"]["order"]
    source = await scalar(
        engine, "SELECT id FROM locations WHERE code = :c", c=order["location"]["code"]
    )
    shipper = await make_staff(engine, writer, StaffRole.STORE_STAFF, [source])
    elsewhere = next(i for i in (await store_ids(engine)).values() if i != source)
    outsider = await make_staff(engine, writer, StaffRole.STORE_STAFF, [elsewhere])
    ship = {"orderId": order["id"], "carrier": "GHN", "trackingNumber": "GHN123456789"}

    early = (await ok(writer, DELIVER, {"o": order["id"]}, shipper.headers))["orderDeliver"]
    assert early["userErrors"][0]["code"] == "INVALID_TRANSITION"
    not_theirs = (await ok(writer, SHIP, {"i": ship}, outsider.headers))["orderShip"]
    assert not_theirs["userErrors"][0]["code"] == "NOT_FOUND"
    no_ready = (await ok(writer, READY, {"o": order["id"]}, shipper.headers))["orderMarkReady"]
    assert no_ready["userErrors"][0]["code"] == "INVALID_TRANSITION"
    blank = (await ok(writer, SHIP, {"i": {**ship, "carrier": " "}}, shipper.headers))["orderShip"]
    assert blank["userErrors"][0]["code"] == "INVALID_INPUT"

    shipped = (await ok(writer, SHIP, {"i": ship}, shipper.headers))["orderShip"]
    assert shipped["userErrors"] == []
    assert shipped["order"]["status"] == "SHIPPED"
    assert shipped["order"]["shipment"] == {"carrier": "GHN", "trackingNumber": "GHN123456789"}
    assert shipped["order"]["paymentStatus"] == "PENDING"
    # The units left the shipping location when the parcel did.
    assert (
        await scalar(
            engine,
            "SELECT count(*) FROM stock_movements WHERE kind = 'SOLD' AND reference LIKE :r",
            r=f"{order['number']}/%",
        )
        == 1
    )
    customer_cancel = await cancel(writer, order, "late", member.headers)
    assert customer_cancel["userErrors"][0]["code"] == "INVALID_TRANSITION"

    delivered = (await ok(writer, DELIVER, {"o": order["id"]}, shipper.headers))["orderDeliver"]
    assert delivered["userErrors"] == []
    paid = delivered["order"]
    assert paid["status"] == "DELIVERED" and paid["paymentStatus"] == "PAID"
    goods = int(order["cost"]["total"]["amount"]) - int(order["cost"]["delivery"]["amount"])
    assert paid["pointsEarned"] == goods // 10_000
    assert await scalar(engine, LEDGER_MISMATCHES) is None


QUEUE = """query($f: StoreOrderFilterInput!, $first: Int, $after: String) {
  orders(filter: $f, first: $first, after: $after) {
    nodes { number status } pageInfo { hasNextPage endCursor } } }"""
BY_CODE = """query($s: ID!, $c: String!) { orderByPickupCode(storeId: $s, code: $c) {
  number status pickup { code collectBy } } }"""


async def test_the_store_queue_and_lookup_by_pickup_code(engine, writer) -> None:
    variant, store, _ = await store_with_stock(engine, 6)
    staff = await make_staff(engine, writer, StaffRole.STORE_STAFF, [store])
    admin = await make_staff(engine, writer, StaffRole.ADMIN)
    elsewhere = next(i for i in (await store_ids(engine)).values() if i != store)
    outsider = await make_staff(engine, writer, StaffRole.STORE_STAFF, [elsewhere])
    _, pos_key = await register_device(writer, admin, store, "POS")
    members = [await register(writer) for _ in range(3)]
    orders = [await place(writer, variant, store, m) for m in members]
    queue = {"storeId": gid("Location", store), "status": "PLACED"}

    first = await ok(writer, QUEUE, {"f": queue, "first": 2}, staff.headers)
    page = first["orders"]
    assert [n["number"] for n in page["nodes"]] == [o["number"] for o in orders[:2]]
    assert page["pageInfo"]["hasNextPage"]
    rest = await ok(
        writer,
        QUEUE,
        {"f": queue, "first": 2, "after": page["pageInfo"]["endCursor"]},
        {DEVICE_KEY: pos_key},
    )
    assert [n["number"] for n in rest["orders"]["nodes"]] == [orders[2]["number"]]
    newest = await ok(writer, QUEUE, {"f": {"storeId": gid("Location", store)}}, staff.headers)
    numbers = [n["number"] for n in newest["orders"]["nodes"]]
    assert numbers.index(orders[2]["number"]) < numbers.index(orders[0]["number"])
    for headers, code in (
        (outsider.headers, "FORBIDDEN"),
        (members[0].headers, "FORBIDDEN"),
        ({}, "FORBIDDEN"),
    ):
        refused = await gql(writer, QUEUE, {"f": queue}, headers)
        assert refused.error_codes() == [code], (headers, refused.errors)
    no_store = await gql(writer, QUEUE, {"f": {"status": "PLACED"}}, staff.headers)
    assert no_store.error_codes() == ["INVALID_INPUT"]
    assert (await ok(writer, QUEUE, {"f": {"status": "PLACED"}}, admin.headers))["orders"]

    await ok(writer, READY, {"o": orders[1]["id"]}, staff.headers)
    code = (await ok(writer, READ, {"o": orders[1]["id"]}, members[1].headers))["order"]["pickup"][
        "code"
    ]
    found = await ok(writer, BY_CODE, {"s": gid("Location", store), "c": code}, staff.headers)
    assert found["orderByPickupCode"]["number"] == orders[1]["number"]
    assert found["orderByPickupCode"]["pickup"]["code"] is None  # staff never read codes
    wrong = "000000" if code != "000000" else "111111"
    missing = await gql(writer, BY_CODE, {"s": gid("Location", store), "c": wrong}, staff.headers)
    assert missing.error_codes() == ["NOT_FOUND"]
    assert missing.data == {"orderByPickupCode": None}
    foreign = await gql(writer, BY_CODE, {"s": gid("Location", store), "c": code}, outsider.headers)
    assert foreign.error_codes() == ["FORBIDDEN"]
    ready_queue = await ok(
        writer,
        QUEUE,
        {"f": {"storeId": gid("Location", store), "status": "READY_FOR_PICKUP"}},
        staff.headers,
    )
    assert [n["number"] for n in ready_queue["orders"]["nodes"]] == [orders[1]["number"]]
    placed_at = await scalar_rows_of(
        engine, "SELECT created_at FROM orders WHERE number = :n", n=orders[1]["number"]
    )
    window = {
        "storeId": gid("Location", store),
        "placedFrom": placed_at.isoformat(),
        "placedTo": (placed_at + timedelta(microseconds=1)).isoformat(),
    }
    only = await ok(writer, QUEUE, {"f": window}, staff.headers)
    assert [n["number"] for n in only["orders"]["nodes"]] == [orders[1]["number"]]


STAFF_PAGE = """query($f: StoreOrderFilterInput!, $first: Int) { orders(filter: $f, first: $first) {
  nodes { number status paymentStatus pointsEarned cost { total { amount } }
          lines { sku quantity } location { code } takenAt { code }
          pickup { readyAt locked store { code } } events { kind actorKind }
          returns { refund { amount } } } } }"""


async def test_the_store_queue_costs_the_same_statements_whatever_its_length(
    engine, writer
) -> None:
    variant, store, _ = await store_with_stock(engine, 6)
    staff = await make_staff(engine, writer, StaffRole.STORE_STAFF, [store])
    for _ in range(4):
        await place(writer, variant, store, await register(writer))
    queue = {"storeId": gid("Location", store), "status": "PLACED"}
    one = await gql(writer, STAFF_PAGE, {"f": queue, "first": 1}, staff.headers)
    four = await gql(writer, STAFF_PAGE, {"f": queue, "first": 4}, staff.headers)
    assert not one.errors and not four.errors
    assert len(four.data["orders"]["nodes"]) == 4
    # Sign-in check, budget, the page; lines, locations, payments, events, returns: one
    # statement each whatever the number of orders.
    assert one.sql_statements == four.sql_statements == 9
