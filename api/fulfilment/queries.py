"""The store's side of orders: its queues, and the order behind a pickup code."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from api.core.connections import connection, page_request
from api.core.ids import expect_global_id
from api.core.types import Channel, OmniInfo
from api.orders.types import Order, OrderConnection, OrderEdge, OrderStatus
from domain.channels import Channel as DomainChannel
from domain.orders import pickup
from domain.orders.models import OrderStatus as DomainStatus
from domain.orders.queries import QueueFilter, store_orders


@strawberry.input(description="Which orders of a store; every field narrows the list.")
class StoreOrderFilterInput:
    store_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The Location. Required except for ADMIN (who may list every store).",
    )
    status: OrderStatus | None = strawberry.field(
        default=None,
        description="Only this status. PLACED (to prepare) and READY_FOR_PICKUP (to hand "
        "over) are listed oldest first; anything else newest first.",
    )
    channel: Channel | None = strawberry.field(default=None, description="Only this channel.")
    placed_from: datetime | None = strawberry.field(
        default=None, description="Placed at or after this instant."
    )
    placed_to: datetime | None = strawberry.field(
        default=None, description="Placed before this instant."
    )


@strawberry.type
class FulfilmentQuery:
    @strawberry.field(
        description="A store's orders, for its staff and its POS (ADMIN: any store): the "
        "pickup queue with `status: PLACED` or `READY_FOR_PICKUP`."
    )
    async def orders(
        self,
        info: OmniInfo,
        filter: Annotated[StoreOrderFilterInput, strawberry.argument(description="Which orders.")],
        first: Annotated[int | None, strawberry.argument(description="Page size.")] = None,
        after: Annotated[
            str | None, strawberry.argument(description="Start after this cursor.")
        ] = None,
        last: Annotated[int | None, strawberry.argument(description="Page size, backward.")] = None,
        before: Annotated[
            str | None, strawberry.argument(description="End before this cursor.")
        ] = None,
    ) -> OrderConnection:
        actor = info.context.actor
        query = QueueFilter(
            store_id=expect_global_id(filter.store_id, "Location", "storeId")
            if filter.store_id
            else None,
            status=DomainStatus[filter.status.name] if filter.status else None,
            channel=DomainChannel[filter.channel.name] if filter.channel else None,
            placed_from=filter.placed_from,
            placed_to=filter.placed_to,
        )
        request = page_request(info, first, after, last, before)
        page = await info.context.db.run(lambda s: store_orders(s, actor, query, request))
        return connection(
            OrderConnection,
            page,
            lambda cursor, o: OrderEdge(cursor=cursor, node=Order.from_model(o)),
        )

    @strawberry.field(
        description="The ready order at a store with this pickup code, for the store's staff "
        "and POS; null and NOT_FOUND when there is none."
    )
    async def order_by_pickup_code(
        self,
        info: OmniInfo,
        store_id: Annotated[strawberry.ID, strawberry.argument(description="The Location.")],
        code: Annotated[str, strawberry.argument(description="The six digits.")],
    ) -> Order | None:
        actor = info.context.actor
        store = expect_global_id(store_id, "Location", "storeId")
        found = await info.context.db.run(lambda s: pickup.by_code(s, actor, store, code))
        return Order.from_model(found)
