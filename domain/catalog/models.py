"""Catalog tables: categories (a tree), products and their variants."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Enum,
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
from domain.columns import ACTOR_KIND_ENUM, CHANNEL_ENUM, MONEY
from domain.db import Base
from domain.pricing.tax import TAX_RATES, TaxClass

__all__ = ["TAX_RATES", "Category", "PriceChange", "Product", "ProductVariant", "TaxClass"]


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="RESTRICT"), index=True
    )
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        Index("ix_products_created_at_id", "created_at", "id"),
        Index("ix_products_search_name_id", "search_name", "id"),
        Index("ix_products_price_min_id", "price_min", "id"),
        Index(
            "ix_products_search_text_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    slug: Mapped[str] = mapped_column(String(250), unique=True)
    name: Mapped[str] = mapped_column(String(250))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    brand: Mapped[str | None] = mapped_column(String(120))
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL"), index=True
    )
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")
    images: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list, server_default="[]")
    tax_class: Mapped[TaxClass] = mapped_column(
        Enum(TaxClass, name="tax_class"), default=TaxClass.STANDARD
    )
    published: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    # Archived products are gone from every customer-facing read but stay readable to
    # staff and to the orders that sold them.
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    # Roll-ups over the variants, kept by catalog.service.refresh_rollups so that
    # listing pages can sort, filter and search without aggregating variants.
    # A product without variants has a price range of 0..0.
    price_min: Mapped[Decimal] = mapped_column(MONEY, default=0, server_default="0")
    price_max: Mapped[Decimal] = mapped_column(MONEY, default=0, server_default="0")
    search_name: Mapped[str] = mapped_column(Text, default="", server_default="")
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")


class ProductVariant(Base):
    __tablename__ = "product_variants"
    __table_args__ = (
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint(
            "compare_at_price IS NULL OR compare_at_price >= 0",
            name="compare_at_price_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    barcode: Mapped[str | None] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(250))
    options: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict, server_default="{}")
    price: Mapped[Decimal] = mapped_column(MONEY)
    compare_at_price: Mapped[Decimal | None] = mapped_column(MONEY)
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # An archived variant cannot be bought and is hidden from customers; its SKU and
    # barcode stay taken so that old orders and receipts keep pointing at it.
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PriceChange(Base):
    """The price history of a variant: one row per change, the first price included
    (`old_price` null), as an audit trail for staff."""

    __tablename__ = "price_changes"
    __table_args__ = (Index("ix_price_changes_variant_id_id", "variant_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("product_variants.id", ondelete="CASCADE"))
    old_price: Mapped[Decimal | None] = mapped_column(MONEY)
    new_price: Mapped[Decimal] = mapped_column(MONEY)
    old_compare_at_price: Mapped[Decimal | None] = mapped_column(MONEY)
    new_compare_at_price: Mapped[Decimal | None] = mapped_column(MONEY)
    actor_kind: Mapped[ActorKind] = mapped_column(ACTOR_KIND_ENUM)
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    channel: Mapped[Channel] = mapped_column(CHANNEL_ENUM)
    # What made the change: "priceSet", "variantCreate", "import".
    reason: Mapped[str] = mapped_column(String(40), default="", server_default="")
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
