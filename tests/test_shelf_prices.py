"""Sorting and filtering by price use the shelf price (what an anonymous shopper pays now),
computed in SQL; it must agree with the pricing engine on every variant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.config import Limits
from domain.actors import Actor, StaffRole, StaffScope
from domain.catalog.models import Category, Product, ProductVariant
from domain.catalog.query import ShelfPricing
from domain.catalog.shelf_prices import variant_shelf_price
from domain.channels import Channel
from domain.pricebook import promotions
from domain.pricebook.context import item, load_offer
from domain.pricebook.promotions import PromotionChanges, TargetIds
from domain.pricing.calculator import unit_price
from domain.pricing.model import Context, Discount, Label, Rules
from domain.unit_of_work import transaction
from tests.conftest import client_for, ok

ADMIN = Actor(channel=Channel.WEB, staff=StaffScope(1, StaffRole.ADMIN))
D = Decimal


async def create(engine: AsyncEngine, **fields: Any) -> None:
    changes = PromotionChanges(name=Label("KM", "Promo"), **fields)
    async with AsyncSession(engine, expire_on_commit=False) as session:
        await transaction(session, lambda s: promotions.create_promotion(s, ADMIN, changes))


async def some_ids(engine: AsyncEngine) -> tuple[int, list[int], list[int]]:
    async with AsyncSession(engine) as s:
        parent = await s.scalar(
            select(Category.parent_id).where(Category.parent_id.is_not(None)).limit(1)
        )
        products = list(await s.scalars(select(Product.id).order_by(Product.id.desc()).limit(4)))
        variants = list(
            await s.scalars(select(ProductVariant.id).order_by(ProductVariant.id).limit(3))
        )
    assert parent is not None
    return parent, products, variants


async def promotions_for_every_case(engine: AsyncEngine) -> None:
    parent, products, variants = await some_ids(engine)
    now = datetime.now(UTC)
    await create(
        engine, discount=Discount(percent=D("33.33")), targets=TargetIds(category_ids=(parent,))
    )
    await create(
        engine,
        discount=Discount(amount=D(55_555)),
        targets=TargetIds(product_ids=tuple(products), exclude_variant_ids=tuple(variants[:1])),
    )
    await create(
        engine,
        discount=Discount(percent=D(7)),
        targets=TargetIds(all=True, exclude_product_ids=tuple(products[:1])),
        combines_with_tier=False,
    )
    await create(
        engine,
        discount=Discount(amount=D(10_000_000)),
        targets=TargetIds(variant_ids=tuple(variants[1:])),
    )
    # Neither counts for the shelf: members only, and not started.
    await create(
        engine, discount=Discount(percent=D(90)), targets=TargetIds(all=True), minimum_tier="SILVER"
    )
    await create(
        engine,
        discount=Discount(percent=D(90)),
        targets=TargetIds(all=True),
        starts_at=now + timedelta(days=1),
    )


@pytest.mark.parametrize("unit", [D(1), D(1000)])
async def test_the_sql_shelf_price_agrees_with_the_engine_on_every_variant(
    engine: AsyncEngine, unit: Decimal
) -> None:
    await promotions_for_every_case(engine)
    async with AsyncSession(engine) as s:
        offer = await load_offer(s, datetime.now(UTC))
        shelf = ShelfPricing.at(offer.promotions, offer.at, unit)
        assert len(shelf.promotions) == 5  # the demo's running one and four of ours
        rows = (
            await s.execute(
                select(ProductVariant, Product, variant_shelf_price(shelf)).join(
                    Product, Product.id == ProductVariant.product_id
                )
            )
        ).all()
        categories = {c.id: c for c in await s.scalars(select(Category))}
    ctx = Context(at=offer.at, promotions=offer.promotions, rules=Rules(rounding_unit=unit))
    discounted = 0
    for variant, product, sql_price in rows:
        ancestry: set[int] = set()
        cursor = categories.get(product.category_id) if product.category_id else None
        while cursor is not None:
            ancestry.add(cursor.id)
            cursor = categories.get(cursor.parent_id) if cursor.parent_id else None
        engine_price = unit_price(item(variant, product, frozenset(ancestry)), ctx).price
        assert sql_price == engine_price, (variant.sku, sql_price, engine_price)
        discounted += engine_price < variant.price
    assert discounted > len(rows) // 2


SORTED = """query($n: Int!, $after: String) { products(first: $n, sortKey: PRICE, after: $after) {
  edges { node { slug priceRange { min { amount } } variants { price { amount } } } }
  pageInfo { hasNextPage endCursor } } }"""


async def test_listings_sort_and_filter_by_the_price_shoppers_see_now(engine: AsyncEngine) -> None:
    await promotions_for_every_case(engine)
    async with client_for(engine, limits=Limits(max_query_cost=100_000)) as client:
        edges = (await ok(client, SORTED, {"n": 100}))["products"]["edges"]
        # Page by page, the cursors follow the same order.
        paged: list[str] = []
        after = None
        while True:
            page = (await ok(client, SORTED, {"n": 7, "after": after}))["products"]
            paged += [e["node"]["slug"] for e in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert paged == [e["node"]["slug"] for e in edges]
        lows = [D(e["node"]["priceRange"]["min"]["amount"]) for e in edges]
        assert lows == sorted(lows)
        # The 10,000,000 off takes two variants to 0: their product comes first.
        assert lows[0] == 0
        ceiling = sorted(lows)[len(lows) // 2]
        filtered = await ok(
            client,
            """query($max: Decimal!) { products(first: 100, filter: {priceMax: $max}) {
               edges { node { slug } } } }""",
            {"max": str(ceiling)},
        )
        expected = {
            e["node"]["slug"]
            for e in edges
            if any(D(v["price"]["amount"]) <= ceiling for v in e["node"]["variants"])
        }
        assert {e["node"]["slug"] for e in filtered["products"]["edges"]} == expected
