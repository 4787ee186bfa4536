"""Carts through the GraphQL endpoint: guest carts by secret ID, one cart per customer on
every channel, limits with codes, warnings and blockers, bounded statements."""

from __future__ import annotations

import asyncio
import base64
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.config import Limits
from domain.actors import Actor, StaffRole, StaffScope
from domain.membership import ledger
from tests.conftest import client_for, gql, ok
from tests.people import PASSWORD, bearer, gid, make_staff, register, register_device, store_ids

D = Decimal
SECRET = "test-secret-" + "x" * 32
CART = """id channel pointsRedeemed readyForCheckout checkoutBlockers { code }
  warnings { code lineId message }
  lines { id quantity availableQuantity variant { sku }
          cost { unitPrice { amount } subtotal { amount } discounts { amount } total { amount } } }
  cost { subtotal { amount } discounts { amount } delivery { amount } vat { amount }
         total { amount } }
  breakdown { source amount { amount } }"""
CREATE = (
    "mutation($i: CartCreateInput) { cartCreate(input: $i) { cart { "
    + CART
    + " } userErrors { code field message } } }"
)
ADD = (
    "mutation($c: ID!, $l: [CartLineInput!]!) { cartLinesAdd(cartId: $c, lines: $l) { cart { "
    + CART
    + " } userErrors { code field message } } }"
)
UPDATE = (
    "mutation($c: ID!, $l: [CartLineUpdateInput!]!) "
    "{ cartLinesUpdate(cartId: $c, lines: $l) { cart { "
    + CART
    + " } userErrors { code field message } } }"
)
REMOVE = (
    "mutation($c: ID!, $l: [ID!]!) { cartLinesRemove(cartId: $c, lineIds: $l) { cart { "
    + CART
    + " } userErrors { code field message } } }"
)
READ = "query($id: ID!) { cart(id: $id) { " + CART + " } }"


async def stocked(
    engine: AsyncEngine, n: int = 3, most: int = 1_000_000
) -> list[tuple[int, str, int]]:
    """(variant id, sku, the most one location can supply) of on-sale variants with stock."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                """SELECT v.id, v.sku, max(s.on_hand - s.reserved) AS best
                   FROM product_variants v JOIN products p ON p.id = v.product_id
                   JOIN stock_levels s ON s.variant_id = v.id
                   JOIN locations l ON l.id = s.location_id
                   WHERE p.published AND p.archived_at IS NULL AND v.archived_at IS NULL
                     AND l.active AND (l.pickup_enabled OR l.ships_orders)
                   GROUP BY v.id, v.sku
                   HAVING max(s.on_hand - s.reserved) BETWEEN 5 AND :most
                   ORDER BY v.id LIMIT :n"""
            ),
            {"n": n, "most": most},
        )
        return [(r.id, r.sku, r.best) for r in rows]


def lines(*pairs: tuple[int, int]) -> list[dict[str, Any]]:
    return [{"variantId": gid("ProductVariant", v), "quantity": q} for v, q in pairs]


def money(m: dict[str, str]) -> Decimal:
    return D(m["amount"])


async def test_a_guest_cart_is_reached_only_by_its_secret_id(engine, writer) -> None:
    (a, sku_a, _), (b, _, _) = (await stocked(engine, 2))[:2]
    data = await ok(writer, CREATE, {"i": {"lines": lines((a, 2), (b, 1))}})
    payload = data["cartCreate"]
    assert payload["userErrors"] == []
    cart = payload["cart"]
    first = cart["lines"][0]
    assert (first["variant"]["sku"], first["quantity"]) == (sku_a, 2)
    assert cart["channel"] == "WEB"
    assert {b["code"] for b in cart["checkoutBlockers"]} == {"NO_FULFILLMENT", "CONTACT_REQUIRED"}
    assert cart["readyForCheckout"] is False
    # The totals add up, line by line and in all.
    total = sum(money(line["cost"]["total"]) for line in cart["lines"])
    assert money(cart["cost"]["total"]) == total
    assert money(cart["cost"]["subtotal"]) - money(cart["cost"]["discounts"]) == total
    # Whoever holds the ID reads it; a forged token is NOT_FOUND, as is a plain global ID.
    assert (await ok(writer, READ, {"id": cart["id"]}))["cart"]["id"] == cart["id"]
    raw = base64.urlsafe_b64decode(cart["id"] + "==").decode()
    pk = raw.split(":")[1]
    forged = base64.urlsafe_b64encode(f"Cart:{pk}:{'A' * 43}".encode()).decode().rstrip("=")
    result = await gql(writer, READ, {"id": forged})
    assert result.error_codes() == ["NOT_FOUND"]
    assert (await gql(writer, READ, {"id": gid("Cart", int(pk))})).error_codes() == [
        "BAD_USER_INPUT"
    ]
    result = await gql(writer, ADD, {"c": forged, "l": lines((a, 1))})
    assert result.data["cartLinesAdd"]["userErrors"][0]["code"] == "NOT_FOUND"


async def test_a_signed_in_customer_has_one_cart_on_every_channel(engine, writer) -> None:
    (a, _, _), (b, _, _), (c, _, _) = await stocked(engine, 3)
    member = await register(writer)
    web = bearer(member.token, **{"x-omni-channel": "WEB"})
    first = (await ok(writer, CREATE, {"i": {"lines": lines((a, 1))}}, web))["cartCreate"]["cart"]
    app = bearer(member.token, **{"x-omni-channel": "MOBILE_APP"})
    again = (await ok(writer, CREATE, {"i": {"lines": lines((a, 2), (b, 1))}}, app))["cartCreate"][
        "cart"
    ]
    assert again["id"] == first["id"]
    assert [line["quantity"] for line in again["lines"]] == [3, 1]
    line_b = again["lines"][1]["id"]
    changed = await ok(
        writer, UPDATE, {"c": again["id"], "l": [{"id": line_b, "quantity": 4}]}, app
    )
    assert [line["quantity"] for line in changed["cartLinesUpdate"]["cart"]["lines"]] == [3, 4]
    added = await ok(writer, ADD, {"c": again["id"], "l": lines((c, 1))}, app)
    line_c = added["cartLinesAdd"]["cart"]["lines"][2]["id"]
    removed = await ok(writer, REMOVE, {"c": again["id"], "l": [line_c]}, app)
    web_view = removed["cartLinesRemove"]["cart"]

    # At a kiosk, once the member is identified, the same cart with the same totals.
    admin = await make_staff(engine, writer, StaffRole.ADMIN)
    _, key = await register_device(writer, admin, next(iter((await store_ids(engine)).values())))
    card = (await ok(writer, "{ me { membership { cardNumber } } }", headers=member.headers))["me"][
        "membership"
    ]["cardNumber"]
    identified = await ok(
        writer,
        "mutation($c: String) { customerIdentify(input: {cardNumber: $c}) { session { token } } }",
        {"c": card},
        {"x-omni-device-key": key},
    )
    kiosk = {"x-omni-device-key": key, **bearer(identified["customerIdentify"]["session"]["token"])}
    seen = (await ok(writer, "{ me { cart { " + CART + " } } }", headers=kiosk))["me"]["cart"]
    assert seen == web_view
    assert seen["channel"] == "WEB" and "CONTACT_REQUIRED" not in {
        b["code"] for b in seen["checkoutBlockers"]
    }

    # Nobody else reaches it, even with its ID.
    stranger = await register(writer)
    assert (await gql(writer, READ, {"id": seen["id"]}, stranger.headers)).error_codes() == [
        "NOT_FOUND"
    ]
    assert (await gql(writer, READ, {"id": seen["id"]})).error_codes() == ["NOT_FOUND"]


async def test_two_first_carts_at_once_are_one_cart(engine, writer) -> None:
    (a, _, _), *_ = await stocked(engine, 1)
    member = await register(writer)
    results = await asyncio.gather(
        *(ok(writer, CREATE, {"i": {"lines": lines((a, 1))}}, member.headers) for _ in range(5))
    )
    ids = {r["cartCreate"]["cart"]["id"] for r in results}
    assert len(ids) == 1
    final = await ok(writer, "{ me { cart { lines { quantity } } } }", headers=member.headers)
    assert final["me"]["cart"]["lines"] == [{"quantity": 5}]


async def test_bad_lines_are_refused_with_codes_and_change_nothing(engine, writer) -> None:
    # A variant no single location holds 98 of, so a quantity within the limit can exceed it.
    (a, _, best), (b, _, _) = (await stocked(engine, 2, most=50))[:2]
    cart = (await ok(writer, CREATE, {"i": {"lines": lines((a, 1))}}))["cartCreate"]["cart"]
    async with engine.connect() as conn:
        archived = (
            await conn.execute(
                text("UPDATE product_variants SET archived_at = now() WHERE id = :b RETURNING id"),
                {"b": b},
            )
        ).scalar_one()
        await conn.commit()
    cases = [
        (lines((a, 0)), "INVALID_QUANTITY", ["lines", "0", "quantity"]),
        (lines((a, 10_000)), "INVALID_QUANTITY", ["lines", "0", "quantity"]),
        (lines((a, 99)), "INVALID_QUANTITY", ["lines", "0", "quantity"]),  # 1 + 99 > 99
        (lines((999_999, 1)), "INVALID_VARIANT", ["lines", "0", "variantId"]),
        (lines((archived, 1)), "INVALID_VARIANT", ["lines", "0", "variantId"]),
    ]
    cases.append((lines((a, best)), "INSUFFICIENT_STOCK", ["lines", "0", "quantity"]))
    for wanted, code, field in cases:
        data = await ok(writer, ADD, {"c": cart["id"], "l": wanted})
        errors = data["cartLinesAdd"]["userErrors"]
        assert [(e["code"], e["field"]) for e in errors] == [(code, field)], (wanted, errors)
    stock = await ok(writer, ADD, {"c": cart["id"], "l": lines((a, best))})
    assert stock["cartLinesAdd"]["userErrors"][0]["message"] == f"Only {best} available."
    after = (await ok(writer, READ, {"id": cart["id"]}))["cart"]
    assert [line["quantity"] for line in after["lines"]] == [1]
    wrong_type = await gql(
        writer, ADD, {"c": cart["id"], "l": [{"variantId": gid("Product", a), "quantity": 1}]}
    )
    assert wrong_type.error_codes() == ["BAD_USER_INPUT"]
    async with client_for(engine, cart_max_lines=2, secret_key=SECRET) as small:
        (c, _, _), (d, _, _), (e, _, _) = await stocked(engine, 3)
        tiny = (await ok(small, CREATE, {"i": {"lines": lines((c, 1), (d, 1))}}))["cartCreate"][
            "cart"
        ]
        data = await ok(small, ADD, {"c": tiny["id"], "l": lines((e, 1))})
        assert data["cartLinesAdd"]["userErrors"][0]["code"] == "TOO_MANY_LINES"


async def test_warnings_follow_price_changes_and_stock(engine, writer) -> None:
    (a, sku, _), *_ = await stocked(engine, 1)
    cart = (await ok(writer, CREATE, {"i": {"lines": lines((a, 2))}}))["cartCreate"]["cart"]
    assert cart["warnings"] == []
    admin = await make_staff(engine, writer, StaffRole.ADMIN)
    await ok(
        writer,
        'mutation($s: String!) { priceSet(input: {prices: [{sku: $s, price: "12345"}]}) '
        "{ userErrors { code } } }",
        {"s": sku},
        admin.headers,
    )
    async with engine.connect() as conn:
        await conn.execute(
            text("UPDATE stock_levels SET on_hand = reserved WHERE variant_id = :a"), {"a": a}
        )
        await conn.commit()
    seen = (await ok(writer, READ, {"id": cart["id"]}))["cart"]
    assert {w["code"] for w in seen["warnings"]} == {"PRICE_CHANGED", "STOCK_LOW"}
    assert money(seen["lines"][0]["cost"]["unitPrice"]) == 12_345
    assert seen["lines"][0]["availableQuantity"] == 0
    assert "INSUFFICIENT_STOCK" in {b["code"] for b in seen["checkoutBlockers"]}


async def test_cart_reads_cost_the_same_statements_whatever_the_lines(engine, writer) -> None:
    variants = await stocked(engine, 12)
    member = await register(writer)
    async with client_for(engine, limits=Limits(max_query_cost=100_000), secret_key=SECRET) as c:
        small = (
            await ok(c, CREATE, {"i": {"lines": lines(*[(v, 1) for v, _, _ in variants[:2]])}})
        )["cartCreate"]["cart"]
        large = (
            await ok(
                c,
                CREATE,
                {"i": {"lines": lines(*[(v, 1) for v, _, _ in variants])}},
                member.headers,
            )
        )["cartCreate"]["cart"]
        assert len(large["lines"]) == 12
        few = await gql(c, READ, {"id": small["id"]})
        many = await gql(c, READ, {"id": large["id"]}, member.headers)
        assert not few.errors and not many.errors
        # cart, lines, variants, products, categories, tiers, promotions, supply; the
        # member's adds the sign-in check and their membership.
        assert few.sql_statements == 8
        assert many.sql_statements == 10


LOGIN = """mutation($i: String!, $p: String!, $c: ID) {
  customerLogin(input: {identifier: $i, password: $p, cartId: $c}) {
    token { accessToken } userErrors { code } } }"""
ME_CART = "{ me { cart { id lines { quantity variant { sku } } } } }"
IDENTITY = """mutation($c: ID!, $b: CartBuyerIdentityInput!) {
  cartBuyerIdentityUpdate(cartId: $c, buyerIdentity: $b) {
    cart { id checkoutBlockers { code } } userErrors { code field } } }"""


async def sign_in(writer: Any, person: Any, cart_id: str | None) -> dict[str, str]:
    data = await ok(writer, LOGIN, {"i": person.email, "p": PASSWORD, "c": cart_id})
    return bearer(data["customerLogin"]["token"]["accessToken"])


async def test_a_guest_cart_merges_into_the_customers_cart_at_sign_in(engine, writer) -> None:
    (a, sku_a, _), (b, sku_b, _) = (await stocked(engine, 2))[:2]
    member = await register(writer)
    async with client_for(engine, cart_max_quantity=5, secret_key=SECRET) as c:
        mine = await ok(c, CREATE, {"i": {"lines": lines((a, 4))}}, member.headers)
        mine_id = mine["cartCreate"]["cart"]["id"]
        guest = (await ok(c, CREATE, {"i": {"lines": lines((a, 2), (b, 1))}}))["cartCreate"]["cart"]
        headers = await sign_in(c, member, guest["id"])
        cart = (await ok(c, ME_CART, headers=headers))["me"]["cart"]
        assert cart["id"] == mine_id
        # Same variant: 4 + 2, capped at the line maximum (5 here); the other line joins.
        assert [(line["variant"]["sku"], line["quantity"]) for line in cart["lines"]] == [
            (sku_a, 5),
            (sku_b, 1),
        ]
        closed = await ok(c, ADD, {"c": guest["id"], "l": lines((b, 1))})
        assert closed["cartLinesAdd"]["userErrors"][0]["code"] == "CART_CLOSED"
        # Signing in again with the merged cart changes nothing.
        await sign_in(c, member, guest["id"])
        again = (await ok(c, ME_CART, headers=headers))["me"]["cart"]
        assert again == cart


async def test_a_customer_without_a_cart_adopts_the_guest_cart(engine, writer) -> None:
    (a, sku_a, _), *_ = await stocked(engine, 1)
    member = await register(writer)
    guest = (await ok(writer, CREATE, {"i": {"lines": lines((a, 3))}}))["cartCreate"]["cart"]
    headers = await sign_in(writer, member, guest["id"])
    cart = (await ok(writer, ME_CART, headers=headers))["me"]["cart"]
    assert cart["id"] == guest["id"]
    assert cart["lines"] == [{"quantity": 3, "variant": {"sku": sku_a}}]
    # A wrong or foreign cart ID never makes the sign-in fail.
    other = await register(writer)
    data = await ok(writer, LOGIN, {"i": other.email, "p": PASSWORD, "c": guest["id"]})
    assert data["customerLogin"]["userErrors"] == []
    assert (await ok(writer, ME_CART, headers=other.headers))["me"]["cart"] is None


async def test_buyer_identity_gives_contact_and_merges_with_a_token(engine, writer) -> None:
    (a, _, _), (b, _, _) = (await stocked(engine, 2))[:2]
    guest = (await ok(writer, CREATE, {"i": {"lines": lines((a, 1))}}))["cartCreate"]["cart"]
    bad = await ok(writer, IDENTITY, {"c": guest["id"], "b": {"email": "not-an-email"}})
    assert bad["cartBuyerIdentityUpdate"]["userErrors"] == [
        {"code": "INVALID_EMAIL", "field": ["buyerIdentity", "email"]}
    ]
    bad = await ok(writer, IDENTITY, {"c": guest["id"], "b": {"phone": "12"}})
    assert bad["cartBuyerIdentityUpdate"]["userErrors"][0]["code"] == "INVALID_PHONE"
    good = await ok(writer, IDENTITY, {"c": guest["id"], "b": {"phone": "0901 234 567"}})
    blockers = {b["code"] for b in good["cartBuyerIdentityUpdate"]["cart"]["checkoutBlockers"]}
    assert "CONTACT_REQUIRED" not in blockers
    async with engine.connect() as conn:
        phone = await conn.scalar(text("SELECT phone FROM carts WHERE phone IS NOT NULL"))
    assert phone == "+84901234567"

    member = await register(writer)
    mine = (await ok(writer, CREATE, {"i": {"lines": lines((b, 1))}}, member.headers))[
        "cartCreate"
    ]["cart"]
    merged = await ok(writer, IDENTITY, {"c": guest["id"], "b": {}}, member.headers)
    assert merged["cartBuyerIdentityUpdate"]["cart"]["id"] == mine["id"]
    cart = (await ok(writer, ME_CART, headers=member.headers))["me"]["cart"]
    assert len(cart["lines"]) == 2


FULFIL = """mutation($c: ID!, $f: CartFulfillmentInput!) {
  cartFulfillmentUpdate(cartId: $c, fulfillment: $f) {
    cart { readyForCheckout checkoutBlockers { code }
           fulfillment { kind store { code } address { recipient phone province formatted } }
           lines { quantity availableQuantity cost { total { amount } } }
           cost { subtotal { amount } discounts { amount } delivery { amount } total { amount } }
           breakdown { source amount { amount } } }
    userErrors { code field } } }"""


async def location_ids(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT code, id FROM locations"))
        return {code: pk for code, pk in rows}


async def test_pickup_and_delivery_with_fees_availability_and_blockers(engine, writer) -> None:
    (a, _, _), *_ = await stocked(engine, 1)
    member = await register(writer)
    cart = (await ok(writer, CREATE, {"i": {"lines": lines((a, 1))}}, member.headers))[
        "cartCreate"
    ]["cart"]
    where = await location_ids(engine)
    no_pickup = await ok(
        writer,
        FULFIL,
        {"c": cart["id"], "f": {"pickup": {"storeId": gid("Location", where["HCM-Q7-01"])}}},
        member.headers,
    )
    assert no_pickup["cartFulfillmentUpdate"]["userErrors"] == [
        {"code": "PICKUP_UNAVAILABLE", "field": ["fulfillment", "pickup", "storeId"]}
    ]
    picked = await ok(
        writer,
        FULFIL,
        {"c": cart["id"], "f": {"pickup": {"storeId": gid("Location", where["HN-HK01"])}}},
        member.headers,
    )
    seen = picked["cartFulfillmentUpdate"]["cart"]
    assert seen["fulfillment"] == {"kind": "PICKUP", "store": {"code": "HN-HK01"}, "address": None}
    async with engine.connect() as conn:
        at_store = await conn.scalar(
            text(
                "SELECT coalesce(max(on_hand - reserved), 0) FROM stock_levels "
                "WHERE variant_id = :v AND location_id = :l"
            ),
            {"v": a, "l": where["HN-HK01"]},
        )
    assert seen["lines"][0]["availableQuantity"] == at_store
    assert money(seen["cost"]["delivery"]) == 0
    assert seen["readyForCheckout"] is (at_store >= 1)

    address = {
        "recipient": "Nguyễn Lan",
        "phone": "0901234567",
        "street": "12 Lê Lợi",
        "ward": "Bến Nghé",
        "district": "Quận 1",
        "province": "TP. Hồ Chí Minh",
    }
    for change, code, field in (
        ({"phone": "123"}, "INVALID_PHONE", "phone"),
        ({"province": "Paris"}, "INVALID_ADDRESS", "province"),
        ({"street": " "}, "INVALID_INPUT", "street"),
    ):
        bad = await ok(
            writer,
            FULFIL,
            {"c": cart["id"], "f": {"delivery": {"address": {**address, **change}}}},
            member.headers,
        )
        assert bad["cartFulfillmentUpdate"]["userErrors"] == [
            {"code": code, "field": ["fulfillment", "delivery", "address", field]}
        ]
    both = await gql(
        writer,
        FULFIL,
        {
            "c": cart["id"],
            "f": {"delivery": {"address": address}, "pickup": {"storeId": gid("Location", 1)}},
        },
        member.headers,
    )
    assert both.errors  # one-of: exactly one
    delivered = await ok(
        writer, FULFIL, {"c": cart["id"], "f": {"delivery": {"address": address}}}, member.headers
    )
    seen = delivered["cartFulfillmentUpdate"]["cart"]
    assert seen["fulfillment"]["address"]["province"] == "Hồ Chí Minh"
    assert seen["fulfillment"]["address"]["phone"] == "+84901234567"
    goods = money(seen["cost"]["subtotal"]) - money(seen["cost"]["discounts"])
    fee = 0 if goods >= 500_000 else 30_000
    assert money(seen["cost"]["delivery"]) == fee
    assert money(seen["cost"]["total"]) == goods + fee
    assert ("DELIVERY" in {b["source"] for b in seen["breakdown"]}) is (fee > 0)
    assert "NO_FULFILLMENT" not in {b["code"] for b in seen["checkoutBlockers"]}


VOUCHER = """mutation($c: ID!, $code: String!) { cartVoucherApply(cartId: $c, code: $code) {
  cart { voucher { code applied } warnings { code }
         cost { discounts { amount } delivery { amount } total { amount } }
         breakdown { source code amount { amount } } }
  userErrors { code field } } }"""
POINTS = """mutation($c: ID!, $p: Int!) { cartPointsRedeem(cartId: $c, points: $p) {
  cart { pointsRedeemed pointsApplied cost { total { amount } }
         breakdown { source amount { amount } } }
  userErrors { code field message } } }"""


async def expensive(engine: AsyncEngine) -> tuple[int, Decimal]:
    """An on-sale variant with stock whose list price is at least 600,000."""
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    """SELECT v.id, v.price FROM product_variants v
                       JOIN products p ON p.id = v.product_id
                       JOIN stock_levels s ON s.variant_id = v.id
                       WHERE p.published AND v.archived_at IS NULL AND v.price >= 600000
                         AND s.on_hand - s.reserved >= 2
                       ORDER BY v.id LIMIT 1"""
                )
            )
        ).one()
    return row.id, row.price


async def cheap_variant(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(
            await conn.scalar(
                text(
                    """SELECT v.id FROM product_variants v JOIN products p ON p.id = v.product_id
                       JOIN stock_levels s ON s.variant_id = v.id
                       WHERE p.published AND v.archived_at IS NULL AND v.price < 300000
                         AND s.on_hand - s.reserved >= 2 ORDER BY v.id LIMIT 1"""
                )
            )
        )


async def test_vouchers_on_a_cart_answer_with_codes_and_count_in_the_totals(engine, writer) -> None:
    cheap = await cheap_variant(engine)
    dear, _ = await expensive(engine)
    guest = (await ok(writer, CREATE, {"i": {"lines": lines((dear, 1))}}))["cartCreate"]["cart"]
    unknown = await ok(writer, VOUCHER, {"c": guest["id"], "code": "NOPE"})
    assert unknown["cartVoucherApply"]["userErrors"] == [
        {"code": "UNKNOWN_CODE", "field": ["code"]}
    ]
    # CHAOBAN is once per customer: a guest must sign in first.
    answer = await ok(writer, VOUCHER, {"c": guest["id"], "code": "chaoban"})
    assert answer["cartVoucherApply"]["userErrors"][0]["code"] == "SIGN_IN_REQUIRED"

    member = await register(writer)
    cart = (await ok(writer, CREATE, {"i": {"lines": lines((cheap, 1))}}, member.headers))[
        "cartCreate"
    ]["cart"]
    small = await ok(writer, VOUCHER, {"c": cart["id"], "code": "chaoban"}, member.headers)
    assert small["cartVoucherApply"]["userErrors"][0]["code"] == "MIN_SUBTOTAL_NOT_MET"
    added = await ok(writer, ADD, {"c": cart["id"], "l": lines((dear, 1))}, member.headers)
    dear_line = added["cartLinesAdd"]["cart"]["lines"][1]["id"]
    applied = await ok(writer, VOUCHER, {"c": cart["id"], "code": "chaoban"}, member.headers)
    seen = applied["cartVoucherApply"]["cart"]
    assert applied["cartVoucherApply"]["userErrors"] == []
    assert seen["voucher"] == {"code": "CHAOBAN", "applied": True}
    off = [b for b in seen["breakdown"] if b["source"] == "VOUCHER"]
    assert len(off) == 1 and off[0]["code"] == "CHAOBAN" and money(off[0]["amount"]) < 0
    # Below the minimum again: the voucher stays on the cart but does not count.
    await ok(writer, REMOVE, {"c": cart["id"], "l": [dear_line]}, member.headers)
    now = (
        await ok(
            writer,
            "query($id: ID!) { cart(id: $id) { voucher { code applied } warnings { code } "
            "breakdown { source } } }",
            {"id": cart["id"]},
            member.headers,
        )
    )["cart"]
    assert now["voucher"] == {"code": "CHAOBAN", "applied": False}
    assert "VOUCHER_NOT_APPLICABLE" in {w["code"] for w in now["warnings"]}
    assert "VOUCHER" not in {b["source"] for b in now["breakdown"]}
    gone = await ok(
        writer,
        "mutation($c: ID!) { cartVoucherRemove(cartId: $c) { cart { voucher { code } } } }",
        {"c": cart["id"]},
        member.headers,
    )
    assert gone["cartVoucherRemove"]["cart"]["voucher"] is None


async def test_free_delivery_voucher_zeroes_the_fee(engine, writer) -> None:
    (cheap, _, _), *_ = await stocked(engine, 1)
    member = await register(writer)
    cart = (await ok(writer, CREATE, {"i": {"lines": lines((cheap, 1))}}, member.headers))[
        "cartCreate"
    ]["cart"]
    address = {
        "recipient": "Lan",
        "phone": "0901234567",
        "street": "1 Tràng Tiền",
        "ward": "Tràng Tiền",
        "district": "Hoàn Kiếm",
        "province": "Hà Nội",
    }
    async with client_for(engine, secret_key=SECRET) as c:
        await ok(
            c, FULFIL, {"c": cart["id"], "f": {"delivery": {"address": address}}}, member.headers
        )
        before = (await ok(c, READ, {"id": cart["id"]}, member.headers))["cart"]
        data = await ok(c, VOUCHER, {"c": cart["id"], "code": "FREESHIP-DEMO"}, member.headers)
        seen = data["cartVoucherApply"]["cart"]
    assert money(seen["cost"]["delivery"]) == 0
    assert money(seen["cost"]["total"]) == money(before["cost"]["total"]) - money(
        before["cost"]["delivery"]
    )


async def test_points_need_a_member_a_balance_and_stay_under_the_cap(engine, writer) -> None:
    dear, _ = await expensive(engine)
    member = await register(writer)
    cart = (await ok(writer, CREATE, {"i": {"lines": lines((dear, 1))}}, member.headers))[
        "cartCreate"
    ]["cart"]
    broke = await ok(writer, POINTS, {"c": cart["id"], "p": 10}, member.headers)
    assert broke["cartPointsRedeem"]["userErrors"][0]["code"] == "INSUFFICIENT_POINTS"
    async with AsyncSession(engine) as session:
        admin = Actor(staff=StaffScope(1, StaffRole.ADMIN))
        await ledger.adjust_points(session, admin, member.id, 5_000, "test")
        await session.commit()
    too_many = await ok(writer, POINTS, {"c": cart["id"], "p": 5_000}, member.headers)
    assert too_many["cartPointsRedeem"]["userErrors"][0]["code"] == "POINTS_ABOVE_LIMIT"
    fine = await ok(writer, POINTS, {"c": cart["id"], "p": 100}, member.headers)
    seen = fine["cartPointsRedeem"]["cart"]
    assert (seen["pointsRedeemed"], seen["pointsApplied"]) == (100, 100)
    assert {"source": "POINTS", "amount": {"amount": "-100000"}} in seen["breakdown"]
    guest = (await ok(writer, CREATE, {"i": {"lines": lines((dear, 1))}}))["cartCreate"]["cart"]
    nobody = await ok(writer, POINTS, {"c": guest["id"], "p": 1})
    assert nobody["cartPointsRedeem"]["userErrors"][0]["code"] == "MEMBER_REQUIRED"
    negative = await ok(writer, POINTS, {"c": cart["id"], "p": -1}, member.headers)
    assert negative["cartPointsRedeem"]["userErrors"][0]["code"] == "INVALID_POINTS"
