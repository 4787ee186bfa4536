"""Column types shared by every capability's models."""

from __future__ import annotations

from sqlalchemy import Enum, Numeric

from domain.actors import ActorKind
from domain.channels import Channel

# Amounts in the deployment's currency (domain/money.py): 12 digits before the point.
MONEY = Numeric(14, 2)
CHANNEL_ENUM = Enum(Channel, name="channel")
# Who a ledger line (points, stock, change events) is attributed to.
ACTOR_KIND_ENUM = Enum(ActorKind, name="actor_kind")
