"""Checkout benchmark: concurrent shoppers completing click-and-collect checkouts.

    python bench/checkout.py [--clients 32 --flows 20 --workers 2]

Seeds the demo retailer into its own database (`omni_bench_checkout` on an embedded
PostgreSQL in ./.omni/bench-checkout, or on `--database-url`), serves it with
`omni serve --workers N`, and runs two rounds of `--clients` concurrent shoppers, each doing
`--flows` times: cartCreate with 2 of 10 hot variants, pickup at one store, a phone, then
checkoutComplete. Round 1 has stock for everyone; in round 2 stock runs out mid-way. Prints
checkouts/s, p50/p99 of checkoutComplete and of the whole flow, SQL statements per
checkout, and then verifies that stock, movements, reservations and orders agree and that
nothing was oversold.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from catalog import Server, ensure_database, free_port, global_id

DATABASE = "omni_bench_checkout"
STORE = "HN-HK01"
HOT = 10

CREATE = """mutation($l: [CartLineInput!]!) { cartCreate(input: {lines: $l}) {
  cart { id } userErrors { code } } }"""
PICKUP = """mutation($c: ID!, $s: ID!) { cartFulfillmentUpdate(cartId: $c,
  fulfillment: {pickup: {storeId: $s}}) { userErrors { code } } }"""
CONTACT = """mutation($c: ID!) { cartBuyerIdentityUpdate(cartId: $c,
  buyerIdentity: {phone: "0901234567"}) { userErrors { code } } }"""
CHECKOUT = """mutation($c: ID!, $k: String!) { checkoutComplete(input: {cartId: $c,
  idempotencyKey: $k, paymentMethod: PAY_AT_STORE}) { order { number } userErrors { code } } }"""

VERIFY = {
    "ledger mismatches": """
        SELECT count(*) FROM stock_levels s LEFT JOIN (
            SELECT variant_id, location_id, sum(on_hand_delta) oh, sum(reserved_delta) rs
            FROM stock_movements GROUP BY 1, 2) m USING (variant_id, location_id)
        WHERE s.on_hand <> coalesce(m.oh, 0) OR s.reserved <> coalesce(m.rs, 0)""",
    "levels below zero": "SELECT count(*) FROM stock_levels WHERE on_hand - reserved < 0",
    "order lines without a held reservation": """
        SELECT count(*) FROM order_lines l LEFT JOIN stock_reservations r
          ON r.reference = l.reservation AND r.status = 'HELD' AND r.quantity = l.quantity
        WHERE r.reference IS NULL""",
    "held checkout reservations without an order line": """
        SELECT count(*) FROM stock_reservations r LEFT JOIN order_lines l
          ON l.reservation = r.reference
        WHERE r.reference LIKE 'SF-%' AND l.id IS NULL""",
}


async def prepare(url: str, units: int) -> tuple[int, list[int]]:
    """Demo data once; then the hot variants get exactly `units` available at the store,
    through the stock service (so the ledger holds), and earlier orders are left as is."""
    from sqlalchemy import select, text
    from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

    from domain.actors import Actor, StaffRole, StaffScope
    from domain.inventory import adjustments
    from domain.inventory.models import Location, MovementKind, StockLevel
    from domain.seed.demo import has_data, load_demo_data
    from domain.unit_of_work import transaction

    engine = create_async_engine(url)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            if not await has_data(session):
                await load_demo_data(session)
                await session.commit()
            store = await session.scalar(select(Location.id).where(Location.code == STORE))
            assert store is not None
            hot = list(
                await session.scalars(
                    text(
                        """SELECT v.id FROM product_variants v
                           JOIN products p ON p.id = v.product_id
                           WHERE p.published AND v.archived_at IS NULL ORDER BY v.id LIMIT :n"""
                    ),
                    {"n": HOT},
                )
            )
            admin = Actor(staff=StaffScope(1, StaffRole.ADMIN))
            for variant in hot:
                level = await session.scalar(
                    select(StockLevel).where(
                        StockLevel.variant_id == variant, StockLevel.location_id == store
                    )
                )
                reserved = level.reserved if level else 0
                await transaction(
                    session,
                    lambda s, v=variant, r=reserved: adjustments.adjust(
                        s,
                        admin,
                        location_id=store,
                        variant_id=v,
                        kind=MovementKind.COUNT_CORRECTION,
                        set_to=r + units,
                        reason="bench",
                    ),
                )
            return store, hot
    finally:
        await engine.dispose()


async def verify(url: str) -> dict[str, int]:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return {
                name: int((await conn.execute(text(sql))).scalar_one())
                for name, sql in VERIFY.items()
            }
    finally:
        await engine.dispose()


async def shopper(
    client: Any, store: int, hot: list[int], flows: int, out: dict[str, list[Any]]
) -> None:
    async def call(query: str, variables: dict[str, Any]) -> tuple[dict[str, Any], int]:
        response = await client.post("/graphql", json={"query": query, "variables": variables})
        body = response.json()
        if body.get("errors"):
            code = body["errors"][0].get("extensions", {}).get("code", "ERROR")
            out["errors"].append(code)
            raise Failed(code)
        return body["data"], int(response.headers.get("x-omni-sql-statements", 0))

    for _ in range(flows):
        try:
            await flow(call, store, hot, out)
        except Failed:
            continue


class Failed(Exception):
    pass


async def flow(call: Any, store: int, hot: list[int], out: dict[str, list[Any]]) -> None:
    if True:
        started = time.perf_counter()
        lines = [
            {"variantId": global_id("ProductVariant", v), "quantity": 1}
            for v in random.sample(hot, 2)
        ]
        data, _ = await call(CREATE, {"l": lines})
        cart = data["cartCreate"]["cart"]
        if cart is None:  # the cart itself refuses lines that are sold out
            out["refused"].append(data["cartCreate"]["userErrors"][0]["code"])
            return
        await call(PICKUP, {"c": cart["id"], "s": global_id("Location", store)})
        await call(CONTACT, {"c": cart["id"]})
        checkout_started = time.perf_counter()
        data, statements = await call(CHECKOUT, {"c": cart["id"], "k": str(uuid.uuid4())})
        done = time.perf_counter()
        out["checkout"].append(done - checkout_started)
        out["flow"].append(done - started)
        out["statements"].append(statements)
        if data["checkoutComplete"]["order"]:
            out["orders"].append(data["checkoutComplete"]["order"]["number"])
        else:
            out["refused"].append(data["checkoutComplete"]["userErrors"][0]["code"])


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes (Linux /proc), in seconds."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / tick


def _postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def _children(pid: int) -> list[int]:
    found = [pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if ppid == pid:
                found.append(int(entry.name))
    return found


async def one_shopper(base: str, store: int, hot: list[int], server_pid: int, flows: int) -> None:
    """Where the time goes: one shopper alone, each request timed (wall) and charged the CPU
    the server's processes and PostgreSQL's spent on it, averaged over `flows` flows."""
    import httpx

    server = _children(server_pid)
    names = ["cartCreate", "cartFulfillmentUpdate", "cartBuyerIdentityUpdate", "checkoutComplete"]
    wall = dict.fromkeys(names, 0.0)
    app_cpu = dict.fromkeys(names, 0.0)
    db_cpu = dict.fromkeys(names, 0.0)
    statements = dict.fromkeys(names, 0)
    async with httpx.AsyncClient(base_url=base, timeout=30.0) as client:
        for _ in range(flows):
            lines = [
                {"variantId": global_id("ProductVariant", v), "quantity": 1}
                for v in random.sample(hot, 2)
            ]
            cart = None
            for name in names:
                query, variables = {
                    "cartCreate": (CREATE, {"l": lines}),
                    "cartFulfillmentUpdate": (
                        PICKUP,
                        {"c": cart, "s": global_id("Location", store)},
                    ),
                    "cartBuyerIdentityUpdate": (CONTACT, {"c": cart}),
                    "checkoutComplete": (CHECKOUT, {"c": cart, "k": str(uuid.uuid4())}),
                }[name]
                pg = _postgres_pids()
                app0, db0, t0 = _cpu_seconds(server), _cpu_seconds(pg), time.perf_counter()
                response = await client.post(
                    "/graphql", json={"query": query, "variables": variables}
                )
                wall[name] += time.perf_counter() - t0
                app_cpu[name] += _cpu_seconds(server) - app0
                db_cpu[name] += _cpu_seconds(pg) - db0
                statements[name] += int(response.headers.get("x-omni-sql-statements", 0))
                if name == "cartCreate":
                    cart = response.json()["data"]["cartCreate"]["cart"]["id"]
    print(f"One shopper alone, mean of {flows} flows (CPU from /proc, 10 ms ticks):")
    for name in names:
        print(
            f"  {name:24} {wall[name] / flows * 1000:5.1f} ms wall, "
            f"server CPU {app_cpu[name] / flows * 1000:5.1f} ms, "
            f"PostgreSQL CPU {db_cpu[name] / flows * 1000:4.1f} ms, "
            f"{statements[name] / flows:.0f} SQL"
        )
    print(
        f"  whole flow              {sum(wall.values()) / flows * 1000:5.1f} ms wall, "
        f"server CPU {sum(app_cpu.values()) / flows * 1000:5.1f} ms, "
        f"PostgreSQL CPU {sum(db_cpu.values()) / flows * 1000:4.1f} ms"
    )


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else 0.0


async def round_(base: str, store: int, hot: list[int], clients: int, flows: int) -> dict[str, Any]:
    import httpx

    out: dict[str, list[Any]] = {
        "checkout": [],
        "flow": [],
        "statements": [],
        "orders": [],
        "errors": [],
        "refused": [],
    }
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=30.0, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(shopper(client, store, hot, flows, out) for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return {"elapsed": elapsed, **out}


def report(name: str, r: dict[str, Any]) -> None:
    orders = len(r["orders"])
    refused: dict[str, int] = {}
    for code in r["refused"]:
        refused[code] = refused.get(code, 0) + 1
    print(
        f"{name}: {orders} orders in {r['elapsed']:.1f} s = {orders / r['elapsed']:.1f} orders/s, "
        f"{len(r['checkout']) / r['elapsed']:.1f} checkoutComplete/s; refused {refused or 'none'}; "
        f"errors {len(r['errors'])} {sorted(set(r['errors']))}"
    )
    print(
        f"  checkoutComplete p50 {pct(r['checkout'], 0.5):.0f} ms, "
        f"p99 {pct(r['checkout'], 0.99):.0f} ms; whole flow (4 requests) "
        f"p50 {pct(r['flow'], 0.5):.0f} ms, p99 {pct(r['flow'], 0.99):.0f} ms; "
        f"SQL per checkout {statistics.mean(r['statements']) if r['statements'] else 0:.1f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--flows", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--alone", type=int, default=100, help="Flows of the lone shopper.")
    parser.add_argument("--data-dir", type=Path, default=Path(".omni/bench-checkout"))
    parser.add_argument("--database-url", default=None)
    opts = parser.parse_args()

    from api.migrate import upgrade_head

    embedded = None
    server = None
    try:
        if opts.database_url:
            from catalog import with_database

            url = with_database(opts.database_url, DATABASE)
        else:
            from api.embedded import EmbeddedPostgres

            embedded = EmbeddedPostgres(opts.data_dir)
            embedded.start()
            url = embedded.url(DATABASE)
        asyncio.run(ensure_database(url))
        upgrade_head(url)
        demand = opts.clients * opts.flows * 2
        store, hot = asyncio.run(prepare(url, demand))  # plenty: every line can be served
        server = Server(url, free_port(), opts.workers, (opts.data_dir / "server.log").resolve())
        server.start()
        asyncio.run(server.wait_ready())
        print(
            f"{opts.clients} shoppers x {opts.flows} flows, {opts.workers} workers, store {STORE}"
        )
        report(
            "Round 1 (enough stock)",
            asyncio.run(round_(server.base, store, hot, opts.clients, opts.flows)),
        )
        # Round 2: about half the demand can be served.
        asyncio.run(prepare(url, demand // HOT // 2))
        report(
            "Round 2 (stock runs out)",
            asyncio.run(round_(server.base, store, hot, opts.clients, opts.flows)),
        )
        asyncio.run(prepare(url, max(demand, 2 * opts.alone)))  # the lone shopper never runs out
        assert server.process is not None
        asyncio.run(one_shopper(server.base, store, hot, server.process.pid, opts.alone))
        checks = asyncio.run(verify(url))
        for name, count in checks.items():
            print(f"  {name}: {count}")
        ok = all(count == 0 for count in checks.values())
        print(
            "Verified: stock, movements, reservations and orders agree; nothing oversold."
            if ok
            else "MISMATCH"
        )
        return 0 if ok else 1
    finally:
        if server is not None:
            server.stop()
        if embedded is not None:
            embedded.stop()


if __name__ == "__main__":
    raise SystemExit(main())
