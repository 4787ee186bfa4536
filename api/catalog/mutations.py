"""Catalog management mutations (ADMIN): products, variants, categories."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.catalog.admin_inputs import (
    CategoryCreateInput,
    CategoryInput,
    ProductInput,
    VariantCreateInput,
    VariantInput,
    optional_id,
)
from api.catalog.types import Category, Product, ProductVariant
from api.core.ids import expect_global_id
from api.core.mutations import error_type, mutate
from api.core.types import OmniInfo
from domain.catalog import admin
from domain.catalog import models as catalog
from domain.catalog.errors import CatalogErrorCode

CatalogError = error_type("CatalogError", "Why a catalog change failed.", CatalogErrorCode)


@strawberry.type(description="Result of a product mutation.")
class ProductPayload:
    product: Product | None = strawberry.field(
        default=None, description="The product as saved; null on failure."
    )
    user_errors: list[CatalogError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Why it failed, if it did."
    )


@strawberry.type(description="Result of a variant mutation.")
class ProductVariantPayload:
    variant: ProductVariant | None = strawberry.field(
        default=None, description="The variant as saved; null on failure."
    )
    user_errors: list[CatalogError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Why it failed, if it did."
    )


@strawberry.type(description="Result of a category mutation.")
class CategoryPayload:
    category: Category | None = strawberry.field(
        default=None, description="The category as saved; null on failure."
    )
    user_errors: list[CatalogError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Why it failed, if it did."
    )


def _product(product: catalog.Product) -> ProductPayload:
    return ProductPayload(product=Product.from_model(product))


def _variant(variant: catalog.ProductVariant) -> ProductVariantPayload:
    return ProductVariantPayload(variant=ProductVariant.from_model(variant))


def _category(category: catalog.Category) -> CategoryPayload:
    return CategoryPayload(category=Category.from_model(category))


async def _set_archived(info: OmniInfo, id: strawberry.ID, archived: bool) -> ProductPayload:
    actor, pk = info.context.actor, expect_global_id(id, "Product", "id")
    return await mutate(
        info,
        ProductPayload,
        lambda s: admin.set_archived(s, actor, pk, archived=archived),
        _product,
        arguments=("id",),
    )


ProductId = Annotated[strawberry.ID, strawberry.argument(description="The Product.")]
VariantId = Annotated[strawberry.ID, strawberry.argument(description="The ProductVariant.")]
CategoryId = Annotated[strawberry.ID, strawberry.argument(description="The Category.")]


@strawberry.type
class CatalogMutation:
    @strawberry.mutation(
        description="Create a product (ADMIN). Add its variants with `variantCreate`; it is "
        "unpublished unless `published: true` is given."
    )
    async def product_create(
        self,
        info: OmniInfo,
        input: Annotated[ProductInput, strawberry.argument(description="The product.")],
    ) -> ProductPayload:
        actor, changes = info.context.actor, input.changes()
        return await mutate(
            info, ProductPayload, lambda s: admin.create_product(s, actor, changes), _product
        )

    @strawberry.mutation(
        description="Change a product (ADMIN): every channel, listing and search sees the "
        "change as soon as this returns."
    )
    async def product_update(
        self,
        info: OmniInfo,
        id: ProductId,
        input: Annotated[ProductInput, strawberry.argument(description="The fields to change.")],
    ) -> ProductPayload:
        actor, pk = info.context.actor, expect_global_id(id, "Product", "id")
        changes = input.changes()
        return await mutate(
            info,
            ProductPayload,
            lambda s: admin.update_product(s, actor, pk, changes),
            _product,
            arguments=("id",),
        )

    @strawberry.mutation(
        description="Archive a product (ADMIN): it disappears from every customer-facing "
        "query and search at once, on every channel, but staff still read it. Archiving an "
        "archived product changes nothing."
    )
    async def product_archive(self, info: OmniInfo, id: ProductId) -> ProductPayload:
        return await _set_archived(info, id, archived=True)

    @strawberry.mutation(description="Bring an archived product back (ADMIN).")
    async def product_unarchive(self, info: OmniInfo, id: ProductId) -> ProductPayload:
        return await _set_archived(info, id, archived=False)

    @strawberry.mutation(
        description="Add a variant to a product (ADMIN), with its first price. SKU and "
        "barcode must be unique (`SKU_TAKEN`, `BARCODE_TAKEN`), the barcode a valid EAN-13."
    )
    async def variant_create(
        self,
        info: OmniInfo,
        input: Annotated[VariantCreateInput, strawberry.argument(description="The variant.")],
    ) -> ProductVariantPayload:
        actor, changes = info.context.actor, input.changes()
        product_id = expect_global_id(input.product_id, "Product", "productId")
        price, compare_at = input.price, input.compare_at_price
        return await mutate(
            info,
            ProductVariantPayload,
            lambda s: admin.create_variant(s, actor, product_id, changes, price, compare_at),
            _variant,
        )

    @strawberry.mutation(
        description="Change a variant's SKU, barcode, options or position (ADMIN). Its price "
        "is not changed here: prices belong to the price book."
    )
    async def variant_update(
        self,
        info: OmniInfo,
        id: VariantId,
        input: Annotated[VariantInput, strawberry.argument(description="The fields to change.")],
    ) -> ProductVariantPayload:
        actor, pk = info.context.actor, expect_global_id(id, "ProductVariant", "id")
        changes = input.changes()
        return await mutate(
            info,
            ProductVariantPayload,
            lambda s: admin.update_variant(s, actor, pk, changes),
            _variant,
            arguments=("id",),
        )

    @strawberry.mutation(
        description="Archive a variant (ADMIN): customers no longer see or buy it; staff and "
        "past orders still do, and its SKU and barcode stay taken. Archiving twice changes "
        "nothing."
    )
    async def variant_archive(self, info: OmniInfo, id: VariantId) -> ProductVariantPayload:
        actor, pk = info.context.actor, expect_global_id(id, "ProductVariant", "id")
        return await mutate(
            info,
            ProductVariantPayload,
            lambda s: admin.archive_variant(s, actor, pk),
            _variant,
            arguments=("id",),
        )

    @strawberry.mutation(description="Create a category (ADMIN), last among its siblings.")
    async def category_create(
        self,
        info: OmniInfo,
        input: Annotated[CategoryCreateInput, strawberry.argument(description="The category.")],
    ) -> CategoryPayload:
        actor, changes = info.context.actor, input.changes()
        parent_id = optional_id(input.parent_id, "Category", "parentId")
        return await mutate(
            info,
            CategoryPayload,
            lambda s: admin.create_category(s, actor, parent_id, changes),
            _category,
        )

    @strawberry.mutation(description="Rename or re-describe a category (ADMIN).")
    async def category_update(
        self,
        info: OmniInfo,
        id: CategoryId,
        input: Annotated[CategoryInput, strawberry.argument(description="The fields to change.")],
    ) -> CategoryPayload:
        actor, pk = info.context.actor, expect_global_id(id, "Category", "id")
        changes = input.changes()
        return await mutate(
            info,
            CategoryPayload,
            lambda s: admin.update_category(s, actor, pk, changes),
            _category,
            arguments=("id",),
        )

    @strawberry.mutation(
        description="Move a category, with everything below it, under another parent (ADMIN). "
        "A move under itself or one of its descendants is refused (`CATEGORY_CYCLE`)."
    )
    async def category_move(
        self,
        info: OmniInfo,
        id: CategoryId,
        parent_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="The new parent Category; null for top level."),
        ] = None,
        position: Annotated[
            int | None,
            strawberry.argument(description="Position among the new siblings; last if null."),
        ] = None,
    ) -> CategoryPayload:
        actor, pk = info.context.actor, expect_global_id(id, "Category", "id")
        parent = optional_id(parent_id, "Category", "parentId")
        return await mutate(
            info,
            CategoryPayload,
            lambda s: admin.move_category(s, actor, pk, parent, position),
            _category,
            arguments=("id", "parentId", "position"),
        )
