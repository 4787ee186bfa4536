"""Bulk import benchmark: `omni import products` on a generated file, run twice.

    python bench/import.py [--rows 10000 --variants-per-product 4 --database-url URL]

Generates a CSV of `--rows` variants (products of `--variants-per-product` variants, each
with a barcode, options, a price and stock at two stores), then runs the real command on a
fresh database with the demo data (its own embedded PostgreSQL unless `--database-url`):
first the import that creates everything, then the same file again (every row unchanged),
then a file where every price changed (each goes through `prices.set_price`).
Prints the wall time, rows per second and the summary line of each run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
HEADER = (
    "sku,barcode,product_slug,product_name,description,brand,category_path,options,price,"
    "compare_at_price,tax_class,published,stock"
)
SIZES = ("S", "M", "L", "XL", "XXL", "3XL")


def ean13(stem: str) -> str:
    from stdnum import ean

    return stem + ean.calc_check_digit(stem)


def write_file(path: Path, rows: int, per_product: int, price_step: int = 0) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER + "\n")
        for n in range(rows):
            product, size = divmod(n, per_product)
            out.write(
                f"BENCH-{product:06d}-{SIZES[size % len(SIZES)]}{size // len(SIZES) or ''},"
                f"{ean13(f'89399{n:07d}')},bench-{product:06d},Áo thun bench {product},"
                f"Cotton {product},Bench,Thời trang nữ > Áo nữ > Áo thun bench,"
                f"Màu=Đen;Size={SIZES[size % len(SIZES)]}{size // len(SIZES) or ''},"
                f"{150000 + 1000 * (product % 50) + price_step},,STANDARD,true,"
                f"HN-HK01={n % 20};HCM-Q1-01={(n * 7) % 15}\n"
            )


def run_import(path: Path, url: str) -> tuple[float, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNI_")}
    env["DATABASE_URL"] = url
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "import", "products", str(path)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"import failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return elapsed, done.stdout.strip().splitlines()[-1]


async def prepare(url: str) -> None:
    from sqlalchemy.ext.asyncio import AsyncSession

    from api.migrate import upgrade_head_async
    from domain.db import create_engine
    from domain.seed.demo import load_demo_data

    await upgrade_head_async(url)
    engine = create_engine(url, pool_size=1)
    try:
        async with AsyncSession(engine) as session, session.begin():
            await load_demo_data(session)
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--variants-per-product", type=int, default=4)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args()
    sys.path.insert(0, str(REPO_ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "bench.csv"
        write_file(csv_path, args.rows, args.variants_per_product)
        embedded = None
        url = args.database_url
        if url is None:
            from api.embedded import EmbeddedPostgres

            embedded = EmbeddedPostgres(Path(tmp) / "pg")
            embedded.start()
            asyncio.run(embedded.ensure_database("omni_bench_import"))
            url = embedded.url("omni_bench_import")
        try:
            asyncio.run(prepare(url))
            size = csv_path.stat().st_size / 1e6
            print(f"{args.rows} rows, {size:.1f} MB, {args.variants_per_product} per product")
            repriced = Path(tmp) / "repriced.csv"
            write_file(repriced, args.rows, args.variants_per_product, price_step=1000)
            runs = (
                ("first run (creates)", csv_path),
                ("same file (unchanged)", csv_path),
                ("every price changed", repriced),
            )
            for label, path in runs:
                elapsed, summary = run_import(path, url)
                print(f"{label:24s} {elapsed:6.1f} s  {args.rows / elapsed:7.0f} rows/s  {summary}")
        finally:
            if embedded is not None:
                embedded.stop()


if __name__ == "__main__":
    main()
