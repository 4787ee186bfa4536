"""Locations (stores and warehouses) and stock per (variant, location)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.actors import ActorKind
from domain.channels import Channel
from domain.columns import ACTOR_KIND_ENUM, CHANNEL_ENUM
from domain.db import Base


class LocationKind(enum.StrEnum):
    STORE = "STORE"
    WAREHOUSE = "WAREHOUSE"


class Location(Base):
    __tablename__ = "locations"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[LocationKind] = mapped_column(Enum(LocationKind, name="location_kind"))
    street: Mapped[str] = mapped_column(String(250))
    ward: Mapped[str] = mapped_column(String(120), default="", server_default="")
    district: Mapped[str] = mapped_column(String(120), default="", server_default="")
    province: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(32))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    timezone: Mapped[str] = mapped_column(
        String(64), default="Asia/Ho_Chi_Minh", server_default="Asia/Ho_Chi_Minh"
    )
    # {"mon": [["08:00", "22:00"]], ...}; a missing or empty day means closed.
    opening_hours: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")
    # {"2026-09-02": [], "2026-12-24": [["08:00", "17:00"]]}: the hours of a date replace
    # that weekday's hours; an empty list closes the location for the day.
    special_days: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")
    pickup_enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    pickup_lead_time_minutes: Mapped[int] = mapped_column(
        Integer, default=120, server_default="120"
    )
    # Days a ready click-and-collect order waits for its customer before it expires.
    collect_by_days: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    ships_orders: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")


class StockLevel(Base):
    """On hand and reserved units of one variant at one location.

    Available = on_hand - reserved. Only domain/inventory/stock.py writes these, with
    conditional UPDATEs (or row locks), never read-then-write, so concurrent channels cannot
    oversell; and it writes a StockMovement for every change.
    """

    __tablename__ = "stock_levels"
    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
    )

    variant_id: Mapped[int] = mapped_column(
        ForeignKey("product_variants.id", ondelete="CASCADE"), primary_key=True
    )
    location_id: Mapped[int] = mapped_column(
        ForeignKey("locations.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    on_hand: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reserved: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class MovementKind(enum.StrEnum):
    RECEIVED = "RECEIVED"
    SOLD = "SOLD"
    RETURNED = "RETURNED"
    RESERVED = "RESERVED"
    RELEASED = "RELEASED"
    COUNT_CORRECTION = "COUNT_CORRECTION"
    DAMAGED = "DAMAGED"
    TRANSFER_OUT = "TRANSFER_OUT"
    TRANSFER_IN = "TRANSFER_IN"


class StockMovement(Base):
    """One change of a stock level. For every (variant, location), on_hand and reserved
    equal the sums of `on_hand_delta` and `reserved_delta` over its movements."""

    __tablename__ = "stock_movements"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("on_hand_after >= 0 AND reserved_after >= 0", name="after_not_negative"),
        Index("ix_stock_movements_location_id_id", "location_id", "id"),
        Index("ix_stock_movements_variant_id_id", "variant_id", "id"),
        Index("ix_stock_movements_reference", "reference"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    # RESTRICT: a ledger line outlives nothing it refers to; variants and locations are
    # archived or deactivated, never deleted.
    variant_id: Mapped[int] = mapped_column(ForeignKey("product_variants.id", ondelete="RESTRICT"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id", ondelete="RESTRICT"))
    kind: Mapped[MovementKind] = mapped_column(Enum(MovementKind, name="stock_movement_kind"))
    # Units moved, always positive; the deltas say which way.
    quantity: Mapped[int] = mapped_column(Integer)
    on_hand_delta: Mapped[int] = mapped_column(Integer)
    reserved_delta: Mapped[int] = mapped_column(Integer)
    on_hand_after: Mapped[int] = mapped_column(Integer)
    reserved_after: Mapped[int] = mapped_column(Integer)
    actor_kind: Mapped[ActorKind] = mapped_column(ACTOR_KIND_ENUM)
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    channel: Mapped[Channel] = mapped_column(CHANNEL_ENUM)
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # What caused it: a reservation's reference (an order line later), an import file…
    reference: Mapped[str | None] = mapped_column(String(120))
    # Pairs the TRANSFER_OUT and TRANSFER_IN lines of one transfer.
    transfer_id: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ReservationStatus(enum.StrEnum):
    HELD = "HELD"
    RELEASED = "RELEASED"
    SOLD = "SOLD"


class StockReservation(Base):
    """Units held at a location for one reference (an order line). A reservation is
    released or sold exactly once."""

    __tablename__ = "stock_reservations"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(120), unique=True)
    variant_id: Mapped[int] = mapped_column(
        ForeignKey("product_variants.id", ondelete="RESTRICT"), index=True
    )
    location_id: Mapped[int] = mapped_column(
        ForeignKey("locations.id", ondelete="RESTRICT"), index=True
    )
    quantity: Mapped[int] = mapped_column(Integer)
    status: Mapped[ReservationStatus] = mapped_column(
        Enum(ReservationStatus, name="reservation_status"),
        default=ReservationStatus.HELD,
        server_default="HELD",
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
