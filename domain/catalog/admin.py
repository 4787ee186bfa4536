"""Catalog management use cases for ADMIN staff. Each checks access, locks what it changes
and delegates to the writers (`products`, `variants`, `categories`, `prices`), which record
the change events."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.catalog import categories, importer, products, variants
from domain.catalog.categories import CategoryChanges
from domain.catalog.import_rows import ImportErrorCode, ImportFormat, UnreadableFile, read_rows
from domain.catalog.importer import ImportSummary
from domain.catalog.models import Category, Product, ProductVariant
from domain.catalog.products import ProductChanges
from domain.catalog.variants import VariantChanges
from domain.changes import events
from domain.changes.models import ChangeKind
from domain.errors import CommonErrorCode, DomainError, InvalidInput, NotFound

WHAT = "manages the catalog"


M = TypeVar("M", Product, ProductVariant, Category)


async def _locked(session: AsyncSession, model: type[M], pk: int, field: str = "id") -> M:
    found = await session.get(model, pk, with_for_update=True)
    if found is None:
        raise NotFound(f"No such {model.__name__}.", field)
    return found


async def create_product(session: AsyncSession, actor: Actor, changes: ProductChanges) -> Product:
    actor.require_admin(WHAT)
    return await products.create_product(session, actor.ref(), changes)


async def update_product(
    session: AsyncSession, actor: Actor, product_id: int, changes: ProductChanges
) -> Product:
    actor.require_admin(WHAT)
    product = await _locked(session, Product, product_id)
    await products.update_product(session, actor.ref(), product, changes)
    return product


async def set_archived(
    session: AsyncSession, actor: Actor, product_id: int, *, archived: bool
) -> Product:
    """Archive (hide from customers, keep for staff and order history) or bring back.
    Doing it twice changes nothing and records nothing."""
    actor.require_admin(WHAT)
    product = await _locked(session, Product, product_id)
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


async def create_variant(
    session: AsyncSession,
    actor: Actor,
    product_id: int,
    changes: VariantChanges,
    price: Decimal,
    compare_at_price: Decimal | None,
) -> ProductVariant:
    actor.require_admin(WHAT)
    product = await _locked(session, Product, product_id, "productId")
    return await variants.create_variant(
        session, actor.ref(), product, changes, price, compare_at_price
    )


async def update_variant(
    session: AsyncSession, actor: Actor, variant_id: int, changes: VariantChanges
) -> ProductVariant:
    actor.require_admin(WHAT)
    variant = await _locked(session, ProductVariant, variant_id)
    await variants.update_variant(session, actor.ref(), variant, changes)
    return variant


async def archive_variant(session: AsyncSession, actor: Actor, variant_id: int) -> ProductVariant:
    actor.require_admin(WHAT)
    variant = await _locked(session, ProductVariant, variant_id)
    await variants.archive_variant(session, actor.ref(), variant)
    return variant


async def create_category(
    session: AsyncSession, actor: Actor, parent_id: int | None, changes: CategoryChanges
) -> Category:
    actor.require_admin(WHAT)
    return await categories.create_category(session, actor.ref(), parent_id, changes)


async def update_category(
    session: AsyncSession, actor: Actor, category_id: int, changes: CategoryChanges
) -> Category:
    actor.require_admin(WHAT)
    category = await _locked(session, Category, category_id)
    await categories.update_category(session, actor.ref(), category, changes)
    return category


async def move_category(
    session: AsyncSession,
    actor: Actor,
    category_id: int,
    parent_id: int | None,
    position: int | None,
) -> Category:
    actor.require_admin(WHAT)
    await categories.lock_tree(session)
    category = await _locked(session, Category, category_id)
    await categories.move_category(session, actor.ref(), category, parent_id, position)
    return category


MAX_IMPORT_CHARACTERS = 512_000
MAX_IMPORT_ROWS = 2_000


async def import_products(
    session: AsyncSession, actor: Actor, fmt: ImportFormat, content: str
) -> ImportSummary:
    """The bulk import for small files, in the caller's one transaction (larger files go
    through `omni import products`, which commits chunk by chunk)."""
    actor.require_admin("imports products")
    if len(content) > MAX_IMPORT_CHARACTERS:
        raise InvalidInput(
            f"`content` is longer than {MAX_IMPORT_CHARACTERS} characters; use "
            "`omni import products` for larger files.",
            "content",
            CommonErrorCode.TOO_LONG,
        )
    lines = content.splitlines(keepends=True)
    if sum(1 for line in lines if line.strip()) > MAX_IMPORT_ROWS + 1:
        raise InvalidInput(
            f"At most {MAX_IMPORT_ROWS} rows; use `omni import products` for larger files.",
            "content",
            CommonErrorCode.TOO_LONG,
        )

    async def run(work: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
        return await work(session)

    try:
        return await importer.import_rows(
            run, actor.ref(), read_rows(fmt, lines), reference="import:api"
        )
    except UnreadableFile as error:
        raise DomainError(ImportErrorCode.UNREADABLE, str(error), "content") from None
