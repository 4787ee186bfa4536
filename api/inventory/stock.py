"""The stock ledger in the API: movements, `stockAdjust`, `stockTransfer`, `stockMovements`."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from api.core.connections import After, Before, First, Last, connection, page_request
from api.core.ids import expect_global_id, to_global_id
from api.core.mutations import error_type, mutate
from api.core.node import load_node, node_resolver
from api.core.types import ActorKind, Channel, Node, OmniInfo, PageInfo
from api.inventory import loaders
from api.inventory.types import Location
from domain.inventory import adjustments, models
from domain.inventory.errors import StockErrorCode
from domain.inventory.movements import MovementFilter, list_movements

if TYPE_CHECKING:
    from api.catalog.types import ProductVariant


@strawberry.enum(description="Why a stock level changed.")
class StockMovementKind(enum.Enum):
    RECEIVED = strawberry.enum_value("RECEIVED", description="Goods received (adds on-hand).")
    SOLD = strawberry.enum_value("SOLD", description="Sold: a reservation left the store.")
    RETURNED = strawberry.enum_value("RETURNED", description="Returned by a customer (adds).")
    RESERVED = strawberry.enum_value("RESERVED", description="Held for an order line.")
    RELEASED = strawberry.enum_value("RELEASED", description="A held reservation given back.")
    COUNT_CORRECTION = strawberry.enum_value(
        "COUNT_CORRECTION", description="A stock count corrected on-hand (either way)."
    )
    DAMAGED = strawberry.enum_value("DAMAGED", description="Damaged or lost (removes).")
    TRANSFER_OUT = strawberry.enum_value("TRANSFER_OUT", description="Sent to another location.")
    TRANSFER_IN = strawberry.enum_value("TRANSFER_IN", description="Received from a transfer.")


@strawberry.type(description="One line of the stock ledger (staff only).")
class StockMovement(Node):
    model: strawberry.Private[models.StockMovement]
    kind: StockMovementKind = strawberry.field(description="Why the stock changed.")
    quantity: int = strawberry.field(description="Units moved; always positive.")
    on_hand_delta: int = strawberry.field(description="Change of on-hand (signed).")
    reserved_delta: int = strawberry.field(description="Change of reserved units (signed).")
    on_hand_after: int = strawberry.field(description="On-hand units after this movement.")
    reserved_after: int = strawberry.field(description="Reserved units after this movement.")
    actor_kind: ActorKind = strawberry.field(description="Who made the change.")
    channel: Channel = strawberry.field(description="The channel it was made through.")
    reason: str = strawberry.field(description="Why, in the words of whoever made it.")
    reference: str | None = strawberry.field(
        description="What caused it: an order line's reservation, an import; null when none."
    )
    transfer_id: str | None = strawberry.field(
        description="The same for the two sides of one transfer; null otherwise."
    )
    created_at: datetime = strawberry.field(description="When it happened.")

    @classmethod
    def from_model(cls, m: models.StockMovement) -> StockMovement:
        return cls(
            model=m,
            id=strawberry.ID(to_global_id("StockMovement", m.id)),
            kind=StockMovementKind(m.kind.value),
            quantity=m.quantity,
            on_hand_delta=m.on_hand_delta,
            reserved_delta=m.reserved_delta,
            on_hand_after=m.on_hand_after,
            reserved_after=m.reserved_after,
            actor_kind=ActorKind(m.actor_kind.value),
            channel=Channel(m.channel.value),
            reason=m.reason,
            reference=m.reference,
            transfer_id=str(m.transfer_id) if m.transfer_id else None,
            created_at=m.created_at,
        )

    @strawberry.field(description="Units available after this movement (on-hand − reserved).")
    def available_after(self) -> int:
        return self.on_hand_after - self.reserved_after

    @strawberry.field(description="The location whose stock changed.")
    async def location(self, info: OmniInfo) -> Location:
        location = await loaders.location(info).load(self.model.location_id)
        assert location is not None  # FK
        return Location.from_model(location)

    @strawberry.field(description="The variant whose stock changed (also when archived).")
    async def variant(
        self, info: OmniInfo
    ) -> Annotated[ProductVariant, strawberry.lazy("api.catalog.types")] | None:
        return await load_node(info, "ProductVariant", self.model.variant_id)  # type: ignore[return-value]


@node_resolver("StockMovement")
async def _movement_node(info: OmniInfo, pk: int) -> Node | None:
    staff = info.context.actor.staff
    if staff is None:
        return None

    async def fetch(session: AsyncSession) -> models.StockMovement | None:
        return await session.get(models.StockMovement, pk)

    row = await info.context.db.run(fetch)
    if row is None or not staff.can_act_on_store(row.location_id):
        return None
    return StockMovement.from_model(row)


@strawberry.type(description="A movement and its cursor.")
class StockMovementEdge:
    cursor: str = strawberry.field(description="Pass to `after` or `before` to page from here.")
    node: StockMovement = strawberry.field(description="The movement.")


@strawberry.type(description="A page of stock movements, newest first.")
class StockMovementConnection:
    edges: list[StockMovementEdge] = strawberry.field(description="The movements of this page.")
    page_info: PageInfo = strawberry.field(description="Cursors and whether more pages exist.")

    @strawberry.field(description="The movements of this page, without cursors.")
    def nodes(self) -> list[StockMovement]:
        return [edge.node for edge in self.edges]


@strawberry.input(description="Which movements to list; every field narrows the list.")
class StockMovementFilter:
    location_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this location (staff: one of their stores)."
    )
    variant_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this ProductVariant."
    )
    kind: StockMovementKind | None = strawberry.field(default=None, description="Only this kind.")
    from_: datetime | None = strawberry.field(
        default=None, name="from", description="At or after this moment."
    )
    to: datetime | None = strawberry.field(default=None, description="Before this moment.")


StockError = error_type("StockError", "Why a stock adjustment or transfer failed.", StockErrorCode)


@strawberry.input(description="A change of one variant's stock at one location.")
class StockAdjustInput:
    location_id: strawberry.ID = strawberry.field(description="The Location.")
    variant_id: strawberry.ID = strawberry.field(description="The ProductVariant.")
    kind: StockMovementKind = strawberry.field(
        description="RECEIVED or RETURNED (positive `delta`), DAMAGED (negative `delta`), or "
        "COUNT_CORRECTION (`delta` either way, or `setTo`)."
    )
    reason: str = strawberry.field(description="Why; kept on the ledger (at most 500 chars).")
    delta: int | None = strawberry.field(
        default=None, description="Units to add (positive) or remove (negative)."
    )
    set_to: int | None = strawberry.field(
        default=None, description="The counted on-hand figure (COUNT_CORRECTION only)."
    )


@strawberry.input(description="One variant and how many units to move.")
class StockTransferLineInput:
    variant_id: strawberry.ID = strawberry.field(description="The ProductVariant.")
    quantity: int = strawberry.field(description="Units to move, at least 1.")


@strawberry.input(description="Units to move from one location to another, all at once.")
class StockTransferInput:
    from_location_id: strawberry.ID = strawberry.field(description="Where the units leave.")
    to_location_id: strawberry.ID = strawberry.field(
        description="Where they arrive (an active location)."
    )
    lines: list[StockTransferLineInput] = strawberry.field(
        description="At most 100 lines, each variant once."
    )
    reason: str = strawberry.field(description="Why; kept on the ledger.")


@strawberry.type(description="Result of `stockAdjust`.")
class StockAdjustPayload:
    movement: StockMovement | None = strawberry.field(
        default=None,
        description="The movement written; null on failure, or when a count found the "
        "figure already right.",
    )
    user_errors: list[StockError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Why it failed, if it did."
    )


@strawberry.type(description="Result of `stockTransfer`.")
class StockTransferPayload:
    movements: list[StockMovement] = strawberry.field(
        default_factory=list,
        description="The TRANSFER_OUT and TRANSFER_IN movements written; empty on failure.",
    )
    user_errors: list[StockError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Why it failed, if it did."
    )


def _kind(kind: StockMovementKind) -> models.MovementKind:
    return models.MovementKind[kind.name]


@strawberry.type
class StockQuery:
    @strawberry.field(
        description="The stock ledger, newest first: staff see their stores' movements, "
        "ADMIN all locations' (at most the deployment's page size per page)."
    )
    async def stock_movements(
        self,
        info: OmniInfo,
        filter: Annotated[
            StockMovementFilter | None, strawberry.argument(description="Narrow the list.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> StockMovementConnection:
        f = filter or StockMovementFilter()
        query = MovementFilter(
            location_id=expect_global_id(f.location_id, "Location", "locationId")
            if f.location_id
            else None,
            variant_id=expect_global_id(f.variant_id, "ProductVariant", "variantId")
            if f.variant_id
            else None,
            kind=_kind(f.kind) if f.kind else None,
            since=f.from_,
            until=f.to,
        )
        request = page_request(info, first, after, last, before)
        actor = info.context.actor
        page = await info.context.db.run(lambda s: list_movements(s, actor, query, request))
        return connection(
            StockMovementConnection,
            page,
            lambda cursor, m: StockMovementEdge(cursor=cursor, node=StockMovement.from_model(m)),
        )


@strawberry.type
class StockMutation:
    @strawberry.mutation(
        description="Receive, return, write off or count stock of one variant at one "
        "location (ADMIN, or staff of that store). Reserved units cannot be adjusted away."
    )
    async def stock_adjust(
        self,
        info: OmniInfo,
        input: Annotated[StockAdjustInput, strawberry.argument(description="The change.")],
    ) -> StockAdjustPayload:
        actor = info.context.actor
        location_id = expect_global_id(input.location_id, "Location", "locationId")
        variant_id = expect_global_id(input.variant_id, "ProductVariant", "variantId")
        return await mutate(
            info,
            StockAdjustPayload,
            lambda s: adjustments.adjust(
                s,
                actor,
                location_id=location_id,
                variant_id=variant_id,
                kind=_kind(input.kind),
                delta=input.delta,
                set_to=input.set_to,
                reason=input.reason,
            ),
            lambda m: StockAdjustPayload(movement=StockMovement.from_model(m) if m else None),
        )

    @strawberry.mutation(
        description="Move stock between locations: every line leaves and arrives, or none "
        "does (ADMIN, or staff of the sending store)."
    )
    async def stock_transfer(
        self,
        info: OmniInfo,
        input: Annotated[StockTransferInput, strawberry.argument(description="The transfer.")],
    ) -> StockTransferPayload:
        actor = info.context.actor
        source = expect_global_id(input.from_location_id, "Location", "fromLocationId")
        target = expect_global_id(input.to_location_id, "Location", "toLocationId")
        lines = [
            adjustments.TransferLine(
                expect_global_id(line.variant_id, "ProductVariant", "lines"), line.quantity
            )
            for line in input.lines[: adjustments.MAX_TRANSFER_LINES + 1]
        ]
        return await mutate(
            info,
            StockTransferPayload,
            lambda s: adjustments.transfer(
                s,
                actor,
                from_location_id=source,
                to_location_id=target,
                lines=lines,
                reason=input.reason,
            ),
            lambda ms: StockTransferPayload(movements=[StockMovement.from_model(m) for m in ms]),
        )
