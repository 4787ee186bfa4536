"""Who sees which products: customers the published, unarchived ones; staff all of them."""

from __future__ import annotations

from domain.actors import Actor
from domain.catalog.models import Product, ProductVariant


def shown_to(product: Product | None, actor: Actor) -> bool:
    """Staff keep seeing archived and unpublished products (to manage them, and in the
    orders that sold them); everyone else sees only what is on sale."""
    if product is None:
        return False
    return actor.staff is not None or (product.published and product.archived_at is None)


def variant_shown_to(variant: ProductVariant | None, product: Product | None, actor: Actor) -> bool:
    """A variant is on sale when it is not archived and its product is shown; staff see
    archived variants too."""
    if variant is None or not shown_to(product, actor):
        return False
    return actor.staff is not None or variant.archived_at is None
