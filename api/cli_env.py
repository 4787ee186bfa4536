"""What an `omni` command runs against: the settings and the database."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

import typer

from api.config import ConfigError, Settings, asyncpg_url


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as error:
        typer.secho(f"Configuration error: {error}", fg="red", err=True)
        raise typer.Exit(2) from error


@contextmanager
def database(settings: Settings) -> Iterator[str]:
    """The database URL to use: DATABASE_URL, or an embedded server started for the block."""
    if settings.database_url:
        yield asyncpg_url(settings.database_url)
        return
    from api.embedded import EmbeddedPostgres

    embedded = EmbeddedPostgres(settings.data_dir)
    typer.echo(f"Starting embedded PostgreSQL in {embedded.data_dir / 'pgdata'} …", err=True)
    embedded.start()
    try:
        asyncio.run(embedded.ensure_database())
        yield embedded.url()
    finally:
        embedded.stop()
