"""Creating and changing products. Writers take the ActorRef the change is recorded
against; access is checked by the use cases in `admin` (and by the import's caller)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import ActorRef
from domain.catalog import codes
from domain.catalog.errors import CatalogErrorCode, catalog_error
from domain.catalog.fields import KEEP, Keep, flush_unique, pairs, refuse_taken
from domain.catalog.models import Category, Product, TaxClass
from domain.catalog.service import refresh_rollups
from domain.changes import events
from domain.changes.models import ChangeKind
from domain.errors import DomainError, InvalidInput, NotFound
from domain.text import clean_text

MAX_IMAGES = 20
MAX_ATTRIBUTES = 50


@dataclass(frozen=True, slots=True)
class ImageSpec:
    url: str
    alt_text: str | None = None
    position: int = 0


@dataclass(frozen=True, slots=True)
class ProductChanges:
    """Fields to set. None (or KEEP where null is a value) leaves a field as it is; on
    create, `name` is required and the rest have defaults."""

    name: str | None = None
    slug: str | None = None
    description: str | None = None
    brand: str | Keep | None = KEEP
    category_id: int | Keep | None = KEEP
    tax_class: TaxClass | None = None
    published: bool | None = None
    attributes: list[tuple[str, str]] | None = None
    images: list[ImageSpec] | None = None


def _images(images: list[ImageSpec]) -> list[dict[str, Any]]:
    if len(images) > MAX_IMAGES:
        raise InvalidInput(f"At most {MAX_IMAGES} images.", "images")
    stored: list[dict[str, Any]] = []
    for image in sorted(images, key=lambda i: i.position):
        url = image.url.strip()
        parts = urlsplit(url)
        if len(url) > 2048 or parts.scheme not in ("http", "https") or not parts.netloc:
            raise InvalidInput("Image `url` must be an absolute http(s) URL.", "images")
        alt = clean_text(image.alt_text, "images", 250, required=False) or None
        stored.append({"url": url, "alt": alt})
    return stored


def product_values(changes: ProductChanges, current: Product | None) -> dict[str, Any]:
    """The column values `changes` asks for, checked (all but the category's existence)."""
    values: dict[str, Any] = {}
    if changes.name is not None:
        values["name"] = clean_text(changes.name, "name", 250)
    if changes.slug is not None or current is None:
        name = values.get("name") or (current.name if current else "")
        values["slug"] = codes.slug(changes.slug, name)
    if changes.description is not None:
        values["description"] = clean_text(
            changes.description, "description", 20_000, required=False
        )
    if not isinstance(changes.brand, Keep):
        values["brand"] = clean_text(changes.brand, "brand", 120, required=False) or None
    if not isinstance(changes.category_id, Keep):
        values["category_id"] = changes.category_id
    if changes.tax_class is not None:
        values["tax_class"] = changes.tax_class
    if changes.published is not None:
        values["published"] = changes.published
    if changes.attributes is not None:
        checked = pairs(
            changes.attributes, "attributes", limit=MAX_ATTRIBUTES, name_limit=100, value_limit=500
        )
        values["attributes"] = dict(checked)
    if changes.images is not None:
        values["images"] = _images(changes.images)
    return values


async def _values(
    session: AsyncSession, changes: ProductChanges, current: Product | None
) -> dict[str, Any]:
    values = product_values(changes, current)
    category_id = values.get("category_id")
    if category_id is not None and await session.get(Category, category_id) is None:
        raise NotFound("No such category.", "categoryId")
    return values


def _slug_taken(slug: str) -> DomainError:
    return catalog_error(CatalogErrorCode.SLUG_TAKEN, f"`slug` {slug!r} is taken.", "slug")


async def create_product(session: AsyncSession, by: ActorRef, changes: ProductChanges) -> Product:
    if changes.name is None:
        raise InvalidInput("`name` is required.", "name")
    values = await _values(session, changes, None)
    await refuse_taken(session, Product.slug, values["slug"], CatalogErrorCode.SLUG_TAKEN, "slug")
    product = Product(**{"published": False, **values})
    session.add(product)
    await flush_unique(session, {"uq_products_slug": _slug_taken(values["slug"])})
    await refresh_rollups(session, [product.id])
    await session.refresh(product)
    await events.record(
        session,
        by,
        ChangeKind.PRODUCT_CREATED,
        product.id,
        {"productId": product.id, "slug": product.slug},
    )
    return product


async def update_product(
    session: AsyncSession, by: ActorRef, product: Product, changes: ProductChanges
) -> list[str]:
    """Apply `changes` to a locked product; returns the names of the fields that changed
    (none: nothing is written or recorded)."""
    values = await _values(session, changes, product)
    changed = [k for k, v in values.items() if getattr(product, k) != v]
    if not changed:
        return []
    if "slug" in changed:
        await refuse_taken(
            session,
            Product.slug,
            values["slug"],
            CatalogErrorCode.SLUG_TAKEN,
            "slug",
            exclude=Product.id != product.id,
        )
    for key in changed:
        setattr(product, key, values[key])
    await flush_unique(session, {"uq_products_slug": _slug_taken(product.slug)})
    await refresh_rollups(session, [product.id])
    await session.refresh(product)
    await events.record(
        session,
        by,
        ChangeKind.PRODUCT_UPDATED,
        product.id,
        {"productId": product.id, "slug": product.slug, "fields": sorted(changed)},
    )
    return changed
