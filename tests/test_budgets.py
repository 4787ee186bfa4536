"""Cost budgets: a leaky bucket per client, in PostgreSQL, shared by every worker."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from api.config import Budget, Budgets
from domain.actors import StaffRole
from domain.budgets.bucket import refilled, retry_after
from domain.db import create_engine
from tests.conftest import client_for, gql
from tests.people import make_staff, register

PAGE_OF_9 = "{ products(first: 9) { nodes { id } } }"  # 1 + 9 = 10 points, all returned
PAGE_OF_20 = "{ products(first: 20) { edges { node { name } } } }"  # 41 points


def tight(maximum: float = 100, rate: float = 0.5) -> Budgets:
    small = Budget(maximum, rate)
    return Budgets(anonymous=small, customer=small, device=small, staff=Budget(1000, 1))


def test_bucket_arithmetic():
    assert refilled(10, 2, 100, 5) == 20
    assert refilled(90, 100, 100, 5) == 100
    assert refilled(10, -5, 100, 5) == 10  # clocks going backwards never drain a bucket
    assert retry_after(50, 20, 10) == 3.0
    assert retry_after(50, 60, 10) == 0.0
    assert retry_after(11, 10, 3) == 0.4  # rounded up to tenths


async def test_over_budget_is_429_with_retry_after(engine):
    async with client_for(engine, budgets=tight()) as c:
        for _ in range(2):
            first = await gql(c, PAGE_OF_20)
            assert not first.errors
        response = await c.post("/graphql", json={"query": PAGE_OF_20})
        assert response.status_code == 429
        assert int(response.headers["retry-after"]) >= 1
        assert response.headers["x-request-id"]
        assert response.headers["x-omni-sql-statements"] == "0"  # nothing of it ran
        body = response.json()
        assert body["data"] is None
        [error] = body["errors"]
        assert error["extensions"]["code"] == "THROTTLED"
        assert error["extensions"]["retryAfterSeconds"] > 0
        status = body["extensions"]["cost"]["throttleStatus"]
        assert status["maximumAvailable"] == 100 and status["restoreRate"] == 0.5
        assert status["currentlyAvailable"] < 41


async def test_budget_refills_over_time(engine):
    async with client_for(engine, budgets=tight(maximum=50, rate=100)) as c:
        for _ in range(3):
            assert not (await gql(c, PAGE_OF_20)).errors
            await asyncio.sleep(0.5)  # 50 points back in 0.5 s


async def test_unused_cost_is_given_back(engine):
    async with client_for(engine, budgets=tight(maximum=1000, rate=0.001)) as c:
        # first: 100 asks for 201 points; the demo has 73 published products.
        result = await gql(c, "{ products(first: 100) { edges { node { name } } } }")
        cost = result["extensions"]["cost"]
        assert cost["requestedQueryCost"] == 201
        assert cost["actualQueryCost"] == 1 + 73 * 2
        assert cost["throttleStatus"]["currentlyAvailable"] == pytest.approx(
            1000 - cost["actualQueryCost"], abs=1
        )
        again = await gql(c, "{ products(first: 100) { edges { node { name } } } }")
        status = again["extensions"]["cost"]["throttleStatus"]
        assert status["currentlyAvailable"] == pytest.approx(1000 - 2 * 147, abs=1)
    # The first request's 54 unused points were credited by the second one's statement;
    # the second's wait for the client's next request.
    async with engine.connect() as conn:
        stored = (await conn.execute(text("SELECT available FROM cost_buckets"))).scalar()
    assert stored == pytest.approx(1000 - 201 - 201 + 54, abs=1)


async def test_budgets_are_shared_by_every_worker(fresh_db):
    """Two apps on two engines (two workers, or two hosts) draw on one bucket."""
    engines = [create_engine(fresh_db, pool_size=2) for _ in range(2)]
    try:
        async with (
            client_for(engines[0], budgets=tight()) as one,
            client_for(engines[1], budgets=tight()) as two,
        ):
            assert not (await gql(one, PAGE_OF_20)).errors
            assert not (await gql(two, PAGE_OF_20)).errors
            assert (await one.post("/graphql", json={"query": PAGE_OF_20})).status_code == 429
            assert (await two.post("/graphql", json={"query": PAGE_OF_20})).status_code == 429
    finally:
        for e in engines:
            await e.dispose()


async def test_concurrent_requests_never_overspend(engine):
    async with client_for(engine, budgets=tight(maximum=100, rate=0.001)) as c:
        responses = await asyncio.gather(
            *(c.post("/graphql", json={"query": PAGE_OF_9}) for _ in range(20))
        )
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(200) == 10, statuses
    assert statuses.count(429) == 10


async def test_each_client_has_its_own_bucket_and_kind(engine):
    async with client_for(engine, secret_key="k" * 40) as setup:
        customer = await register(setup)
        admin = await make_staff(engine, setup, StaffRole.ADMIN)
    async with client_for(engine, budgets=tight(), secret_key="k" * 40) as c:
        for _ in range(2):
            assert not (await gql(c, PAGE_OF_20)).errors
        assert (await c.post("/graphql", json={"query": PAGE_OF_20})).status_code == 429
        # The customer and the staff member spend their own budgets, not the address's.
        mine = await gql(c, PAGE_OF_20, headers=customer.headers)
        assert not mine.errors
        staff = await gql(c, PAGE_OF_20, headers=admin.headers)
        assert staff["extensions"]["cost"]["throttleStatus"]["maximumAvailable"] == 1000


async def test_prune_removes_only_idle_buckets(engine):
    from domain.budgets import repository

    async with client_for(engine, budgets=tight()) as c:
        await gql(c, PAGE_OF_20)
    async with engine.connect() as conn:
        assert await repository.prune(conn, idle_s=3600) == 0
        assert await repository.prune(conn, idle_s=0) >= 1
        await conn.commit()


async def test_prune_job_from_the_command_line(engine, fresh_db):
    from tests.test_points import omni

    async with client_for(engine, budgets=tight()) as c:
        await gql(c, PAGE_OF_20)
    code, out, err = await omni("jobs", "run", "prune-cost-buckets", database_url=fresh_db)
    assert code == 0, err
    assert "Pruned 0 idle cost buckets." in out
