"""DataLoaders of carts: lines per cart, supply per variant, the owner's prices."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.core.loaders import Loader, ViewerLoader, grouped
from api.membership import loaders as membership
from api.pricing import loaders as pricing_loaders
from domain.carts.models import CartLine
from domain.db import in_ids
from domain.inventory.repository import supply_by_variant
from domain.pricebook.models import Voucher
from domain.pricing import model as pricing

if TYPE_CHECKING:
    from api.context import Context


async def _lines(session: AsyncSession, cart_ids: Sequence[int]) -> dict[int, list[CartLine]]:
    rows = await session.scalars(
        select(CartLine).where(in_ids(CartLine.cart_id, cart_ids)).order_by(CartLine.id)
    )
    return grouped(cart_ids, rows, lambda line: line.cart_id)


async def _owner(
    context: Context, owners: Sequence[int | None]
) -> dict[int | None, pricing.Context]:
    """A cart is priced for its owner (their tier; a guest cart: none), whoever looks at
    it, and never for the channel."""
    offer = await pricing_loaders.offer.on(context).load(None)
    rules = pricing_loaders.rules(context.settings.pricing)
    found: dict[int | None, pricing.Context] = {}
    for owner in owners:
        tier = None
        if owner is not None:
            member = await membership.membership_by_customer.on(context).load(owner)
            tier = offer.tiers.for_membership(member, offer.at)
        found[owner] = offer.context(tier, rules)
    return found


async def _vouchers(session: AsyncSession, ids: Sequence[int]) -> dict[int, Voucher]:
    rows = await session.scalars(select(Voucher).where(in_ids(Voucher.id, ids)))
    return {v.id: v for v in rows}


lines: Loader[int, list[CartLine]] = Loader(_lines, list)
voucher: Loader[int, Voucher | None] = Loader(_vouchers)
supply: Loader[int, int] = Loader(supply_by_variant, int)
owner_pricing: ViewerLoader[int | None, pricing.Context] = ViewerLoader(_owner)
