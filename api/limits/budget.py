"""Whose budget a request spends, and the bookkeeping statements around it.

Budgets live in PostgreSQL (domain/budgets), not in each worker: `omni serve --workers N`
and every other host share them, so a client gets the same allowance however its requests
are spread, and adding workers never multiplies it. The price is one short statement
before a request and one after it when part of the cost is given back; both run on their
own autocommit connection, outside the request's transaction and its statement count.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from api.config import Budget, Budgets
from api.core.auth import Viewer
from api.core.db import uncounted
from domain.budgets import repository
from domain.budgets.bucket import Spend


@dataclass(frozen=True, slots=True)
class Client:
    key: str
    budget: Budget


def client_of(viewer: Viewer, budgets: Budgets) -> Client:
    """Staff and devices first: a kiosk serving a signed-in customer spends the kiosk's."""
    if viewer.staff is not None:
        return Client(f"staff:{viewer.staff.id}", budgets.staff)
    if viewer.device is not None:
        return Client(f"device:{viewer.device.id}", budgets.device)
    if viewer.customer_id is not None:
        return Client(f"customer:{viewer.customer_id}", budgets.customer)
    return Client(f"anonymous:{(viewer.client_address or '-')[:80]}", budgets.anonymous)


class BudgetBook:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")

    async def spend(self, client: Client, cost: int) -> Spend:
        with uncounted():
            async with self._engine.connect() as conn:
                return await repository.spend(
                    conn, client.key, cost, client.budget.maximum, client.budget.restore_rate
                )

    async def give_back(self, client: Client, amount: int) -> float | None:
        with uncounted():
            async with self._engine.connect() as conn:
                return await repository.give_back(
                    conn, client.key, amount, client.budget.maximum, client.budget.restore_rate
                )
