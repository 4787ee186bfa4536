"""The demo retailer: big enough, believable, deterministic."""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.db import create_engine
from domain.seed.demo import clear_data, has_data, load_demo_data

SNAPSHOT = {
    "variants": "SELECT sku, barcode, price::text, options::text "
    "FROM product_variants ORDER BY sku",
    "stock": "SELECT v.sku, l.code, s.on_hand, s.reserved FROM stock_levels s "
    "JOIN product_variants v ON v.id = s.variant_id JOIN locations l ON l.id = s.location_id "
    "ORDER BY 1, 2",
    "products": "SELECT slug, name, created_at::text, price_min::text FROM products ORDER BY slug",
}


def ean13_valid(code: str) -> bool:
    if not re.fullmatch(r"\d{13}", code):
        return False
    digits = [int(c) for c in code]
    total = sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits[:12]))
    return (10 - total % 10) % 10 == digits[12]


async def scalar(session: AsyncSession, sql: str) -> int:
    return int((await session.execute(text(sql))).scalar_one())


async def test_demo_data_meets_the_brief(fresh_db):
    engine = create_engine(fresh_db, pool_size=1)
    try:
        async with AsyncSession(engine) as s:
            assert await scalar(s, "SELECT count(*) FROM categories") >= 8
            depth = await scalar(
                s,
                """WITH RECURSIVE t(id, d) AS (SELECT id, 1 FROM categories WHERE parent_id IS NULL
                   UNION ALL SELECT c.id, t.d + 1 FROM categories c JOIN t ON c.parent_id = t.id)
                   SELECT max(d) FROM t""",
            )
            assert depth >= 2
            assert await scalar(s, "SELECT count(*) FROM products") >= 60
            assert await scalar(s, "SELECT count(*) FROM product_variants") >= 150
            assert await scalar(s, "SELECT count(*) FROM products WHERE name ~ '[À-ỹ]'") >= 30
            stores = await scalar(s, "SELECT count(*) FROM locations WHERE kind = 'STORE'")
            assert stores >= 6
            cities = await scalar(
                s, "SELECT count(DISTINCT province) FROM locations WHERE kind = 'STORE'"
            )
            assert cities >= 2
            assert await scalar(s, "SELECT count(*) FROM locations WHERE kind = 'WAREHOUSE'") >= 1
            pairs = await scalar(s, "SELECT count(*) FROM product_variants CROSS JOIN locations")
            assert await scalar(s, "SELECT count(*) FROM stock_levels") == pairs
            assert await scalar(s, "SELECT count(*) FROM stock_levels WHERE on_hand = 0") > 0
            assert await scalar(s, "SELECT count(DISTINCT on_hand) FROM stock_levels") > 10
            barcodes = (await s.execute(text("SELECT barcode FROM product_variants"))).scalars()
            assert all(ean13_valid(b) for b in barcodes)
            assert await scalar(s, "SELECT count(*) FROM product_variants WHERE price <= 0") == 0
            assert (
                await scalar(s, "SELECT count(*) FROM locations WHERE opening_hours = '{}'::jsonb")
                == 0
            )
    finally:
        await engine.dispose()


async def snapshot(session: AsyncSession) -> dict[str, list[tuple]]:
    return {
        k: [tuple(r) for r in (await session.execute(text(q))).all()] for k, q in SNAPSHOT.items()
    }


async def test_seed_is_deterministic(fresh_db):
    engine = create_engine(fresh_db, pool_size=1)
    try:
        async with AsyncSession(engine) as s:
            first = await snapshot(s)
            assert await has_data(s)
            await clear_data(s)
            assert not await has_data(s)
            await load_demo_data(s)
            await s.commit()
            assert await snapshot(s) == first
    finally:
        await engine.dispose()
