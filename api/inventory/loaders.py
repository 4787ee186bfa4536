"""DataLoaders of locations and stock.

The stock loaders note the variants whose stock they read (api/core/reads.py): a cached
answer is evicted by those variants' stock changes only.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from api.core import reads
from api.core.loaders import Loader
from domain.inventory import repository
from domain.inventory.models import Location, StockLevel


async def _stock_by_variant(
    session: AsyncSession, variant_ids: Sequence[int]
) -> dict[int, list[StockLevel]]:
    reads.stock_of(variant_ids)
    return await repository.stock_by_variant_ids(session, variant_ids)


async def _stock_at(
    session: AsyncSession, keys: Sequence[tuple[int, int]]
) -> dict[tuple[int, int], StockLevel]:
    reads.stock_of(variant_id for variant_id, _ in keys)
    return await repository.stock_at(session, keys)


async def _delivery_available(session: AsyncSession, variant_ids: Sequence[int]) -> dict[int, int]:
    reads.stock_of(variant_ids)
    return await repository.delivery_available_by_variant(session, variant_ids)


location: Loader[int, Location | None] = Loader(repository.locations_by_ids)
stock_by_variant: Loader[int, list[StockLevel]] = Loader(_stock_by_variant, list)
# Keyed by (variant id, location id).
stock_at: Loader[tuple[int, int], StockLevel | None] = Loader(_stock_at)
delivery_available: Loader[int, int] = Loader(_delivery_available, int)
