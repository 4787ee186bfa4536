"""How much CPU the listing page's execution costs, generic against compiled plans.

In one process, on the demo data: the benchmark's listing document (bench/catalog.py) is
sent through the real ASGI app (httpx, no socket) with compiled plans off and on, in
alternating rounds (A, B, A, B …), and the process CPU per request is printed for each.
Copied into a checkout from before compiled plans, it measures that code ("today").
Then one more round of each, sampled by py-spy (the `dev` extra), splits the best round's
CPU per request by layer: the executor (graphql-core, strawberry's execution and field
machinery, api/core/execution.py and api/core/plans.py), Omni's resolvers and domain code,
SQLAlchemy, asyncpg, the HTTP layers (httpx's client side included) and the rest (asyncio,
json). Without py-spy, cProfile splits it, which inflates functions called often.

    python -m bench.execution [--requests 300] [--rounds 4]   (embedded PostgreSQL)
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import os
import pstats
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent

LAYERS = (
    ("executor", ("graphql/", "strawberry/", "api/core/execution.py", "api/core/plans.py")),
    ("sqlalchemy", ("sqlalchemy/",)),
    ("asyncpg", ("asyncpg/",)),
    ("http", ("starlette", "httpx/", "httpcore/", "anyio/", "h11/", "orjson")),
    ("omni", ("api/", "domain/", "bench/")),
)


def where(frame: str) -> str:
    """The file of a frame ("name (path:line)"), relative to site-packages or the repo."""
    path = frame.rpartition("(")[2]
    path = path.split("site-packages/")[-1].replace(str(REPO_ROOT) + "/", "")
    return path.lstrip("/")


def layer_of(frame: str) -> str:
    path = where(frame)
    if path.startswith("strawberry/dataloader"):
        return "omni"  # the DataLoaders are the resolvers' side
    for layer, prefixes in LAYERS:
        if path.startswith(prefixes):
            return layer
    return "other"


def py_spy() -> str | None:
    beside = Path(sys.executable).parent / "py-spy"  # a virtualenv's, not on PATH
    return str(beside) if beside.exists() else shutil.which("py-spy")


def start_sampler(command: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_sampler(process: subprocess.Popen[bytes], output: str) -> str:
    process.send_signal(signal.SIGINT)
    process.wait(timeout=30)
    return Path(output).read_text()


async def sampled(work: Any) -> dict[str, int]:
    """Own-time samples by function ("name (file:line)") while `work` runs: from py-spy
    when it is installed (little overhead), else from cProfile (call counts inflate it)."""
    spy = py_spy()
    if spy is None:
        profile = cProfile.Profile()
        profile.enable()
        await work()
        profile.disable()
        stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
        return {f"{n} ({f}:{line})": int(row[2] * 1e6) for (f, line, n), row in stats.items()}
    with tempfile.NamedTemporaryFile(suffix=".txt") as out:
        command = [spy, "record", "--pid", str(os.getpid()), "--rate", "500", "--format"]
        command += ["raw", "--output", out.name, "--nonblocking"]
        # Started, stopped and read by plain functions: asyncio's subprocesses and threads
        # would add a thread to this process, whose waiting py-spy may count as CPU.
        spy_process = start_sampler(command)
        await asyncio.sleep(1.0)  # py-spy attaches
        await work()
        raw = stop_sampler(spy_process, out.name)
        samples: dict[str, int] = defaultdict(int)
        for line in raw.splitlines():
            stack, _, count = line.rpartition(" ")
            if stack and count.isdigit():
                samples[stack.rsplit(";", 1)[-1]] += int(count)
    # The second of waiting for py-spy to attach is idle: py-spy leaves it out.
    return dict(samples)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="Requests per round.")
    parser.add_argument("--rounds", type=int, default=4, help="Rounds per mode, alternated.")
    parser.add_argument("--page-size", type=int, default=20)
    parser.add_argument(
        "--top", type=int, default=0, help="Also list the N functions with most own time."
    )
    parser.add_argument("--top-layer", default=None, help="Only list functions of this layer.")
    return parser.parse_args(argv)


async def probe(args: argparse.Namespace, url: str) -> None:
    import httpx
    from sqlalchemy.ext.asyncio import AsyncSession

    from api.app import create_app
    from api.config import Budget, Budgets, Settings

    try:
        from api.core.execution import OmniExecutionContext
    except ImportError:  # a tree from before compiled plans: it has one mode
        OmniExecutionContext = None
    planned = hasattr(OmniExecutionContext, "compiled_plans")
    modes = ["generic", "compiled"] if planned else ["today"]

    def use(mode: str) -> None:
        if planned:
            OmniExecutionContext.compiled_plans = mode == "compiled"  # type: ignore[union-attr]

    from bench.catalog import LISTING_QUERY, global_id
    from domain.db import create_engine
    from domain.seed.demo import load_demo_data

    engine = create_engine(url, pool_size=4)
    async with AsyncSession(engine) as session, session.begin():
        await load_demo_data(session)
    unlimited = Budget(100_000_000, 100_000_000)
    settings = Settings(
        database_url=url,
        log_level="WARNING",
        budgets=Budgets(anonymous=unlimited, customer=unlimited, device=unlimited),
    )
    app = create_app(settings, engine)
    # As a served worker does once started (api/app.py): the start-up heap is frozen.
    gc.collect()
    gc.freeze()
    import api.app

    young = getattr(api.app, "YOUNG_GC_THRESHOLD", None)  # older trees keep the default
    if young is not None:
        gc.set_threshold(young, *gc.get_threshold()[1:])
    body = {
        "query": LISTING_QUERY,
        "variables": {"first": args.page_size, "after": None, "store": global_id("Location", 1)},
    }
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://probe") as client,
    ):
        collecting = {"ms": 0.0, "started": 0.0}

        def on_gc(phase: str, _info: dict[str, int]) -> None:
            if phase == "start":
                collecting["started"] = time.process_time()
            else:
                collecting["ms"] += (time.process_time() - collecting["started"]) * 1000

        gc.callbacks.append(on_gc)
        garbage: dict[str, list[float]] = {mode: [] for mode in modes}
        young_runs: dict[str, list[float]] = {mode: [] for mode in modes}

        async def run(mode: str, requests: int) -> float:
            use(mode)
            start = time.process_time()
            collecting["ms"] = 0.0
            collections = gc.get_stats()[0]["collections"]
            for _ in range(requests):
                response = await client.post("/graphql", json=body)
                # Not decoded: the client's JSON parsing is not the server's CPU.
                assert response.status_code == 200 and b'"errors"' not in response.content
            garbage[mode].append(collecting["ms"] / requests)
            young_runs[mode].append((gc.get_stats()[0]["collections"] - collections) / requests)
            return (time.process_time() - start) * 1000 / requests

        first = await client.post("/graphql", json=body)
        products = len(first.json()["data"]["products"]["edges"])
        fields = json.dumps(first.json()).count('":')
        for mode in modes:
            await run(mode, 50)
        figures: dict[str, list[float]] = {mode: [] for mode in modes}
        for _ in range(args.rounds):
            for mode in modes:
                figures[mode].append(await run(mode, args.requests))
        print(
            f"Listing page: {products} products, {fields} response fields, "
            f"{len(first.content):,} bytes; {args.rounds} rounds of {args.requests} requests "
            "per mode, alternated"
        )
        print()
        print(
            f"{'mode':<10} {'CPU ms/request by round':<40} {'best':>7} {'of it GC':>9} "
            f"{'young GCs':>10}"
        )
        for mode, values in figures.items():
            rounds = " ".join(f"{v:6.2f}" for v in values)
            collected = min(garbage[mode][-len(values) :])
            young_gcs = min(young_runs[mode][-len(values) :])
            print(f"{mode:<10} {rounds:<40} {min(values):7.2f} {collected:9.2f} {young_gcs:10.1f}")
        print()
        print("Where the CPU of a request goes, by layer (ms, split by sampling the best round's")
        print(f"figure; sampler: {'py-spy' if py_spy() else 'cProfile'}):")
        names = [layer for layer, _ in LAYERS] + ["other"]
        print(f"{'mode':<10} " + " ".join(f"{name:>10}" for name in names))
        tops = []
        for mode in modes:
            samples = await sampled(lambda m=mode: run(m, args.requests))  # type: ignore[misc]
            total = sum(samples.values()) or 1
            best = min(figures[mode])
            by_layer: dict[str, float] = defaultdict(float)
            for frame, count in samples.items():
                by_layer[layer_of(frame)] += count
            cells = " ".join(f"{by_layer[name] / total * best:10.2f}" for name in names)
            print(f"{mode:<10} {cells}")
            tops.append((mode, samples, total, best))
        for mode, samples, total, best in tops if args.top else ():
            print()
            print(f"{mode}: top functions (ms/request, own time)")
            frames = sorted(samples.items(), key=lambda kv: -kv[1])
            if args.top_layer:
                frames = [(f, c) for f, c in frames if layer_of(f) == args.top_layer]
            for frame, count in frames[: args.top]:
                name = frame.rpartition(" (")[0]
                print(f"  {count / total * best:6.3f}  {name} ({where(frame)}")
        use("compiled")
    await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from api.embedded import EmbeddedPostgres

    # A throwaway embedded server: the probe loads the demo data into its own database.
    with tempfile.TemporaryDirectory(prefix="omni-probe-") as tmp:
        embedded = EmbeddedPostgres(Path(tmp))
        embedded.start()
        try:
            asyncio.run(embedded.ensure_database("omni_probe"))
            url = embedded.url("omni_probe")
            from api.migrate import upgrade_head

            upgrade_head(url)
            asyncio.run(probe(args, url))
        finally:
            embedded.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
