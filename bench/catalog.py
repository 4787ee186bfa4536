"""Catalog listing benchmark: a large generated catalog served by the real `omni serve`.

    python bench/catalog.py [--products 10000 --variants-per-product 3 --locations 20
                             --duration 10 --workers 2 --concurrency 1,32]

1. Builds the catalog in its own database (`omni_bench`) on its own embedded PostgreSQL in
   `--data-dir` (default ./.omni/bench), or on the server of `--database-url` /
   BENCH_DATABASE_URL. The data is generated with a handful of `INSERT … SELECT
   generate_series(…)` statements and kept between runs: it is regenerated only when the
   database does not hold exactly the requested sizes (or with `--regenerate`).
2. Starts `python -m api.cli serve --no-seed --workers N` on 127.0.0.1 against it.
3. Loads the product listing page (20 products with prices, category, variants and the
   stock at one store) at each concurrency level: a warm-up, then `--duration` seconds
   measured. The load comes from `wrk` when it is installed (a C client, so it takes little
   of the machine's CPU from the server), otherwise from a minimal asyncio HTTP/1.1 client;
   `--client` chooses. Prints requests/s, latency percentiles, errors, SQL statements per
   request (the server's `x-omni-sql-statements` header) and where the CPU went.

Everything stops by itself: the server gets SIGTERM in a `finally`, and the embedded
PostgreSQL is stopped when this script started it.

wrk is Debian's `wrk` package (`apt-get install wrk`); without it the Python client is used,
which costs the server some CPU (shown in the CPU table). The machine should be otherwise
idle: the CPU table's "others" column shows how much of it went to other processes while
measuring, and figures taken with a busy "others" understate the server.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import dataclasses
import json
import math
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncpg

    from api.embedded import EmbeddedPostgres

REPO_ROOT = Path(__file__).resolve().parent.parent
DATABASE_NAME = "omni_bench"
HOST = "127.0.0.1"
READY_TIMEOUT_S = 90.0
REQUEST_TIMEOUT_S = 10.0
SQL_COUNT_HEADER = "x-omni-sql-statements"

# --------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    products: int
    variants_per_product: int
    locations: int
    categories: int

    @property
    def variants(self) -> int:
        return self.products * self.variants_per_product

    @property
    def stock_levels(self) -> int:
        return self.variants * self.locations

    @property
    def top_categories(self) -> int:
        return max(1, self.categories // 5)


@dataclass(frozen=True)
class Options:
    sizes: Sizes
    data_dir: Path
    database_url: str | None
    database_name: str
    regenerate: bool
    workers: int
    port: int
    concurrency: tuple[int, ...]
    duration: float
    warmup: float
    max_requests: int
    pages: int
    page_size: int
    store: int
    client: str
    cache_modes: tuple[str, ...] = ("generic", "compiled", "cached")
    page_kinds: tuple[str, ...] = ("listing", "product")
    json_path: Path | None = None


def parse_args(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        description="Generate a large catalog and load-test the product listing page.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--variants-per-product", type=int, default=3)
    parser.add_argument("--locations", type=int, default=20)
    parser.add_argument("--categories", type=int, default=40)
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(".omni/bench"),
        help="Where the embedded PostgreSQL keeps its data (keep the path short: it holds "
        "the Unix socket).",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL") or None,
        help="Use this PostgreSQL server instead of an embedded one (default: "
        "$BENCH_DATABASE_URL). Only its server is used: the data goes to --database-name.",
    )
    parser.add_argument("--database-name", default=DATABASE_NAME)
    parser.add_argument(
        "--regenerate", action="store_true", help="Regenerate the data even if it is there."
    )
    parser.add_argument("--workers", type=int, default=2, help="Server worker processes.")
    parser.add_argument("--port", type=int, default=0, help="Server port (0: a free one).")
    parser.add_argument("--concurrency", default="1,32", help="Comma-separated concurrency levels.")
    parser.add_argument("--duration", type=float, default=10.0, help="Seconds measured.")
    parser.add_argument("--warmup", type=float, default=3.0, help="Warm-up seconds per level.")
    parser.add_argument(
        "--max-requests",
        type=int,
        default=200_000,
        help="Upper bound on the requests sent per level (warm-up included).",
    )
    parser.add_argument(
        "--pages", type=int, default=5, help="The cursors rotate over this many first pages."
    )
    parser.add_argument("--page-size", type=int, default=20)
    parser.add_argument(
        "--store", type=int, default=1, help="Database id of the store of `availableAt`."
    )
    parser.add_argument(
        "--client",
        choices=("auto", "wrk", "python", "httpx"),
        default="auto",
        help="Load generator: wrk, a minimal asyncio HTTP client (python) or httpx; "
        "auto takes wrk when it is on PATH, else python.",
    )
    parser.add_argument(
        "--cache",
        "--mode",
        default="generic,compiled,cached",
        help="Server modes to measure, in order: generic (no response cache, no compiled "
        "plans: graphql-core's executor with Omni's fast path), compiled (no response cache, "
        "compiled plans), cached (OMNI_RESPONSE_CACHE and plans: the pages are cached after "
        "their first request). `off` and `on` are the older names of generic and cached.",
    )
    parser.add_argument(
        "--page",
        default="listing,product",
        help="Pages to load: listing (products(first: N) with prices and stock) and/or "
        "product (product(id:) with its category, variants and stock, over the listed ids).",
    )
    parser.add_argument(
        "--json", type=Path, default=None, help="Also write the figures to this JSON file."
    )
    args = parser.parse_args(argv)
    try:
        levels = tuple(int(c) for c in args.concurrency.split(",") if c.strip())
    except ValueError:
        parser.error("--concurrency must be integers separated by commas")
    if not levels or min(levels) < 1:
        parser.error("--concurrency levels must be at least 1")
    for name in ("products", "variants_per_product", "locations", "categories", "workers"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if not 1 <= args.store <= args.locations:
        parser.error("--store must be between 1 and --locations")
    if not 1 <= args.page_size <= 100 or args.pages < 1:
        parser.error("--page-size must be 1..100 and --pages at least 1")
    if args.duration <= 0 or args.warmup < 0 or args.max_requests < 1:
        parser.error("--duration must be positive, --warmup not negative")
    aliases = {"off": "generic", "on": "cached"}
    cache_modes = tuple(
        aliases.get(m.strip(), m.strip()) for m in args.cache.split(",") if m.strip()
    )
    if not cache_modes or set(cache_modes) - set(MODES):
        parser.error(f"--mode must be among {', '.join(MODES)}, separated by commas")
    page_kinds = tuple(k.strip() for k in args.page.split(",") if k.strip())
    if not page_kinds or set(page_kinds) - {"listing", "product"}:
        parser.error("--page must be listing, product or both separated by a comma")
    client = args.client
    if client == "auto":
        client = "wrk" if shutil.which("wrk") else "python"
    return Options(
        sizes=Sizes(args.products, args.variants_per_product, args.locations, args.categories),
        data_dir=args.data_dir,
        database_url=args.database_url,
        database_name=args.database_name,
        regenerate=args.regenerate,
        workers=args.workers,
        port=args.port,
        concurrency=levels,
        duration=args.duration,
        warmup=args.warmup,
        max_requests=args.max_requests,
        pages=args.pages,
        page_size=args.page_size,
        store=args.store,
        client=client,
        cache_modes=cache_modes,
        page_kinds=page_kinds,
        json_path=args.json,
    )


# --------------------------------------------------------------------------------------
# The database
# --------------------------------------------------------------------------------------


def with_database(url: str, database: str) -> str:
    """The asyncpg SQLAlchemy URL of `database` on the server of `url`."""
    from sqlalchemy.engine import make_url

    from api.config import asyncpg_url

    return make_url(asyncpg_url(url)).set(database=database).render_as_string(hide_password=False)


def connect_kwargs(url: str) -> dict[str, Any]:
    """asyncpg.connect() keyword arguments for a SQLAlchemy URL."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    host = u.host or u.query.get("host")
    kwargs: dict[str, Any] = {
        "user": u.username,
        "password": u.password,
        "database": u.database,
        "host": host if isinstance(host, str) else None,
        "port": u.port,
    }
    return {k: v for k, v in kwargs.items() if v is not None}


async def ensure_database(url: str) -> None:
    import asyncpg

    kwargs = connect_kwargs(url)
    name = kwargs["database"]
    conn = await asyncpg.connect(**{**kwargs, "database": "postgres"})
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


CATEGORY_TOPS = [
    "Thời trang nam", "Thời trang nữ", "Trẻ em", "Giày dép", "Túi xách",
    "Phụ kiện", "Đồ thể thao", "Đồ lót & đồ ngủ",
]  # fmt: skip
CATEGORY_LEAVES = [
    "Áo thun", "Áo sơ mi", "Áo polo", "Áo khoác", "Quần jean", "Quần tây", "Quần short",
    "Chân váy", "Đầm", "Áo len", "Áo hoodie", "Bộ đồ", "Giày thể thao", "Sandal", "Dép",
    "Giày tây", "Balo", "Túi đeo chéo", "Ví", "Thắt lưng", "Mũ", "Tất", "Khăn", "Kính mát",
    "Quần legging", "Áo bra", "Đồ bơi", "Pyjama", "Áo ba lỗ", "Quần jogger", "Áo blazer",
    "Váy liền",
]  # fmt: skip
STYLES = [
    "cổ tròn", "basic", "oversize", "slim fit", "họa tiết", "kẻ sọc", "trơn", "in chữ",
    "phối màu", "cao cấp", "mùa hè", "thu đông", "công sở", "dạo phố", "thể thao",
]  # fmt: skip
MATERIALS = ["Cotton 100%", "Linen", "Kaki", "Denim", "Lụa", "Len", "Polyester", "Da"]
BRANDS = ["Sóng", "Mây", "Lúa", "Sen Việt", "Biển Xanh", "Tre", "Phố Cổ"]
COLORS = ["Đen", "Trắng", "Xanh navy", "Be", "Đỏ đô", "Xám", "Xanh rêu", "Hồng"]
SIZES = ["S", "M", "L", "XL", "XXL", "3XL"]
CITIES = [
    ("Hà Nội", "Hoàn Kiếm", 21.0285, 105.8542),
    ("TP. Hồ Chí Minh", "Quận 1", 10.7769, 106.7009),
    ("Đà Nẵng", "Hải Châu", 16.0544, 108.2022),
    ("Hải Phòng", "Lê Chân", 20.8449, 106.6881),
    ("Cần Thơ", "Ninh Kiều", 10.0452, 105.7469),
]
STREETS = ["Lê Lợi", "Trần Hưng Đạo", "Nguyễn Huệ", "Hai Bà Trưng", "Lý Thường Kiệt"]
OPENING_HOURS = json.dumps(
    {day: [["08:30", "22:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
)

# Every statement is one INSERT … SELECT over generate_series; ids are the series values,
# so variants and stock rows can be derived arithmetically without joins.
GENERATE_SQL: list[tuple[str, Callable[[Sizes], tuple[Any, ...]]]] = [
    (
        "TRUNCATE categories, products, product_variants, locations, stock_levels "
        "RESTART IDENTITY CASCADE",
        lambda s: (),
    ),
    (
        """
        INSERT INTO categories (id, parent_id, slug, name, description, position)
        SELECT g, NULL, 'danh-muc-' || g,
               ($2::text[])[1 + (g - 1) % cardinality($2::text[])]
                 || CASE WHEN g > cardinality($2::text[]) THEN ' ' || g ELSE '' END,
               'Danh mục ' || g, g
        FROM generate_series(1, $1::int) AS g
        """,
        lambda s: (s.top_categories, CATEGORY_TOPS),
    ),
    (
        """
        INSERT INTO categories (id, parent_id, slug, name, description, position)
        SELECT g, 1 + (g - $1 - 1) % $1, 'danh-muc-' || g,
               ($3::text[])[1 + (g - $1 - 1) % cardinality($3::text[])]
                 || CASE WHEN g - $1 > cardinality($3::text[]) THEN ' ' || g ELSE '' END,
               '', (g - $1 - 1) / $1
        FROM generate_series($1::int + 1, $2::int) AS g
        """,
        lambda s: (s.top_categories, s.categories, CATEGORY_LEAVES),
    ),
    (
        """
        INSERT INTO products (id, slug, name, description, brand, category_id, attributes,
                              images, tax_class, published, created_at, updated_at)
        SELECT g, 'san-pham-' || g, x.name,
               x.kind || ' chất liệu ' || lower(x.material) || ', kiểu ' || x.style
                 || '. Mã ' || g || '.',
               CASE WHEN g % 10 = 0 THEN NULL
                    ELSE ($6::text[])[1 + g % cardinality($6::text[])] END,
               CASE WHEN $2::int > $7::int THEN $7 + 1 + g % ($2 - $7)
                    ELSE 1 + g % $2 END,
               jsonb_build_object('Chất liệu', x.material, 'Xuất xứ', 'Việt Nam'),
               jsonb_build_array(jsonb_build_object(
                   'url', 'https://cdn.example.com/products/' || g || '/1.jpg',
                   'alt', x.name)),
               'STANDARD', true,
               now() - make_interval(mins => $1 - g), now()
        FROM generate_series(1, $1::int) AS g
        CROSS JOIN LATERAL (
            SELECT ($3::text[])[1 + g % cardinality($3::text[])] AS kind,
                   ($4::text[])[1 + (g / cardinality($3::text[])) % cardinality($4::text[])]
                     AS style,
                   ($5::text[])[1 + g % cardinality($5::text[])] AS material
        ) AS k
        CROSS JOIN LATERAL (
            SELECT k.kind, k.style, k.material,
                   k.kind || ' ' || k.style || ' ' || lpad(g::text, 5, '0') AS name
        ) AS x
        """,
        lambda s: (
            s.products,
            s.categories,
            CATEGORY_LEAVES,
            STYLES,
            MATERIALS,
            BRANDS,
            s.top_categories,
        ),
    ),
    (
        # EAN-13 barcodes: 893 (Vietnam) + 9-digit variant id + check digit.
        """
        INSERT INTO product_variants (id, product_id, sku, barcode, title, options, price,
                                      compare_at_price, position, created_at)
        SELECT v.id, p, v.sku, v.body || (
                   SELECT (10 - sum(substr(v.body, i, 1)::int
                                    * CASE WHEN i % 2 = 0 THEN 3 ELSE 1 END) % 10) % 10
                   FROM generate_series(1, 12) AS i)::text,
               v.color || ' / ' || v.size,
               jsonb_build_object('Màu sắc', v.color, 'Kích cỡ', v.size),
               v.price,
               CASE WHEN p % 3 = 0 THEN round(v.price * 1.25, -3) END,
               k - 1, now()
        FROM generate_series(1, $1::int) AS p
        CROSS JOIN generate_series(1, $2::int) AS k
        CROSS JOIN LATERAL (
            SELECT (p - 1) * $2 + k AS id,
                   'SP' || lpad(p::text, greatest(6, length(p::text)), '0') || '-' || k AS sku,
                   '893' || lpad(((p - 1) * $2 + k)::text, 9, '0') AS body,
                   ($3::text[])[1 + (p + (k - 1) / cardinality($4::text[]))
                                    % cardinality($3::text[])] AS color,
                   ($4::text[])[1 + (k - 1) % cardinality($4::text[])] AS size,
                   (99000 + (p * 7919 % 60) * 10000 + (k - 1) * 20000)::numeric AS price
        ) AS v
        ORDER BY p, k
        """,
        lambda s: (s.products, s.variants_per_product, COLORS, SIZES),
    ),
    (
        # All stores with pickup; ids 1, 11, 21, … also ship delivery orders.
        """
        INSERT INTO locations (id, code, name, kind, street, ward, district, province, phone,
                               latitude, longitude, timezone, opening_hours, pickup_enabled,
                               pickup_lead_time_minutes, ships_orders, active)
        SELECT g, 'CH' || lpad(g::text, greatest(3, length(g::text)), '0'),
               'Sóng ' || c.city || ' ' || g, 'STORE',
               (10 + g) || ' ' || ($6::text[])[1 + g % cardinality($6::text[])],
               'Phường ' || (1 + g % 12), c.district, c.city,
               '024' || lpad(g::text, 7, '0'),
               c.lat + (g % 9) * 0.004, c.lon + (g % 7) * 0.004,
               'Asia/Ho_Chi_Minh', $7::jsonb, true, 60 + (g % 4) * 30, g % 10 = 1, true
        FROM generate_series(1, $1::int) AS g
        CROSS JOIN LATERAL (
            SELECT ($2::text[])[1 + g % cardinality($2::text[])] AS city,
                   ($3::text[])[1 + g % cardinality($3::text[])] AS district,
                   ($4::float8[])[1 + g % cardinality($4::float8[])] AS lat,
                   ($5::float8[])[1 + g % cardinality($5::float8[])] AS lon
        ) AS c
        """,
        lambda s: (
            s.locations,
            [c[0] for c in CITIES],
            [c[1] for c in CITIES],
            [c[2] for c in CITIES],
            [c[3] for c in CITIES],
            STREETS,
            OPENING_HOURS,
        ),
    ),
    (
        # One row per (variant, location), in primary-key order; about 4% sold out.
        """
        INSERT INTO stock_levels (variant_id, location_id, on_hand, reserved)
        SELECT v, l, q.on_hand, least(q.on_hand, (v + l) % 3)
        FROM generate_series(1, $1::int) AS v
        CROSS JOIN generate_series(1, $2::int) AS l
        CROSS JOIN LATERAL (SELECT (v * 7 + l * 13) % 25 AS on_hand) AS q
        ORDER BY v, l
        """,
        lambda s: (s.variants, s.locations),
    ),
    (
        """
        SELECT setval(pg_get_serial_sequence('categories', 'id'), $1),
               setval(pg_get_serial_sequence('products', 'id'), $2),
               setval(pg_get_serial_sequence('product_variants', 'id'), $3),
               setval(pg_get_serial_sequence('locations', 'id'), $4)
        """,
        lambda s: (s.categories, s.products, s.variants, s.locations),
    ),
]

COUNTS_SQL = """
SELECT (SELECT count(*) FROM categories) AS categories,
       (SELECT count(*) FROM products) AS products,
       (SELECT count(*) FROM product_variants) AS variants,
       (SELECT count(*) FROM locations) AS locations,
       (SELECT count(*) FROM stock_levels) AS stock_levels,
       (SELECT count(*) FROM products WHERE price_max = 0 OR search_name = '') AS stale
"""


async def _counts(conn: asyncpg.Connection) -> dict[str, int]:
    row = await conn.fetchrow(COUNTS_SQL)
    return dict(row.items())


def _expected(sizes: Sizes) -> dict[str, int]:
    return {
        "categories": sizes.categories,
        "products": sizes.products,
        "variants": sizes.variants,
        "locations": sizes.locations,
        "stock_levels": sizes.stock_levels,
        "stale": 0,
    }


async def build_catalog(url: str, sizes: Sizes, *, regenerate: bool) -> float | None:
    """Generate the catalog unless it is already there; the seconds it took, or None."""
    import asyncpg
    from sqlalchemy.ext.asyncio import AsyncSession

    from domain.catalog.service import refresh_rollups
    from domain.db import create_engine

    conn = await asyncpg.connect(**connect_kwargs(url))
    try:
        if not regenerate and await _counts(conn) == _expected(sizes):
            return None
        started = time.perf_counter()
        async with conn.transaction():
            # The rows are consistent by construction: skip the per-row foreign-key
            # triggers when allowed (superuser, as on the embedded server).
            try:
                async with conn.transaction():
                    await conn.execute("SET LOCAL session_replication_role = replica")
            except asyncpg.InsufficientPrivilegeError:
                pass
            for sql, params in GENERATE_SQL:
                step = time.perf_counter()
                await conn.execute(sql, *params(sizes))
                print(f"  {_first_words(sql)}: {time.perf_counter() - step:.2f} s", flush=True)
        step = time.perf_counter()
        engine = create_engine(url, pool_size=1, max_overflow=0)
        try:
            async with engine.begin() as sa_conn:
                await refresh_rollups(AsyncSession(bind=sa_conn))
        finally:
            await engine.dispose()
        print(f"  refresh_rollups: {time.perf_counter() - step:.2f} s", flush=True)
        step = time.perf_counter()
        await conn.execute(
            "VACUUM (ANALYZE) categories, products, product_variants, locations, stock_levels"
        )
        print(f"  VACUUM ANALYZE: {time.perf_counter() - step:.2f} s", flush=True)
        elapsed = time.perf_counter() - started
        counts = await _counts(conn)
        if counts != _expected(sizes):
            raise RuntimeError(f"generated {counts}, expected {_expected(sizes)}")
        return elapsed
    finally:
        await conn.close()


def _first_words(sql: str) -> str:
    words = sql.split()
    if words[0] == "INSERT":
        return f"INSERT {words[2]}"
    return "setval" if "setval" in sql else words[0]


# --------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


# The server modes measured: (response cache, compiled plans).
MODES = {"generic": (False, False), "compiled": (False, True), "cached": (True, True)}


class Server:
    """`python -m api.cli serve` as a subprocess in its own process group."""

    def __init__(
        self,
        url: str,
        port: int,
        workers: int,
        log_path: Path,
        cache: bool = False,
        plans: bool = True,
    ) -> None:
        self.cache = cache
        self.plans = plans
        self.url = url
        self.port = port
        self.workers = workers
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": self.url,
            "OMNI_LOG_LEVEL": "WARNING",
            # The statement-count header is only sent outside production.
            "OMNI_ENV": "development",
            # wrk is one client address sending hundreds of pages a second: far beyond the
            # public budget (50 points/s), which would answer 429s. The budget's own two
            # statements per request still run.
            "OMNI_BUDGET_ANONYMOUS": "100000000/100000000",
            "OMNI_RESPONSE_CACHE": "1" if self.cache else "0",
            "OMNI_COMPILED_PLANS": "1" if self.plans else "0",
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p
            ),
        }
        command = [
            sys.executable, "-m", "api.cli", "serve", "--no-seed",
            "--host", HOST, "--port", str(self.port), "--workers", str(self.workers),
        ]  # fmt: skip
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    async def wait_ready(self, limit: float = READY_TIMEOUT_S) -> float:
        import httpx

        assert self.process is not None
        started = time.perf_counter()
        deadline = started + limit
        async with httpx.AsyncClient(base_url=self.base, timeout=5.0) as client:
            while time.perf_counter() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(
                        f"the server exited with {self.process.returncode}:\n{self.log_tail()}"
                    )
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        return time.perf_counter() - started
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
        raise RuntimeError(f"the server was not ready within {limit:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 20.0) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            print("The server ignored SIGTERM; killing its process group.", file=sys.stderr)
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


# --------------------------------------------------------------------------------------
# CPU accounting (where the machine's two cores went during a measurement)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CpuSample:
    """Cumulative CPU seconds at one moment."""

    server_by_pid: dict[int, float]
    postgres: float
    machine_busy: float
    # Established client connections held by each server process.
    connections_by_pid: dict[int, int] = field(default_factory=dict)

    @property
    def server(self) -> float:
        return sum(self.server_by_pid.values())


class CpuMeter:
    """CPU seconds used by the server's processes, by PostgreSQL and by the whole machine."""

    def __init__(self, server_pid: int, postmaster_pid: int | None, port: int) -> None:
        self.server_pid = server_pid
        self.postmaster_pid = postmaster_pid
        self.port = port

    def _connections(self, pids: Sequence[int]) -> dict[int, int]:
        try:
            import psutil
        except ImportError:
            return {}
        found: dict[int, int] = {}
        for pid in pids:
            try:
                connections = psutil.Process(pid).net_connections(kind="tcp")
            except psutil.Error:
                continue
            found[pid] = sum(
                1
                for c in connections
                if c.status == psutil.CONN_ESTABLISHED and c.laddr and c.laddr.port == self.port
            )
        return found

    @staticmethod
    def _tree(pid: int | None) -> dict[int, float]:
        if pid is None:
            return {}
        try:
            import psutil
        except ImportError:
            return {}
        try:
            root = psutil.Process(pid)
            processes = [root, *root.children(recursive=True)]
        except psutil.Error:
            return {}
        found: dict[int, float] = {}
        for process in processes:
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            found[process.pid] = times.user + times.system
        return found

    @staticmethod
    def _machine_busy() -> float:
        """Busy CPU seconds of all cores since boot (Linux /proc/stat), NaN elsewhere."""
        try:
            with open("/proc/stat", encoding="ascii") as stat:
                fields = [int(v) for v in stat.readline().split()[1:]]
        except (OSError, ValueError):
            return math.nan
        user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
        return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")

    def sample(self, connections: bool = False) -> CpuSample:
        server = self._tree(self.server_pid)
        return CpuSample(
            server_by_pid=server,
            postgres=(
                sum(self._tree(self.postmaster_pid).values())
                if self.postmaster_pid is not None
                else math.nan
            ),
            machine_busy=self._machine_busy(),
            connections_by_pid=self._connections(list(server)) if connections else {},
        )


def cpu_delta(result: LevelResult, before: CpuSample, after: CpuSample, client: float) -> None:
    """Fill the CPU figures of `result` from two samples and the client's CPU seconds."""
    result.server_cpu = after.server - before.server
    result.postgres_cpu = after.postgres - before.postgres
    result.client_cpu = client
    result.machine_cpu = after.machine_busy - before.machine_busy
    workers = sorted(
        (
            (after.server_by_pid[pid] - before.server_by_pid.get(pid, 0.0),
             after.connections_by_pid.get(pid, 0))
            for pid in after.server_by_pid
        ),
        reverse=True,
    )  # fmt: skip
    result.worker_cpu = [cpu for cpu, _ in workers]
    result.worker_connections = [n for _, n in workers]


async def postmaster_pid(url: str) -> int | None:
    """The PostgreSQL server's main process when it runs on this machine, else None."""
    import asyncpg

    try:
        import psutil
    except ImportError:
        return None
    conn = await asyncpg.connect(**connect_kwargs(url))
    try:
        backend: int = await conn.fetchval("SELECT pg_backend_pid()")
        # Asked while the backend lives: it ends with the connection.
        parent = psutil.Process(backend).parent()
    except psutil.Error:
        return None  # another machine (or container)
    finally:
        await conn.close()
    return parent.pid if parent is not None else None


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# --------------------------------------------------------------------------------------
# The request
# --------------------------------------------------------------------------------------

LISTING_QUERY = """
query Listing($first: Int!, $after: String, $store: ID!) {
  products(first: $first, after: $after) {
    edges {
      node {
        id
        name
        slug
        priceRange { min { amount currencyCode } max { amount } }
        category { name }
        variants {
          id
          sku
          price { amount currencyCode }
          compareAtPrice { amount }
          availableAt(storeId: $store) { available }
        }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""


PRODUCT_QUERY = """
query Product($id: ID!, $store: ID!) {
  product(id: $id) {
    id
    name
    slug
    description
    category { name ancestors { name } }
    priceRange { min { amount currencyCode } max { amount } }
    variants {
      id
      sku
      price { amount currencyCode }
      compareAtPrice { amount }
      availableAt(storeId: $store) { available }
      totalAvailableForDelivery
    }
  }
}
"""


def product_body(product_id: str, store: int) -> bytes:
    variables = {"id": product_id, "store": global_id("Location", store)}
    return json.dumps({"query": PRODUCT_QUERY, "variables": variables}).encode()


def global_id(type_name: str, pk: int) -> str:
    """Relay global ID, as api.core.ids.to_global_id makes it."""
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def listing_body(page_size: int, after: str | None, store: int) -> bytes:
    variables = {"first": page_size, "after": after, "store": global_id("Location", store)}
    return json.dumps({"query": LISTING_QUERY, "variables": variables}).encode()


def response_error(status: int, body: bytes, page_size: int) -> str | None:
    """Why a response is wrong, or None when it is a full listing page (`page_size` > 0)
    or a product (`page_size` 0) without errors."""
    if status != 200:
        return f"HTTP {status}"
    try:
        document = json.loads(body)
    except ValueError:
        return "invalid JSON"
    if document.get("errors"):
        return "GraphQL error: " + str(document["errors"][0].get("message", ""))[:200]
    if page_size == 0:
        return None if (document.get("data") or {}).get("product") else "no product"
    products = (document.get("data") or {}).get("products") or {}
    if len(products.get("edges") or []) != page_size:
        return "short page"
    return None


async def collect_bodies(base: str, opts: Options) -> tuple[list[bytes], dict[str, Any]]:
    """Request bodies for the first `pages` pages (walking the cursors) and a sample page."""
    import httpx

    bodies: list[bytes] = []
    product_ids: list[str] = []
    after: str | None = None
    sample: dict[str, Any] = {}
    async with httpx.AsyncClient(base_url=base, timeout=30.0) as client:
        for _ in range(opts.pages):
            body = listing_body(opts.page_size, after, opts.store)
            response = await client.post(
                "/graphql", content=body, headers={"content-type": "application/json"}
            )
            problem = response_error(response.status_code, response.content, opts.page_size)
            if problem == "short page" and bodies:
                break  # only full pages are requested, so every response can be checked
            if problem:
                raise RuntimeError(f"the listing query failed: {problem}\n{response.text[:500]}")
            bodies.append(body)
            document = response.json()
            product_ids.extend(e["node"]["id"] for e in document["data"]["products"]["edges"])
            if not sample:
                sample = {
                    "bytes": len(response.content),
                    "sql": response.headers.get(SQL_COUNT_HEADER),
                    "product": document["data"]["products"]["edges"][0]["node"],
                }
            page_info = document["data"]["products"]["pageInfo"]
            if not page_info["hasNextPage"]:
                break
            after = page_info["endCursor"]
    sample["pages"] = len(bodies)
    sample["product_bodies"] = [product_body(pid, opts.store) for pid in product_ids[:20]]
    return bodies, sample


# --------------------------------------------------------------------------------------
# Load generators
# --------------------------------------------------------------------------------------


@dataclass
class LevelResult:
    concurrency: int
    requests: int = 0
    seconds: float = 0.0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    percentiles_ms: dict[int, float] = field(default_factory=dict)
    sql_total: int = 0
    sql_min: int | None = None
    sql_max: int | None = None
    first_error: str | None = None
    server_cpu: float = math.nan
    postgres_cpu: float = math.nan
    client_cpu: float = math.nan
    machine_cpu: float = math.nan
    worker_cpu: list[float] = field(default_factory=list)
    worker_connections: list[int] = field(default_factory=list)
    label: str = ""
    # Resident memory of each server process at the end of the level, in MB.
    rss_mb: list[float] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def sql_per_request(self) -> float:
        ok = self.requests - self.errors
        return self.sql_total / ok if ok > 0 else math.nan

    def percentile(self, p: int) -> float:
        if p in self.percentiles_ms:
            return self.percentiles_ms[p]
        if not self.latencies_ms:
            return math.nan
        ordered = sorted(self.latencies_ms)
        index = min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))
        return ordered[index]

    def count_sql(self, value: int) -> None:
        self.sql_total += value
        self.sql_min = value if self.sql_min is None else min(self.sql_min, value)
        self.sql_max = value if self.sql_max is None else max(self.sql_max, value)


class HttpConnection:
    """A keep-alive HTTP/1.1 connection that POSTs prepared requests (little CPU per call)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def connect(self) -> None:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)

    async def request(self, raw: bytes) -> tuple[int, dict[str, str], bytes]:
        await self.connect()
        assert self.reader is not None and self.writer is not None
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                chunks.append(chunk[:-2])
            body = b"".join(chunks)
        else:
            body = await self.reader.read()
            await self.close()
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, headers, body

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


def raw_request(port: int, body: bytes) -> bytes:
    head = (
        f"POST /graphql HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
        "Content-Type: application/json\r\nAccept: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def python_level(
    port: int,
    bodies: list[bytes],
    concurrency: int,
    opts: Options,
    meter: CpuMeter,
    kind: str,
    expect: int,
) -> LevelResult:
    """Closed-loop load from this process: `concurrency` connections, one request each."""
    import httpx

    result = LevelResult(concurrency)
    raws = [raw_request(port, b) for b in bodies]
    loop = asyncio.get_running_loop()
    connections = [HttpConnection(port) for _ in range(concurrency)]
    if kind == "python":
        # Connect one at a time while the server is idle, so that the kernel hands the
        # connections to all worker processes: opened in one burst, they tend to pile up
        # on whichever worker accepts first, which then does all the work.
        for conn in connections:
            await conn.connect()
            await asyncio.sleep(0.01)
    measure_start = loop.time() + opts.warmup
    measure_end = measure_start + opts.duration
    sent = 0
    samples: dict[str, tuple[CpuSample, float]] = {}

    async def sample_at(name: str, when: float) -> None:
        await asyncio.sleep(max(0.0, when - loop.time()))
        samples[name] = (meter.sample(connections=name == "end"), own_cpu())

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=f"http://{HOST}:{port}", timeout=REQUEST_TIMEOUT_S, limits=limits
    ) as client:

        async def send(conn: HttpConnection, index: int) -> tuple[int, dict[str, str], bytes]:
            if kind == "httpx":
                response = await client.post(
                    "/graphql",
                    content=bodies[index],
                    headers={"content-type": "application/json"},
                )
                return response.status_code, dict(response.headers), response.content
            return await conn.request(raws[index])

        async def worker(number: int) -> None:
            nonlocal sent
            conn = connections[number]
            n = number
            try:
                while loop.time() < measure_end and sent < opts.max_requests:
                    sent += 1
                    n += 1
                    started = loop.time()
                    problem: str | None
                    sql = 0
                    try:
                        async with asyncio.timeout(REQUEST_TIMEOUT_S):
                            status, headers, body = await send(conn, n % len(bodies))
                        problem = response_error(status, body, expect)
                        sql = int(headers.get(SQL_COUNT_HEADER, "0"))
                    except (
                        OSError,
                        TimeoutError,
                        asyncio.IncompleteReadError,
                        ValueError,
                        httpx.HTTPError,
                    ) as error:
                        problem = f"{type(error).__name__}: {error}"
                        await conn.close()
                    finished = loop.time()
                    if started < measure_start or finished > measure_end:
                        continue
                    result.requests += 1
                    result.latencies_ms.append((finished - started) * 1000)
                    if problem:
                        result.errors += 1
                        result.first_error = result.first_error or problem
                    else:
                        result.count_sql(sql)
            finally:
                await conn.close()

        await asyncio.gather(
            sample_at("start", measure_start),
            sample_at("end", measure_end),
            *(worker(i) for i in range(concurrency)),
        )
    result.seconds = opts.duration
    if "start" in samples and "end" in samples:
        (before, client0), (after, client1) = samples["start"], samples["end"]
        cpu_delta(result, before, after, client1 - client0)
    return result


WRK_SCRIPT = """
-- Generated by bench/catalog.py: rotates the listing bodies, checks every response.
local bodies = {BODIES}
local page_size = {PAGE_SIZE}
local max_requests = {MAX_REQUESTS}
local threads = {{}}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  responses, errors, sql, sql_min, sql_max, counter = 0, 0, 0, 1e9, 0, 0
  first_error = ""
  headers = {{["Content-Type"] = "application/json", ["Accept"] = "application/json"}}
end

function request()
  counter = counter + 1
  return wrk.format("POST", "/graphql", headers, bodies[(counter % #bodies) + 1])
end

function response(status, hdrs, body)
  responses = responses + 1
  local _, edges = string.gsub(body, '"node":', "")
  if status ~= 200 or string.find(body, '"errors"', 1, true) or edges ~= page_size then
    errors = errors + 1
    if first_error == "" then first_error = "HTTP " .. status .. " " .. string.sub(body, 1, 200) end
  else
    local n = tonumber(hdrs["{SQL_HEADER}"] or hdrs["X-Omni-Sql-Statements"] or "0") or 0
    sql = sql + n
    if n < sql_min then sql_min = n end
    if n > sql_max then sql_max = n end
  end
  if responses >= max_requests then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local r, e, s, smin, smax, fe = 0, 0, 0, 1e9, 0, ""
  for _, t in ipairs(threads) do
    r = r + t:get("responses")
    e = e + t:get("errors")
    s = s + t:get("sql")
    smin = math.min(smin, t:get("sql_min"))
    smax = math.max(smax, t:get("sql_max"))
    if fe == "" then fe = t:get("first_error") end
  end
  fe = string.gsub(fe, '[%c"\\\\]', " ")
  local se = summary.errors
  io.write(string.format(
    "BENCH {{\\"requests\\": %d, \\"duration_us\\": %d, \\"responses\\": %d, \\"errors\\": %d, " ..
    "\\"socket_errors\\": %d, \\"sql\\": %d, \\"sql_min\\": %d, \\"sql_max\\": %d, " ..
    "\\"p50\\": %f, \\"p90\\": %f, \\"p99\\": %f, \\"max\\": %f, \\"first_error\\": \\"%s\\"}}\\n",
    summary.requests, summary.duration, r, e,
    se.connect + se.read + se.write + se.timeout, s, smin, smax,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, fe))
end
"""


def wrk_script(bodies: list[bytes], page_size: int, max_requests: int) -> str:
    def lua_string(body: bytes) -> str:
        return "[==[" + body.decode() + "]==]"

    return WRK_SCRIPT.format(
        BODIES="{" + ", ".join(lua_string(b) for b in bodies) + "}",
        PAGE_SIZE=page_size,
        MAX_REQUESTS=max_requests,
        SQL_HEADER=SQL_COUNT_HEADER,
    )


def run_wrk(
    port: int, script: Path, concurrency: int, seconds: float, timeout: float
) -> dict[str, Any]:
    threads = min(concurrency, 2)
    command = [
        "wrk", f"-t{threads}", f"-c{concurrency}", f"-d{max(1, round(seconds))}s",
        f"--timeout={int(REQUEST_TIMEOUT_S)}s", "-s", str(script),
        f"http://{HOST}:{port}/graphql",
    ]  # fmt: skip
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, check=False
    )
    for line in completed.stdout.splitlines():
        if line.startswith("BENCH "):
            parsed: dict[str, Any] = json.loads(line[len("BENCH ") :])
            return parsed
    raise RuntimeError(f"wrk failed ({completed.returncode}):\n{completed.stderr}")


def wrk_level(
    port: int, bodies: list[bytes], concurrency: int, opts: Options, meter: CpuMeter, expect: int
) -> LevelResult:
    with tempfile.TemporaryDirectory(prefix="omni-bench-") as tmp:
        script = Path(tmp) / "listing.lua"
        threads = min(concurrency, 2)
        per_thread = max(1, opts.max_requests // threads)
        script.write_text(wrk_script(bodies, expect, per_thread), encoding="utf-8")
        bound = opts.duration + REQUEST_TIMEOUT_S + 30
        if opts.warmup > 0:
            run_wrk(port, script, concurrency, opts.warmup, bound)
        before, client0 = meter.sample(), children_cpu()
        midway: list[CpuSample] = []
        timer = threading.Timer(opts.duration / 2, lambda: midway.append(meter.sample(True)))
        timer.start()
        try:
            stats = run_wrk(port, script, concurrency, opts.duration, bound)
        finally:
            timer.cancel()
        after, client1 = meter.sample(), children_cpu()
        if midway:
            after = dataclasses.replace(after, connections_by_pid=midway[0].connections_by_pid)
    result = LevelResult(concurrency)
    result.seconds = stats["duration_us"] / 1e6
    result.requests = stats["requests"]
    result.errors = stats["errors"] + stats["socket_errors"]
    result.sql_total = stats["sql"]
    if stats["responses"] > stats["errors"]:
        result.sql_min, result.sql_max = stats["sql_min"], stats["sql_max"]
    result.first_error = stats["first_error"] or None
    result.percentiles_ms = {50: stats["p50"], 90: stats["p90"], 99: stats["p99"]}
    result.latencies_ms = [stats["max"]]
    cpu_delta(result, before, after, client1 - client0)
    return result


# --------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------


def print_table(results: list[LevelResult]) -> None:
    header = (
        f"{'page':<18} {'conc':>4} {'requests':>8} {'req/s':>8} {'p50 ms':>7} {'p90 ms':>7} "
        f"{'p99 ms':>7} {'max ms':>7} {'errors':>6} {'SQL/req':>9} {'max RSS MB':>10}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        sql = f"{r.sql_per_request:.2f}"
        if r.sql_min is not None and r.sql_min != r.sql_max:
            sql += f" ({r.sql_min}-{r.sql_max})"
        print(
            f"{r.label:<18} {r.concurrency:>4} {r.requests:>8} {r.rps:>8.1f} "
            f"{r.percentile(50):>7.1f} {r.percentile(90):>7.1f} {r.percentile(99):>7.1f} "
            f"{max(r.latencies_ms, default=math.nan):>7.1f} {r.errors:>6} {sql:>9} "
            f"{max(r.rss_mb, default=math.nan):>10.0f}"
        )
        if r.first_error:
            print(f"     first error: {r.first_error}")


def print_cpu_table(results: list[LevelResult]) -> None:
    cores = os.cpu_count() or 1
    header = (
        f"{'page':<18} {'conc':>4} {'server ms/req':>13} {'postgres ms/req':>15} "
        f"{'client ms/req':>13}   "
        f"{'server %':>8} {'by process %':>14} {'conns':>7} {'postgres %':>10} {'client %':>8} "
        f"{'others %':>8} {'idle %':>6}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        n = max(1, r.requests)
        capacity = r.seconds * cores / 100  # CPU seconds per percent of the machine

        def pct(seconds: float, capacity: float = capacity) -> float:
            return seconds / capacity if capacity else math.nan

        # PostgreSQL on another machine (nan) is not ours to count.
        ours = r.server_cpu + r.client_cpu + (0.0 if math.isnan(r.postgres_cpu) else r.postgres_cpu)
        busy = [i for i, w in enumerate(r.worker_cpu) if pct(w) >= 0.5]
        workers = "/".join(f"{pct(r.worker_cpu[i]):.0f}" for i in busy) or "-"
        conns = "/".join(str(r.worker_connections[i]) for i in busy) or "-"
        print(
            f"{r.label:<18} {r.concurrency:>4} {r.server_cpu * 1000 / n:>13.2f} "
            f"{r.postgres_cpu * 1000 / n:>15.2f} {r.client_cpu * 1000 / n:>13.2f}   "
            f"{pct(r.server_cpu):>8.0f} {workers:>14} {conns:>7} {pct(r.postgres_cpu):>10.0f} "
            f"{pct(r.client_cpu):>8.0f} {max(0.0, pct(r.machine_cpu - ours)):>8.0f} "
            f"{max(0.0, 100 - pct(r.machine_cpu)):>6.0f}"
        )


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def server_rss_mb(pid: int) -> list[float]:
    """Resident memory of the server and its workers, in MB."""
    import psutil

    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return []
    sizes = []
    for process in processes:
        try:
            sizes.append(process.memory_info().rss / 1024 / 1024)
        except psutil.Error:
            continue
    return sizes


async def load_test(
    server: Server, opts: Options, url: str, mode: str
) -> tuple[list[LevelResult], dict[str, Any]]:
    bodies, sample = await collect_bodies(server.base, opts)
    assert server.process is not None
    meter = CpuMeter(server.process.pid, await postmaster_pid(url), server.port)
    pages = {"listing": (bodies, opts.page_size), "product": (sample["product_bodies"], 0)}
    results: list[LevelResult] = []
    for kind in opts.page_kinds:
        page_bodies, expect = pages[kind]
        for concurrency in opts.concurrency:
            print(
                f"{mode.capitalize()}, {kind} page, concurrency {concurrency}: {opts.warmup:g} s "
                f"warm-up, {opts.duration:g} s measured …",
                flush=True,
            )
            if opts.client == "wrk":
                result = await asyncio.to_thread(
                    wrk_level, server.port, page_bodies, concurrency, opts, meter, expect
                )
            else:
                result = await python_level(
                    server.port, page_bodies, concurrency, opts, meter, opts.client, expect
                )
            result.label = f"{kind} {mode}"
            result.rss_mb = server_rss_mb(server.process.pid)
            results.append(result)
    return results, sample


def write_json(
    path: Path, opts: Options, results: list[LevelResult], generated: float | None
) -> None:
    def number(value: float) -> float | None:
        return None if math.isnan(value) else round(value, 3)

    levels = []
    for r in results:
        n = max(1, r.requests)
        levels.append(
            {
                "page": r.label,
                "max_rss_mb": number(max(r.rss_mb, default=math.nan)),
                "concurrency": r.concurrency,
                "requests": r.requests,
                "seconds": number(r.seconds),
                "requests_per_second": number(r.rps),
                "p50_ms": number(r.percentile(50)),
                "p90_ms": number(r.percentile(90)),
                "p99_ms": number(r.percentile(99)),
                "max_ms": number(max(r.latencies_ms, default=math.nan)),
                "errors": r.errors,
                "first_error": r.first_error,
                "sql_per_request": number(r.sql_per_request),
                "server_cpu_ms_per_request": number(r.server_cpu * 1000 / n),
                "postgres_cpu_ms_per_request": number(r.postgres_cpu * 1000 / n),
                "client_cpu_ms_per_request": number(r.client_cpu * 1000 / n),
                "machine_busy_cpu_seconds": number(r.machine_cpu),
            }
        )
    document = {
        "sizes": {
            "products": opts.sizes.products,
            "variants": opts.sizes.variants,
            "locations": opts.sizes.locations,
            "categories": opts.sizes.categories,
            "stock_levels": opts.sizes.stock_levels,
        },
        "generated_seconds": None if generated is None else round(generated, 2),
        "workers": opts.workers,
        "client": opts.client,
        "cpu_count": os.cpu_count(),
        "levels": levels,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")


def describe_client(client: str) -> str:
    if client == "wrk":
        return "wrk (C, HTTP/1.1 keep-alive, ≤2 threads), in parallel to the server"
    if client == "httpx":
        return "httpx.AsyncClient in this process (one asyncio loop)"
    note = "" if shutil.which("wrk") else "; wrk is not installed"
    return f"minimal asyncio HTTP/1.1 keep-alive client in this process{note}"


def main(argv: Sequence[str] | None = None) -> int:
    opts = parse_args(argv)
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from api.migrate import upgrade_head

    embedded: EmbeddedPostgres | None = None
    server: Server | None = None
    try:
        if opts.database_url:
            url = with_database(opts.database_url, opts.database_name)
            print(f"PostgreSQL: {opts.database_url.split('@')[-1]} (given)")
        else:
            from api.embedded import EmbeddedPostgres

            embedded = EmbeddedPostgres(opts.data_dir)
            print(f"PostgreSQL: embedded, data in {embedded.data_dir / 'pgdata'}", flush=True)
            embedded.start()
            url = embedded.url(opts.database_name)
        asyncio.run(ensure_database(url))
        upgrade_head(url)

        s = opts.sizes
        print(
            f"Catalog: {s.products:,} products, {s.variants:,} variants, {s.locations} "
            f"locations, {s.categories} categories, {s.stock_levels:,} stock levels",
            flush=True,
        )
        generated = asyncio.run(build_catalog(url, s, regenerate=opts.regenerate))
        if generated is None:
            print("Catalog: already generated with these sizes (use --regenerate to redo)")
        else:
            print(f"Catalog: generated in {generated:.1f} s")

        log_path = (opts.data_dir if embedded else Path(tempfile.gettempdir())) / "server.log"
        print(f"Client: {describe_client(opts.client)}", flush=True)
        results: list[LevelResult] = []
        sample: dict[str, Any] = {}
        for mode in opts.cache_modes:
            cache, plans = MODES[mode]
            server = Server(
                url, opts.port or free_port(), opts.workers, log_path.resolve(), cache, plans
            )
            server.start()
            ready = asyncio.run(server.wait_ready())
            print(
                f"Server: {server.base}/graphql, {opts.workers} worker(s), {mode} "
                f"(response cache {'on' if cache else 'off'}, compiled plans "
                f"{'on' if plans else 'off'}), ready in {ready:.1f} s (log: {server.log_path})",
                flush=True,
            )
            measured, sample = asyncio.run(load_test(server, opts, url, mode))
            results.extend(measured)
            server.stop()
            server = None
        print()
        print(
            f"Listing page: products(first: {opts.page_size}, after: one of {sample['pages']} "
            f"cursors) with {s.variants_per_product} variants each and availableAt(store "
            f"{opts.store}); response {sample['bytes']:,} bytes. Product page: product(id:) "
            f"over {len(sample['product_bodies'])} of the listed ids."
        )
        print(
            f"Machine: {os.cpu_count()} CPU cores shared by server, PostgreSQL and client; "
            f"workers={opts.workers}, client={opts.client}"
        )
        print()
        print_table(results)
        print()
        print(f"Where the CPU went while measuring (% of all {os.cpu_count()} cores):")
        print_cpu_table(results)
        print(
            "server: all `omni serve` processes (by process: each busy one; conns: the "
            "client connections it held);\npostgres: all its backends; client: the load "
            "generator; others: anything else on the machine (should be ~0 for trustworthy "
            "figures)."
        )
        if opts.json_path is not None:
            write_json(opts.json_path, opts, results, generated)
            print(f"Figures written to {opts.json_path}")
        return 1 if any(r.errors for r in results) else 0
    finally:
        if server is not None:
            server.stop()
            print("Server stopped.", flush=True)
        if embedded is not None:
            embedded.stop()
            print("Embedded PostgreSQL stopped.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
