"""Stock adjustments and transfers by staff: the back-office use cases over `stock`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.errors import CommonErrorCode, InvalidInput, NotFound
from domain.inventory import stock
from domain.inventory.errors import StockError, StockErrorCode
from domain.inventory.models import Location, MovementKind, StockMovement

# Kinds a person may record by hand, and the direction each moves on-hand. Sales,
# reservations and transfers have their own use cases, so the ledger says why units moved.
ADJUSTABLE: dict[MovementKind, int | None] = {
    MovementKind.RECEIVED: 1,
    MovementKind.RETURNED: 1,
    MovementKind.DAMAGED: -1,
    MovementKind.COUNT_CORRECTION: None,  # either way, or `setTo`
}
MAX_TRANSFER_LINES = 100


@dataclass(frozen=True, slots=True)
class TransferLine:
    variant_id: int
    quantity: int


async def _location(session: AsyncSession, location_id: int, field: str) -> Location:
    # Deactivated locations stay adjustable: their stock is still counted and emptied.
    location = await session.get(Location, location_id)
    if location is None:
        raise NotFound("No such location.", field)
    return location


async def _variant(session: AsyncSession, variant_id: int, field: str = "variantId") -> None:
    # Plain SQL: the catalog depends on inventory, not the other way round.
    found = await session.scalar(
        text("SELECT 1 FROM product_variants WHERE id = :id"), {"id": variant_id}
    )
    if found is None:
        raise NotFound("No such variant.", field)


async def adjust(
    session: AsyncSession,
    actor: Actor,
    *,
    location_id: int,
    variant_id: int,
    kind: MovementKind,
    delta: int | None = None,
    set_to: int | None = None,
    reason: str,
) -> StockMovement | None:
    """Change on-hand at one location by `delta`, or to `set_to` (a count). ADMIN, or staff
    of that location. None when a count finds the figure already right."""
    staff = actor.require_staff()
    await _location(session, location_id, "locationId")
    staff.require_store(location_id, "locationId")
    await _variant(session, variant_id)
    if kind not in ADJUSTABLE:
        raise StockError(
            StockErrorCode.INVALID_KIND,
            f"{kind.value} cannot be recorded by hand; use "
            + ", ".join(k.value for k in ADJUSTABLE)
            + ".",
            "kind",
        )
    if (delta is None) == (set_to is None):
        raise InvalidInput("Give exactly one of `delta` and `setTo`.", "delta")
    if not reason.strip():
        raise InvalidInput("Say why the stock changes (`reason`).", "reason")
    ref = actor.ref(location_id)
    if set_to is not None:
        if kind is not MovementKind.COUNT_CORRECTION:
            raise StockError(
                StockErrorCode.INVALID_KIND, "`setTo` is only for COUNT_CORRECTION.", "kind"
            )
        return await stock.set_on_hand(
            session, ref, variant_id, location_id, set_to, kind=kind, reason=reason
        )
    assert delta is not None
    if delta == 0 or abs(delta) > stock.MAX_QUANTITY:
        raise InvalidInput(
            f"`delta` must be non-zero and at most {stock.MAX_QUANTITY} either way.", "delta"
        )
    direction = ADJUSTABLE[kind]
    if direction is not None and (delta > 0) != (direction > 0):
        raise StockError(
            StockErrorCode.INVALID_KIND,
            f"{kind.value} {'adds' if direction > 0 else 'removes'} units: `delta` must be "
            f"{'positive' if direction > 0 else 'negative'}.",
            "delta",
        )
    return await stock.move(
        session, ref, stock.Move(variant_id, location_id, kind, on_hand_delta=delta), reason=reason
    )


async def transfer(
    session: AsyncSession,
    actor: Actor,
    *,
    from_location_id: int,
    to_location_id: int,
    lines: Sequence[TransferLine],
    reason: str,
) -> list[StockMovement]:
    """Move units between locations at once: every line on both sides, or nothing. ADMIN,
    or staff of the sending location; the receiving one must be active."""
    staff = actor.require_staff()
    await _location(session, from_location_id, "fromLocationId")
    staff.require_store(from_location_id, "fromLocationId")
    target = await _location(session, to_location_id, "toLocationId")
    if not target.active:
        raise NotFound("No such location.", "toLocationId")
    if from_location_id == to_location_id:
        raise StockError(
            StockErrorCode.SAME_LOCATION, "Choose two different locations.", "toLocationId"
        )
    if not lines:
        raise InvalidInput("A transfer needs at least one line.", "lines")
    if len(lines) > MAX_TRANSFER_LINES:
        raise InvalidInput(
            f"A transfer has at most {MAX_TRANSFER_LINES} lines.",
            "lines",
            CommonErrorCode.TOO_LONG,
        )
    if len({line.variant_id for line in lines}) != len(lines):
        raise InvalidInput("Each variant appears once in a transfer.", "lines")
    if not reason.strip():
        raise InvalidInput("Say why the stock moves (`reason`).", "reason")
    changes: list[stock.Move] = []
    for line in lines:
        if not 0 < line.quantity <= stock.MAX_QUANTITY:
            raise InvalidInput(
                f"Each quantity must be between 1 and {stock.MAX_QUANTITY}.", "lines"
            )
        await _variant(session, line.variant_id, "lines")
        changes.append(
            stock.Move(
                line.variant_id,
                from_location_id,
                MovementKind.TRANSFER_OUT,
                on_hand_delta=-line.quantity,
            )
        )
        changes.append(
            stock.Move(
                line.variant_id,
                to_location_id,
                MovementKind.TRANSFER_IN,
                on_hand_delta=line.quantity,
            )
        )
    return await stock.move_all(
        session, actor.ref(from_location_id), changes, reason=reason, transfer_id=uuid.uuid4()
    )
