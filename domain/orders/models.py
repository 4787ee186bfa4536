"""Orders, their lines (a snapshot of what was bought at which price), payments, events,
and the idempotency keys of checkout."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    Sequence,
    String,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.actors import ActorKind
from domain.channels import Channel
from domain.columns import ACTOR_KIND_ENUM, CHANNEL_ENUM, MONEY
from domain.db import Base

ORDER_NUMBERS = Sequence("order_number_seq", metadata=Base.metadata)


class OrderStatus(enum.StrEnum):
    PLACED = "PLACED"
    READY_FOR_PICKUP = "READY_FOR_PICKUP"
    COLLECTED = "COLLECTED"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class OrderKind(enum.StrEnum):
    PICKUP = "PICKUP"
    DELIVERY = "DELIVERY"
    # A counter sale: paid and handed over at once.
    IN_STORE = "IN_STORE"


class PaymentMethod(enum.StrEnum):
    PAY_AT_STORE = "PAY_AT_STORE"
    CASH_ON_DELIVERY = "CASH_ON_DELIVERY"
    # A counter sale, paid at the till with the sale (the tender is on the payment).
    AT_COUNTER = "AT_COUNTER"


class PaymentStatus(enum.StrEnum):
    PENDING = "PENDING"
    PAID = "PAID"
    FAILED = "FAILED"
    REFUNDED = "REFUNDED"
    # The order was cancelled before anything was paid.
    VOIDED = "VOIDED"


class Tender(enum.StrEnum):
    """How money was actually taken at a store or at the door (no gateway)."""

    CASH = "CASH"
    CARD = "CARD"
    BANK_TRANSFER = "BANK_TRANSFER"
    E_WALLET = "E_WALLET"


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_customer_id_id", "customer_id", "id"),
        # The store's queues (PLACED to prepare, READY to hand over), oldest first.
        Index("ix_orders_location_id_status_id", "location_id", "status", "id"),
        # A pickup code names one ready order at its store.
        Index(
            "uq_orders_ready_pickup_code",
            "location_id",
            "pickup_code",
            unique=True,
            postgresql_where=text("status = 'READY_FOR_PICKUP'"),
        ),
        Index(
            "ix_orders_ready_collect_by",
            "collect_by",
            postgresql_where=text("status = 'READY_FOR_PICKUP'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[OrderStatus] = mapped_column(Enum(OrderStatus, name="order_status"))
    kind: Mapped[OrderKind] = mapped_column(Enum(OrderKind, name="order_kind"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    # One order per cart: a second checkout of the cart is refused, not duplicated.
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id"), unique=True)
    channel: Mapped[Channel] = mapped_column(CHANNEL_ENUM)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"))
    # The pickup store, or the location that ships the delivery (it fulfils the order).
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), index=True)
    # The store where the order was taken, at its kiosk or counter (attribution), when
    # that is not simply the web or the app; for the endless aisle it differs from
    # `location_id`.
    taken_at_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    delivery_address: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    payment_method: Mapped[PaymentMethod] = mapped_column(
        Enum(PaymentMethod, name="payment_method")
    )
    subtotal: Mapped[Decimal] = mapped_column(MONEY)
    discounts: Mapped[Decimal] = mapped_column(MONEY)
    delivery: Mapped[Decimal] = mapped_column(MONEY)
    vat: Mapped[Decimal] = mapped_column(MONEY)
    total: Mapped[Decimal] = mapped_column(MONEY)
    voucher_id: Mapped[int | None] = mapped_column(ForeignKey("vouchers.id", ondelete="SET NULL"))
    voucher_code: Mapped[str | None] = mapped_column(String(40))
    points_redeemed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The cart's breakdown at checkout: what the receipt shows and refunds follow.
    breakdown: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    # Click-and-collect: the code the customer shows, wrong entries counted (5 lock it
    # until store staff unlock it), and the deadline after which the order expires.
    ready_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    collect_by: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    pickup_code: Mapped[str | None] = mapped_column(String(6))
    pickup_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    pickup_locked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    collected_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    shipped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    carrier: Mapped[str | None] = mapped_column(String(80))
    tracking_number: Mapped[str | None] = mapped_column(String(120))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    points_earned: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class OrderLine(Base):
    """What was bought, as it was: names, SKU and every price frozen at checkout."""

    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    variant_id: Mapped[int] = mapped_column(ForeignKey("product_variants.id"))
    sku: Mapped[str] = mapped_column(String(64))
    product_name: Mapped[str] = mapped_column(String(250))
    variant_title: Mapped[str] = mapped_column(String(250))
    quantity: Mapped[int] = mapped_column(Integer)
    list_price: Mapped[Decimal] = mapped_column(MONEY)
    unit_price: Mapped[Decimal] = mapped_column(MONEY)
    subtotal: Mapped[Decimal] = mapped_column(MONEY)
    discounts: Mapped[Decimal] = mapped_column(MONEY)
    total: Mapped[Decimal] = mapped_column(MONEY)
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    vat: Mapped[Decimal] = mapped_column(MONEY)
    adjustments: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    # The stock reservation held for this line (domain/inventory/stock.reserve).
    reservation: Mapped[str] = mapped_column(String(64), unique=True)


class Payment(Base):
    """A payment of an order, in its own table so that gateways (VNPay, MoMo, cards) add
    rows and providers, not columns on orders."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(32))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    status: Mapped[PaymentStatus] = mapped_column(Enum(PaymentStatus, name="payment_status"))
    provider: Mapped[str | None] = mapped_column(String(40))
    provider_reference: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class OrderEvent(Base):
    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_kind: Mapped[ActorKind] = mapped_column(ACTOR_KIND_ENUM)
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    channel: Mapped[Channel] = mapped_column(CHANNEL_ENUM)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class IdempotencyKey(Base):
    """A checkout's key (Stripe's semantics): the same key for the same cart returns the
    same order; kept at least 24 hours (a job may prune older ones)."""

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )


class OrderReturn(Base):
    """Goods of a finished order brought back to a store (any store): their stock comes
    back there, the refund is recorded, and the points earned on them are reversed."""

    __tablename__ = "order_returns"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    reason: Mapped[str] = mapped_column(String(500))
    refund_method: Mapped[str] = mapped_column(String(32))
    refund: Mapped[Decimal] = mapped_column(MONEY)
    points_reversed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    actor_kind: Mapped[ActorKind] = mapped_column(ACTOR_KIND_ENUM)
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    channel: Mapped[Channel] = mapped_column(CHANNEL_ENUM)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class OrderReturnLine(Base):
    __tablename__ = "order_return_lines"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    return_id: Mapped[int] = mapped_column(
        ForeignKey("order_returns.id", ondelete="CASCADE"), index=True
    )
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    refund: Mapped[Decimal] = mapped_column(MONEY)
