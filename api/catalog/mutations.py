"""Catalog management mutations (ADMIN)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.catalog.types import Product
from api.core.ids import expect_global_id
from api.core.mutations import error_type, mutate
from api.core.types import OmniInfo
from domain.catalog import admin
from domain.catalog import models as catalog

CatalogError = error_type("CatalogError", "Why a catalog change failed.")


@strawberry.type(description="Result of a product mutation.")
class ProductPayload:
    product: Product | None = strawberry.field(
        default=None, description="The product as saved; null on failure."
    )
    user_errors: list[CatalogError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Why it failed, if it did."
    )


def _ok(product: catalog.Product) -> ProductPayload:
    return ProductPayload(product=Product.from_model(product))


async def _set_archived(info: OmniInfo, id: strawberry.ID, archived: bool) -> ProductPayload:
    actor, pk = info.context.actor, expect_global_id(id, "Product", "id")
    return await mutate(
        info,
        ProductPayload,
        lambda s: admin.set_archived(s, actor, pk, archived=archived),
        _ok,
        arguments=("id",),
    )


@strawberry.type
class CatalogMutation:
    @strawberry.mutation(
        description="Archive a product (ADMIN): it disappears from every customer-facing "
        "query and search at once, on every channel, but staff still read it. Archiving an "
        "archived product changes nothing."
    )
    async def product_archive(
        self,
        info: OmniInfo,
        id: Annotated[strawberry.ID, strawberry.argument(description="The Product.")],
    ) -> ProductPayload:
        return await _set_archived(info, id, archived=True)

    @strawberry.mutation(description="Bring an archived product back (ADMIN).")
    async def product_unarchive(
        self,
        info: OmniInfo,
        id: Annotated[strawberry.ID, strawberry.argument(description="The Product.")],
    ) -> ProductPayload:
        return await _set_archived(info, id, archived=False)
