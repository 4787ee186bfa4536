"""Registering trusted documents and finding them by hash."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from domain.documents.models import TrustedDocument


def digest(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Registered:
    sha256: str
    source: str
    new: bool


async def register(session: AsyncSession, documents: Sequence[tuple[str, str]]) -> list[Registered]:
    """Register (source, body) pairs; a body registered before keeps its first source."""
    done: list[Registered] = []
    for source, body in documents:
        sha = digest(body)
        inserted = await session.scalar(
            insert(TrustedDocument)
            .values(sha256=sha, body=body, source=source[:300])
            .on_conflict_do_nothing(index_elements=[TrustedDocument.sha256])
            .returning(TrustedDocument.sha256)
        )
        done.append(Registered(sha, source, inserted is not None))
    return done


async def all_documents(conn: AsyncConnection, limit: int) -> dict[str, str]:
    """Every registered document by hash (at most `limit`, the first registered)."""
    rows = await conn.execute(
        select(TrustedDocument.sha256, TrustedDocument.body)
        .order_by(TrustedDocument.registered_at, TrustedDocument.sha256)
        .limit(limit)
    )
    return {sha: body for sha, body in rows}


async def listed(session: AsyncSession) -> list[TrustedDocument]:
    rows = await session.scalars(select(TrustedDocument).order_by(TrustedDocument.registered_at))
    return list(rows)
