"""The order lifecycle after checkout: ready, collect, unlock, cancel, ship, deliver."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from api.core.errors import ClientError
from api.core.ids import expect_global_id
from api.core.mutations import error_type, mutate
from api.core.types import OmniInfo
from api.orders.types import Order, PaymentReceivedInput, Tender
from domain.inventory.errors import StockErrorCode
from domain.membership.errors import MembershipErrorCode
from domain.orders import cancel, delivery, models, payments, pickup, returns
from domain.orders.errors import OrderErrorCode, ReturnErrorCode
from domain.orders.state_machine import TransitionErrorCode

OrderError = error_type(
    "OrderError",
    "Why an order step was refused; then nothing changed (except that a wrong pickup code "
    "is counted).",
    OrderErrorCode,
    ReturnErrorCode,
    TransitionErrorCode,
    StockErrorCode,
    MembershipErrorCode,
)


@strawberry.type(description="Result of an order step.")
class OrderPayload:
    order: Order | None = strawberry.field(
        default=None, description="The order after the step; null when it was refused."
    )
    user_errors: list[OrderError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Why it was refused, if it was."
    )


@strawberry.input(description="Hand a ready order to its customer.")
class OrderCollectInput:
    order_id: strawberry.ID = strawberry.field(description="The Order.")
    pickup_code: str = strawberry.field(
        description="The code the customer shows (or the one scanned from their QR code)."
    )
    payment_received: PaymentReceivedInput | None = strawberry.field(
        default=None,
        description="Required for a PAY_AT_STORE order not yet paid; refused otherwise.",
    )


@strawberry.input(description="Cancel an order.")
class OrderCancelInput:
    order_id: strawberry.ID = strawberry.field(description="The Order.")
    reason: str = strawberry.field(description="Why (1–500 characters); kept on the order.")


@strawberry.input(description="Hand a delivery order to its carrier.")
class OrderShipInput:
    order_id: strawberry.ID = strawberry.field(description="The Order.")
    carrier: str = strawberry.field(description="The carrier (1–80 characters).")
    tracking_number: str = strawberry.field(description="Its tracking number (1–120).")


@strawberry.input(description="Units of one order line to take back.")
class OrderReturnLineInput:
    order_line_id: strawberry.ID = strawberry.field(description="The OrderLine (`Order.lines.id`).")
    quantity: int = strawberry.field(description="Units, at most what is left to return.")


@strawberry.input(description="Take goods of a finished order back, at any store.")
class OrderReturnInput:
    order_id: strawberry.ID = strawberry.field(description="The Order.")
    lines: list[OrderReturnLineInput] = strawberry.field(
        description="What comes back (each line once; at most 100)."
    )
    store_id: strawberry.ID = strawberry.field(
        description="The store taking them back; its stock receives them."
    )
    reason: str = strawberry.field(description="Why (1–500 characters).")
    refund_method: Tender = strawberry.field(description="How the money is given back.")


def _run(
    info: OmniInfo,
    work: Callable[[AsyncSession], Awaitable[models.Order]],
    arguments: tuple[str, ...] = (),
) -> Awaitable[OrderPayload]:
    return mutate(
        info,
        OrderPayload,
        work,
        lambda order: OrderPayload(order=Order.from_model(order)),
        arguments=arguments,
    )


MAX_RETURN_LINES = 100
ORDER_ID = Annotated[strawberry.ID, strawberry.argument(description="The Order.")]


@strawberry.type
class FulfilmentMutation:
    @strawberry.mutation(
        description="The store has picked a click-and-collect order: READY_FOR_PICKUP, with "
        "a pickup code, a collect-by deadline (the store's `collectByDays`) and a "
        "notification to the customer. Staff of the store or its POS."
    )
    async def order_mark_ready(self, info: OmniInfo, order_id: ORDER_ID) -> OrderPayload:
        actor, pk = info.context.actor, expect_global_id(order_id, "Order", "orderId")
        return await _run(info, lambda s: pickup.mark_ready(s, actor, pk), ("orderId",))

    @strawberry.mutation(
        description="The customer collects: their pickup code is checked (5 wrong codes "
        "lock it: PICKUP_LOCKED), a PAY_AT_STORE order is paid, the stock leaves the store "
        "and points are earned. Staff of the store or its POS."
    )
    async def order_collect(
        self,
        info: OmniInfo,
        input: Annotated[OrderCollectInput, strawberry.argument(description="The handover.")],
    ) -> OrderPayload:
        actor = info.context.actor
        pk = expect_global_id(input.order_id, "Order", "orderId")
        paid = input.payment_received
        received = payments.Received(models.Tender[paid.method.name], paid.amount) if paid else None
        per_point = info.context.settings.spend_per_point
        return await _run(
            info, lambda s: pickup.collect(s, actor, pk, input.pickup_code, received, per_point)
        )

    @strawberry.mutation(
        description="Reopen pickup-code entry locked by wrong codes, after checking the "
        "customer's identity. Staff of the store (not a device); the reason is recorded."
    )
    async def order_pickup_unlock(
        self,
        info: OmniInfo,
        order_id: ORDER_ID,
        reason: Annotated[str, strawberry.argument(description="What was checked (1–500).")],
    ) -> OrderPayload:
        actor, pk = info.context.actor, expect_global_id(order_id, "Order", "orderId")
        return await _run(
            info, lambda s: pickup.unlock(s, actor, pk, reason), ("orderId", "reason")
        )

    @strawberry.mutation(
        description="Cancel: the customer while the order is PLACED, the store until it is "
        "collected (or shipped). The stock is released, the voucher use and the points "
        "given back, the customer notified."
    )
    async def order_cancel(
        self,
        info: OmniInfo,
        input: Annotated[OrderCancelInput, strawberry.argument(description="The cancellation.")],
    ) -> OrderPayload:
        actor = info.context.actor
        pk = expect_global_id(input.order_id, "Order", "orderId")
        return await _run(info, lambda s: cancel.cancel(s, actor, pk, input.reason))

    @strawberry.mutation(
        description="A delivery order leaves its shipping location: SHIPPED, the units "
        "sold. Staff of that location or ADMIN."
    )
    async def order_ship(
        self,
        info: OmniInfo,
        input: Annotated[OrderShipInput, strawberry.argument(description="The shipment.")],
    ) -> OrderPayload:
        actor = info.context.actor
        pk = expect_global_id(input.order_id, "Order", "orderId")
        return await _run(
            info,
            lambda s: delivery.ship(s, actor, pk, input.carrier, input.tracking_number),
        )

    @strawberry.mutation(
        description="Return anywhere: staff of any store take back goods of a COLLECTED, "
        "DELIVERED or COMPLETED order within OMNI_RETURN_DAYS, in whole or in part. The "
        "units come back into that store's stock, the refund is recorded and the points "
        "earned on them are taken back in proportion."
    )
    async def order_return(
        self,
        info: OmniInfo,
        input: Annotated[OrderReturnInput, strawberry.argument(description="The return.")],
    ) -> OrderPayload:
        actor = info.context.actor
        pk = expect_global_id(input.order_id, "Order", "orderId")
        store = expect_global_id(input.store_id, "Location", "storeId")
        if len(input.lines) > MAX_RETURN_LINES:
            raise ClientError(f"At most {MAX_RETURN_LINES} lines.", field="lines")
        lines = [
            returns.ReturnLine(
                expect_global_id(line.order_line_id, "OrderLine", f"lines.{i}.orderLineId"),
                line.quantity,
            )
            for i, line in enumerate(input.lines)
        ]
        method = models.Tender[input.refund_method.name]
        window = timedelta(days=info.context.settings.return_days)
        return await _run(
            info,
            lambda s: returns.return_goods(
                s, actor, pk, lines, store, input.reason, method, window
            ),
        )

    @strawberry.mutation(
        description="A shipped order reached the customer: DELIVERED, cash on delivery "
        "recorded as paid, points earned. Staff of the shipping location or ADMIN."
    )
    async def order_deliver(self, info: OmniInfo, order_id: ORDER_ID) -> OrderPayload:
        actor, pk = info.context.actor, expect_global_id(order_id, "Order", "orderId")
        per_point = info.context.settings.spend_per_point
        return await _run(info, lambda s: delivery.deliver(s, actor, pk, per_point), ("orderId",))
