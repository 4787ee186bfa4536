"""The points ledger, tiers and membership cards.

The ledger is append-only; `memberships.points_balance` caches its sum. These tests prove,
on a real PostgreSQL, that the cache always equals the ledger, that a balance never goes
below zero even under concurrent redemptions in separate transactions, that points move
across channels, and that expiry and tier recomputation follow the rules.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from domain.actors import Actor, ActorKind, ActorRef, StaffRole, StaffScope
from domain.channels import Channel
from domain.customers.service import create_customer
from domain.db import create_engine
from domain.errors import AccessDenied, CommonErrorCode, NotFound
from domain.membership import cards, enrolment, ledger, spend, tiers
from domain.membership.errors import MembershipError, MembershipErrorCode
from domain.membership.ledger import Posting, post_points
from domain.membership.models import (
    Membership,
    PointsEntry,
    PointsKind,
    Tier,
    TierChange,
)
from domain.membership.points import points_for_spend, points_to_expire
from tests.conftest import gql, ok
from tests.people import bearer, gid, make_staff, register, register_device, store_ids, unique_phone

REPO_ROOT = Path(__file__).resolve().parents[1]

HISTORY = """query($first: Int, $after: String) { me { membership {
  pointsBalance
  pointsHistory(first: $first, after: $after) {
    edges { cursor node { id kind amount channel reason orderRef store { code } } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
} } }"""

ADJUST = """mutation($input: PointsAdjustInput!) { pointsAdjust(input: $input) {
  entry { kind amount channel reason store { code } }
  membership { pointsBalance }
  userErrors { field code }
} }"""


async def new_member(engine: AsyncEngine, channel: Channel = Channel.WEB) -> tuple[int, int]:
    """A customer enrolled without a password (no hashing cost): (customer id, membership id)."""
    async with AsyncSession(engine) as session:
        customer = await create_customer(
            session,
            email=None,
            phone=unique_phone(),
            first_name="Thu",
            password=None,
            channel=channel,
        )
        membership = await enrolment.create_membership(session, customer.id)
        ids = (customer.id, membership.id)
        await session.commit()
    return ids


async def post(
    engine: AsyncEngine,
    membership_id: int,
    kind: PointsKind,
    amount: int,
    actor: ActorRef,
    order_ref: str | None = None,
) -> int:
    async with AsyncSession(engine) as session:
        entry = await post_points(
            session, membership_id, Posting(kind, amount, order_ref=order_ref), actor
        )
        entry_id = entry.id
        await session.commit()
    return entry_id


async def balance(engine: AsyncEngine, membership_id: int) -> int:
    async with AsyncSession(engine) as session:
        value = await session.scalar(
            select(Membership.points_balance).where(Membership.id == membership_id)
        )
    assert value is not None
    return int(value)


async def assert_cache_equals_ledger(engine: AsyncEngine) -> None:
    """For every membership: cached balance == ledger sum, and the ledger never dips below 0."""
    async with engine.connect() as conn:
        mismatched = (
            await conn.execute(
                text(
                    "SELECT m.id, m.points_balance, COALESCE(SUM(p.amount), 0) "
                    "FROM memberships m LEFT JOIN points_entries p ON p.membership_id = m.id "
                    "GROUP BY m.id HAVING m.points_balance <> COALESCE(SUM(p.amount), 0)"
                )
            )
        ).all()
        # Each posting holds the membership row lock from its UPDATE to its commit, so the
        # entry ids of one membership follow the order the postings took effect in.
        dips = (
            await conn.execute(
                text(
                    "SELECT membership_id, running FROM (SELECT membership_id, SUM(amount) "
                    "OVER (PARTITION BY membership_id ORDER BY id) AS running "
                    "FROM points_entries) t WHERE running < 0"
                )
            )
        ).all()
        negative = (
            await conn.execute(text("SELECT count(*) FROM memberships WHERE points_balance < 0"))
        ).scalar_one()
    assert mismatched == []
    assert dips == []
    assert negative == 0


async def move_entry(engine: AsyncEngine, entry_id: int, days_ago: int) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE points_entries SET created_at = now() - make_interval(days => :d) "
                 "WHERE id = :id"),
            {"d": days_ago, "id": entry_id},
        )  # fmt: skip


def staff_actor(store_id: int | None, channel: Channel = Channel.POS) -> ActorRef:
    return ActorRef(ActorKind.STAFF, 1, channel, store_id)


SYSTEM = ActorRef(ActorKind.SYSTEM, None, Channel.WEB)


# --------------------------------------------------------------------------- domain ledger


async def test_post_points_moves_balance_and_refuses_bad_postings(engine):
    _, membership_id = await new_member(engine)
    stores = await store_ids(engine)
    store = stores[sorted(stores)[0]]
    await post(engine, membership_id, PointsKind.EARN, 120, staff_actor(store), "POS-1")
    await post(engine, membership_id, PointsKind.REDEEM, -20, staff_actor(None, Channel.WEB))
    assert await balance(engine, membership_id) == 100

    async with AsyncSession(engine) as session:
        for amount, code in (
            (0, MembershipErrorCode.INVALID_AMOUNT),
            (ledger.MAX_POINTS_PER_ENTRY + 1, MembershipErrorCode.INVALID_AMOUNT),
            (-101, MembershipErrorCode.INSUFFICIENT_POINTS),
        ):
            with pytest.raises(MembershipError) as caught:
                await post_points(
                    session, membership_id, Posting(PointsKind.ADJUST, amount), SYSTEM
                )
            assert caught.value.code is code
        with pytest.raises(NotFound) as missing:
            await post_points(session, 10**9, Posting(PointsKind.EARN, 5), SYSTEM)
        assert missing.value.code is CommonErrorCode.NOT_FOUND
        # The cached membership in the unit of work follows the posting.
        membership = await session.get(Membership, membership_id)
        assert membership is not None and membership.points_balance == 100
        await post_points(session, membership_id, Posting(PointsKind.REDEEM, -100), SYSTEM)
        assert membership.points_balance == 0
        await session.rollback()

    async with AsyncSession(engine) as session:
        rows = (
            await session.execute(
                select(
                    PointsEntry.kind,
                    PointsEntry.amount,
                    PointsEntry.channel,
                    PointsEntry.location_id,
                    PointsEntry.order_ref,
                    PointsEntry.actor_kind,
                ).order_by(PointsEntry.id)
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        (PointsKind.EARN, 120, Channel.POS, store, "POS-1", ActorKind.STAFF),
        (PointsKind.REDEEM, -20, Channel.WEB, None, None, ActorKind.STAFF),
    ]
    assert await balance(engine, membership_id) == 100
    await assert_cache_equals_ledger(engine)


async def test_adjust_points_needs_staff_and_a_reason(engine):
    customer_id, membership_id = await new_member(engine)
    staff = Actor(staff=StaffScope(1, StaffRole.ADMIN))
    async with AsyncSession(engine) as session:
        for reason in ("", "   ", "x" * 501):
            with pytest.raises(MembershipError) as caught:
                await ledger.adjust_points(session, staff, customer_id, 10, reason)
            assert caught.value.code is MembershipErrorCode.REASON_REQUIRED
        with pytest.raises(AccessDenied) as denied:
            await ledger.adjust_points(
                session, Actor(customer_id=customer_id), customer_id, 10, "ok"
            )
        assert denied.value.code is CommonErrorCode.FORBIDDEN
        with pytest.raises(NotFound) as missing:
            await ledger.adjust_points(session, staff, 10**9, 10, "ok")
        assert missing.value.code is CommonErrorCode.NOT_FOUND
        entry, _ = await ledger.adjust_points(session, staff, customer_id, 25, "  Bù điểm  ")
        assert (entry.kind, entry.amount, entry.reason) == (PointsKind.ADJUST, 25, "Bù điểm")
        assert await ledger.ledger_sum(session, membership_id) == 25
        await session.commit()
    await assert_cache_equals_ledger(engine)


# --------------------------------------------------------------------------- API


async def adjust(
    client: httpx.AsyncClient, headers: dict[str, str], **fields: Any
) -> dict[str, Any]:
    data = await ok(client, ADJUST, {"input": fields}, headers=headers)
    payload: dict[str, Any] = data["pointsAdjust"]
    return payload


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


async def test_points_adjust_by_staff(writer, engine):
    stores = await store_ids(engine)
    code_a, code_b = sorted(stores)[:2]
    store_a, store_b = gid("Location", stores[code_a]), gid("Location", stores[code_b])
    member = await register(writer)
    customer = gid("Customer", member.id)
    admin = await make_staff(engine, writer, StaffRole.ADMIN)
    clerk = await make_staff(engine, writer, StaffRole.STORE_STAFF, [stores[code_a]])
    at_counter = {**clerk.headers, "x-omni-channel": "POS"}

    payload = await adjust(writer, admin.headers, customerId=customer, amount=100, reason="Bù")
    assert payload["userErrors"] == []
    assert payload["entry"] == {
        "kind": "ADJUST",
        "amount": 100,
        "channel": "WEB",
        "reason": "Bù",
        "store": None,
    }
    assert payload["membership"] == {"pointsBalance": 100}

    payload = await adjust(
        writer, at_counter, customerId=customer, amount=-30, reason="Đổi quà", storeId=store_a
    )
    assert payload["userErrors"] == []
    assert payload["entry"]["channel"] == "POS"
    assert payload["entry"]["store"] == {"code": code_a}
    assert payload["membership"] == {"pointsBalance": 70}

    _, device_key = await register_device(writer, admin, stores[code_a], "POS")
    refusals = [
        (at_counter, {"amount": 5, "reason": "x", "storeId": store_b}, "FORBIDDEN"),
        (at_counter, {"amount": 5, "reason": "x"}, "INVALID_INPUT"),
        (at_counter, {"amount": 5, "reason": "   ", "storeId": store_a}, "REASON_REQUIRED"),
        (at_counter, {"amount": 0, "reason": "x", "storeId": store_a}, "INVALID_AMOUNT"),
        (admin.headers, {"amount": -71, "reason": "x"}, "INSUFFICIENT_POINTS"),
        (admin.headers, {"amount": 10_000_001, "reason": "x"}, "INVALID_AMOUNT"),
        (member.headers, {"amount": 5, "reason": "x"}, "FORBIDDEN"),
        ({"x-omni-device-key": device_key}, {"amount": 5, "reason": "x"}, "FORBIDDEN"),
        ({}, {"amount": 5, "reason": "x"}, "UNAUTHENTICATED"),
    ]
    for headers, fields, code in refusals:
        payload = await adjust(writer, headers, customerId=customer, **fields)
        assert codes(payload) == [code], (fields, payload)
        assert payload["entry"] is None and payload["membership"] is None
    missing = await adjust(
        writer, admin.headers, customerId=gid("Customer", 10**9), amount=5, reason="x"
    )
    assert codes(missing) == ["NOT_FOUND"]
    wrong_type = await gql(
        writer,
        ADJUST,
        {"input": {"customerId": store_a, "amount": 5, "reason": "x"}},
        headers=admin.headers,
    )
    assert wrong_type.error_codes() == ["BAD_USER_INPUT"]

    # Taking exactly the balance is fine; nothing else was written by the refusals.
    payload = await adjust(writer, admin.headers, customerId=customer, amount=-70, reason="Hết")
    assert payload["membership"] == {"pointsBalance": 0}
    async with engine.connect() as conn:
        entries = (await conn.execute(text("SELECT count(*) FROM points_entries"))).scalar_one()
    assert entries == 3
    await assert_cache_equals_ledger(engine)


async def history(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    """Every entry, walking pages of 2 newest first."""
    nodes: list[dict[str, Any]] = []
    after = None
    pages = 0
    while True:
        data = await ok(client, HISTORY, {"first": 2, "after": after}, headers=headers)
        page = data["me"]["membership"]["pointsHistory"]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        nodes += [e["node"] for e in page["edges"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]
        assert after == page["edges"][-1]["cursor"]
        assert pages < 20


async def test_points_earned_on_one_channel_are_spent_on_another(writer, engine):
    stores = await store_ids(engine)
    code_a = sorted(stores)[0]
    member = await register(writer)
    async with AsyncSession(engine) as session:
        membership_id = (await ledger.membership_of(session, member.id)).id

    counter = ActorRef(ActorKind.STAFF, 1, Channel.POS, stores[code_a])
    online = ActorRef(ActorKind.CUSTOMER, member.id, Channel.WEB)
    app = ActorRef(ActorKind.CUSTOMER, member.id, Channel.MOBILE_APP)
    await post(engine, membership_id, PointsKind.EARN, 200, counter, "POS-0001")
    await post(engine, membership_id, PointsKind.REDEEM, -150, online, "WEB-0002")
    await post(engine, membership_id, PointsKind.EARN, 12, app, "APP-0003")
    await post(engine, membership_id, PointsKind.REVERSE, -12, online, "APP-0003")
    await post(engine, membership_id, PointsKind.REDEEM, -50, counter, "POS-0004")

    data = await ok(writer, HISTORY, {"first": 10}, headers=member.headers)
    assert data["me"]["membership"]["pointsBalance"] == 0
    nodes = await history(writer, member.headers)
    assert [(n["kind"], n["amount"], n["channel"], n["orderRef"], n["store"]) for n in nodes] == [
        ("REDEEM", -50, "POS", "POS-0004", {"code": code_a}),
        ("REVERSE", -12, "WEB", "APP-0003", None),
        ("EARN", 12, "MOBILE_APP", "APP-0003", None),
        ("REDEEM", -150, "WEB", "WEB-0002", None),
        ("EARN", 200, "POS", "POS-0001", {"code": code_a}),
    ]
    assert len({n["id"] for n in nodes}) == 5

    # Another customer sees only their own history.
    other = await register(writer)
    data = await ok(writer, HISTORY, {"first": 10}, headers=other.headers)
    assert data["me"]["membership"]["pointsHistory"]["edges"] == []
    # A cursor of one member's history is refused on another's.
    first = await ok(writer, HISTORY, {"first": 1}, headers=member.headers)
    cursor = first["me"]["membership"]["pointsHistory"]["pageInfo"]["endCursor"]
    foreign = await gql(writer, HISTORY, {"first": 1, "after": cursor}, headers=other.headers)
    assert foreign.errors
    too_big = await gql(writer, HISTORY, {"first": 101}, headers=member.headers)
    assert too_big.errors
    await assert_cache_equals_ledger(engine)


async def test_history_is_refused_to_others(writer, engine):
    member = await register(writer)
    response = await writer.post(
        "/graphql", json={"query": HISTORY, "variables": {"first": 1}}, headers=bearer("nope")
    )
    assert response.status_code == 401
    anonymous = await gql(writer, HISTORY, {"first": 1})
    assert anonymous.error_codes() == ["UNAUTHENTICATED"]
    mine = await ok(writer, HISTORY, {"first": 1}, headers=member.headers)
    assert mine["me"]["membership"]["pointsBalance"] == 0


# --------------------------------------------------------------------------- concurrency


@pytest.fixture
async def wide_engine(fresh_db: str) -> AsyncIterator[AsyncEngine]:
    """Enough connections for every concurrent transaction to be open at once."""
    engine = create_engine(fresh_db, pool_size=25, max_overflow=5)
    yield engine
    await engine.dispose()


@dataclass
class Outcome:
    ok: bool
    code: MembershipErrorCode | None = None


async def run_concurrently(
    engine: AsyncEngine, membership_id: int, amounts: list[int]
) -> list[Outcome]:
    """Each amount posted in its own session and transaction, all started together."""
    barrier = asyncio.Barrier(len(amounts))

    async def one(amount: int) -> Outcome:
        async with AsyncSession(engine) as session:
            await session.execute(text("SELECT 1"))  # a connection and an open transaction
            await barrier.wait()
            kind = PointsKind.EARN if amount > 0 else PointsKind.REDEEM
            try:
                await post_points(session, membership_id, Posting(kind, amount), SYSTEM)
                # Hold the row lock a moment so that the others queue up behind it.
                await asyncio.sleep(0.002)
                await session.commit()
                return Outcome(True)
            except MembershipError as error:
                await session.rollback()
                assert isinstance(error.code, MembershipErrorCode)
                return Outcome(False, error.code)

    return await asyncio.gather(*(one(a) for a in amounts))


async def test_concurrent_redemptions_never_overdraw(wide_engine):
    engine = wide_engine
    _, membership_id = await new_member(engine)
    _, bystander = await new_member(engine)
    await post(engine, membership_id, PointsKind.EARN, 100, SYSTEM)
    await post(engine, bystander, PointsKind.EARN, 30, SYSTEM)

    outcomes = await run_concurrently(engine, membership_id, [-10] * 20)

    assert sum(o.ok for o in outcomes) == 10
    assert [o.code for o in outcomes if not o.ok] == [MembershipErrorCode.INSUFFICIENT_POINTS] * 10
    assert await balance(engine, membership_id) == 0
    async with AsyncSession(engine) as session:
        assert await ledger.ledger_sum(session, membership_id) == 0
        redeemed = await session.scalar(
            select(func.count()).where(
                PointsEntry.membership_id == membership_id, PointsEntry.kind == PointsKind.REDEEM
            )
        )
    assert redeemed == 10
    assert await balance(engine, bystander) == 30
    await assert_cache_equals_ledger(engine)


async def test_concurrent_earns_and_redemptions_keep_the_ledger(wide_engine):
    engine = wide_engine
    _, membership_id = await new_member(engine)
    await post(engine, membership_id, PointsKind.EARN, 30, SYSTEM)
    amounts = [7] * 10 + [-10] * 15
    random.Random(4).shuffle(amounts)

    outcomes = await run_concurrently(engine, membership_id, amounts)

    earned = sum(a for a, o in zip(amounts, outcomes, strict=True) if a > 0 and o.ok)
    spent = -sum(a for a, o in zip(amounts, outcomes, strict=True) if a < 0 and o.ok)
    assert earned == 70  # earning never fails
    assert 0 < spent <= 100
    failures = {o.code for o in outcomes if not o.ok}
    assert failures <= {MembershipErrorCode.INSUFFICIENT_POINTS}
    final = await balance(engine, membership_id)
    assert final == 30 + earned - spent
    assert final >= 0
    async with AsyncSession(engine) as session:
        assert await ledger.ledger_sum(session, membership_id) == final
    await assert_cache_equals_ledger(engine)


# --------------------------------------------------------------------------- expiry


def test_points_to_expire_is_fifo():
    now = datetime(2026, 6, 1, tzinfo=UTC)
    cutoff = now - timedelta(days=30)
    old, new = now - timedelta(days=60), now - timedelta(days=5)
    assert points_to_expire([], cutoff) == 0
    assert points_to_expire([(100, new), (-30, new)], cutoff) == 0
    assert points_to_expire([(100, old)], cutoff) == 100
    # Redemptions use the oldest points first, whenever they happen.
    assert points_to_expire([(100, old), (50, new), (-30, new)], cutoff) == 70
    assert points_to_expire([(100, old), (-30, old), (50, new)], cutoff) == 70
    assert points_to_expire([(100, old), (50, new), (-120, new)], cutoff) == 0
    # After an EXPIRE line (a debit) there is nothing left to expire.
    assert points_to_expire([(100, old), (50, new), (-30, new), (-70, now)], cutoff) == 0
    # Exactly at the cutoff is not older than it.
    assert points_to_expire([(40, cutoff)], cutoff) == 0
    assert points_to_expire([(40, cutoff - timedelta(microseconds=1))], cutoff) == 40


def test_points_for_spend():
    one = Decimal(1)
    assert points_for_spend(Decimal(0), one) == 0
    assert points_for_spend(Decimal(-50_000), one) == 0
    assert points_for_spend(Decimal(9_999), one) == 0
    assert points_for_spend(Decimal(10_000), one) == 1
    assert points_for_spend(Decimal(199_000), one) == 19
    assert points_for_spend(Decimal(199_999), one) == 19
    assert points_for_spend(Decimal(100_000), Decimal("1.25")) == 12
    assert points_for_spend(Decimal(1_000_000), Decimal("1.5")) == 150
    assert points_for_spend(Decimal(1_000_000), Decimal(0)) == 0
    assert isinstance(points_for_spend(Decimal(1_000_000), Decimal("1.25")), int)


async def test_expire_points_writes_one_expire_entry_for_the_old_remainder(engine, monkeypatch):
    _, member = await new_member(engine)
    _, spent_all = await new_member(engine)
    _, recent_only = await new_member(engine)
    old = await post(engine, member, PointsKind.EARN, 100, SYSTEM)
    await move_entry(engine, old, 60)
    await post(engine, member, PointsKind.EARN, 50, SYSTEM)
    await post(engine, member, PointsKind.REDEEM, -30, SYSTEM)
    old = await post(engine, spent_all, PointsKind.EARN, 40, SYSTEM)
    await move_entry(engine, old, 90)
    await post(engine, spent_all, PointsKind.REDEEM, -40, SYSTEM)
    await post(engine, spent_all, PointsKind.EARN, 5, SYSTEM)
    await post(engine, recent_only, PointsKind.EARN, 25, SYSTEM)

    # The default validity (365 days) keeps 60-day-old points.
    monkeypatch.delenv("OMNI_POINTS_EXPIRE_DAYS", raising=False)
    async with AsyncSession(engine) as session:
        assert await ledger.expire_points(session) == 0
        await session.commit()

    monkeypatch.setenv("OMNI_POINTS_EXPIRE_DAYS", "30")
    async with AsyncSession(engine) as session:
        assert await ledger.expire_points(session) == 70
        await session.commit()
    async with AsyncSession(engine) as session:
        expired = list(
            await session.scalars(select(PointsEntry).where(PointsEntry.kind == PointsKind.EXPIRE))
        )
    assert len(expired) == 1
    entry = expired[0]
    assert (entry.membership_id, entry.amount) == (member, -70)
    assert entry.actor_kind is ActorKind.SYSTEM and entry.reason
    assert await balance(engine, member) == 50
    assert await balance(engine, spent_all) == 5
    assert await balance(engine, recent_only) == 25

    async with AsyncSession(engine) as session:
        assert await ledger.expire_points(session) == 0
        await session.commit()
    async with engine.connect() as conn:
        assert (
            await conn.execute(text("SELECT count(*) FROM points_entries WHERE kind = 'EXPIRE'"))
        ).scalar_one() == 1
    await assert_cache_equals_ledger(engine)


async def omni(*args: str, database_url: str, **env_overrides: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNI_")}
    env.update(DATABASE_URL=database_url, PYTHONUNBUFFERED="1", **env_overrides)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "api.cli",
        *args,
        cwd=REPO_ROOT,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_jobs_run_expire_points(engine, fresh_db):
    _, member = await new_member(engine)
    old = await post(engine, member, PointsKind.EARN, 40, SYSTEM)
    await move_entry(engine, old, 100)
    await post(engine, member, PointsKind.EARN, 10, SYSTEM)

    code, out, err = await omni(
        "jobs", "run", "expire-points", database_url=fresh_db, OMNI_POINTS_EXPIRE_DAYS="90"
    )
    assert code == 0, out + err
    assert "Expired 40 points." in out
    async with AsyncSession(engine) as session:
        rows = (
            await session.execute(
                select(PointsEntry.kind, PointsEntry.amount)
                .where(PointsEntry.membership_id == member)
                .order_by(PointsEntry.id)
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        (PointsKind.EARN, 40),
        (PointsKind.EARN, 10),
        (PointsKind.EXPIRE, -40),
    ]
    assert await balance(engine, member) == 10

    code, out, err = await omni(
        "jobs", "run", "expire-points", database_url=fresh_db, OMNI_POINTS_EXPIRE_DAYS="90"
    )
    assert code == 0, out + err
    assert "Expired 0 points." in out
    await assert_cache_equals_ledger(engine)


async def test_jobs_run_expire_points_with_nothing_to_expire(engine, fresh_db):
    _, member = await new_member(engine)
    old = await post(engine, member, PointsKind.EARN, 40, SYSTEM)
    await move_entry(engine, old, 100)
    (code, out, err), (bad, _, bad_err) = await asyncio.gather(
        # 365 days by default: nothing is old enough.
        omni("jobs", "run", "expire-points", database_url=fresh_db),
        omni("jobs", "run", "nothing", database_url=fresh_db),
    )
    assert code == 0, out + err
    assert "Expired 0 points." in out
    assert bad != 0
    assert "recompute-tiers" in bad_err  # the known jobs are listed
    assert await balance(engine, member) == 40


async def test_jobs_run_recompute_tiers(engine, fresh_db):
    _, member = await new_member(engine)
    async with AsyncSession(engine) as session:
        await spend.record_spend(
            session, member, Decimal(6_000_000), datetime.now(UTC) - timedelta(days=300)
        )
        assert await tier_of(session, member) == "SILVER"
        await session.commit()
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE spend_entries SET occurred_at = now() - interval '400 days'")
        )
    code, out, err = await omni("jobs", "run", "recompute-tiers", database_url=fresh_db)
    assert code == 0, out + err
    assert "Recomputed tiers: 1 changed." in out
    async with AsyncSession(engine) as session:
        assert await tier_of(session, member) == "MEMBER"


# --------------------------------------------------------------------------- tiers


async def tier_of(session: AsyncSession, membership_id: int) -> str:
    code = await session.scalar(
        select(Tier.code)
        .join(Membership, Membership.tier_id == Tier.id)
        .where(Membership.id == membership_id)
    )
    assert code is not None
    return str(code)


async def tier_changes(session: AsyncSession, membership_id: int) -> list[tuple[Any, ...]]:
    rows = await session.execute(
        text(
            "SELECT f.code, t.code, c.spend_12m FROM tier_changes c "
            "LEFT JOIN tiers f ON f.id = c.from_tier_id JOIN tiers t ON t.id = c.to_tier_id "
            "WHERE c.membership_id = :m ORDER BY c.id"
        ),
        {"m": membership_id},
    )
    return [tuple(r) for r in rows]


async def test_record_spend_moves_tiers_on_12_month_spend(engine):
    _, member = await new_member(engine)
    now = datetime.now(UTC)
    async with AsyncSession(engine) as session:
        assert await tier_of(session, member) == "MEMBER"
        # Old spend does not count.
        await spend.record_spend(session, member, Decimal(9_000_000), now - timedelta(days=400))
        assert await tier_of(session, member) == "MEMBER"
        await spend.record_spend(session, member, Decimal(3_000_000), now - timedelta(days=200))
        assert await tier_of(session, member) == "MEMBER"
        membership = await spend.record_spend(session, member, Decimal(2_000_000), now, "O-1")
        assert membership.id == member
        assert await tier_of(session, member) == "SILVER"  # exactly 5,000,000
        assert await spend.spend_12m(session, member) == Decimal(5_000_000)
        await session.commit()

    async with AsyncSession(engine) as session:
        assert await tier_changes(session, member) == [
            (None, "MEMBER", Decimal(0)),
            ("MEMBER", "SILVER", Decimal(5_000_000)),
        ]
        await spend.record_spend(session, member, Decimal(15_000_000), now)
        assert await tier_of(session, member) == "GOLD"
        # A refund takes the spend back down.
        await spend.record_spend(session, member, Decimal(-16_000_000), now, "O-1-refund")
        assert await tier_of(session, member) == "MEMBER"
        await session.commit()
        changes = await tier_changes(session, member)
    assert [(f, t) for f, t, _ in changes] == [
        (None, "MEMBER"),
        ("MEMBER", "SILVER"),
        ("SILVER", "GOLD"),
        ("GOLD", "MEMBER"),
    ]


async def test_recompute_all_tiers_downgrades_when_spend_ages_out(engine):
    _, ageing = await new_member(engine)
    _, steady = await new_member(engine)
    now = datetime.now(UTC)
    async with AsyncSession(engine) as session:
        await spend.record_spend(session, ageing, Decimal(6_000_000), now - timedelta(days=300))
        await spend.record_spend(session, steady, Decimal(21_000_000), now - timedelta(days=10))
        await session.commit()
    async with AsyncSession(engine) as session:
        assert await spend.recompute_all_tiers(session) == 0
        # In 100 days the older spend falls out of the window.
        assert await spend.recompute_all_tiers(session, now + timedelta(days=100)) == 1
        assert await tier_of(session, ageing) == "MEMBER"
        assert await tier_of(session, steady) == "GOLD"
        await session.rollback()

    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE spend_entries SET occurred_at = now() - interval '366 days' "
                 "WHERE membership_id = :m"),
            {"m": ageing},
        )  # fmt: skip
    async with AsyncSession(engine) as session:
        assert await spend.recompute_all_tiers(session) == 1
        await session.commit()
    async with AsyncSession(engine) as session:
        assert await tier_of(session, ageing) == "MEMBER"
        assert await tier_of(session, steady) == "GOLD"
        assert (await tier_changes(session, ageing))[-1][:2] == ("SILVER", "MEMBER")
        assert await spend.recompute_all_tiers(session) == 0
        count = await session.scalar(select(func.count()).where(TierChange.membership_id == ageing))
    assert count == 3  # MEMBER at enrolment, SILVER, back to MEMBER


@dataclass(frozen=True)
class T:
    code: str
    min_spend: Decimal


TIERS = [T("GOLD", Decimal(20_000_000)), T("MEMBER", Decimal(0)), T("SILVER", Decimal(5_000_000))]


def test_tier_for_spend():
    def code(spend: int) -> str:
        return tiers.tier_for_spend(TIERS, Decimal(spend)).code

    assert code(0) == "MEMBER"
    assert code(-1_000) == "MEMBER"
    assert code(4_999_999) == "MEMBER"
    assert code(5_000_000) == "SILVER"
    assert code(19_999_999) == "SILVER"
    assert code(20_000_000) == "GOLD"
    assert code(10**12) == "GOLD"
    # With no zero threshold, a spend below every tier falls to the lowest one.
    assert tiers.tier_for_spend(TIERS[::2], Decimal(0)).code == "SILVER"


def test_tier_progress():
    p = tiers.progress(TIERS, Decimal(0))
    assert (p.current.code, p.next and p.next.code, p.remaining) == ("MEMBER", "SILVER", 5_000_000)
    p = tiers.progress(TIERS, Decimal(4_000_000))
    assert (p.current.code, p.next and p.next.code, p.remaining) == ("MEMBER", "SILVER", 1_000_000)
    p = tiers.progress(TIERS, Decimal(5_000_000))
    assert (p.current.code, p.next and p.next.code, p.remaining) == ("SILVER", "GOLD", 15_000_000)
    p = tiers.progress(TIERS, Decimal(25_000_000))
    assert (p.current.code, p.next, p.remaining) == ("GOLD", None, 0)
    assert p.spend == Decimal(25_000_000)


# --------------------------------------------------------------------------- cards


def test_luhn_check_digit():
    assert cards.luhn_check_digit("7992739871") == "3"  # the textbook example 79927398713
    assert cards.luhn_check_digit("0") == "0"
    assert cards.luhn_check_digit("88000000000") == "5"


def test_card_numbers_are_valid_and_catch_typos():
    seen = set()
    for _ in range(200):
        number = cards.new_card_number()
        assert len(number) == 12 and number.isdigit() and number.startswith("88")
        assert cards.is_valid_card_number(number)
        seen.add(number)
        # Any single wrong digit is caught.
        for i in range(2, 12):
            for d in "0123456789":
                if d != number[i]:
                    typo = number[:i] + d + number[i + 1 :]
                    assert not cards.is_valid_card_number(typo), (number, typo)
        # So is a swap of two adjacent different digits (except 0/9, Luhn's blind spot).
        for i in range(2, 11):
            a, b = number[i], number[i + 1]
            if a != b and {a, b} != {"0", "9"}:
                swapped = number[:i] + b + a + number[i + 2 :]
                assert not cards.is_valid_card_number(swapped)
    assert len(seen) > 190
    valid = "880000000005"
    assert cards.is_valid_card_number(valid)
    for bad in (
        "",
        "88000000000",
        "8800000000050",
        "770000000005",
        "88000000000a",
        " 880000000005",
    ):
        assert not cards.is_valid_card_number(bad), bad
