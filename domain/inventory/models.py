"""Locations (stores and warehouses) and stock per (variant, location)."""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Enum,
    Float,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

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
    pickup_enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    pickup_lead_time_minutes: Mapped[int] = mapped_column(
        Integer, default=120, server_default="120"
    )
    ships_orders: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")


class StockLevel(Base):
    """On hand and reserved units of one variant at one location.

    Available = on_hand - reserved. Writers change these with conditional UPDATEs
    (or row locks), never read-then-write, so concurrent channels cannot oversell.
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
