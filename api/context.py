"""Per-request context: who is calling, the database session, DataLoaders, limits."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from strawberry.dataloader import DataLoader

from api.config import Settings
from api.core.db import RequestDb
from api.limits.guard import Guard, RequestCost
from domain.actors import Actor


@dataclass
class Context:
    request: Request
    settings: Settings
    db: RequestDb
    request_id: str
    # Who is calling; resolved once before execution and never changed.
    actor: Actor = field(default_factory=Actor)
    # The request's DataLoaders, by declaration (api/core/loaders.py), made on first use.
    loaders: dict[Any, DataLoader[Any, Any]] = field(default_factory=dict)
    # The request limits of the app (api/limits), and what this request was priced at.
    guard: Guard | None = None
    cost: RequestCost | None = None
    # Set when the database could not be reached: the response becomes a 503.
    unavailable: bool = False
    # How the response cache took part: "hit", "miss", "off" (down), None (not cacheable).
    cache_status: str | None = None
    # Customers this request created or identified, readable by the caller from now on.
    _granted: set[int] = field(default_factory=set)

    def second_run(self) -> Context:
        """The same caller and request with a database session and DataLoaders of its own:
        the check of compiled plans runs the query again without touching this one's."""
        db = RequestDb(self.db._sessionmaker, self.db._reader)
        db.read_only = self.db.read_only
        return replace(self, db=db, loaders={}, _granted=set(self._granted))

    async def close_second_run(self) -> None:
        await self.db.close()

    def grant(self, customer_id: int) -> None:
        """Let the caller read a customer a mutation just enrolled or identified for them
        (an enrolment at a counter shows the new member to the device that enrolled them)."""
        self._granted.add(customer_id)

    def sees_customer(self, customer_id: int) -> bool:
        return self.actor.sees_customer(customer_id, self._granted)

    def sees_personal_data(self, customer_id: int) -> bool:
        return self.actor.sees_personal_data(customer_id, self._granted)

    @classmethod
    def build(
        cls,
        request: Request,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        request_id: str,
        guard: Guard | None = None,
        reader: async_sessionmaker[AsyncSession] | None = None,
    ) -> Context:
        return cls(
            request=request,
            settings=settings,
            db=RequestDb(sessionmaker, reader),
            request_id=request_id,
            guard=guard,
        )
