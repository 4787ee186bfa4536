"""Who may see an order, and in which role: its customer (also through a device session
identifying them), staff of its location and a POS device there (ADMIN: all). Everyone
else is told it does not exist."""

from __future__ import annotations

from domain.actors import Actor
from domain.channels import Channel
from domain.errors import forbidden
from domain.orders.models import Order
from domain.orders.state_machine import Role


def role_of(actor: Actor, order: Order) -> Role | None:
    """The actor's role for this order, or None when they may not see it at all. A kiosk
    does not act for the store: it is unattended."""
    if actor.staff is not None:
        if actor.staff.is_admin:
            return Role.ADMIN
        return Role.STORE if actor.staff.can_act_on_store(order.location_id) else None
    device = actor.device
    # The store's counter acts for the store, also while it holds a customer's session.
    if (
        device is not None
        and device.channel is Channel.POS
        and device.location_id == order.location_id
    ):
        return Role.STORE
    # A phone-only kiosk session sees a first name and points, never orders.
    if order.customer_id is not None and actor.customer_id == order.customer_id:
        return None if actor.limited else Role.CUSTOMER
    return None


def require_store_side(actor: Actor, store_id: int, what: str) -> None:
    """Staff who may act on the store (ADMIN: any), or the store's own POS; FORBIDDEN
    for anyone else."""
    if actor.staff is not None:
        actor.staff.require_store(store_id, "storeId")
        return
    device = actor.device
    if device is None or device.channel is not Channel.POS or device.location_id != store_id:
        raise forbidden(f"Only staff and the store's counter {what}.", "storeId")


def may_read(actor: Actor, order: Order) -> bool:
    return role_of(actor, order) is not None


def sees_pickup_code(actor: Actor, order: Order) -> bool:
    """Only the customer, signed in on their own phone or computer: the code is what proves
    at the counter that they are there, so the store's side never reads it."""
    return (
        order.customer_id is not None
        and actor.customer_id == order.customer_id
        and actor.device is None
        and actor.staff is None
    )
