"""Trusted-documents mode: a deployment that serves only its own apps and kiosks accepts
only the documents registered with `omni documents register FILE…`, sent by hash
(`extensions.persistedQuery.sha256Hash`, as with persisted queries) or whole (the SHA-256
of its exact text must be registered). Anything else is refused with `DOCUMENT_NOT_TRUSTED`
before it is parsed, so an unknown client cannot even have a document validated.

Registered documents are read from the database once per process and kept: they are few
and never change (a new version of a document has a new hash).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from api.core.auth import RequestRejected
from api.core.db import uncounted
from api.persisted import persisted_hash
from domain.documents import registry

NOT_TRUSTED = "DOCUMENT_NOT_TRUSTED"
MAX_KEPT = 10_000


class TrustedDocuments:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._known: dict[str, str] = {}

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
        with uncounted():
            async with self._engine.connect() as conn:
                body = await registry.find(conn, digest)
        if body is not None and len(self._known) < MAX_KEPT:
            self._known[digest] = body
        return body
