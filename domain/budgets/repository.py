"""The budget's statement: one atomic upsert per request spends its requested cost and
credits what the client's previous request gave back.

The row is locked by the upsert, so concurrent requests of one client, on any worker or
host, can never spend the same points twice. It runs outside the request's transaction:
a rolled-back mutation still spent its cost.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.budgets.bucket import Spend, retry_after

_REFILLED = (
    "LEAST(CAST(:maximum AS float8), b.available"
    " + GREATEST(0, EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at)) * CAST(:rate AS float8))"
)

_SPEND = text(
    f"""
    INSERT INTO cost_buckets AS b (client_key, available, updated_at)
    VALUES (:key, CAST(:maximum AS float8) - CAST(:cost AS float8), clock_timestamp())
    ON CONFLICT (client_key) DO UPDATE
       SET available = LEAST(CAST(:maximum AS float8), {_REFILLED} + CAST(:credit AS float8))
                       - CAST(:cost AS float8),
           updated_at = clock_timestamp()
     WHERE LEAST(CAST(:maximum AS float8), {_REFILLED} + CAST(:credit AS float8))
           >= CAST(:cost AS float8)
    RETURNING b.available
    """
)

_CURRENT = text(f"SELECT {_REFILLED} FROM cost_buckets AS b WHERE b.client_key = :key")


async def spend(
    conn: AsyncConnection,
    key: str,
    cost: float,
    maximum: float,
    rate: float,
    credit: float = 0.0,
) -> Spend:
    """Take `cost` points from the client's bucket if it holds them, after adding `credit`
    (points given back since; a new bucket is full). A refused spend credits nothing."""
    if cost > maximum:
        return Spend(False, maximum, float("inf"))
    params = {
        "key": key,
        "cost": float(cost),
        "maximum": float(maximum),
        "rate": float(rate),
        "credit": float(credit),
    }
    left = (await conn.execute(_SPEND, params)).scalar()
    if left is not None:
        return Spend(True, float(left), 0.0)
    now = (await conn.execute(_CURRENT, params)).scalar()
    available = min(float(maximum), float(now) + credit) if now is not None else float(maximum)
    return Spend(False, available, retry_after(cost, available, rate))


async def prune(conn: AsyncConnection, idle_s: float = 3600) -> int:
    """Delete buckets idle for `idle_s`: a missing bucket reads as full, so this is lossless
    once they have had time to refill."""
    result = await conn.execute(
        text(
            "DELETE FROM cost_buckets"
            " WHERE updated_at < clock_timestamp() - make_interval(secs => :idle)"
        ),
        {"idle": float(idle_s)},
    )
    return int(result.rowcount or 0)
