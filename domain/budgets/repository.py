"""The two statements of the budget: spend before a request, give back after it.

Both are single atomic statements (the row is locked by the UPDATE), so concurrent
requests of one client, on any worker or host, can never spend the same points twice.
They run outside the request's transaction: a rolled-back mutation still spent its cost.
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
       SET available = {_REFILLED} - CAST(:cost AS float8), updated_at = clock_timestamp()
     WHERE {_REFILLED} >= CAST(:cost AS float8)
    RETURNING b.available
    """
)

_CURRENT = text(f"SELECT {_REFILLED} FROM cost_buckets AS b WHERE b.client_key = :key")

_GIVE_BACK = text(
    f"""
    UPDATE cost_buckets AS b
       SET available = LEAST(CAST(:maximum AS float8), {_REFILLED} + CAST(:amount AS float8)),
           updated_at = clock_timestamp()
     WHERE b.client_key = :key
    RETURNING b.available
    """
)


async def spend(conn: AsyncConnection, key: str, cost: float, maximum: float, rate: float) -> Spend:
    """Take `cost` points from the client's bucket if it holds them (a new bucket is full)."""
    if cost > maximum:
        return Spend(False, maximum, float("inf"))
    params = {"key": key, "cost": float(cost), "maximum": float(maximum), "rate": float(rate)}
    left = (await conn.execute(_SPEND, params)).scalar()
    if left is not None:
        return Spend(True, float(left), 0.0)
    now = (await conn.execute(_CURRENT, params)).scalar()
    available = float(now) if now is not None else float(maximum)
    return Spend(False, available, retry_after(cost, available, rate))


async def give_back(
    conn: AsyncConnection, key: str, amount: float, maximum: float, rate: float
) -> float | None:
    """Return unused points (requested cost − actual cost); the new level, if the row exists."""
    params = {"key": key, "amount": float(amount), "maximum": float(maximum), "rate": float(rate)}
    left = (await conn.execute(_GIVE_BACK, params)).scalar()
    return float(left) if left is not None else None


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
