"""Bulk loading for product listings.

A listing page's products each resolve `category`, `variants` and `variants.availableAt`.
Loading those for the whole page through the DataLoaders before the children resolve lets
the children's sync resolvers answer from the loaders' cache, which saves an async resolver
and a DataLoader round per object (about a third of a listing's CPU time) while issuing the
same statements. Only what the query selects is loaded.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from api.catalog import loaders, prices
from api.core.errors import ClientError
from api.core.ids import expect_global_id
from api.core.loaders import load_all
from api.core.types import OmniInfo
from api.inventory import loaders as stock
from domain.catalog import models


def _fields(selections: Iterable[Selection]) -> Iterator[SelectedField]:
    """The fields of a selection set, looking through fragments."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        elif isinstance(selection, (FragmentSpread, InlineFragment)):
            yield from _fields(selection.selections)


def _at(selections: Iterable[Selection], *path: str) -> Iterator[SelectedField]:
    for field in _fields(selections):
        if field.name == path[0]:
            if len(path) == 1:
                yield field
            else:
                yield from _at(field.selections, *path[1:])


def _store_ids(variant_fields: Sequence[SelectedField]) -> set[int]:
    ids: set[int] = set()
    for field in _at([f for v in variant_fields for f in v.selections], "availableAt"):
        raw = field.arguments.get("storeId")
        try:
            ids.add(expect_global_id(str(raw), "Location", "storeId"))
        except ClientError:
            continue  # the resolver reports it, with its path
    return ids


PRICE_FIELDS = ("price", "compareAtPrice", "priceBreakdown")


DETAIL_FIELDS = ("description", "attributes", "images")


def product_selections(info: OmniInfo) -> list[Selection]:
    """What a listing selects on each of its products (under `edges.node` and `nodes`)."""
    connection = info.selected_fields[0].selections
    product_fields = [
        *_at(connection, "edges", "node"),
        *_at(connection, "nodes"),
    ]
    return [f for p in product_fields for f in p.selections]


def selects_details(selections: Sequence[Selection]) -> bool:
    """Whether the listing shows the products' description, attributes or images, which
    its rows then carry (else they are left out, and loaded if reached another way)."""
    return any(True for name in DETAIL_FIELDS for _ in _at(selections, name))


async def prefetch_listing(
    info: OmniInfo, products: Sequence[models.Product], selections: Sequence[Selection]
) -> None:
    if not products:
        return
    if any(True for _ in _at(selections, "category")):
        await loaders.category_tree(info).load(None)
    variant_fields = list(_at(selections, "variants"))
    variant_selections = [f for v in variant_fields for f in v.selections]
    priced = any(True for _ in _at(selections, "priceRange")) or any(
        True for name in PRICE_FIELDS for _ in _at(variant_selections, name)
    )
    if not variant_fields and not priced:
        return
    grouped = await load_all(loaders.variants_by_product(info), [p.id for p in products])
    variant_ids = [v.id for variants in grouped for v in variants]
    # Later look-ups of these variants and products by ID (`node`, a cart line, pricing)
    # need no statement.
    loaders.variant(info).prime_many({v.id: v for variants in grouped for v in variants})
    loaders.product(info).prime_many({p.id: p for p in products})
    if priced:
        await load_all(prices.unit_prices(info), variant_ids)
    await _prefetch_stock(info, variant_ids, _store_ids(variant_fields))


async def _prefetch_stock(info: OmniInfo, variant_ids: list[int], store_ids: set[int]) -> None:
    if not variant_ids or not store_ids:
        return
    keys = [(vid, lid) for lid in sorted(store_ids) for vid in variant_ids]
    levels = await load_all(stock.stock_at(info), keys)
    # A variant a store holds none of reads as 0 there, once the store is known to exist.
    missing_stores = {lid for (_, lid), level in zip(keys, levels, strict=True) if level is None}
    await load_all(stock.location(info), list(missing_stores))
