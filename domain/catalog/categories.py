"""Creating, changing and moving categories. The tree never gets a cycle."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import ActorRef
from domain.catalog import codes
from domain.catalog.errors import CatalogErrorCode, catalog_error
from domain.catalog.fields import flush_unique, refuse_taken
from domain.catalog.models import Category
from domain.changes import events
from domain.changes.models import ChangeKind
from domain.errors import InvalidInput, NotFound
from domain.text import clean_text

# Moves are serialised: two concurrent moves (A under B, B under A) would each pass the
# cycle check against the tree as it was before the other.
_TREE_LOCK = text("SELECT pg_advisory_xact_lock(hashtext('omni.category_tree'))")

_IS_DESCENDANT = text(
    """
    WITH RECURSIVE below(id) AS (
        SELECT CAST(:root AS bigint)
        UNION ALL
        SELECT c.id FROM categories c JOIN below ON c.parent_id = below.id
    )
    SELECT EXISTS (SELECT 1 FROM below WHERE id = :candidate)
    """
)


async def lock_tree(session: AsyncSession) -> None:
    """Take the tree's move lock. Callers that lock a category row take this first, so
    that two moves always queue in the same order."""
    await session.execute(_TREE_LOCK)


@dataclass(frozen=True, slots=True)
class CategoryChanges:
    """Fields to set; None leaves a field as it is. On create, `name` is required."""

    name: str | None = None
    slug: str | None = None
    description: str | None = None
    position: int | None = None


def _values(changes: CategoryChanges, current: Category | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if changes.name is not None:
        values["name"] = clean_text(changes.name, "name", 200)
    if changes.slug is not None or current is None:
        values["slug"] = codes.slug(changes.slug, values.get("name") or "")
    if changes.description is not None:
        values["description"] = clean_text(changes.description, "description", 5000, required=False)
    if changes.position is not None:
        if not 0 <= changes.position <= 10_000:
            raise InvalidInput("`position` is 0..10000.", "position")
        values["position"] = changes.position
    return values


async def _parent(session: AsyncSession, parent_id: int | None) -> None:
    if parent_id is not None and await session.get(Category, parent_id) is None:
        raise NotFound("No such parent category.", "parentId")


async def _next_position(session: AsyncSession, parent_id: int | None) -> int:
    last = await session.scalar(
        select(func.max(Category.position)).where(
            Category.parent_id.is_not_distinct_from(parent_id)
        )
    )
    return 0 if last is None else int(last) + 1


async def _flush(session: AsyncSession, slug: str) -> None:
    taken = catalog_error(CatalogErrorCode.SLUG_TAKEN, f"`slug` {slug!r} is taken.", "slug")
    await flush_unique(session, {"uq_categories_slug": taken})


async def create_category(
    session: AsyncSession, by: ActorRef, parent_id: int | None, changes: CategoryChanges
) -> Category:
    if changes.name is None:
        raise InvalidInput("`name` is required.", "name")
    values = _values(changes, None)
    await _parent(session, parent_id)
    await refuse_taken(session, Category.slug, values["slug"], CatalogErrorCode.SLUG_TAKEN, "slug")
    if "position" not in values:
        values["position"] = await _next_position(session, parent_id)
    category = Category(parent_id=parent_id, **values)
    session.add(category)
    await _flush(session, category.slug)
    await events.record(
        session,
        by,
        ChangeKind.CATEGORY_CREATED,
        category.id,
        {"categoryId": category.id, "slug": category.slug, "parentId": parent_id},
    )
    return category


async def update_category(
    session: AsyncSession, by: ActorRef, category: Category, changes: CategoryChanges
) -> list[str]:
    values = _values(changes, category)
    changed = [k for k, v in values.items() if getattr(category, k) != v]
    if not changed:
        return []
    if "slug" in changed:
        await refuse_taken(
            session,
            Category.slug,
            values["slug"],
            CatalogErrorCode.SLUG_TAKEN,
            "slug",
            exclude=Category.id != category.id,
        )
    for key in changed:
        setattr(category, key, values[key])
    await _flush(session, category.slug)
    await events.record(
        session,
        by,
        ChangeKind.CATEGORY_UPDATED,
        category.id,
        {"categoryId": category.id, "slug": category.slug, "fields": sorted(changed)},
    )
    return changed


async def move_category(
    session: AsyncSession,
    by: ActorRef,
    category: Category,
    parent_id: int | None,
    position: int | None = None,
) -> bool:
    """Put `category` (with its subtree) under `parent_id` (None: top level). Refused with
    CATEGORY_CYCLE when the new parent is the category itself or below it."""
    await lock_tree(session)
    await _parent(session, parent_id)
    if parent_id is not None:
        below = await session.scalar(_IS_DESCENDANT, {"root": category.id, "candidate": parent_id})
        if below:
            raise catalog_error(
                CatalogErrorCode.CATEGORY_CYCLE,
                "A category cannot move under itself or one of its descendants.",
                "parentId",
            )
    if position is not None and not 0 <= position <= 10_000:
        raise InvalidInput("`position` is 0..10000.", "position")
    previous = category.parent_id
    if position is None:
        same_parent = previous == parent_id
        position = category.position if same_parent else await _next_position(session, parent_id)
    if previous == parent_id and position == category.position:
        return False
    category.parent_id, category.position = parent_id, position
    await session.flush()
    await events.record(
        session,
        by,
        ChangeKind.CATEGORY_MOVED,
        category.id,
        {"categoryId": category.id, "parentId": parent_id, "previousParentId": previous},
    )
    return True
