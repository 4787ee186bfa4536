"""`node` and `nodes`: fetch any entity by its global ID."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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
        product = await loaders.product.load(variant.product_id) if variant else None
        visible = variant is not None and product is not None and product.published
        node = ProductVariant.from_model(variant) if visible and variant else None
    elif type_name == "Category":
        tree = await loaders.category_tree.load(None)
        category = tree.by_id.get(pk)
        node = Category.from_model(category) if category else None
    elif type_name == "Location":
        location = await loaders.location.load(pk)
        node = Location.from_model(location) if location and location.active else None
    elif type_name in PRIVATE_TYPES:
        node = await PRIVATE_TYPES[type_name](info, pk)
    else:
        raise ClientError(f"`id` is not a valid ID: unknown type {type_name[:40]!r}.", field="id")
    if node is None:
        raise NotFound(f"No {type_name} with id {global_id!r}.", "id")
    return node


# Private entities answer NOT_FOUND to anyone who may not see them, exactly as for IDs
# that do not exist, so an ID reveals nothing about who else is a customer.
async def _customer(info: OmniInfo, pk: int) -> Node | None:
    from api.identity.types import Customer

    if not info.context.viewer.sees_customer(pk):
        return None
    row = await info.context.loaders.customer.load(pk)
    return Customer.from_model(row) if row else None


async def _address(info: OmniInfo, pk: int) -> Node | None:
    from api.identity.types import CustomerAddress

    row = await info.context.loaders.address.load(pk)
    if row is None or not info.context.viewer.sees_personal_data(row.customer_id):
        return None
    return CustomerAddress.from_model(row)


async def _membership(info: OmniInfo, pk: int) -> Node | None:
    from api.membership.types import Membership

    row = await info.context.loaders.membership.load(pk)
    if row is None or not info.context.viewer.sees_customer(row.customer_id):
        return None
    return Membership.from_model(row)


async def _points_entry(info: OmniInfo, pk: int) -> Node | None:
    from api.membership.types import PointsEntry

    row = await info.context.loaders.points_entry.load(pk)
    if row is None:
        return None
    membership = await info.context.loaders.membership.load(row.membership_id)
    if membership is None or not info.context.viewer.sees_personal_data(membership.customer_id):
        return None
    return PointsEntry.from_model(row)


async def _staff_user(info: OmniInfo, pk: int) -> Node | None:
    from api.identity.types import StaffUser

    staff = info.context.viewer.staff
    if staff is None or not (staff.is_admin or staff.id == pk):
        return None
    row = await info.context.loaders.staff.load(pk)
    return StaffUser.from_model(row) if row else None


async def _device(info: OmniInfo, pk: int) -> Node | None:
    from api.identity.types import Device

    row = await info.context.loaders.device.load(pk)
    if row is None:
        return None
    viewer = info.context.viewer
    own = viewer.device is not None and viewer.device.id == pk
    if not own and (viewer.staff is None or not viewer.staff.can_act_on_store(row.location_id)):
        return None
    return Device.from_model(row)


PRIVATE_TYPES: dict[str, Callable[[OmniInfo, int], Awaitable[Node | None]]] = {
    "Customer": _customer,
    "CustomerAddress": _address,
    "Membership": _membership,
    "PointsEntry": _points_entry,
    "StaffUser": _staff_user,
    "Device": _device,
}


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
