"""Rows read for display (domain/plain_reads.py): the model's values, in a class of their
own that cannot be mistaken for an entity to change."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.models import Product, ProductVariant
from domain.catalog.repository import products_by_ids, variants_by_product_ids

pytestmark = pytest.mark.asyncio


async def test_a_read_row_holds_the_entitys_values(engine):
    async with AsyncSession(engine) as session:
        entity = (await session.scalars(select(Product).order_by(Product.id).limit(1))).one()
        expected = {c.key: getattr(entity, c.key) for c in Product.__table__.columns}
        row = (await products_by_ids(session, [entity.id]))[entity.id]
    assert type(row).__name__ == "ProductRow"
    assert not isinstance(row, Product)
    for key, value in expected.items():
        if key in ("search_name", "search_text"):
            continue  # left out of the listing's shape
        assert getattr(row, key) == value, key


async def test_a_read_row_refuses_changes_and_missing_attributes(engine):
    async with AsyncSession(engine) as session:
        grouped = await variants_by_product_ids(session, [1])
    variant = grouped[1][0]
    assert type(variant).__name__ == "ProductVariantRow"
    with pytest.raises(AttributeError, match="read for display"):
        variant.price = variant.price * 2
    async with AsyncSession(engine) as session:
        product = (await products_by_ids(session, [1]))[1]
    with pytest.raises(AttributeError):
        product.search_text  # noqa: B018 - left out of the shape
    assert ProductVariant.__name__ in repr(variant)
