"""Record change events: the one module every catalog, location and stock write calls.

The event row is written in the writer's transaction, and `pg_notify` is called in the same
statement. PostgreSQL delivers a NOTIFY only when its transaction commits, so a rolled-back
change records and announces nothing, and listeners never hear of an id they cannot read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import ActorRef
from domain.changes.models import ChangeKind

# Listeners run `LISTEN omni_changes`; each notification's payload is one event id.
NOTIFY_CHANNEL = "omni_changes"
# The changes a session's transaction recorded, as (event id, kind, entity id) under this
# key of `session.info`, so that the writing process can act on them the moment it commits,
# before their NOTIFYs come back.
PENDING = "omni_changes"

_RECORD = text(
    """
    WITH event AS (
        INSERT INTO change_events (kind, entity_id, payload, actor_kind, actor_id, channel)
        SELECT t.kind, t.entity_id, CAST(t.payload AS jsonb), CAST(:actor_kind AS actor_kind),
               :actor_id, CAST(:channel AS channel)
        FROM unnest(CAST(:kinds AS text[]), CAST(:entity_ids AS bigint[]),
                    CAST(:payloads AS text[])) WITH ORDINALITY AS t(kind, entity_id, payload, n)
        ORDER BY t.n
        RETURNING id
    )
    SELECT id, pg_notify(:notify_channel, CAST(id AS text)) FROM event ORDER BY id
    """
)

Event = tuple[ChangeKind, int, dict[str, Any] | None]


async def record_many(
    session: AsyncSession, actor: ActorRef, changes: Sequence[Event]
) -> list[int]:
    """Write change events (kind, entity id, payload) in one statement and queue their
    NOTIFYs; returns the event ids in the order given."""
    if not changes:
        return []
    rows = await session.execute(
        _RECORD,
        {
            "kinds": [kind.value for kind, _, _ in changes],
            "entity_ids": [entity_id for _, entity_id, _ in changes],
            "payloads": [orjson.dumps(payload or {}).decode() for _, _, payload in changes],
            "actor_kind": actor.kind.value,
            "actor_id": actor.id,
            "channel": actor.channel.value,
            "notify_channel": NOTIFY_CHANNEL,
        },
    )
    ids = [int(row[0]) for row in rows]
    session.info.setdefault(PENDING, []).extend(
        (event_id, kind, entity_id)
        for event_id, (kind, entity_id, _) in zip(ids, changes, strict=True)
    )
    return ids


async def record(
    session: AsyncSession,
    actor: ActorRef,
    kind: ChangeKind,
    entity_id: int,
    payload: dict[str, Any] | None = None,
) -> int:
    """Write one change event and queue its NOTIFY; returns the event id."""
    (event_id,) = await record_many(session, actor, [(kind, entity_id, payload)])
    return event_id
