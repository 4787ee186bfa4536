"""The order lifecycle as one table: (kind, state, action) → next state, who may take the
step, and what it does to the order's stock reservations.

Pure (no database): the use cases in domain/orders look up their step here before they
write anything, so an illegal transition is refused in one place, with the same code
(INVALID_TRANSITION, naming the current state) whatever the channel. The property test in
tests/test_order_lifecycle.py walks random sequences of actions through this table.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from domain.errors import DomainError, ErrorCode, forbidden
from domain.orders.models import OrderKind, OrderStatus


class Action(enum.StrEnum):
    MARK_READY = "MARK_READY"
    COLLECT = "COLLECT"
    CANCEL = "CANCEL"
    EXPIRE = "EXPIRE"
    SHIP = "SHIP"
    DELIVER = "DELIVER"


class Role(enum.StrEnum):
    """Who takes a step, relative to the order."""

    CUSTOMER = "CUSTOMER"  # the order's customer (also through an in-store session)
    STORE = "STORE"  # staff of the order's location, or a POS device there
    ADMIN = "ADMIN"
    SYSTEM = "SYSTEM"  # jobs (expiry)


class Stock(enum.StrEnum):
    """What a step does to the order's reservations."""

    KEEP = "KEEP"
    SELL = "SELL"  # held units leave the location (SOLD movements)
    RELEASE = "RELEASE"  # held units are available again (RELEASED movements)


class TransitionErrorCode(ErrorCode):
    INVALID_TRANSITION = (
        "INVALID_TRANSITION",
        "The order is not in a state that allows this; `message` names its current state.",
    )


@dataclass(frozen=True, slots=True)
class Step:
    to: OrderStatus
    roles: frozenset[Role]
    stock: Stock = Stock.KEEP


P, D = OrderKind.PICKUP, OrderKind.DELIVERY
S = OrderStatus
_STORE = frozenset({Role.STORE, Role.ADMIN})
_ANYONE = frozenset({Role.CUSTOMER, Role.STORE, Role.ADMIN})

TRANSITIONS: dict[tuple[OrderKind, OrderStatus, Action], Step] = {
    # Click-and-collect.
    (P, S.PLACED, Action.MARK_READY): Step(S.READY_FOR_PICKUP, _STORE),
    (P, S.PLACED, Action.CANCEL): Step(S.CANCELLED, _ANYONE, Stock.RELEASE),
    (P, S.READY_FOR_PICKUP, Action.COLLECT): Step(S.COLLECTED, _STORE, Stock.SELL),
    # Once the store has picked the goods, only the store cancels.
    (P, S.READY_FOR_PICKUP, Action.CANCEL): Step(S.CANCELLED, _STORE, Stock.RELEASE),
    (P, S.READY_FOR_PICKUP, Action.EXPIRE): Step(
        S.CANCELLED, frozenset({Role.SYSTEM}), Stock.RELEASE
    ),
    # Delivery: the units leave the shipping location when the parcel does.
    (D, S.PLACED, Action.SHIP): Step(S.SHIPPED, _STORE, Stock.SELL),
    (D, S.PLACED, Action.CANCEL): Step(S.CANCELLED, _ANYONE, Stock.RELEASE),
    (D, S.SHIPPED, Action.DELIVER): Step(S.DELIVERED, _STORE),
}

# No step leaves these; a finished order can still be returned (which changes stock and
# money, not the status).
TERMINAL = frozenset({S.COLLECTED, S.DELIVERED, S.COMPLETED, S.CANCELLED})


def step(kind: OrderKind, status: OrderStatus, action: Action, role: Role) -> Step:
    """The step `role` takes with `action` on an order of `kind` in `status`.

    INVALID_TRANSITION when the order's state (or kind: a delivery is never "ready for
    pickup") does not allow the action for this role; FORBIDDEN when the role may never
    take this action at all.
    """
    found = TRANSITIONS.get((kind, status, action))
    if found is not None and role in found.roles:
        return found
    ever = any(role in s.roles for (_, _, a), s in TRANSITIONS.items() if a is action)
    if not ever:
        raise forbidden(f"You may not {action.value.lower().replace('_', ' ')} this order.")
    raise DomainError(
        TransitionErrorCode.INVALID_TRANSITION,
        f"The order is {status.value}: it cannot be "
        f"{_PAST[action]} now{' by you' if found is not None else ''}.",
    )


_PAST = {
    Action.MARK_READY: "marked ready",
    Action.COLLECT: "collected",
    Action.CANCEL: "cancelled",
    Action.EXPIRE: "expired",
    Action.SHIP: "shipped",
    Action.DELIVER: "delivered",
}
