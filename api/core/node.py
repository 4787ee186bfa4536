"""`node` and `nodes`: fetch any entity by its global ID."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.core.errors import ClientError, NotFound
from api.core.ids import from_global_id
from api.core.types import Node, OmniInfo

MAX_NODES = 100


async def resolve_node(info: OmniInfo, global_id: str) -> Node:
    from api.catalog.types import Category, Product, ProductVariant
    from api.stores.types import Location

    type_name, pk = from_global_id(global_id)
    loaders = info.context.loaders
    node: Node | None = None
    if type_name == "Product":
        product = await loaders.product.load(pk)
        node = Product.from_model(product) if product and product.published else None
    elif type_name == "ProductVariant":
        variant = await loaders.variant.load(pk)
        node = ProductVariant.from_model(variant) if variant else None
    elif type_name == "Category":
        tree = await loaders.category_tree.load(None)
        category = tree.by_id.get(pk)
        node = Category.from_model(category) if category else None
    elif type_name == "Location":
        location = await loaders.location.load(pk)
        node = Location.from_model(location) if location and location.active else None
    else:
        raise ClientError(f"`id` is not a valid ID: unknown type {type_name[:40]!r}.", field="id")
    if node is None:
        raise NotFound(f"No {type_name} with id {global_id!r}.", "id")
    return node


@strawberry.type
class NodeQuery:
    @strawberry.field(
        description="Any entity by its global ID. Unknown IDs give a NOT_FOUND error."
    )
    async def node(
        self,
        info: OmniInfo,
        id: Annotated[
            strawberry.ID, strawberry.argument(description="A global ID from any `id` field.")
        ],
    ) -> Node | None:
        return await resolve_node(info, id)

    @strawberry.field(
        description="Several entities by global ID, in the order asked (at most 100); an "
        "unknown ID gives null in its place and a NOT_FOUND error."
    )
    async def nodes(
        self,
        info: OmniInfo,
        ids: Annotated[
            list[strawberry.ID], strawberry.argument(description="Global IDs from `id` fields.")
        ],
    ) -> list[Node | None]:
        if len(ids) > MAX_NODES:
            raise ClientError(
                f"`ids` lists {len(ids)} IDs; the maximum is {MAX_NODES}.", field="ids"
            )
        import asyncio

        from graphql import GraphQLError

        async def one(global_id: str) -> Node | GraphQLError:
            try:
                return await resolve_node(info, global_id)
            except GraphQLError as error:
                return error

        # Returning the error object as an item makes graphql-core report it at that index.
        return list(await asyncio.gather(*(one(i) for i in ids)))  # type: ignore[arg-type]
