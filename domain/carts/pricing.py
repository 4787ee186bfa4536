"""Pricing a cart for its owner: the engine fed from the database (writes use this; reads
go through the API's per-request loaders)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.carts.models import Cart, CartLine
from domain.catalog.models import Category, Product, ProductVariant
from domain.membership.models import Membership
from domain.pricebook.context import Offer, ancestry, item, load_offer
from domain.pricing import model as pricing
from domain.pricing.calculator import unit_price


async def owner_pricing(
    session: AsyncSession, cart: Cart, rules: pricing.Rules
) -> tuple[Offer, pricing.Context]:
    """The offer now and the cart owner's prices in it (a guest cart: no tier). Never the
    channel's. The offer's tier book ranks vouchers' minimum tiers."""
    offer = await load_offer(session, datetime.now(UTC))
    tier = None
    if cart.customer_id is not None:
        member = await session.scalar(
            select(Membership).where(Membership.customer_id == cart.customer_id)
        )
        tier = offer.tiers.for_membership(member, offer.at)
    return offer, offer.context(tier, rules)


async def owner_context(session: AsyncSession, cart: Cart, rules: pricing.Rules) -> pricing.Context:
    return (await owner_pricing(session, cart, rules))[1]


async def category_parents(session: AsyncSession) -> dict[int, int | None]:
    """Every category's parent, for `ancestry` (categories are few)."""
    rows = await session.execute(select(Category.id, Category.parent_id))
    return {pk: parent for pk, parent in rows}


async def unit_prices(
    session: AsyncSession,
    ctx: pricing.Context,
    variants: Sequence[tuple[ProductVariant, Product]],
) -> dict[int, Decimal]:
    parents = await category_parents(session)
    return {
        v.id: unit_price(item(v, p, ancestry(p.category_id, parents)), ctx).price
        for v, p in variants
    }


async def goods_total(session: AsyncSession, cart: Cart, ctx: pricing.Context) -> Decimal:
    """The cart's goods after promotions and tier, before voucher and points: what voucher
    minimums and the points cap look at."""
    rows = (
        await session.execute(
            select(CartLine.quantity, ProductVariant, Product)
            .join(ProductVariant, ProductVariant.id == CartLine.variant_id)
            .join(Product, Product.id == ProductVariant.product_id)
            .where(CartLine.cart_id == cart.id)
        )
    ).all()
    prices = await unit_prices(session, ctx, [(v, p) for _, v, p in rows])
    return sum((prices[v.id] * quantity for quantity, v, _ in rows), Decimal(0))
