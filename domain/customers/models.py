"""Customers and their address book."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, ForeignKey, String, func
from sqlalchemy.dialects.postgresql import CITEXT
from sqlalchemy.orm import Mapped, mapped_column

from domain.channels import Channel
from domain.columns import CHANNEL_ENUM
from domain.db import Base


class Customer(Base):
    """One person on every channel, known by email and/or phone.

    A customer enrolled at a counter has no password until they claim the account online.
    """

    __tablename__ = "customers"
    __table_args__ = (
        CheckConstraint("email IS NOT NULL OR phone IS NOT NULL", name="email_or_phone"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    email: Mapped[str | None] = mapped_column(CITEXT, unique=True)
    # E.164, e.g. +84901234567: one form whatever the customer typed.
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    enrolled_channel: Mapped[Channel] = mapped_column(CHANNEL_ENUM)
    enrolled_location_id: Mapped[int | None] = mapped_column(
        ForeignKey("locations.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class CustomerAddress(Base):
    __tablename__ = "customer_addresses"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    recipient: Mapped[str] = mapped_column(String(150))
    phone: Mapped[str] = mapped_column(String(20))
    street: Mapped[str] = mapped_column(String(250))
    ward: Mapped[str] = mapped_column(String(120), default="", server_default="")
    district: Mapped[str] = mapped_column(String(120), default="", server_default="")
    province: Mapped[str] = mapped_column(String(120))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
