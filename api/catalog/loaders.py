"""DataLoaders of the catalog."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from api.core import reads
from api.core.loaders import Loader
from domain.catalog import repository
from domain.catalog.models import Category, Product, ProductVariant


class CategoryTree:
    def __init__(self, categories: list[Category]) -> None:
        self.by_id = {c.id: c for c in categories}
        self.by_slug = {c.slug: c for c in categories}
        self.parents = {c.id: c.parent_id for c in categories}
        self.children: dict[int | None, list[Category]] = {}
        for c in categories:
            self.children.setdefault(c.parent_id, []).append(c)

    def ancestors(self, category: Category) -> list[Category]:
        """Root first, without the category itself."""
        chain: list[Category] = []
        seen = {category.id}
        parent_id = category.parent_id
        while parent_id is not None and parent_id not in seen:
            parent = self.by_id[parent_id]
            chain.append(parent)
            seen.add(parent_id)
            parent_id = parent.parent_id
        return list(reversed(chain))


async def _sellable(session: AsyncSession, product_ids: Sequence[int]) -> dict[int, bool]:
    reads.stock_of(product_ids=product_ids)
    return await repository.sellable_product_ids(session, product_ids)


async def _tree(session: AsyncSession, keys: Sequence[None]) -> dict[None, CategoryTree]:
    return {None: CategoryTree(await repository.all_categories(session))}


product: Loader[int, Product | None] = Loader(repository.products_by_ids)
# Rows read without them (a listing's) get their description, attributes and images here.
product_details: Loader[int, Product | None] = Loader(repository.product_details_by_ids)
product_by_slug: Loader[str, Product | None] = Loader(repository.products_by_slugs)
variant: Loader[int, ProductVariant | None] = Loader(repository.variants_by_ids)
variant_by_sku: Loader[str, ProductVariant | None] = Loader(repository.variants_by_skus)
variant_by_barcode: Loader[str, ProductVariant | None] = Loader(repository.variants_by_barcodes)
variants_by_product: Loader[int, list[ProductVariant]] = Loader(
    repository.variants_by_product_ids, list
)
product_sellable: Loader[int, bool] = Loader(_sellable, bool)
# The whole tree in one statement: categories are few and every tree field needs it.
category_tree: Loader[None, CategoryTree] = Loader(_tree)
