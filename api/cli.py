"""The `omni` command: serve, migrate, seed, schema, staff, jobs, import, documents."""

from __future__ import annotations

import asyncio
import difflib
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from api.cli_env import _settings, database
from api.import_command import import_app

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")

app = typer.Typer(
    help="Omni: headless GraphQL commerce API for omnichannel retail.", no_args_is_help=True
)

SCHEMA_FILE = Path("schema.graphql")


def _local_secret(data_dir: Path) -> str:
    import secrets

    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.touch(mode=0o600)
    path.write_text(secret, encoding="utf-8")
    return secret


async def _in_transaction(url: str, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run one use case as one unit of work on a short-lived engine."""
    from sqlalchemy.ext.asyncio import AsyncSession

    from domain.db import create_engine
    from domain.metadata import import_all_models
    from domain.unit_of_work import transaction

    import_all_models()
    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            return await transaction(session, work)
    finally:
        await engine.dispose()


async def _seed(url: str, *, reset: bool, only_if_empty: bool) -> str:
    from domain.seed.demo import ResetRefused, clear_data, has_data, load_demo_data

    async def work(session: AsyncSession) -> str:
        if await has_data(session):
            if only_if_empty:
                return "Database already has data; demo data not loaded."
            if not reset:
                return "Database already has data; use `omni seed --reset` to replace it."
            try:
                await clear_data(session)
            except ResetRefused as refused:
                return f"Not reset: {refused}"
        summary = await load_demo_data(session)
        await session.flush()
        return (
            f"Loaded demo data: {summary.categories} categories, {summary.products} products, "
            f"{summary.variants} variants, {summary.locations} locations, "
            f"{summary.stock_levels} stock levels, {summary.promotions} promotions, "
            f"{summary.vouchers} vouchers."
        )

    return await _in_transaction(url, work)


@app.command()
def migrate() -> None:
    """Apply all migrations (alembic upgrade head)."""
    from api.migrate import upgrade_head

    with database(_settings()) as url:
        upgrade_head(url)
        typer.echo("Database is at the latest migration.")


@app.command()
def seed(
    reset: Annotated[bool, typer.Option(help="Delete the catalog and stores first.")] = False,
) -> None:
    """Load the demo retailer (deterministic). Refuses a non-empty database unless --reset."""
    from api.migrate import upgrade_head

    with database(_settings()) as url:
        upgrade_head(url)
        typer.echo(asyncio.run(_seed(url, reset=reset, only_if_empty=False)))


@app.command()
def schema(
    check: Annotated[
        bool, typer.Option(help="Exit 1 with a diff when schema.graphql is stale.")
    ] = False,
    path: Annotated[Path, typer.Option(help="The committed SDL file.")] = SCHEMA_FILE,
) -> None:
    """Print the GraphQL SDL, or check the committed schema.graphql against the code."""
    from api.schema import print_schema

    sdl = print_schema()
    if not check:
        sys.stdout.write(sdl)
        return
    committed = path.read_text(encoding="utf-8") if path.exists() else ""
    if committed == sdl:
        typer.echo(f"{path} is up to date.")
        return
    diff = difflib.unified_diff(
        committed.splitlines(keepends=True), sdl.splitlines(keepends=True), str(path), "code"
    )
    sys.stdout.writelines(diff)
    typer.secho(f"\n{path} is stale: run `omni schema > {path}`.", fg="red", err=True)
    raise typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    seed_demo: Annotated[
        bool, typer.Option("--seed/--no-seed", help="Load demo data into an empty database.")
    ] = True,
) -> None:
    """Run the API. Without DATABASE_URL, starts an embedded PostgreSQL in OMNI_DATA_DIR."""
    import uvicorn

    from api.migrate import upgrade_head
    from api.server import uvicorn_options

    settings = _settings()
    # SIGTERM ends the server like Ctrl-C, so the embedded database is stopped cleanly too.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        with database(settings) as url:
            upgrade_head(url)
            if seed_demo:
                typer.echo(asyncio.run(_seed(url, reset=False, only_if_empty=True)), err=True)
            os.environ["DATABASE_URL"] = url
            if not os.environ.get("OMNI_SECRET_KEY"):
                # Development without a configured secret: one random secret per data
                # directory, shared by the workers and kept across restarts. The built-in
                # default would let anyone who read the source sign tokens.
                os.environ["OMNI_SECRET_KEY"] = _local_secret(settings.data_dir)
            typer.echo(f"Omni is serving GraphQL at http://{host}:{port}/graphql", err=True)
            uvicorn.run(
                "api.app:create_app_from_env",
                factory=True,
                host=host,
                port=port,
                workers=workers,
                log_level=settings.log_level.lower(),
                access_log=False,
                lifespan="on",
                # Client addresses (sign-in throttling) come from X-Forwarded-For only when
                # the request arrives from a trusted proxy.
                proxy_headers=True,
                forwarded_allow_ips=os.environ.get("OMNI_FORWARDED_ALLOW_IPS", "127.0.0.1"),
                # Header and body read deadlines (OMNI_HEADER_TIMEOUT, OMNI_BODY_TIMEOUT), so
                # slow clients are dropped, and the keep-alive timeout.
                **uvicorn_options(settings),
            )
    except KeyboardInterrupt:
        pass
    typer.echo("Omni stopped.", err=True)


staff_app = typer.Typer(help="Staff users.", no_args_is_help=True)
jobs_app = typer.Typer(help="Background jobs, run once (e.g. from cron).", no_args_is_help=True)
app.add_typer(staff_app, name="staff")
app.add_typer(jobs_app, name="jobs")
app.add_typer(import_app, name="import")
documents_app = typer.Typer(
    help="Trusted documents: what the server accepts with OMNI_TRUSTED_DOCUMENTS=1.",
    no_args_is_help=True,
)
app.add_typer(documents_app, name="documents")


def _read_password(confirm: bool = True) -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=confirm))


async def _create_staff(
    url: str, email: str, name: str, password: str, role: str, store_codes: list[str]
) -> str:
    from sqlalchemy import select

    from domain.actors import StaffRole
    from domain.errors import DomainError
    from domain.inventory.models import Location
    from domain.staff.service import create_staff

    async def work(session: AsyncSession) -> str:
        rows = await session.execute(
            select(Location.code, Location.id).where(Location.code.in_(store_codes))
        )
        by_code = {code: pk for code, pk in rows}
        if missing := [c for c in store_codes if c not in by_code]:
            raise typer.BadParameter(f"unknown store code(s): {', '.join(missing)}")
        staff = await create_staff(
            session,
            email=email,
            name=name or email.split("@")[0],
            password=password,
            role=StaffRole(role),
            store_ids=[by_code[c] for c in store_codes],
        )
        return f"Created {staff.role.value} {staff.email} (id {staff.id})."

    try:
        return await _in_transaction(url, work)
    except DomainError as error:
        typer.secho(f"Not created: {error.message}", fg="red", err=True)
        raise typer.Exit(1) from error


@staff_app.command("create")
def staff_create(
    email: Annotated[str, typer.Option(help="Sign-in email.")],
    role: Annotated[str, typer.Option(help="ADMIN, STORE_MANAGER or STORE_STAFF.")] = "ADMIN",
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    store: Annotated[
        list[str] | None, typer.Option(help="Store code the user may act on (repeatable).")
    ] = None,
) -> None:
    """Create a staff user; the password is prompted for, or read from standard input."""
    from api.migrate import upgrade_head

    role = role.upper()
    if role not in {"ADMIN", "STORE_MANAGER", "STORE_STAFF"}:
        raise typer.BadParameter(
            "role must be ADMIN, STORE_MANAGER or STORE_STAFF", param_hint="--role"
        )
    password = _read_password()
    with database(_settings()) as url:
        upgrade_head(url)
        typer.echo(asyncio.run(_create_staff(url, email, name, password, role, store or [])))


async def _run_job(url: str, name: str) -> str:
    from domain.budgets import repository as budgets
    from domain.membership.ledger import expire_points
    from domain.membership.spend import recompute_all_tiers
    from domain.orders.cancel import expire_pickups

    async def work(session: AsyncSession) -> str:
        if name == "expire-pickups":
            return f"Expired {await expire_pickups(session)} pickup orders."
        if name == "expire-points":
            return f"Expired {await expire_points(session)} points."
        if name == "prune-cost-buckets":
            pruned = await budgets.prune(await session.connection())
            return f"Pruned {pruned} idle cost buckets."
        return f"Recomputed tiers: {await recompute_all_tiers(session)} changed."

    return await _in_transaction(url, work)


@jobs_app.command("run")
def jobs_run(
    name: Annotated[
        str,
        typer.Argument(
            help="expire-pickups, expire-points, recompute-tiers or prune-cost-buckets."
        ),
    ],
) -> None:
    """Run one job now: `expire-pickups` (cancel ready orders past their collect-by
    deadline, releasing their stock), `expire-points` (OMNI_POINTS_EXPIRE_DAYS),
    `recompute-tiers`, or `prune-cost-buckets` (forget budgets idle for an hour: they are
    full again anyway)."""
    jobs = ("expire-pickups", "expire-points", "recompute-tiers", "prune-cost-buckets")
    if name not in jobs:
        raise typer.BadParameter(", ".join(jobs), param_hint="NAME")
    with database(_settings()) as url:
        typer.echo(asyncio.run(_run_job(url, name)))


def _check_documents(files: list[Path]) -> list[tuple[str, str]]:
    """Each file's exact text, refused unless it parses and validates against the schema."""
    from graphql import GraphQLError, parse, validate

    from api.schema import schema as omni_schema

    documents: list[tuple[str, str]] = []
    failed = False
    for path in files:
        try:
            body = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as unreadable:
            typer.secho(f"{path}: cannot be read ({unreadable})", fg="red", err=True)
            failed = True
            continue
        try:
            errors = validate(omni_schema._schema, parse(body))
        except GraphQLError as syntax:
            errors = [syntax]
        except RecursionError:
            errors = [GraphQLError("The document nests too deeply.")]
        for error in errors:
            typer.secho(f"{path}: {error.message}", fg="red", err=True)
        failed = failed or bool(errors)
        documents.append((str(path), body))
    if failed:
        typer.secho("Nothing registered.", fg="red", err=True)
        raise typer.Exit(1)
    return documents


@documents_app.command("register")
def documents_register(
    files: Annotated[list[Path], typer.Argument(help="GraphQL documents, one per file.")],
) -> None:
    """Register documents (each file's exact text; its SHA-256 is what clients send as
    `extensions.persistedQuery.sha256Hash`). All files are checked against the schema
    first; if any fails, none is registered. Registering a document again changes nothing."""
    from api.migrate import upgrade_head
    from domain.documents import registry

    documents = _check_documents(files)
    with database(_settings()) as url:
        upgrade_head(url)
        done = asyncio.run(_in_transaction(url, lambda s: registry.register(s, documents)))
    for item in done:
        state = "registered" if item.new else "already registered"
        typer.echo(f"{item.sha256}  {item.source}  ({state})")


@documents_app.command("list")
def documents_list() -> None:
    """The registered documents: SHA-256, where each came from, when."""
    from domain.documents import registry

    with database(_settings()) as url:
        rows = asyncio.run(_in_transaction(url, registry.listed))
    for row in rows:
        typer.echo(f"{row.sha256}  {row.source}  {row.registered_at:%Y-%m-%d %H:%M}")


if __name__ == "__main__":
    app()
