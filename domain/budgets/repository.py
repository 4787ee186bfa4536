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
from domain.db import count_statement, on_driver


def _refilled(maximum: str, rate: str) -> str:
    return (
        f"LEAST(CAST({maximum} AS float8), b.available + GREATEST(0, EXTRACT(EPOCH FROM"
        f" clock_timestamp() - b.updated_at)) * CAST({rate} AS float8))"
    )


_REFILLED = _refilled("$2", "$4")

# Sent to the driver itself ($1 key, $2 maximum, $3 cost, $4 rate, $5 credit): every
# request runs it, and SQLAlchemy's text() path (compiling the bound names, building a
# result) cost more than the statement's round trip.
_SPEND = f"""
    INSERT INTO cost_buckets AS b (client_key, available, updated_at)
    VALUES ($1, CAST($2 AS float8) - CAST($3 AS float8), clock_timestamp())
    ON CONFLICT (client_key) DO UPDATE
       SET available = LEAST(CAST($2 AS float8), {_REFILLED} + CAST($5 AS float8))
                       - CAST($3 AS float8),
           updated_at = clock_timestamp()
     WHERE LEAST(CAST($2 AS float8), {_REFILLED} + CAST($5 AS float8))
           >= CAST($3 AS float8)
    RETURNING b.available
    """

# $1 key, $2 maximum, $3 rate.
_CURRENT = f"SELECT {_refilled('$2', '$3')} FROM cost_buckets AS b WHERE b.client_key = $1"


async def spend(
    conn: AsyncConnection,
    key: str,
    cost: float,
    maximum: float,
    rate: float,
    credit: float = 0.0,
) -> Spend:
    """Take `cost` points from the client's bucket if it holds them, after adding `credit`
    (points given back since; a new bucket is full). A refused spend credits nothing.
    `conn` must be in autocommit: the spend stands whatever the request does next."""
    if cost > maximum:
        return Spend(False, maximum, float("inf"))
    args = (key, float(maximum), float(cost), float(rate), float(credit))
    count_statement()
    left = await on_driver(conn, lambda driver: driver.fetchval(_SPEND, *args))
    if left is not None:
        return Spend(True, float(left), 0.0)
    count_statement()
    current = (key, float(maximum), float(rate))
    now = await on_driver(conn, lambda driver: driver.fetchval(_CURRENT, *current))
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
