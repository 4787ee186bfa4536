"""Promotions and vouchers: data, not code paths."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
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
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from domain.channels import Channel
from domain.columns import CHANNEL_ENUM, MONEY
from domain.db import Base
from domain.pricing.model import VoucherKind

_IDS = ARRAY(BigInteger)


class Promotion(Base):
    """A catalogue promotion. Its targets are id lists on the row, so that every active
    promotion loads in one statement; the price book checks they exist when it writes."""

    __tablename__ = "promotions"
    __table_args__ = (
        CheckConstraint(
            "(discount_percent IS NULL) <> (discount_amount IS NULL)", name="one_discount"
        ),
        CheckConstraint(
            "discount_percent IS NULL OR (discount_percent > 0 AND discount_percent <= 100)",
            name="discount_percent_range",
        ),
        CheckConstraint(
            "discount_amount IS NULL OR discount_amount > 0", name="discount_amount_positive"
        ),
        CheckConstraint("ends_at IS NULL OR ends_at > starts_at", name="ends_after_start"),
        Index("ix_promotions_starts_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    description_vi: Mapped[str] = mapped_column(Text, default="", server_default="")
    description_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    discount_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    discount_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    target_all: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    category_ids: Mapped[list[int]] = mapped_column(_IDS, default=list, server_default="{}")
    product_ids: Mapped[list[int]] = mapped_column(_IDS, default=list, server_default="{}")
    variant_ids: Mapped[list[int]] = mapped_column(_IDS, default=list, server_default="{}")
    exclude_product_ids: Mapped[list[int]] = mapped_column(_IDS, default=list, server_default="{}")
    exclude_variant_ids: Mapped[list[int]] = mapped_column(_IDS, default=list, server_default="{}")
    minimum_tier_id: Mapped[int | None] = mapped_column(ForeignKey("tiers.id"))
    combines_with_tier: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    # Set by `promotionEnd`: an ended promotion never applies again, whatever its window.
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


VOUCHER_KIND_ENUM = Enum(VoucherKind, name="voucher_kind")


class Voucher(Base):
    """An order-level voucher. `code` is stored upper-case, so codes are case-insensitive
    and unique. `times_used` counts the live redemptions; a row lock on the voucher makes
    consuming a use atomic (domain/pricebook/vouchers.py)."""

    __tablename__ = "vouchers"
    __table_args__ = (
        CheckConstraint("value >= 0", name="value_not_negative"),
        CheckConstraint("kind <> 'PERCENT' OR (value > 0 AND value <= 100)", name="percent_range"),
        CheckConstraint("minimum_subtotal >= 0", name="minimum_subtotal_not_negative"),
        CheckConstraint("times_used >= 0", name="times_used_not_negative"),
        CheckConstraint(
            "usage_limit IS NULL OR times_used <= usage_limit", name="times_used_within_limit"
        ),
        CheckConstraint(
            "ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at", name="ends_after_start"
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[VoucherKind] = mapped_column(VOUCHER_KIND_ENUM)
    value: Mapped[Decimal] = mapped_column(MONEY)
    description_vi: Mapped[str] = mapped_column(Text, default="", server_default="")
    description_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    minimum_subtotal: Mapped[Decimal] = mapped_column(MONEY, default=0, server_default="0")
    starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    usage_limit: Mapped[int | None] = mapped_column(Integer)
    usage_limit_per_customer: Mapped[int | None] = mapped_column(Integer)
    minimum_tier_id: Mapped[int | None] = mapped_column(ForeignKey("tiers.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    times_used: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The prefix of a `voucherGenerate` batch; null for a code made by hand.
    batch: Mapped[str | None] = mapped_column(String(40), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class VoucherRedemption(Base):
    """One use of a voucher by an order (`reference`); `released_at` is set when the use is
    given back (the order was cancelled). One live use per voucher and reference."""

    __tablename__ = "voucher_redemptions"
    __table_args__ = (
        Index(
            "uq_voucher_redemptions_live_reference",
            "voucher_id",
            "reference",
            unique=True,
            postgresql_where=text("released_at IS NULL"),
        ),
        Index("ix_voucher_redemptions_voucher_customer", "voucher_id", "customer_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    voucher_id: Mapped[int] = mapped_column(ForeignKey("vouchers.id", ondelete="CASCADE"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    reference: Mapped[str] = mapped_column(String(64))
    discount: Mapped[Decimal] = mapped_column(MONEY, default=0, server_default="0")
    channel: Mapped[Channel] = mapped_column(CHANNEL_ENUM)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
