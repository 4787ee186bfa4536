"""Catalog write-side rules shared by seeding, the admin mutations and the import."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# One statement recomputes the listing roll-ups from the variants, so they can never
# disagree with the variant rows written in the same transaction.
_REFRESH_ROLLUPS = """
UPDATE products AS p
SET price_min = coalesce(agg.price_min, 0),
    price_max = coalesce(agg.price_max, 0),
    search_name = omni_normalize(p.name),
    search_text = omni_normalize(
        concat_ws(' ', p.name, p.brand, p.description, agg.skus)
    )
FROM (
    SELECT pr.id AS product_id,
           min(v.price) AS price_min,
           max(v.price) AS price_max,
           string_agg(v.sku, ' ' ORDER BY v.position, v.id) AS skus
    FROM products pr
    LEFT JOIN product_variants v ON v.product_id = pr.id AND v.archived_at IS NULL
    WHERE (CAST(:ids AS bigint[]) IS NULL OR pr.id = ANY(CAST(:ids AS bigint[])))
    GROUP BY pr.id
) AS agg
WHERE p.id = agg.product_id
"""


async def refresh_rollups(session: AsyncSession, product_ids: Sequence[int] | None = None) -> None:
    """Recompute price range and search text for the given products (all when None)."""
    ids = list(product_ids) if product_ids is not None else None
    await session.execute(text(_REFRESH_ROLLUPS), {"ids": ids})
