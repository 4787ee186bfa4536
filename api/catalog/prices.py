"""Variant prices for the viewer: one batch prices every variant a request shows, from the
variants, their products and the category tree the page already loaded."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING

from api.catalog import loaders
from api.core.loaders import ViewerLoader, load_all
from api.pricing import loaders as pricing
from domain.pricebook.context import ancestry, item
from domain.pricing.breakdown import UnitPrice
from domain.pricing.calculator import unit_price

if TYPE_CHECKING:
    from api.context import Context


async def _unit_prices(context: Context, ids: Sequence[int]) -> dict[int, UnitPrice | None]:
    variants = [v for v in await load_all(loaders.variant.on(context), list(ids)) if v]
    product_ids = sorted({v.product_id for v in variants})
    products, tree, viewer = await asyncio.gather(
        load_all(loaders.product.on(context), product_ids),
        loaders.category_tree.on(context).load(None),
        pricing.viewer.on(context).load(None),
    )
    by_id = {p.id: p for p in products if p}
    prices: dict[int, UnitPrice | None] = dict.fromkeys(ids)
    parents = tree.parents
    ancestries: dict[int | None, frozenset[int]] = {}
    for variant in variants:
        product = by_id[variant.product_id]
        chain = ancestries.get(product.category_id)
        if chain is None:
            chain = ancestries[product.category_id] = ancestry(product.category_id, parents)
        prices[variant.id] = unit_price(item(variant, product, chain), viewer)
    return prices


unit_prices: ViewerLoader[int, UnitPrice | None] = ViewerLoader(_unit_prices)
