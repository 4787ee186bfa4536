"""Order reads: `order(id:)` and `me.orders`."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.core.connections import connection, page_request
from api.core.errors import NotFound
from api.core.ids import expect_global_id
from api.core.types import Channel, OmniInfo
from api.orders import loaders
from api.orders.types import Order, OrderConnection, OrderEdge, OrderStatus
from domain.channels import Channel as DomainChannel
from domain.orders.access import may_read
from domain.orders.models import OrderStatus as DomainStatus
from domain.orders.queries import OrderFilter, customer_orders


@strawberry.input(description="Which orders; every field narrows the list.")
class OrderFilterInput:
    status: OrderStatus | None = strawberry.field(default=None, description="Only this status.")
    channel: Channel | None = strawberry.field(default=None, description="Only this channel.")


@strawberry.type
class OrderQuery:
    @strawberry.field(
        description="One order: for its customer, a device session identifying them, and "
        "staff of its store. Anyone else gets null and NOT_FOUND, as for an ID that does not "
        "exist."
    )
    async def order(
        self,
        info: OmniInfo,
        id: Annotated[strawberry.ID, strawberry.argument(description="The Order.")],
    ) -> Order | None:
        found = await loaders.order(info).load(expect_global_id(id, "Order"))
        if found is None or not may_read(info.context.actor, found):
            raise NotFound("No such order.", "id")
        return Order.from_model(found)


async def orders_of(
    info: OmniInfo,
    customer_id: int,
    filter: OrderFilterInput | None,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> OrderConnection:
    f = filter or OrderFilterInput()
    query = OrderFilter(
        status=DomainStatus[f.status.name] if f.status else None,
        channel=DomainChannel[f.channel.name] if f.channel else None,
    )
    request = page_request(info, first, after, last, before)
    page = await info.context.db.run(lambda s: customer_orders(s, customer_id, query, request))
    return connection(
        OrderConnection, page, lambda cursor, o: OrderEdge(cursor=cursor, node=Order.from_model(o))
    )
