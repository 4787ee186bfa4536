"""`node` and `nodes`: fetch any entity by its global ID.

Each node type registers how to fetch it (`@node_resolver("Product")`) next to its type.
Private entities answer None to anyone who may not see them, so `node` gives NOT_FOUND
exactly as for IDs that do not exist, and an ID reveals nothing about who else is a customer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError

from api.core.errors import ClientError, NotFound
from api.core.ids import from_global_id
from api.core.types import Node, OmniInfo

MAX_NODES = 100

NodeResolver = Callable[[OmniInfo, int], Awaitable[Node | None]]
_RESOLVERS: dict[str, NodeResolver] = {}


def node_resolver(type_name: str) -> Callable[[NodeResolver], NodeResolver]:
    """Register how `node(id:)` fetches a `type_name`; None means not found."""

    def register(resolver: NodeResolver) -> NodeResolver:
        assert type_name not in _RESOLVERS, f"{type_name} registered twice"
        _RESOLVERS[type_name] = resolver
        return resolver

    return register


async def load_node(info: OmniInfo, type_name: str, pk: int) -> Node | None:
    """Another capability's entity by its database id, as `node(id:)` would answer it (so
    with the same visibility rules), without importing that capability."""
    return await _RESOLVERS[type_name](info, pk)


_TYPES: dict[str, Any] = {}


def register_type(cls: type[Any]) -> None:
    """Let other capabilities present this type's rows (`present`) without importing it:
    a payload of one capability may return another's type, and imports stay one-way."""
    _TYPES[cls.__name__] = cls


def present(type_name: str, model: Any) -> Any:
    """`type_name.from_model(model)` for a type registered with `register_type`."""
    return _TYPES[type_name].from_model(model)


async def resolve_node(info: OmniInfo, global_id: str) -> Node:
    type_name, pk = from_global_id(global_id)
    resolver = _RESOLVERS.get(type_name)
    if resolver is None:
        raise ClientError(f"`id` is not a valid ID: unknown type {type_name[:40]!r}.", field="id")
    node = await resolver(info, pk)
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

        async def one(global_id: str) -> Node | GraphQLError:
            try:
                return await resolve_node(info, global_id)
            except GraphQLError as error:
                return error

        # Returning the error object as an item makes graphql-core report it at that index.
        return list(await asyncio.gather(*(one(i) for i in ids)))  # type: ignore[arg-type]
