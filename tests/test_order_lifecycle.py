"""The order transition table (domain/orders/state_machine.py), property-tested: no
sequence of actions by anyone reaches a state outside the table, sells stock twice, or
leaves a reservation held once the order is finished."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import CommonErrorCode, DomainError
from domain.orders.models import OrderKind, OrderStatus
from domain.orders.state_machine import (
    TERMINAL,
    TRANSITIONS,
    Action,
    Role,
    Stock,
    TransitionErrorCode,
    step,
)

KINDS = [OrderKind.PICKUP, OrderKind.DELIVERY]


@dataclass
class Simulated:
    """One order line of `units` at one location, through the table's stock effects."""

    kind: OrderKind
    units: int
    on_hand: int
    status: OrderStatus = OrderStatus.PLACED
    reserved: int = 0
    sold: int = 0
    released: int = 0

    def __post_init__(self) -> None:
        self.reserved = self.units  # checkout reserved the line

    def apply(self, action: Action, role: Role) -> bool:
        try:
            taken = step(self.kind, self.status, action, role)
        except DomainError as error:
            assert error.code in (
                TransitionErrorCode.INVALID_TRANSITION,
                CommonErrorCode.FORBIDDEN,
            )
            if error.code is TransitionErrorCode.INVALID_TRANSITION:
                assert self.status.value in error.message
            return False
        if taken.stock is Stock.SELL:
            assert self.reserved == self.units, "selling what is not held"
            self.reserved -= self.units
            self.on_hand -= self.units
            self.sold += self.units
        elif taken.stock is Stock.RELEASE:
            assert self.reserved == self.units, "releasing what is not held"
            self.reserved -= self.units
            self.released += self.units
        self.status = taken.to
        return True


@settings(max_examples=500, deadline=None)
@given(
    kind=st.sampled_from(KINDS),
    units=st.integers(1, 5),
    calls=st.lists(st.tuples(st.sampled_from(list(Action)), st.sampled_from(list(Role)))),
)
def test_no_sequence_reaches_an_illegal_state(
    kind: OrderKind, units: int, calls: list[tuple[Action, Role]]
) -> None:
    order = Simulated(kind, units, on_hand=units + 3)
    reachable = {OrderStatus.PLACED} | {s.to for (k, _, _), s in TRANSITIONS.items() if k is kind}
    for action, role in calls:
        before = order.status
        moved = order.apply(action, role)
        assert order.status in reachable
        if not moved:
            assert order.status is before
        if before in TERMINAL:
            assert not moved, "a finished order moved"
        # Never sold twice, never both sold and released, never below zero.
        assert order.sold in (0, units) and order.released in (0, units)
        assert not (order.sold and order.released)
        assert order.on_hand - order.reserved >= 0 and order.reserved >= 0
        if order.status in TERMINAL:
            assert order.reserved == 0, f"a reservation left behind in {order.status}"
        if order.status is OrderStatus.CANCELLED:
            assert order.on_hand == units + 3, "a cancelled order took stock"


def test_every_path_to_a_finished_state_settles_the_reservation() -> None:
    """Exhaustively: from PLACED, every chain of steps ending in a terminal state has
    exactly one SELL or RELEASE on it."""

    def walk(kind: OrderKind, status: OrderStatus, effects: list[Stock]) -> None:
        if status in TERMINAL:
            settled = [e for e in effects if e is not Stock.KEEP]
            assert len(settled) == 1, (kind, status, effects)
            return
        nexts = [
            (s.to, s.stock) for (k, f, _), s in TRANSITIONS.items() if k is kind and f is status
        ]
        assert nexts, f"{kind} {status} is a dead end"
        for to, effect in nexts:
            walk(kind, to, [*effects, effect])

    for kind in KINDS:
        walk(kind, OrderStatus.PLACED, [])


@pytest.mark.parametrize(
    ("status", "action", "role", "code"),
    [
        (OrderStatus.READY_FOR_PICKUP, Action.CANCEL, Role.CUSTOMER, "INVALID_TRANSITION"),
        (OrderStatus.COLLECTED, Action.COLLECT, Role.STORE, "INVALID_TRANSITION"),
        (OrderStatus.PLACED, Action.COLLECT, Role.STORE, "INVALID_TRANSITION"),
        (OrderStatus.PLACED, Action.MARK_READY, Role.CUSTOMER, "FORBIDDEN"),
        (OrderStatus.READY_FOR_PICKUP, Action.EXPIRE, Role.STORE, "FORBIDDEN"),
    ],
)
def test_refusals_name_the_state(
    status: OrderStatus, action: Action, role: Role, code: str
) -> None:
    with pytest.raises(DomainError) as refused:
        step(OrderKind.PICKUP, status, action, role)
    assert refused.value.code.value == code
    if code == "INVALID_TRANSITION":
        assert status.value in refused.value.message


@pytest.mark.parametrize("action", list(Action))
def test_a_counter_sale_is_finished_from_the_start(action: Action) -> None:
    """A counter sale is created COMPLETED (its units sold with it): no step applies."""
    assert OrderStatus.COMPLETED in TERMINAL
    for role in Role:
        with pytest.raises(DomainError):
            step(OrderKind.IN_STORE, OrderStatus.COMPLETED, action, role)
