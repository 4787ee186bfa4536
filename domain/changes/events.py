"""Record a change event: the one function every catalog, location and stock write calls.

The event row is written in the writer's transaction, and `pg_notify` is called in the same
statement. PostgreSQL delivers a NOTIFY only when its transaction commits, so a rolled-back
change records and announces nothing, and listeners never hear of an id they cannot read.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import ActorRef
from domain.changes.models import ChangeKind

# Listeners run `LISTEN omni_changes`; each notification's payload is one event id.
NOTIFY_CHANNEL = "omni_changes"

_RECORD = text(
    """
    WITH event AS (
        INSERT INTO change_events (kind, entity_id, payload, actor_kind, actor_id, channel)
        VALUES (:kind, :entity_id, CAST(:payload AS jsonb), CAST(:actor_kind AS actor_kind),
                :actor_id, CAST(:channel AS channel))
        RETURNING id
    )
    SELECT id, pg_notify(:notify_channel, CAST(id AS text)) FROM event
    """
)


async def record(
    session: AsyncSession,
    actor: ActorRef,
    kind: ChangeKind,
    entity_id: int,
    payload: dict[str, Any] | None = None,
) -> int:
    """Write one change event and queue its NOTIFY; returns the event id."""
    row = (
        await session.execute(
            _RECORD,
            {
                "kind": kind.value,
                "entity_id": entity_id,
                "payload": orjson.dumps(payload or {}).decode(),
                "actor_kind": actor.kind.value,
                "actor_id": actor.id,
                "channel": actor.channel.value,
                "notify_channel": NOTIFY_CHANNEL,
            },
        )
    ).one()
    return int(row[0])
