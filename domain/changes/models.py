"""Change events: one row per committed change of the catalog, locations or stock."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Index, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.actors import ActorKind
from domain.channels import Channel
from domain.columns import ACTOR_KIND_ENUM, CHANNEL_ENUM
from domain.db import Base


class ChangeKind(enum.StrEnum):
    """What changed. The part before the dot names the entity `entity_id` points at."""

    PRODUCT_CREATED = "product.created"
    PRODUCT_UPDATED = "product.updated"
    PRODUCT_ARCHIVED = "product.archived"
    PRODUCT_UNARCHIVED = "product.unarchived"
    VARIANT_CREATED = "variant.created"
    VARIANT_UPDATED = "variant.updated"
    VARIANT_ARCHIVED = "variant.archived"
    VARIANT_PRICE_CHANGED = "variant.price_changed"
    CATEGORY_CREATED = "category.created"
    CATEGORY_UPDATED = "category.updated"
    CATEGORY_MOVED = "category.moved"
    LOCATION_CREATED = "location.created"
    LOCATION_UPDATED = "location.updated"
    LOCATION_DEACTIVATED = "location.deactivated"
    STOCK_CHANGED = "stock.changed"
    PROMOTION_CREATED = "promotion.created"
    PROMOTION_UPDATED = "promotion.updated"
    PROMOTION_ENDED = "promotion.ended"
    VOUCHER_CREATED = "voucher.created"
    VOUCHER_UPDATED = "voucher.updated"
    VOUCHER_DEACTIVATED = "voucher.deactivated"

    @property
    def entity(self) -> str:
        return self.value.split(".", 1)[0]


class ChangeEvent(Base):
    __tablename__ = "change_events"
    __table_args__ = (Index("ix_change_events_kind_id", "kind", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(40))
    # The product, variant, category, location, promotion or voucher id; for stock, the
    # variant id (the location is in the payload).
    entity_id: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")
    actor_kind: Mapped[ActorKind] = mapped_column(ACTOR_KIND_ENUM)
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    channel: Mapped[Channel] = mapped_column(CHANNEL_ENUM)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
