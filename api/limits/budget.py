"""Whose budget a request spends, and the bookkeeping statements around it.

Budgets live in PostgreSQL (domain/budgets), not in each worker: `omni serve --workers N`
and every other host share them, so a client gets the same allowance however its requests
are spread, and adding workers never multiplies it. The price is one short statement
before each request, on its own autocommit connection, outside the request's transaction
and its statement count.

What a request gives back (requested − actual cost) is credited by the same statement at
the client's next request to this worker process, rather than by a second statement now:
that halves the budget's round trips. A credit waiting in a process the client never
returns to is lost, which only errs on the strict side; so is one pushed out of the
bounded table of waiting credits.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from api.config import Budget, Budgets
from api.core.db import uncounted
from domain.actors import Actor
from domain.budgets import repository
from domain.budgets.bucket import Spend


@dataclass(frozen=True, slots=True)
class Client:
    key: str
    budget: Budget


def client_of(actor: Actor, budgets: Budgets) -> Client:
    """Staff and devices first: a kiosk serving a signed-in customer spends the kiosk's."""
    if actor.staff is not None:
        return Client(f"staff:{actor.staff.id}", budgets.staff)
    if actor.device is not None:
        return Client(f"device:{actor.device.id}", budgets.device)
    if actor.customer_id is not None:
        return Client(f"customer:{actor.customer_id}", budgets.customer)
    return Client(f"anonymous:{(actor.client_address or '-')[:80]}", budgets.anonymous)


MAX_WAITING_CREDITS = 10_000


class BudgetBook:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._credits: OrderedDict[str, float] = OrderedDict()

    async def spend(self, client: Client, cost: int) -> Spend:
        credit = self._credits.pop(client.key, 0.0)
        budget = client.budget
        try:
            with uncounted():
                async with self._engine.connect() as conn:
                    spent = await repository.spend(
                        conn, client.key, cost, budget.maximum, budget.restore_rate, credit
                    )
        except BaseException:
            self._credit(client.key, credit)
            raise
        if not spent.allowed:
            self._credit(client.key, credit)
        return spent

    def give_back(self, client: Client, amount: int) -> None:
        """Credit unused points at the client's next spend (see the module's note)."""
        if amount > 0:
            self._credit(client.key, amount)

    def _credit(self, key: str, amount: float) -> None:
        if amount <= 0:
            return
        self._credits[key] = self._credits.pop(key, 0.0) + amount
        if len(self._credits) > MAX_WAITING_CREDITS:
            self._credits.popitem(last=False)
