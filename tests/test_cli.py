"""The `omni` command line: schema, migrate, seed, and serve's production checks."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

import asyncpg
import psutil
import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from api.cli import app
from api.migrate import head_revision
from domain.seed import data

REPO_ROOT = Path(__file__).resolve().parents[1]
SCHEMA_FILE = REPO_ROOT / "schema.graphql"
OMNI = Path(sys.executable).with_name("omni")
COMMAND_TIMEOUT_S = 60.0


def omni_command() -> list[str]:
    """The installed console script when there is one, else `python -m api.cli`."""
    return [str(OMNI)] if OMNI.exists() else [sys.executable, "-m", "api.cli"]


def cli_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNI_")}
    env.pop("DATABASE_URL", None)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(overrides)
    return env


async def run_omni(
    *args: str, env: dict[str, str], limit_s: float = COMMAND_TIMEOUT_S
) -> tuple[int, str, str]:
    """Run `omni ARGS` to completion: (exit code, stdout, stderr)."""
    proc = await asyncio.create_subprocess_exec(
        *omni_command(),
        *args,
        cwd=REPO_ROOT,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), limit_s)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        pytest.fail(f"omni {' '.join(args)} did not finish in {limit_s}s")
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def connect(url: str) -> asyncpg.Connection:
    u = make_url(url)
    kwargs: dict[str, Any] = {
        "user": u.username,
        "password": u.password,
        "database": u.database,
        "host": u.host or u.query.get("host"),
        "port": u.port,
    }
    return await asyncpg.connect(**{k: v for k, v in kwargs.items() if v is not None})


def stop_postgres_under(path: Path) -> None:
    """Terminate any postgres whose command line mentions `path` (a test's own server)."""
    needle = str(path.resolve())
    for proc in psutil.process_iter(["name", "cmdline"]):
        try:
            cmdline = proc.info["cmdline"] or []
            if proc.info["name"] == "postgres" and any(needle in a for a in cmdline):
                proc.terminate()
                proc.wait(5)
        except psutil.TimeoutExpired:
            proc.kill()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue


# --------------------------------------------------------------------------- schema


async def test_schema_prints_the_committed_sdl():
    code, out, err = await run_omni("schema", env=cli_env())
    assert code == 0, err
    assert out == SCHEMA_FILE.read_text(encoding="utf-8")


def test_schema_in_process_matches_committed_file():
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0, result.output
    assert result.stdout == SCHEMA_FILE.read_text(encoding="utf-8")


async def test_schema_check_passes_on_committed_file():
    # Without --path, the check reads schema.graphql from the working directory.
    code, out, err = await run_omni("schema", "--check", env=cli_env())
    assert code == 0, out + err
    assert "up to date" in out


def test_schema_check_fails_on_an_altered_copy(tmp_path):
    committed = SCHEMA_FILE.read_text(encoding="utf-8")
    original_line = '"""A store or a warehouse. Stock is held per location."""'
    assert original_line in committed
    altered = committed.replace(original_line, '"""Something else entirely."""')
    altered += "\ntype Stale {\n  field: Int\n}\n"
    copy = tmp_path / "schema.graphql"
    copy.write_text(altered, encoding="utf-8")

    result = CliRunner().invoke(app, ["schema", "--check", "--path", str(copy)])
    assert result.exit_code == 1, result.output
    diff = result.stdout
    assert f"--- {copy}\n" in diff
    assert "+++ code\n" in diff
    assert "@@ " in diff
    assert '-"""Something else entirely."""\n' in diff
    assert f"+{original_line}\n" in diff
    assert "-type Stale {\n" in diff
    assert "stale" in result.stderr


def test_schema_check_fails_on_a_missing_file(tmp_path):
    result = CliRunner().invoke(app, ["schema", "--check", "--path", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "+++ code" in result.stdout


# --------------------------------------------------------------------------- migrate / seed


async def test_migrate_brings_an_empty_database_to_head(empty_db):
    head = head_revision()
    assert head is not None
    code, out, err = await run_omni("migrate", env=cli_env(DATABASE_URL=empty_db))
    assert code == 0, out + err
    assert "latest migration" in out
    conn = await connect(empty_db)
    try:
        assert await conn.fetchval("SELECT version_num FROM alembic_version") == head
        assert await conn.fetchval("SELECT count(*) FROM alembic_version") == 1
        assert await conn.fetchval("SELECT count(*) FROM products") == 0
    finally:
        await conn.close()

    # Running it again is a no-op.
    code, out, err = await run_omni("migrate", env=cli_env(DATABASE_URL=empty_db))
    assert code == 0, out + err


async def catalog_snapshot(url: str) -> dict[str, Any]:
    conn = await connect(url)
    try:
        return {
            "products": await conn.fetchval("SELECT count(*) FROM products"),
            "variants": [
                tuple(r)
                for r in await conn.fetch("SELECT id, sku FROM product_variants ORDER BY id")
            ],
            "locations": await conn.fetchval("SELECT count(*) FROM locations"),
            "stock": tuple(
                await conn.fetchrow(
                    "SELECT count(*), sum(on_hand), sum(reserved) FROM stock_levels"
                )
            ),
            "names": [r[0] for r in await conn.fetch("SELECT name FROM products ORDER BY id")],
        }
    finally:
        await conn.close()


async def test_seed_loads_refuses_and_resets(empty_db):
    env = cli_env(DATABASE_URL=empty_db)
    code, out, err = await run_omni("migrate", env=env)
    assert code == 0, out + err

    code, out, err = await run_omni("seed", env=env)
    assert code == 0, out + err
    variants = sum(len(p.variants) for p in data.PRODUCTS)
    stock_rows = data.stock_rows()
    assert (
        f"{len(data.CATEGORIES)} categories, {len(data.PRODUCTS)} products, "
        f"{variants} variants, {len(data.LOCATIONS)} locations, "
        f"{len(stock_rows)} stock levels"
    ) in out
    loaded = await catalog_snapshot(empty_db)
    assert loaded["products"] == len(data.PRODUCTS)
    assert [sku for _, sku in loaded["variants"]] == [
        v.sku for p in data.PRODUCTS for v in p.variants
    ]
    assert loaded["locations"] == len(data.LOCATIONS)
    assert loaded["stock"] == (
        len(stock_rows),
        sum(r[2] for r in stock_rows),
        sum(r[3] for r in stock_rows),
    )

    # Again without --reset: refuses, says how to replace, changes nothing.
    conn = await connect(empty_db)
    try:
        await conn.execute("UPDATE products SET name = 'Edited by hand' WHERE id = 1")
    finally:
        await conn.close()
    edited = await catalog_snapshot(empty_db)
    code, out, err = await run_omni("seed", env=env)
    assert code == 0, out + err
    assert "already has data" in out
    assert "--reset" in out
    assert "Loaded demo data" not in out
    assert await catalog_snapshot(empty_db) == edited

    # --reset replaces everything with the same deterministic data (same ids, same SKUs).
    code, out, err = await run_omni("seed", "--reset", env=env)
    assert code == 0, out + err
    assert "Loaded demo data" in out
    assert await catalog_snapshot(empty_db) == loaded


async def test_seed_migrates_a_blank_database_itself(empty_db):
    code, out, err = await run_omni("seed", env=cli_env(DATABASE_URL=empty_db))
    assert code == 0, out + err
    assert "Loaded demo data" in out
    snapshot = await catalog_snapshot(empty_db)
    assert snapshot["products"] == len(data.PRODUCTS)


# --------------------------------------------------------------------------- configuration


@pytest.mark.parametrize(
    "secret",
    [None, "", "too-short-secret"],
    ids=["unset", "empty", "short"],
)
async def test_serve_refuses_production_without_a_real_secret(tmp_path, secret):
    env = cli_env(OMNI_ENV="production", OMNI_DATA_DIR=str(tmp_path / "data"))
    if secret is not None:
        env["OMNI_SECRET_KEY"] = secret
    started = time.monotonic()
    try:
        code, out, err = await run_omni("serve", "--port", "1", env=env, limit_s=30)
    finally:
        stop_postgres_under(tmp_path)  # only matters if it wrongly started one
    assert code != 0
    assert time.monotonic() - started < 20
    assert "OMNI_SECRET_KEY" in out + err
    assert "Traceback" not in out + err
    # It gave up before starting anything.
    assert not (tmp_path / "data" / "pgdata").exists()


async def test_bad_database_url_is_a_configuration_error(tmp_path):
    env = cli_env(DATABASE_URL="mysql://user@localhost/db", OMNI_DATA_DIR=str(tmp_path))
    code, out, err = await run_omni("migrate", env=env, limit_s=30)
    assert code != 0
    assert "PostgreSQL" in out + err
