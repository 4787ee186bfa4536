"""Carts and their lines."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.channels import Channel
from domain.columns import CHANNEL_ENUM, MONEY
from domain.db import Base


class CartStatus(enum.StrEnum):
    ACTIVE = "ACTIVE"
    MERGED = "MERGED"  # a guest cart folded into the customer's cart at sign-in
    ORDERED = "ORDERED"  # checkout closed it


class Cart(Base):
    """A cart. A guest cart is reached only through its id, which carries `token`; a
    customer has at most one active online cart (`device_id` null), whatever the channel.
    Counter carts (a device's own, issue 12) set `device_id` and do not count."""

    __tablename__ = "carts"
    __table_args__ = (
        Index(
            "uq_carts_one_active_per_customer",
            "customer_id",
            unique=True,
            postgresql_where=text(
                "status = 'ACTIVE' AND device_id IS NULL AND customer_id IS NOT NULL"
            ),
        ),
        CheckConstraint("points_redeemed >= 0", name="points_redeemed_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[CartStatus] = mapped_column(
        Enum(CartStatus, name="cart_status"), default=CartStatus.ACTIVE
    )
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"))
    # The channel it was created on, and the last one that changed it (reports only:
    # never priced).
    channel: Mapped[Channel] = mapped_column(CHANNEL_ENUM)
    last_channel: Mapped[Channel] = mapped_column(CHANNEL_ENUM)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    fulfillment_kind: Mapped[str | None] = mapped_column(String(16))
    pickup_location_id: Mapped[int | None] = mapped_column(
        ForeignKey("locations.id", ondelete="SET NULL")
    )
    delivery_address: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    voucher_id: Mapped[int | None] = mapped_column(ForeignKey("vouchers.id", ondelete="SET NULL"))
    points_redeemed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("carts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class CartLine(Base):
    """One variant in a cart. `seen_price` is the unit price the buyer saw when they last
    set the quantity, so the cart can warn when it changed (PRICE_CHANGED)."""

    __tablename__ = "cart_lines"
    __table_args__ = (
        UniqueConstraint("cart_id", "variant_id", name="uq_cart_lines_cart_variant"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"))
    variant_id: Mapped[int] = mapped_column(ForeignKey("product_variants.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    seen_price: Mapped[Decimal] = mapped_column(MONEY)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
