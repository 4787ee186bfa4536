"""The one writer of stock levels: every change of on-hand or reserved goes through
`move()` (or, for a batch of counts, `set_counts()`), which writes a stock movement and a
change event in the same transaction.

Levels change by one conditional UPDATE (or upsert) whose WHERE clause holds the rules —
on-hand and available never below zero — so concurrent writers of a row queue on its row
lock and each sees the other's result: no lost update, no oversell, no read-then-write.
Several rows in one use case are always written in (variant, location) order, so two
transfers in opposite directions cannot deadlock.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import ActorRef
from domain.changes import events
from domain.changes.models import ChangeKind
from domain.errors import InvalidInput
from domain.inventory.errors import StockError, StockErrorCode
from domain.inventory.models import (
    MovementKind,
    ReservationStatus,
    StockMovement,
    StockReservation,
)

MAX_QUANTITY = 1_000_000
MAX_REASON = 500

# New rows only when the change could never break a rule on an empty row.
_UPSERT = text(
    """
    INSERT INTO stock_levels AS s (variant_id, location_id, on_hand, reserved)
    VALUES (:variant_id, :location_id, :on_hand_delta, :reserved_delta)
    ON CONFLICT (variant_id, location_id) DO UPDATE
    SET on_hand = s.on_hand + excluded.on_hand, reserved = s.reserved + excluded.reserved
    WHERE s.on_hand + excluded.on_hand >= s.reserved + excluded.reserved
      AND s.reserved + excluded.reserved >= 0
    RETURNING s.on_hand, s.reserved
    """
)

_UPDATE = text(
    """
    UPDATE stock_levels AS s
    SET on_hand = s.on_hand + :on_hand_delta, reserved = s.reserved + :reserved_delta
    WHERE s.variant_id = :variant_id AND s.location_id = :location_id
      AND s.on_hand + :on_hand_delta >= s.reserved + :reserved_delta
      AND s.reserved + :reserved_delta >= 0
    RETURNING s.on_hand, s.reserved
    """
)

_LEVEL = text(
    "SELECT on_hand, reserved FROM stock_levels WHERE variant_id = :v AND location_id = :l"
)


@dataclass(frozen=True, slots=True)
class Move:
    """One change to apply to the level of (variant, location)."""

    variant_id: int
    location_id: int
    kind: MovementKind
    on_hand_delta: int = 0
    reserved_delta: int = 0


def _quantity(move: Move) -> int:
    return max(abs(move.on_hand_delta), abs(move.reserved_delta))


def _reason(reason: str) -> str:
    cleaned = reason.strip()
    if len(cleaned) > MAX_REASON:
        raise InvalidInput(f"`reason` is at most {MAX_REASON} characters.", "reason")
    return cleaned


async def _available(session: AsyncSession, variant_id: int, location_id: int) -> int:
    row = (await session.execute(_LEVEL, {"v": variant_id, "l": location_id})).first()
    return 0 if row is None else int(row[0]) - int(row[1])


async def move(
    session: AsyncSession,
    actor: ActorRef,
    change: Move,
    *,
    reason: str = "",
    reference: str | None = None,
    transfer_id: uuid.UUID | None = None,
) -> StockMovement:
    """Apply one change and record its movement and change event.

    Raises INSUFFICIENT_STOCK (and changes nothing) when on-hand would go below zero or
    below the reserved units, or reserved below zero.
    """
    (movement,) = await _apply(session, actor, [(change, reference)], reason, transfer_id)
    return movement


async def move_all(
    session: AsyncSession,
    actor: ActorRef,
    changes: Sequence[Move],
    *,
    reason: str = "",
    reference: str | None = None,
    transfer_id: uuid.UUID | None = None,
) -> list[StockMovement]:
    """Apply several changes as one: all or (on the first refusal) none, since the caller's
    transaction rolls back. Rows are written in (variant, location) order."""
    return await _apply(session, actor, [(c, reference) for c in changes], reason, transfer_id)


async def _apply(
    session: AsyncSession,
    actor: ActorRef,
    changes: Sequence[tuple[Move, str | None]],
    reason: str,
    transfer_id: uuid.UUID | None,
) -> list[StockMovement]:
    """The level changes one by one in (variant, location) order, then every movement in
    one INSERT and every change event in one more: a checkout holds its row locks for as
    few round trips as there are rows, plus two."""
    cleaned = _reason(reason)
    ordered = sorted(changes, key=lambda c: (c[0].variant_id, c[0].location_id))
    applied: list[tuple[Move, str | None, int, int]] = []
    for change, reference in ordered:
        if _quantity(change) == 0:
            raise InvalidInput("A stock movement must move at least one unit.", "delta")
        params = {
            "variant_id": change.variant_id,
            "location_id": change.location_id,
            "on_hand_delta": change.on_hand_delta,
            "reserved_delta": change.reserved_delta,
        }
        creatable = 0 <= change.reserved_delta <= change.on_hand_delta
        row = (await session.execute(_UPSERT if creatable else _UPDATE, params)).first()
        if row is None:
            available = await _available(session, change.variant_id, change.location_id)
            raise StockError(
                StockErrorCode.INSUFFICIENT_STOCK,
                f"Only {available} units are available at this location.",
            )
        applied.append((change, reference, int(row[0]), int(row[1])))
    return await _record(session, actor, applied, cleaned, transfer_id)


async def _record(
    session: AsyncSession,
    actor: ActorRef,
    applied: Sequence[tuple[Move, str | None, int, int]],
    reason: str,
    transfer_id: uuid.UUID | None,
) -> list[StockMovement]:
    """The movements of changes already applied (each with its reference and the row's
    on-hand and reserved after it) in one INSERT, and their change events in one more."""
    movements = list(
        await session.scalars(
            insert(StockMovement).returning(StockMovement, sort_by_parameter_order=True),
            [
                {
                    "variant_id": change.variant_id,
                    "location_id": change.location_id,
                    "kind": change.kind,
                    "quantity": _quantity(change),
                    "on_hand_delta": change.on_hand_delta,
                    "reserved_delta": change.reserved_delta,
                    "on_hand_after": on_hand,
                    "reserved_after": reserved,
                    "actor_kind": actor.kind,
                    "actor_id": actor.id,
                    "channel": actor.channel,
                    "reason": reason,
                    "reference": reference,
                    "transfer_id": transfer_id,
                }
                for change, reference, on_hand, reserved in applied
            ],
        )
    )
    await events.record_many(
        session,
        actor,
        [
            (
                ChangeKind.STOCK_CHANGED,
                m.variant_id,
                {
                    "variantId": m.variant_id,
                    "locationId": m.location_id,
                    "onHand": m.on_hand_after,
                    "reserved": m.reserved_after,
                    "available": m.on_hand_after - m.reserved_after,
                    "movementId": m.id,
                },
            )
            for m in movements
        ],
    )
    return movements


async def set_on_hand(
    session: AsyncSession,
    actor: ActorRef,
    variant_id: int,
    location_id: int,
    on_hand: int,
    *,
    kind: MovementKind = MovementKind.COUNT_CORRECTION,
    reason: str = "",
    reference: str | None = None,
) -> StockMovement | None:
    """Set on-hand to a counted figure; None when it already is that figure.

    The row is locked before it is read, so the delta is computed from a value nobody else
    can change before this transaction ends.
    """
    if on_hand < 0 or on_hand > MAX_QUANTITY:
        raise InvalidInput(f"`setTo` must be between 0 and {MAX_QUANTITY}.", "setTo")
    await session.execute(
        text(
            "INSERT INTO stock_levels (variant_id, location_id) VALUES (:v, :l) "
            "ON CONFLICT DO NOTHING"
        ),
        {"v": variant_id, "l": location_id},
    )
    current = (
        await session.execute(
            text(
                "SELECT on_hand FROM stock_levels WHERE variant_id = :v AND location_id = :l "
                "FOR UPDATE"
            ),
            {"v": variant_id, "l": location_id},
        )
    ).scalar_one()
    delta = on_hand - int(current)
    if delta == 0:
        return None
    return await move(
        session,
        actor,
        Move(variant_id, location_id, kind, on_hand_delta=delta),
        reason=reason,
        reference=reference,
    )


@dataclass(frozen=True, slots=True)
class Count:
    """A counted on-hand figure for (variant, location)."""

    variant_id: int
    location_id: int
    on_hand: int


_ENSURE_ROWS = text(
    """
    INSERT INTO stock_levels (variant_id, location_id)
    SELECT * FROM unnest(CAST(:v AS bigint[]), CAST(:l AS bigint[]))
    ON CONFLICT DO NOTHING
    """
)

_LOCK_ROWS = text(
    """
    SELECT s.variant_id, s.location_id, s.on_hand, s.reserved
    FROM stock_levels s
    JOIN unnest(CAST(:v AS bigint[]), CAST(:l AS bigint[])) AS t(v, l)
      ON s.variant_id = t.v AND s.location_id = t.l
    ORDER BY s.variant_id, s.location_id
    FOR UPDATE OF s
    """
)

_SET_ROWS = text(
    """
    UPDATE stock_levels AS s SET on_hand = t.n
    FROM unnest(CAST(:v AS bigint[]), CAST(:l AS bigint[]), CAST(:n AS integer[])) AS t(v, l, n)
    WHERE s.variant_id = t.v AND s.location_id = t.l AND t.n >= s.reserved
    """
)


async def set_counts(
    session: AsyncSession,
    actor: ActorRef,
    counts: Sequence[Count],
    *,
    kind: MovementKind = MovementKind.COUNT_CORRECTION,
    reason: str = "",
    reference: str | None = None,
) -> int:
    """Set many on-hand figures at once (the bulk import), in five statements whatever
    their number: each changed row gets its movement and change event, as `move()` writes
    them. Returns how many rows changed.

    The rows are locked in (variant, location) order before they are read, as in
    `set_on_hand`. A count below a row's reserved units refuses the lot with
    INSUFFICIENT_STOCK (the caller's transaction rolls back).
    """
    ordered = sorted(counts, key=lambda c: (c.variant_id, c.location_id))
    for c in ordered:
        if not 0 <= c.on_hand <= MAX_QUANTITY:
            raise InvalidInput(f"A count must be between 0 and {MAX_QUANTITY}.", "stock")
    keys = {(c.variant_id, c.location_id) for c in ordered}
    if len(keys) != len(ordered):
        raise InvalidInput("A (variant, location) is counted twice.", "stock")
    if not ordered:
        return 0
    ids = {"v": [c.variant_id for c in ordered], "l": [c.location_id for c in ordered]}
    await session.execute(_ENSURE_ROWS, ids)
    levels = {(r[0], r[1]): (int(r[2]), int(r[3])) for r in await session.execute(_LOCK_ROWS, ids)}
    changed: list[tuple[Count, int, int]] = []  # count, delta, reserved
    for c in ordered:
        on_hand, reserved = levels[(c.variant_id, c.location_id)]
        if c.on_hand < reserved:
            raise StockError(
                StockErrorCode.INSUFFICIENT_STOCK,
                f"{reserved} units are reserved at this location; the count cannot be below.",
            )
        if c.on_hand != on_hand:
            changed.append((c, c.on_hand - on_hand, reserved))
    if not changed:
        return 0
    await session.execute(
        _SET_ROWS,
        {
            "v": [c.variant_id for c, _, _ in changed],
            "l": [c.location_id for c, _, _ in changed],
            "n": [c.on_hand for c, _, _ in changed],
        },
    )
    await _record(
        session,
        actor,
        [
            (Move(c.variant_id, c.location_id, kind, on_hand_delta=delta), reference, c.on_hand, r)
            for c, delta, r in changed
        ],
        _reason(reason),
        None,
    )
    return len(changed)


@dataclass(frozen=True, slots=True)
class Hold:
    """`quantity` units of a variant at a location, held for `reference` (an order line)."""

    reference: str
    variant_id: int
    location_id: int
    quantity: int


async def reserve(
    session: AsyncSession,
    actor: ActorRef,
    reference: str,
    variant_id: int,
    location_id: int,
    quantity: int,
    *,
    reason: str = "",
) -> StockReservation:
    """Hold `quantity` units for `reference` (an order line). INSUFFICIENT_STOCK when fewer
    are available; RESERVATION_EXISTS when the reference already holds (or held) stock."""
    (reservation,) = await reserve_many(
        session, actor, [Hold(reference, variant_id, location_id, quantity)], reason=reason
    )
    return reservation


async def reserve_many(
    session: AsyncSession, actor: ActorRef, holds: Sequence[Hold], *, reason: str = ""
) -> list[StockReservation]:
    """Hold every line of an order, all or none, in 3 + (number of rows) statements.

    The reservation rows are written first: they lock no stock row, so the stock rows are
    locked (in variant, location order) only for the level updates and the two inserts
    after them, and then the caller commits.
    """
    for h in holds:
        if not 0 < h.quantity <= MAX_QUANTITY:
            raise InvalidInput(f"`quantity` must be between 1 and {MAX_QUANTITY}.", "quantity")
    if not holds:
        return []
    # ON CONFLICT rather than catching the unique violation: that would abort the caller's
    # transaction.
    reservations = list(
        await session.scalars(
            pg_insert(StockReservation)
            .on_conflict_do_nothing(index_elements=["reference"])
            .returning(StockReservation),
            [
                {
                    "reference": h.reference,
                    "variant_id": h.variant_id,
                    "location_id": h.location_id,
                    "quantity": h.quantity,
                }
                for h in holds
            ],
        )
    )
    if len(reservations) != len(holds):
        taken = {h.reference for h in holds} - {r.reference for r in reservations}
        raise StockError(
            StockErrorCode.RESERVATION_EXISTS,
            f"Reference {min(taken)!r} is already reserved.",
        )
    await _apply(
        session,
        actor,
        [
            (
                Move(h.variant_id, h.location_id, MovementKind.RESERVED, reserved_delta=h.quantity),
                h.reference,
            )
            for h in holds
        ],
        reason,
        None,
    )
    return reservations


async def _close(
    session: AsyncSession,
    actor: ActorRef,
    reference: str,
    status: ReservationStatus,
    reason: str,
) -> StockReservation:
    reservation = await session.scalar(
        select(StockReservation).where(StockReservation.reference == reference).with_for_update()
    )
    if reservation is None:
        raise StockError(StockErrorCode.RESERVATION_CLOSED, f"No reservation {reference!r}.")
    if reservation.status is not ReservationStatus.HELD:
        raise StockError(
            StockErrorCode.RESERVATION_CLOSED,
            f"Reservation {reference!r} is already {reservation.status.value}.",
        )
    q = reservation.quantity
    sold = status is ReservationStatus.SOLD
    await move(
        session,
        actor,
        Move(
            reservation.variant_id,
            reservation.location_id,
            MovementKind.SOLD if sold else MovementKind.RELEASED,
            on_hand_delta=-q if sold else 0,
            reserved_delta=-q,
        ),
        reason=reason,
        reference=reference,
    )
    reservation.status = status
    reservation.closed_at = datetime.now(UTC)
    await session.flush()
    return reservation


async def release(
    session: AsyncSession, actor: ActorRef, reference: str, *, reason: str = ""
) -> StockReservation:
    """Give a held reservation's units back to available. Refused once closed."""
    return await _close(session, actor, reference, ReservationStatus.RELEASED, reason)


async def sell(
    session: AsyncSession, actor: ActorRef, reference: str, *, reason: str = ""
) -> StockReservation:
    """Turn a held reservation into a sale: reserved and on-hand both drop. Refused once
    closed (released or already sold)."""
    return await _close(session, actor, reference, ReservationStatus.SOLD, reason)


# Stock written in bulk (demo data) gets its ledger afterwards: an opening COUNT_CORRECTION
# per level with units, and a reservation plus RESERVED movement for reserved units, the
# same as migration 0005 gave the stock that existed before the ledger.
_OPENING = (
    """
    INSERT INTO stock_movements (variant_id, location_id, kind, quantity, on_hand_delta,
        reserved_delta, on_hand_after, reserved_after, actor_kind, channel, reason)
    SELECT s.variant_id, s.location_id, 'COUNT_CORRECTION', s.on_hand, s.on_hand, 0,
        s.on_hand, 0, 'SYSTEM', 'WEB', 'Opening balance'
    FROM stock_levels s
    WHERE s.on_hand > 0 AND NOT EXISTS (
        SELECT 1 FROM stock_movements m
        WHERE m.variant_id = s.variant_id AND m.location_id = s.location_id)
    ORDER BY s.variant_id, s.location_id
    """,
    """
    INSERT INTO stock_reservations (reference, variant_id, location_id, quantity)
    SELECT 'opening:' || variant_id || ':' || location_id, variant_id, location_id, reserved
    FROM stock_levels WHERE reserved > 0 ORDER BY variant_id, location_id
    ON CONFLICT (reference) DO NOTHING
    """,
    """
    INSERT INTO stock_movements (variant_id, location_id, kind, quantity, on_hand_delta,
        reserved_delta, on_hand_after, reserved_after, actor_kind, channel, reason, reference)
    SELECT s.variant_id, s.location_id, 'RESERVED', s.reserved, 0, s.reserved, s.on_hand,
        s.reserved, 'SYSTEM', 'WEB', 'Opening balance', r.reference
    FROM stock_levels s
    JOIN stock_reservations r
      ON r.reference = 'opening:' || s.variant_id || ':' || s.location_id
    WHERE NOT EXISTS (SELECT 1 FROM stock_movements m WHERE m.reference = r.reference)
    ORDER BY s.variant_id, s.location_id
    """,
)


async def record_opening_balances(session: AsyncSession) -> None:
    """Write the opening ledger of stock levels that have no movements yet."""
    for statement in _OPENING:
        await session.execute(text(statement))
