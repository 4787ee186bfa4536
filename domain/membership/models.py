"""Memberships, tiers (data, not code), tier changes, spend and the points ledger."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.actors import ActorKind
from domain.channels import Channel
from domain.columns import ACTOR_KIND_ENUM, CHANNEL_ENUM, MONEY
from domain.db import Base


class Tier(Base):
    __tablename__ = "tiers"
    __table_args__ = (
        CheckConstraint("min_spend >= 0", name="min_spend_not_negative"),
        CheckConstraint("discount_percent BETWEEN 0 AND 100", name="discount_percent_range"),
        CheckConstraint("earn_multiplier >= 0", name="earn_multiplier_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    min_spend: Mapped[Decimal] = mapped_column(MONEY, unique=True)
    discount_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    earn_multiplier: Mapped[Decimal] = mapped_column(Numeric(5, 2))


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (
        # The cached balance can never go negative; the ledger stays the source of truth.
        CheckConstraint("points_balance >= 0", name="points_balance_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), unique=True
    )
    card_number: Mapped[str] = mapped_column(String(20), unique=True)
    tier_id: Mapped[int] = mapped_column(ForeignKey("tiers.id"))
    points_balance: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # `tier_id` is the tier the 12-month spend earns; an ADMIN may override it until a date
    # (VIP guests, employees). The member's tier is the override while it lasts.
    tier_override_id: Mapped[int | None] = mapped_column(ForeignKey("tiers.id"))
    tier_override_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    enrolled_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    def tier_at(self, at: datetime) -> int:
        """The tier that counts at `at`: the override while it lasts, else the earned one."""
        if self.tier_override_id is not None and (
            self.tier_override_until is None or at < self.tier_override_until
        ):
            return self.tier_override_id
        return self.tier_id


class TierChange(Base):
    __tablename__ = "tier_changes"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    membership_id: Mapped[int] = mapped_column(
        ForeignKey("memberships.id", ondelete="CASCADE"), index=True
    )
    from_tier_id: Mapped[int | None] = mapped_column(ForeignKey("tiers.id"))
    to_tier_id: Mapped[int] = mapped_column(ForeignKey("tiers.id"))
    spend_12m: Mapped[Decimal] = mapped_column(MONEY)
    # Empty for a change by spend; an override says why, until when and which ADMIN set it.
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    override_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    staff_id: Mapped[int | None] = mapped_column(BigInteger)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SpendEntry(Base):
    """Qualifying spend (orders add it, refunds subtract it); tiers look at 12 months."""

    __tablename__ = "spend_entries"
    __table_args__ = (Index("ix_spend_entries_membership_at", "membership_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id", ondelete="CASCADE"))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    order_ref: Mapped[str | None] = mapped_column(String(64))


class PointsKind(enum.StrEnum):
    EARN = "EARN"
    REDEEM = "REDEEM"
    REVERSE = "REVERSE"
    EXPIRE = "EXPIRE"
    ADJUST = "ADJUST"


class PointsEntry(Base):
    """One append-only line of the points ledger; `amount` is signed."""

    __tablename__ = "points_entries"
    __table_args__ = (
        Index("ix_points_entries_membership_id_id", "membership_id", "id"),
        CheckConstraint("amount <> 0", name="amount_not_zero"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id", ondelete="CASCADE"))
    kind: Mapped[PointsKind] = mapped_column(Enum(PointsKind, name="points_kind"))
    amount: Mapped[int] = mapped_column(Integer)
    channel: Mapped[Channel] = mapped_column(CHANNEL_ENUM)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id", ondelete="SET NULL"))
    order_ref: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    actor_kind: Mapped[ActorKind] = mapped_column(ACTOR_KIND_ENUM)
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class MembershipClaim(Base):
    """A one-time code sent by SMS so an enrolled member can set a password online."""

    __tablename__ = "membership_claims"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    consumed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
