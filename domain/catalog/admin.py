"""Catalog management by ADMIN staff. Every change records a change event."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.catalog.models import Product
from domain.changes import events
from domain.changes.models import ChangeKind
from domain.errors import NotFound


async def _product(session: AsyncSession, product_id: int) -> Product:
    product = await session.get(Product, product_id, with_for_update=True)
    if product is None:
        raise NotFound("No such product.", "id")
    return product


async def set_archived(
    session: AsyncSession, actor: Actor, product_id: int, *, archived: bool
) -> Product:
    """Archive (hide from customers, keep for staff and order history) or bring back.
    Doing it twice changes nothing and records nothing."""
    actor.require_admin("manages the catalog")
    product = await _product(session, product_id)
    if (product.archived_at is not None) == archived:
        return product
    product.archived_at = func.now() if archived else None
    await session.flush()
    await session.refresh(product)
    kind = ChangeKind.PRODUCT_ARCHIVED if archived else ChangeKind.PRODUCT_UNARCHIVED
    await events.record(
        session, actor.ref(), kind, product.id, {"productId": product.id, "slug": product.slug}
    )
    return product
