"""Order lifecycle: pickup code, attempts and deadline, collection, shipping, delivery,
cancellation and points earned on orders; the store queue index; VOIDED payments.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 13:15:21.143917+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # ADD VALUE commits with the migration; nothing here uses the new value.
    op.execute("ALTER TYPE payment_status ADD VALUE IF NOT EXISTS 'VOIDED'")
    op.add_column("orders", sa.Column("ready_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("orders", sa.Column("collect_by", sa.DateTime(timezone=True), nullable=True))
    op.add_column("orders", sa.Column("pickup_code", sa.String(length=6), nullable=True))
    op.add_column(
        "orders", sa.Column("pickup_attempts", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column(
        "orders", sa.Column("pickup_locked_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("orders", sa.Column("collected_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("orders", sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("orders", sa.Column("carrier", sa.String(length=80), nullable=True))
    op.add_column("orders", sa.Column("tracking_number", sa.String(length=120), nullable=True))
    op.add_column("orders", sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("orders", sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("orders", sa.Column("cancel_reason", sa.String(length=500), nullable=True))
    op.add_column(
        "orders", sa.Column("points_earned", sa.Integer(), server_default="0", nullable=False)
    )
    op.create_index(
        "ix_orders_location_id_status_id", "orders", ["location_id", "status", "id"], unique=False
    )
    op.create_index(
        "ix_orders_ready_collect_by",
        "orders",
        ["collect_by"],
        unique=False,
        postgresql_where=sa.text("status = 'READY_FOR_PICKUP'"),
    )
    op.create_index(
        "uq_orders_ready_pickup_code",
        "orders",
        ["location_id", "pickup_code"],
        unique=True,
        postgresql_where=sa.text("status = 'READY_FOR_PICKUP'"),
    )


def downgrade() -> None:
    op.drop_index(
        "uq_orders_ready_pickup_code",
        table_name="orders",
        postgresql_where=sa.text("status = 'READY_FOR_PICKUP'"),
    )
    op.drop_index(
        "ix_orders_ready_collect_by",
        table_name="orders",
        postgresql_where=sa.text("status = 'READY_FOR_PICKUP'"),
    )
    op.drop_index("ix_orders_location_id_status_id", table_name="orders")
    op.drop_column("orders", "points_earned")
    op.drop_column("orders", "cancel_reason")
    op.drop_column("orders", "cancelled_at")
    op.drop_column("orders", "delivered_at")
    op.drop_column("orders", "tracking_number")
    op.drop_column("orders", "carrier")
    op.drop_column("orders", "shipped_at")
    op.drop_column("orders", "collected_at")
    op.drop_column("orders", "pickup_locked_at")
    op.drop_column("orders", "pickup_attempts")
    op.drop_column("orders", "pickup_code")
    op.drop_column("orders", "collect_by")
    op.drop_column("orders", "ready_at")
    # PostgreSQL cannot drop an enum value; VOIDED stays in payment_status.
