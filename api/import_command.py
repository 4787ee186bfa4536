"""`omni import products FILE`: the bulk import, with a progress bar and a summary.

Each chunk of rows commits on its own, so a long import keeps what it has done if it is
stopped, and running it again picks up where it stopped (a row already imported is
`unchanged`). Exit status: 0 when no row failed, 1 when some did (the good rows are kept),
2 when the file cannot be read (nothing is imported).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from domain.catalog.import_rows import ImportFormat
    from domain.catalog.importer import ImportSummary

import_app = typer.Typer(help="Bulk imports.", no_args_is_help=True)

MAX_ERRORS_SHOWN = 200


def _format(path: Path, given: str | None) -> ImportFormat:
    from domain.catalog.import_rows import ImportFormat

    name = (given or path.suffix.lstrip(".")).upper()
    aliases = {"CSV": ImportFormat.CSV, "JSONL": ImportFormat.JSONL, "NDJSON": ImportFormat.JSONL}
    if name not in aliases:
        raise typer.BadParameter(
            "csv or jsonl (or a .csv / .jsonl file name)", param_hint="--format"
        )
    return aliases[name]


def _count_rows(path: Path) -> int:
    """Rows in the file, reading it once through: a file that cannot be decoded is refused
    here, before anything is imported."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return sum(1 for line in handle if line.strip())


def _lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        yield from handle


async def _import(
    url: str,
    path: Path,
    fmt: ImportFormat,
    on_progress: Callable[[ImportSummary], None],
) -> ImportSummary:
    from sqlalchemy.ext.asyncio import AsyncSession

    from domain.actors import SYSTEM
    from domain.catalog.import_rows import read_rows
    from domain.catalog.importer import import_rows
    from domain.db import create_engine
    from domain.metadata import import_all_models
    from domain.unit_of_work import transaction

    import_all_models()
    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:

            async def run(work: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
                return await transaction(session, work)

            return await import_rows(
                run,
                SYSTEM,
                read_rows(fmt, _lines(path)),
                reference=f"import:{path.name}",
                progress=on_progress,
            )
    finally:
        await engine.dispose()


@import_app.command("products")
def import_products(
    file: Annotated[Path, typer.Argument(help="A .csv or .jsonl file (see the README).")],
    format: Annotated[
        str | None, typer.Option("--format", help="csv or jsonl; by default the file's suffix.")
    ] = None,
) -> None:
    """Create or update products and variants by SKU from FILE; see the README for the
    columns. Prints each failed row with its line number, then the summary."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from api.cli_env import _settings, database
    from api.migrate import upgrade_head
    from domain.catalog.import_rows import UnreadableFile

    fmt = _format(file, format)
    try:
        total = _count_rows(file) - (1 if fmt.value == "CSV" else 0)
    except (OSError, UnicodeDecodeError) as error:
        typer.secho(f"Cannot read {file}: {error}", fg="red", err=True)
        raise typer.Exit(2) from None
    with database(_settings()) as url:
        upgrade_head(url)
        columns = (
            TextColumn("Importing"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]} rows/s"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, transient=False) as progress:
            task = progress.add_task("import", total=max(total, 0), rate="–")

            def on_progress(summary: ImportSummary) -> None:
                elapsed = progress.tasks[task].elapsed or 0.0
                rate = f"{summary.rows / elapsed:,.0f}" if elapsed > 0 else "–"
                progress.update(task, completed=summary.rows, rate=rate)

            try:
                summary = asyncio.run(_import(url, file, fmt, on_progress))
            except UnreadableFile as error:
                typer.secho(f"Cannot import {file}: {error}", fg="red", err=True)
                raise typer.Exit(2) from None
            progress.update(task, completed=summary.rows)
    for failed in summary.errors[:MAX_ERRORS_SHOWN]:
        sku = f" {failed.sku}" if failed.sku else ""
        where = f" ({failed.field})" if failed.field else ""
        typer.echo(
            f"line {failed.line}{sku}: {failed.code.value}{where}: {failed.message}", err=True
        )
    if summary.failed > MAX_ERRORS_SHOWN:
        typer.echo(f"… and {summary.failed - MAX_ERRORS_SHOWN} more failed rows.", err=True)
    typer.echo(summary.line())
    raise typer.Exit(1 if summary.failed else 0)
