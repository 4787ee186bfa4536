"""The omnichannel proof: with two overlapping promotions running, a SILVER member sees
the same prices and breakdowns for every demo variant on the web, in the app, at a kiosk
and at the counter; so does an anonymous viewer on every channel."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.config import Limits
from domain.actors import StaffRole
from domain.membership import ledger, spend
from tests.conftest import client_for, ok
from tests.people import bearer, gid, make_staff, register, register_device, store_ids

SECRET = "test-secret-" + "x" * 32
DEVICE_KEY = "x-omni-device-key"
CHANNEL = "x-omni-channel"

PRICES = """
  priceRange { min { amount } max { amount } }
  variants { sku price { amount currencyCode } listPrice { amount } compareAtPrice { amount }
    priceBreakdown { listPrice { amount } price { amount } vatRate vatAmount { amount }
      adjustments { source code promotionId label en: label(language: EN) amount { amount } } } }
"""
LISTING = "{ products(first: 100) { edges { node { slug " + PRICES + " } } } }"


def product_pages(slugs: list[str]) -> str:
    fields = "\n".join(
        f'p{i}: product(slug: "{s}") {{ slug {PRICES} }}' for i, s in enumerate(slugs)
    )
    return "{ " + fields + " }"


async def test_every_channel_sees_the_same_prices(engine: AsyncEngine, writer: Any) -> None:
    admin = await make_staff(engine, writer, StaffRole.ADMIN)
    async with engine.connect() as conn:
        parent = (
            await conn.execute(
                text(
                    "SELECT parent_id FROM categories WHERE parent_id IS NOT NULL "
                    "ORDER BY id LIMIT 1"
                )
            )
        ).scalar_one()
        slugs = list(
            (
                await conn.execute(
                    text(
                        "SELECT slug FROM products WHERE published AND archived_at IS NULL "
                        "ORDER BY id"
                    )
                )
            ).scalars()
        )
    # Overlapping: 10% on everything (tier on top), 50,000 off one department (no tier).
    for promotion in (
        {"name": {"vi": "Lễ 2/9"}, "discount": {"percent": "10"}, "targets": {"all": True}},
        {
            "name": {"vi": "Tuần lễ đồ nam"},
            "discount": {"amount": "50000"},
            "targets": {"categoryIds": [gid("Category", parent)]},
            "combinesWithTier": False,
        },
    ):
        created = await ok(
            writer,
            "mutation($i: PromotionInput!) { promotionCreate(input: $i) { userErrors { code } } }",
            {"i": promotion},
            admin.headers,
        )
        assert created["promotionCreate"]["userErrors"] == []

    member = await register(writer)
    async with AsyncSession(engine) as session:
        membership = await ledger.membership_of(session, member.id)
        await spend.record_spend(session, membership.id, Decimal(6_000_000), datetime.now(UTC))
        await session.commit()
    card = (
        await ok(
            writer, "{ me { membership { cardNumber tier { code } } } }", headers=member.headers
        )
    )["me"]["membership"]
    assert card["tier"]["code"] == "SILVER"

    store = next(iter((await store_ids(engine)).values()))
    viewers: dict[str, dict[str, dict[str, str]]] = {"member": {}, "anonymous": {}}
    for channel in ("KIOSK", "POS"):
        _, key = await register_device(writer, admin, store, channel)
        identified = await ok(
            writer,
            """mutation($c: String) { customerIdentify(input: {cardNumber: $c}) {
               session { token } userErrors { code } } }""",
            {"c": card["cardNumber"]},
            {DEVICE_KEY: key},
        )
        token = identified["customerIdentify"]["session"]["token"]
        viewers["member"][channel] = {DEVICE_KEY: key, **bearer(token)}
        viewers["anonymous"][channel] = {DEVICE_KEY: key}
    for channel in ("WEB", "MOBILE_APP"):
        viewers["member"][channel] = bearer(member.token, **{CHANNEL: channel})
        viewers["anonymous"][channel] = {CHANNEL: channel}

    documents = [LISTING] + [product_pages(slugs[i : i + 20]) for i in range(0, len(slugs), 20)]
    seen: dict[str, list[Any]] = {}
    async with client_for(
        engine, limits=Limits(max_query_cost=1_000_000), secret_key=SECRET
    ) as client:
        for who, channels in viewers.items():
            answers = {
                channel: [await ok(client, document, headers=headers) for document in documents]
                for channel, headers in channels.items()
            }
            first = next(iter(answers.values()))
            for channel, answer in answers.items():
                assert answer == first, f"{who} on {channel} sees other prices"
            seen[who] = first

    listing = seen["member"][0]["products"]["edges"]
    anonymous = seen["anonymous"][0]["products"]["edges"]
    assert len(listing) == len(slugs)
    variants = [v for e in listing for v in e["node"]["variants"]]
    sources = {tuple(a["source"] for a in v["priceBreakdown"]["adjustments"]) for v in variants}
    # Both promotions and the tier are at work, and the member pays less than a stranger.
    assert ("PROMOTION", "TIER") in sources and ("PROMOTION",) in sources
    member_total = sum(Decimal(v["price"]["amount"]) for v in variants)
    stranger_total = sum(
        Decimal(v["price"]["amount"]) for e in anonymous for v in e["node"]["variants"]
    )
    assert member_total < stranger_total
    # The product pages agree with the listing.
    pages = {p["slug"]: p for doc in seen["member"][1:] for p in doc.values()}
    assert {e["node"]["slug"]: e["node"] for e in listing} == pages
