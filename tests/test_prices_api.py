"""The price book through the GraphQL endpoint: priceSet and its history, promotions and
vouchers for ADMIN, viewer prices with promotions and tiers, bounded statements."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.config import Limits
from domain.actors import StaffRole
from domain.membership import ledger, spend
from tests.conftest import client_for, gql, ok
from tests.people import Person, gid, make_staff, register

D = Decimal

PRICE_SET = """mutation($input: PriceSetInput!) { priceSet(input: $input) {
  variants { sku listPrice { amount } price { amount } compareAtPrice { amount } }
  userErrors { code field message } } }"""

PROMOTION_CREATE = """mutation($input: PromotionInput!) { promotionCreate(input: $input) {
  promotion { id status name(language: EN) discount { percent amount { amount } }
              targets { all categoryIds } minimumTier { code } combinesWithTier }
  userErrors { code field message } } }"""

VARIANT = """query($sku: String!) { productVariant(sku: $sku) {
  sku listPrice { amount } price { amount } compareAtPrice { amount }
  priceBreakdown { listPrice { amount } price { amount } vatRate vatAmount { amount }
    adjustments { source code promotionId label labelEn: label(language: EN) amount { amount } } }
  product { priceRange { min { amount } max { amount } } } } }"""


async def admin(engine: AsyncEngine, writer: Any) -> Person:
    return await make_staff(engine, writer, StaffRole.ADMIN)


async def row(engine: AsyncEngine, sql: str, **params: Any) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(text(sql), params)).one()


async def a_variant(engine: AsyncEngine) -> Any:
    """A variant on sale whose product sits in a sub-category: (sku, price, product id,
    its category, that category's parent, tax class)."""
    return await row(
        engine,
        """SELECT v.sku, v.price, p.id, c.id, c.parent_id, p.tax_class FROM product_variants v
           JOIN products p ON p.id = v.product_id JOIN categories c ON c.id = p.category_id
           WHERE c.parent_id IS NOT NULL AND v.archived_at IS NULL AND p.published
           ORDER BY v.id LIMIT 1""",
    )


async def make_member(engine: AsyncEngine, writer: Any, spent: int) -> Person:
    member = await register(writer)
    async with AsyncSession(engine) as session:
        membership = await ledger.membership_of(session, member.id)
        await spend.record_spend(session, membership.id, D(spent), datetime.now(UTC))
        await session.commit()
    return member


def amount(money: dict[str, str] | None) -> Decimal | None:
    return None if money is None else D(money["amount"])


async def test_price_set_by_id_and_sku_with_its_history_and_event(engine, writer) -> None:
    boss = await admin(engine, writer)
    sku, *_ = await a_variant(engine)
    other = await row(engine, "SELECT id, sku FROM product_variants WHERE sku <> :s LIMIT 1", s=sku)
    variables = {
        "input": {
            "prices": [
                {"sku": sku, "price": "149000", "compareAtPrice": "199000"},
                {"variantId": gid("ProductVariant", other.id), "price": "89000"},
            ]
        }
    }
    data = await ok(writer, PRICE_SET, variables, boss.headers)
    payload = data["priceSet"]
    assert payload["userErrors"] == []
    assert [
        (v["sku"], amount(v["listPrice"]), amount(v["compareAtPrice"])) for v in payload["variants"]
    ] == [
        (sku, D(149_000), D(199_000)),
        (other.sku, D(89_000), None),
    ]
    history = await ok(
        writer,
        """query($v: ID!) { priceHistory(variantId: $v, first: 5) { nodes {
           oldPrice { amount } newPrice { amount } newCompareAtPrice { amount }
           actorKind actorId channel reason changedAt } } }""",
        {"v": gid("ProductVariant", other.id)},
        boss.headers,
    )
    newest, opening = history["priceHistory"]["nodes"]
    assert (amount(newest["newPrice"]), newest["reason"], newest["channel"]) == (
        D(89_000),
        "priceSet",
        "WEB",
    )
    assert newest["actorKind"] == "STAFF" and newest["actorId"] == gid("StaffUser", boss.id)
    assert opening["oldPrice"] is None and opening["reason"] == "seed"
    async with engine.connect() as conn:
        kinds = (
            await conn.execute(
                text("SELECT count(*) FROM change_events WHERE kind = 'variant.price_changed'")
            )
        ).scalar_one()
    assert kinds == 2

    # Customers cannot read the history; a bad row changes nothing.
    customer = await register(writer)
    refused = await gql(
        writer,
        "query($v: ID!) { priceHistory(variantId: $v) { nodes { reason } } }",
        {"v": gid("ProductVariant", other.id)},
        customer.headers,
    )
    assert refused.error_codes() == ["FORBIDDEN"]
    bad = {"input": {"prices": [{"sku": sku, "price": "1"}, {"sku": "NO-SUCH", "price": "2"}]}}
    errors = (await ok(writer, PRICE_SET, bad, boss.headers))["priceSet"]["userErrors"]
    assert errors == [
        {
            "code": "UNKNOWN_VARIANT",
            "field": ["input", "prices", "1", "sku"],
            "message": "No variant 'NO-SUCH'.",
        }
    ]
    negative = {"input": {"prices": [{"sku": sku, "price": "-5"}]}}
    errors = (await ok(writer, PRICE_SET, negative, boss.headers))["priceSet"]["userErrors"]
    assert [e["code"] for e in errors] == ["INVALID_PRICE"]
    current = await row(engine, "SELECT price FROM product_variants WHERE sku = :s", s=sku)
    assert current.price == D(149_000)
    denied = await ok(writer, PRICE_SET, variables, customer.headers)
    assert [e["code"] for e in denied["priceSet"]["userErrors"]] == ["FORBIDDEN"]


async def test_a_category_promotion_reaches_descendants_and_members_get_their_tier(
    engine, writer
) -> None:
    boss = await admin(engine, writer)
    sku, price, _, _, parent_id, _ = await a_variant(engine)
    created = await ok(
        writer,
        PROMOTION_CREATE,
        {
            "input": {
                "name": {"vi": "Lễ 2/9", "en": "National Day"},
                "description": {"vi": "Giảm 20% toàn danh mục"},
                "discount": {"percent": "20"},
                "targets": {"categoryIds": [gid("Category", parent_id)]},
                "endsAt": (datetime.now(UTC) + timedelta(days=3)).isoformat(),
            }
        },
        boss.headers,
    )
    promotion = created["promotionCreate"]["promotion"]
    assert created["promotionCreate"]["userErrors"] == []
    assert (promotion["status"], promotion["name"]) == ("ACTIVE", "National Day")
    assert D(promotion["discount"]["percent"]) == 20
    sale = (price * D("0.8")).quantize(D(1))

    anonymous = (await ok(writer, VARIANT, {"sku": sku}))["productVariant"]
    assert amount(anonymous["price"]) == sale
    assert amount(anonymous["listPrice"]) == price
    assert amount(anonymous["compareAtPrice"]) == price
    breakdown = anonymous["priceBreakdown"]
    assert [
        (a["source"], a["promotionId"], a["label"], a["labelEn"]) for a in breakdown["adjustments"]
    ] == [("PROMOTION", promotion["id"], "Lễ 2/9", "National Day")]
    assert amount(breakdown["adjustments"][0]["amount"]) == sale - price

    silver = await make_member(engine, writer, 5_000_000)
    seen = (await ok(writer, VARIANT, {"sku": sku}, silver.headers))["productVariant"]
    member_price = (sale * D("0.97")).quantize(D(1))
    assert amount(seen["price"]) == member_price
    assert [a["source"] for a in seen["priceBreakdown"]["adjustments"]] == ["PROMOTION", "TIER"]
    assert seen["priceBreakdown"]["adjustments"][1]["code"] == "SILVER"
    assert D(seen["priceBreakdown"]["vatRate"]) in {D("0.10"), D("0.08"), D("0.05"), D(0)}
    assert amount(seen["product"]["priceRange"]["min"]) <= member_price

    # Ending it brings the list price back for everyone, at once.
    await ok(
        writer,
        "mutation($id: ID!) { promotionEnd(id: $id) { promotion { status } } }",
        {"id": promotion["id"]},
        boss.headers,
    )
    again = (await ok(writer, VARIANT, {"sku": sku}))["productVariant"]
    assert amount(again["price"]) == price
    assert again["compareAtPrice"] is None or amount(again["compareAtPrice"]) >= price


async def test_a_scheduled_promotion_takes_effect_at_its_start_without_a_restart(
    engine, writer
) -> None:
    boss = await admin(engine, writer)
    sku, price, product_id, *_ = await a_variant(engine)
    starts = datetime.now(UTC) + timedelta(seconds=1.5)
    created = await ok(
        writer,
        PROMOTION_CREATE,
        {
            "input": {
                "name": {"vi": "Giờ vàng"},
                "discount": {"amount": "10000"},
                "targets": {"productIds": [gid("Product", product_id)]},
                "startsAt": starts.isoformat(),
                "endsAt": (starts + timedelta(hours=1)).isoformat(),
            }
        },
        boss.headers,
    )
    assert created["promotionCreate"]["promotion"]["status"] == "SCHEDULED"
    scheduled = await ok(writer, "{ promotions(status: SCHEDULED) { name startsAt } }")
    assert "Giờ vàng" in [p["name"] for p in scheduled["promotions"]]
    before = (await ok(writer, VARIANT, {"sku": sku}))["productVariant"]
    assert amount(before["price"]) == price
    await asyncio.sleep(max(0.0, (starts - datetime.now(UTC)).total_seconds()) + 0.1)
    after = (await ok(writer, VARIANT, {"sku": sku}))["productVariant"]
    assert amount(after["price"]) == price - 10_000
    active = await ok(writer, "{ promotions { name } }")
    assert "Giờ vàng" in [p["name"] for p in active["promotions"]]
    # Ended promotions are for staff only.
    assert (await gql(writer, "{ promotions(status: ENDED) { name } }")).error_codes() == [
        "UNAUTHENTICATED"
    ]


async def test_bad_promotions_are_refused_with_codes(engine, writer) -> None:
    boss = await admin(engine, writer)
    now = datetime.now(UTC)
    base = {"name": {"vi": "KM"}, "discount": {"percent": "10"}, "targets": {"all": True}}
    cases = [
        ({"discount": {"percent": "120"}}, "INVALID_DISCOUNT", ["input", "discount", "percent"]),
        ({"discount": {"amount": "-1"}}, "INVALID_DISCOUNT", ["input", "discount", "amount"]),
        (
            {"startsAt": now.isoformat(), "endsAt": (now - timedelta(days=1)).isoformat()},
            "INVALID_WINDOW",
            ["input", "endsAt"],
        ),
        (
            {"targets": {"productIds": [gid("Product", 999_999)]}},
            "UNKNOWN_TARGET",
            ["input", "targets", "productIds"],
        ),
        ({"targets": {}}, "NO_TARGETS", ["input", "targets"]),
        ({"minimumTier": "DIAMOND"}, "UNKNOWN_TIER", ["input", "minimumTier"]),
    ]
    for change, code, field in cases:
        data = await ok(writer, PROMOTION_CREATE, {"input": {**base, **change}}, boss.headers)
        errors = data["promotionCreate"]["userErrors"]
        assert [(e["code"], e["field"]) for e in errors] == [(code, field)], change
    both = await gql(
        writer,
        PROMOTION_CREATE,
        {"input": {**base, "discount": {"percent": "5", "amount": "1000"}}},
        boss.headers,
    )
    assert both.errors  # a one-of input with two values is refused by validation
    count = await row(engine, "SELECT count(*) AS n FROM promotions")
    assert count.n == 2  # the demo's two


VOUCHER_CREATE = """mutation($input: VoucherInput!) { voucherCreate(input: $input) {
  voucher { id code kind value minimumSubtotal { amount } usageLimit timesUsed active
            minimumTier { code } description(language: EN) }
  userErrors { code field } } }"""


async def test_vouchers_for_admins_with_unique_case_insensitive_codes(engine, writer) -> None:
    boss = await admin(engine, writer)
    data = await ok(
        writer,
        VOUCHER_CREATE,
        {
            "input": {
                "code": "sale29",
                "kind": "PERCENT",
                "value": "10",
                "minimumSubtotal": "500000",
                "usageLimit": 100,
                "minimumTier": "SILVER",
                "description": {"vi": "Giảm 10%", "en": "10% off"},
            }
        },
        boss.headers,
    )
    voucher = data["voucherCreate"]["voucher"]
    assert (voucher["code"], voucher["kind"], voucher["minimumTier"], voucher["description"]) == (
        "SALE29",
        "PERCENT",
        {"code": "SILVER"},
        "10% off",
    )
    taken = await ok(
        writer,
        VOUCHER_CREATE,
        {"input": {"code": "Sale29", "kind": "FIXED", "value": "1"}},
        boss.headers,
    )
    assert taken["voucherCreate"]["userErrors"] == [
        {"code": "CODE_TAKEN", "field": ["input", "code"]}
    ]
    updated = await ok(
        writer,
        """mutation($id: ID!) { voucherUpdate(id: $id, input: {usageLimit: 5, endsAt: null}) {
           voucher { usageLimit } userErrors { code } } }""",
        {"id": voucher["id"]},
        boss.headers,
    )
    assert updated["voucherUpdate"]["voucher"]["usageLimit"] == 5
    generated = await ok(
        writer,
        """mutation { voucherGenerate(input: {prefix: "freeship", count: 5, kind: FREE_DELIVERY}) {
           codes batch userErrors { code } } }""",
        headers=boss.headers,
    )
    codes = generated["voucherGenerate"]["codes"]
    assert len(set(codes)) == 5 and generated["voucherGenerate"]["batch"] == "FREESHIP"
    listed = await ok(
        writer,
        """{ vouchers(filter: {batch: "freeship"}, first: 10) { nodes { code usageLimit
             usageLimitPerCustomer kind } } }""",
        headers=boss.headers,
    )
    assert sorted(v["code"] for v in listed["vouchers"]["nodes"]) == sorted(codes)
    assert {(v["usageLimit"], v["usageLimitPerCustomer"]) for v in listed["vouchers"]["nodes"]} == {
        (1, 1)
    }
    off = await ok(
        writer,
        "mutation($id: ID!) { voucherDeactivate(id: $id) { voucher { active } } }",
        {"id": voucher["id"]},
        boss.headers,
    )
    assert off["voucherDeactivate"]["voucher"]["active"] is False
    customer = await register(writer)
    assert (
        await gql(writer, "{ vouchers { nodes { code } } }", headers=customer.headers)
    ).error_codes() == ["FORBIDDEN"]
    node = await gql(writer, "query($id: ID!) { node(id: $id) { id } }", {"id": voucher["id"]})
    assert node.data == {"node": None}


async def test_an_admin_tier_override_changes_the_members_prices(engine, writer) -> None:
    boss = await admin(engine, writer)
    sku, price, *_ = await a_variant(engine)
    member = await register(writer)
    me = await ok(writer, "{ me { membership { id tier { code } } } }", headers=member.headers)
    membership = me["me"]["membership"]
    assert membership["tier"]["code"] == "MEMBER"
    until = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    data = await ok(
        writer,
        """mutation($input: MembershipTierOverrideInput!) { membershipTierOverride(input: $input) {
           membership { tier { code } tierOverrideUntil } userErrors { code field } } }""",
        {
            "input": {
                "membershipId": membership["id"],
                "tier": "GOLD",
                "reason": "VIP",
                "until": until,
            }
        },
        boss.headers,
    )
    assert data["membershipTierOverride"]["membership"]["tier"] == {"code": "GOLD"}
    seen = (await ok(writer, VARIANT, {"sku": sku}, member.headers))["productVariant"]
    assert amount(seen["price"]) == (price * D("0.95")).quantize(D(1))
    refused = await ok(
        writer,
        """mutation($input: MembershipTierOverrideInput!) { membershipTierOverride(input: $input) {
           userErrors { code } } }""",
        {
            "input": {
                "membershipId": membership["id"],
                "tier": "GOLD",
                "reason": "x",
                "until": until,
            }
        },
        member.headers,
    )
    assert refused["membershipTierOverride"]["userErrors"] == [{"code": "FORBIDDEN"}]


LISTING = """query($n: Int!) { products(first: $n) { edges { node {
  name priceRange { min { amount } max { amount } }
  variants { sku price { amount } compareAtPrice { amount }
    priceBreakdown { adjustments { source label amount { amount } } vatAmount { amount } } }
} } } }"""


async def test_listing_prices_cost_a_bounded_number_of_statements(engine, writer) -> None:
    boss = await admin(engine, writer)
    for percent, targets in (("10", {"all": True}), ("25", {"all": True})):
        await ok(
            writer,
            PROMOTION_CREATE,
            {
                "input": {
                    "name": {"vi": f"KM {percent}"},
                    "discount": {"percent": percent},
                    "targets": targets,
                }
            },
            boss.headers,
        )
    silver = await make_member(engine, writer, 5_000_000)
    async with client_for(
        engine, limits=Limits(max_query_cost=100_000), secret_key="test-secret-" + "x" * 32
    ) as client:
        counts = {}
        for viewer, headers in (("anonymous", None), ("member", silver.headers)):
            small = await gql(client, LISTING, {"n": 5}, headers)
            large = await gql(client, LISTING, {"n": 50}, headers)
            assert not small.errors and not large.errors, small.errors or large.errors
            assert small.sql_statements == large.sql_statements
            counts[viewer] = large.sql_statements
            prices = [
                v["price"] for e in large.data["products"]["edges"] for v in e["node"]["variants"]
            ]
            assert len(prices) > 50
    # Page, variants, categories, tiers, promotions; a member adds the token's sign-in check
    # and their membership. Never one per variant.
    assert counts == {"anonymous": 5, "member": 7}


async def test_the_demo_retailer_runs_one_sale_plans_another_and_has_two_vouchers(
    engine, writer
) -> None:
    running = await ok(writer, "{ promotions { name(language: EN) targets { categoryIds } } }")
    assert [p["name"] for p in running["promotions"]] == ["Accessories week −15%"]
    planned = await ok(
        writer, "{ promotions(status: SCHEDULED) { name startsAt endsAt combinesWithTier } }"
    )
    (national_day,) = planned["promotions"]
    assert national_day["name"] == "Lễ Quốc khánh 2/9 −20%"
    assert national_day["startsAt"][5:10] in {"09-01", "09-02"}  # 2/9 midnight, Vietnam time
    boss = await admin(engine, writer)
    vouchers = await ok(
        writer,
        "{ vouchers { nodes { code kind value usageLimit usageLimitPerCustomer "
        "minimumSubtotal { amount } } } }",
        headers=boss.headers,
    )
    by_code = {v["code"]: v for v in vouchers["vouchers"]["nodes"]}
    assert by_code["CHAOBAN"]["kind"] == "PERCENT"
    assert amount(by_code["CHAOBAN"]["minimumSubtotal"]) == 500_000
    assert (by_code["FREESHIP-DEMO"]["kind"], by_code["FREESHIP-DEMO"]["usageLimit"]) == (
        "FREE_DELIVERY",
        1,
    )


async def test_promotion_update_changes_prices_at_once(engine, writer) -> None:
    boss = await admin(engine, writer)
    sku, price, product_id, *_ = await a_variant(engine)
    created = await ok(
        writer,
        PROMOTION_CREATE,
        {
            "input": {
                "name": {"vi": "Thử"},
                "discount": {"percent": "10"},
                "targets": {"productIds": [gid("Product", product_id)]},
            }
        },
        boss.headers,
    )
    promotion_id = created["promotionCreate"]["promotion"]["id"]
    first = (await ok(writer, VARIANT, {"sku": sku}))["productVariant"]
    assert amount(first["price"]) == (price * D("0.9")).quantize(D(1))
    updated = await ok(
        writer,
        """mutation($id: ID!) { promotionUpdate(id: $id, input: {discount: {percent: "30"}}) {
           promotion { discount { percent } } userErrors { code } } }""",
        {"id": promotion_id},
        boss.headers,
    )
    assert updated["promotionUpdate"]["userErrors"] == []
    second = (await ok(writer, VARIANT, {"sku": sku}))["productVariant"]
    assert amount(second["price"]) == (price * D("0.7")).quantize(D(1))
    member = await register(writer)
    denied = await ok(
        writer,
        """mutation($id: ID!) { promotionUpdate(id: $id, input: {combinesWithTier: false}) {
           userErrors { code } } }""",
        {"id": promotion_id},
        member.headers,
    )
    assert denied["promotionUpdate"]["userErrors"] == [{"code": "FORBIDDEN"}]
