"""Catalog reads: the product listing (search, filters, keyset pages) and look-ups."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Row,
    Select,
    cast,
    exists,
    func,
    literal,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.models import Category, Product, ProductVariant
from domain.catalog.query import ProductQuery, ProductSortKey
from domain.catalog.shelf_prices import product_shelf_price_min, variant_shelf_price
from domain.db import in_ids, in_list
from domain.inventory.models import Location, StockLevel
from domain.pagination import Keyset, Page, PageRequest, keyset_page
from domain.plain_reads import Shape

_normalize = func.omni_normalize


def _aware_datetime(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("naive datetime in cursor")
    return parsed


def _finite_decimal(value: str) -> Decimal:
    parsed = Decimal(value)
    if not parsed.is_finite() or parsed.adjusted() >= 12:
        raise ValueError("non-finite decimal in cursor")
    return parsed


# (encode for the cursor, JSON kind in the cursor, decode from the cursor)
Codec = tuple[Callable[[Any], Any], type, Callable[[Any], Any]]
_DECIMAL: Codec = (str, str, _finite_decimal)
_DATETIME: Codec = (lambda v: v.isoformat(), str, _aware_datetime)
_TEXT: Codec = (lambda v: v, str, lambda v: v)
_ID: Codec = (lambda v: v, int, lambda v: v)
_FLOAT: Codec = (float, float, float)


def _available() -> ColumnElement[int]:
    return StockLevel.on_hand - StockLevel.reserved


def _has_stock_where(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists(
        select(literal(1))
        .select_from(ProductVariant)
        .join(StockLevel, StockLevel.variant_id == ProductVariant.id)
        .where(
            ProductVariant.product_id == Product.id,
            ProductVariant.archived_at.is_(None),
            _available() > 0,
            *conditions,
        )
    )


def _descendant_ids(category_id: int) -> Select[tuple[int]]:
    tree = select(Category.id).where(Category.id == category_id).cte(recursive=True)
    tree = tree.union_all(select(Category.id).where(Category.parent_id == tree.c.id))
    return select(tree.c.id)


def _filters(query: ProductQuery, terms: Sequence[str]) -> list[ColumnElement[bool]]:
    f = query.filter
    conditions: list[ColumnElement[bool]] = [
        Product.published.is_(True),
        Product.archived_at.is_(None),
    ]
    for term in terms:
        pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(Product.search_text.like(_normalize(pattern)))
    if f.category_id is not None:
        conditions.append(Product.category_id.in_(_descendant_ids(f.category_id)))
    if f.price_min is not None or f.price_max is not None:
        shelf_price = variant_shelf_price(query.shelf)
        price_conditions = [
            ProductVariant.product_id == Product.id,
            ProductVariant.archived_at.is_(None),
        ]
        if f.price_min is not None:
            price_conditions.append(shelf_price >= f.price_min)
        if f.price_max is not None:
            price_conditions.append(shelf_price <= f.price_max)
        conditions.append(
            exists(select(literal(1)).select_from(ProductVariant).where(*price_conditions))
        )
    if f.in_stock_at_location_id is not None:
        conditions.append(_has_stock_where(StockLevel.location_id == f.in_stock_at_location_id))
    if f.available_for_pickup is not None:
        pickup = _has_stock_where(
            StockLevel.location_id.in_(
                select(Location.id).where(Location.pickup_enabled, Location.active)
            )
        )
        conditions.append(pickup if f.available_for_pickup else ~pickup)
    return conditions


def _sort_columns(
    query: ProductQuery, terms: Sequence[str]
) -> tuple[list[ColumnElement[Any]], list[Codec], bool]:
    """Sort expressions (id last), their cursor codecs, and whether they ascend."""
    key = query.sort_key
    cols: list[ColumnElement[Any]]
    codecs: list[Codec]
    if key is ProductSortKey.PRICE:
        shelf = product_shelf_price_min(query.shelf)
        if query.shelf.promotions:
            shelf = shelf.label("shelf_price")
        cols, codecs, ascending = [shelf], [_DECIMAL], True
    elif key is ProductSortKey.NAME:
        cols, codecs, ascending = [Product.search_name.expression], [_TEXT], True
    elif key is ProductSortKey.CREATED_AT:
        cols, codecs, ascending = [Product.created_at.expression], [_DATETIME], True
    elif terms:
        # Name matches weigh double.
        phrase = _normalize(" ".join(terms))
        score: ColumnElement[Any] = cast(
            func.word_similarity(phrase, Product.search_name) * 2
            + func.word_similarity(phrase, Product.search_text),
            Float(precision=53),
        )
        cols, codecs, ascending = [score.label("score")], [_FLOAT], False
    else:
        # Without a search, relevance means newest first: the primary key alone, so the
        # keyset condition is an index range scan however deep the page.
        cols, codecs, ascending = [], [], False
    cols_with_id: list[ColumnElement[Any]] = [*cols, Product.id.expression]
    return cols_with_id, [*codecs, _ID], ascending != query.reverse


def _sort_token(query: ProductQuery, terms: Sequence[str]) -> str:
    return f"{query.sort_key.value}:{int(query.reverse)}:{' '.join(terms).lower()}"


async def list_products(
    session: AsyncSession, query: ProductQuery, page: PageRequest, details: bool = True
) -> Page[Product]:
    """A page of products. Without `details` their rows leave out the description,
    attributes and images (`product_details_by_ids` reads them): a listing rarely shows
    them, and decoding them was much of the driver's work for a page."""
    terms = query.terms()
    query.filter.validate()
    page.validate()
    cols, codecs, ascending = _sort_columns(query, terms)
    keyset = Keyset(
        sort=_sort_token(query, terms),
        columns=cols,
        kinds=[kind for _, kind, _ in codecs],
        ascending=ascending,
        decoders=[decode for _, _, decode in codecs],
    )

    shape = _PRODUCT if details else _PRODUCT_CARD
    width = shape.width

    def cursor_values(row: Row[Any]) -> list[Any]:
        raw = [*row[width:], row.id]
        return [encode(v) for (encode, _, _), v in zip(codecs, raw, strict=True)]

    # The sort values come labelled after the product's columns (a sort column may be one
    # of them, and Core would fold a repeated column into one).
    extra = [c.label(f"sort_{i}") for i, c in enumerate(cols[:-1])]
    stmt = shape.select(*extra).where(*_filters(query, terms))
    rows = await keyset_page(session, stmt, keyset, page, cursor_values)
    return rows.map(shape.one)


async def count_products(session: AsyncSession, query: ProductQuery) -> int:
    terms = query.terms()
    stmt = select(func.count()).select_from(Product).where(*_filters(query, terms))
    return int((await session.execute(stmt)).scalar_one())


# The read functions below return plain objects (domain/plain_reads.py): they serve the
# API's reads only; writers load ORM entities of their own.
_PRODUCT = Shape.of(Product, omit=("search_name", "search_text"))
PRODUCT_DETAILS = ("description", "attributes", "images")
_PRODUCT_CARD = Shape.of(Product, omit=("search_name", "search_text", *PRODUCT_DETAILS))
_DETAILS = Shape.of(Product, only=("id", *PRODUCT_DETAILS))
_VARIANT = Shape.of(ProductVariant)
_CATEGORY = Shape.of(Category)
# What every listing runs, straight to the driver (the ids as one array parameter).
_VARIANTS_OF_PRODUCTS = _VARIANT.sql(
    "WHERE product_id = ANY($1::bigint[]) ORDER BY product_id, position, id"
)
_VARIANTS_BY_IDS = _VARIANT.sql("WHERE id = ANY($1::bigint[])")
_PRODUCTS_BY_IDS = _PRODUCT.sql("WHERE id = ANY($1::bigint[])")
_DETAILS_BY_IDS = _DETAILS.sql("WHERE id = ANY($1::bigint[])")
_PRODUCTS_BY_SLUGS = _PRODUCT.sql("WHERE slug = ANY($1::text[])")
_ALL_CATEGORIES = _CATEGORY.sql("ORDER BY position, id")


async def products_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Product]:
    return {p.id: p for p in await _PRODUCT.fetch(session, _PRODUCTS_BY_IDS, list(ids))}


async def product_details_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Product]:
    """The products' description, attributes and images (and id), for rows read without."""
    return {p.id: p for p in await _DETAILS.fetch(session, _DETAILS_BY_IDS, list(ids))}


def has_details(product: Product) -> bool:
    """Whether this row (or loaded entity) holds the description, attributes and images."""
    loaded = product.__dict__
    return all(key in loaded for key in PRODUCT_DETAILS)


async def products_by_slugs(session: AsyncSession, slugs: Sequence[str]) -> dict[str, Product]:
    return {p.slug: p for p in await _PRODUCT.fetch(session, _PRODUCTS_BY_SLUGS, list(slugs))}


async def variants_by_product_ids(
    session: AsyncSession, product_ids: Sequence[int]
) -> dict[int, list[ProductVariant]]:
    variants = await _VARIANT.fetch(session, _VARIANTS_OF_PRODUCTS, list(product_ids))
    grouped: dict[int, list[ProductVariant]] = {pid: [] for pid in product_ids}
    for variant in variants:
        grouped[variant.product_id].append(variant)
    return grouped


async def variants_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, ProductVariant]:
    return {v.id: v for v in await _VARIANT.fetch(session, _VARIANTS_BY_IDS, list(ids))}


async def variants_by_skus(session: AsyncSession, skus: Sequence[str]) -> dict[str, ProductVariant]:
    rows = await session.execute(_VARIANT.select().where(in_list(ProductVariant.sku, skus)))
    return {v.sku: v for v in _VARIANT.all(rows)}


async def variants_by_barcodes(
    session: AsyncSession, barcodes: Sequence[str]
) -> dict[str, ProductVariant]:
    rows = await session.execute(_VARIANT.select().where(in_list(ProductVariant.barcode, barcodes)))
    return {v.barcode: v for v in _VARIANT.all(rows) if v.barcode is not None}


async def all_categories(session: AsyncSession) -> list[Category]:
    return await _CATEGORY.fetch(session, _ALL_CATEGORIES)


async def sellable_product_ids(
    session: AsyncSession, product_ids: Sequence[int]
) -> dict[int, bool]:
    """Products with at least one unit available for pickup or delivery somewhere."""
    rows = await session.scalars(
        select(ProductVariant.product_id)
        .distinct()
        .join(StockLevel, StockLevel.variant_id == ProductVariant.id)
        .join(Location, Location.id == StockLevel.location_id)
        .where(
            in_ids(ProductVariant.product_id, product_ids),
            ProductVariant.archived_at.is_(None),
            StockLevel.on_hand - StockLevel.reserved > 0,
            Location.active.is_(True),
            (Location.pickup_enabled.is_(True)) | (Location.ships_orders.is_(True)),
        )
    )
    return {pid: True for pid in rows}


__all__ = [
    "all_categories",
    "count_products",
    "has_details",
    "list_products",
    "product_details_by_ids",
    "products_by_ids",
    "products_by_slugs",
    "sellable_product_ids",
    "variants_by_barcodes",
    "variants_by_ids",
    "variants_by_product_ids",
    "variants_by_skus",
]
