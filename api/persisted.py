"""Automatic persisted queries, in Apollo's protocol: a client sends only the SHA-256 of a
document it sent before (`extensions.persistedQuery.sha256Hash`, also over GET, so the
URL stays short and cacheable); an unknown hash answers `PERSISTED_QUERY_NOT_FOUND` and
the client sends the document once with its hash, which is checked and kept.

Kept per process and bounded in entries and characters (oldest out first), so a client
cannot grow it without limit; a worker that lost an entry simply asks for it again.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from typing import Any

from api.core.auth import RequestRejected

NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
_HEX = re.compile(r"[0-9a-fA-F]{64}")
MAX_ENTRIES = 5_000
MAX_CHARACTERS = 16 * 1024 * 1024


def _bad(message: str) -> RequestRejected:
    return RequestRejected(400, "BAD_REQUEST", message)


def persisted_hash(extensions: dict[str, Any] | None) -> str | None:
    """The `extensions.persistedQuery.sha256Hash` of a request (lower case), if it has one."""
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise _bad("`extensions.persistedQuery` must be {version: 1, sha256Hash}.")
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or len(digest) != 64 or not _HEX.fullmatch(digest):
        raise _bad("`persistedQuery.sha256Hash` must be 64 hexadecimal characters.")
    return digest.lower()


class PersistedQueries:
    def __init__(
        self, max_entries: int = MAX_ENTRIES, max_characters: int = MAX_CHARACTERS
    ) -> None:
        self._documents: OrderedDict[str, str] = OrderedDict()
        self._characters = 0
        self.max_entries = max_entries
        self.max_characters = max_characters

    def __len__(self) -> int:
        return len(self._documents)

    def resolve(self, query: object, extensions: dict[str, Any] | None) -> object:
        """The document to run: `query` itself, or the one behind its persisted hash."""
        digest = persisted_hash(extensions)
        if digest is None:
            return query
        if query is None:
            known = self._documents.get(digest)
            if known is None:
                # Apollo's clients look for this message and code, then send the document.
                raise RequestRejected(200, NOT_FOUND, "PersistedQueryNotFound")
            self._documents.move_to_end(digest)
            return known
        if not isinstance(query, str):
            return query  # the usual checks refuse it
        if hashlib.sha256(query.encode()).hexdigest() != digest:
            raise _bad("`persistedQuery.sha256Hash` is not the SHA-256 of `query`.")
        self._keep(digest, query)
        return query

    def _keep(self, digest: str, query: str) -> None:
        if digest in self._documents or len(query) > self.max_characters:
            return
        self._documents[digest] = query
        self._characters += len(query)
        while len(self._documents) > self.max_entries or self._characters > self.max_characters:
            _, dropped = self._documents.popitem(last=False)
            self._characters -= len(dropped)
