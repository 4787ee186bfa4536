"""Who may read an order: its customer (also through a device session identifying them)
and staff of its store (ADMIN: all). Everyone else is told it does not exist."""

from __future__ import annotations

from domain.actors import Actor
from domain.orders.models import Order


def may_read(actor: Actor, order: Order) -> bool:
    if actor.staff is not None:
        return actor.staff.can_act_on_store(order.location_id)
    return order.customer_id is not None and actor.customer_id == order.customer_id
