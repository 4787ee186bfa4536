"""Trusted-documents mode: a deployment that serves only its own apps and kiosks accepts
only the documents registered with `omni documents register FILE…`, sent by hash
(`extensions.persistedQuery.sha256Hash`, as with persisted queries) or whole (the SHA-256
of its exact text must be registered). Anything else is refused with `DOCUMENT_NOT_TRUSTED`
before it is parsed, so an unknown client cannot even have a document validated.

Each process keeps all registered documents (they are few and never change: a new version
of a document has a new hash) and reads them all again on a miss, at most once a second:
an unknown document costs no database round trip of its own, whoever sends how many, and a
newly registered one is accepted within a second.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from api.core.auth import RequestRejected
from api.core.db import uncounted
from api.persisted import persisted_hash
from domain.documents import registry

NOT_TRUSTED = "DOCUMENT_NOT_TRUSTED"
MAX_KEPT = 10_000


REFRESH_S = 1.0


class TrustedDocuments:
    def __init__(self, engine: AsyncEngine, clock: Callable[[], float] = time.monotonic) -> None:
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._known: dict[str, str] = {}
        self._clock = clock
        self._read_at: float | None = None
        self._reading = asyncio.Lock()

    async def resolve(self, query: object, extensions: dict[str, Any] | None) -> object:
        """The registered document the request names; refuses any other."""
        digest = persisted_hash(extensions)
        if digest is not None:
            if isinstance(query, str) and registry.digest(query) != digest:
                raise RequestRejected(
                    400, "BAD_REQUEST", "`persistedQuery.sha256Hash` is not the SHA-256 of `query`."
                )
        elif isinstance(query, str):
            digest = registry.digest(query)
        else:
            return query  # no document at all: the usual checks refuse it
        body = await self._find(digest)
        if body is None:
            raise RequestRejected(
                400,
                NOT_TRUSTED,
                "This server accepts only registered documents, and this one is not "
                f"registered (SHA-256 {digest[:16]}…).",
            )
        return body

    async def _find(self, digest: str) -> str | None:
        body = self._known.get(digest)
        if body is not None:
            return body
        async with self._reading:
            now = self._clock()
            if self._read_at is None or now - self._read_at >= REFRESH_S:
                self._read_at = now
                with uncounted():
                    async with self._engine.connect() as conn:
                        self._known = await registry.all_documents(conn, MAX_KEPT)
        return self._known.get(digest)
