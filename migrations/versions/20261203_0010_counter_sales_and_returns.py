"""Counter sales (IN_STORE orders paid AT_COUNTER), the store an order was taken at, and
returns with their lines.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 13:32:25.997719+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # ADD VALUE commits with the migration; nothing here uses the new values.
    op.execute("ALTER TYPE order_kind ADD VALUE IF NOT EXISTS 'IN_STORE'")
    op.execute("ALTER TYPE payment_method ADD VALUE IF NOT EXISTS 'AT_COUNTER'")
    op.create_table(
        "order_returns",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("location_id", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("refund_method", sa.String(length=32), nullable=False),
        sa.Column("refund", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("points_reversed", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "actor_kind", postgresql.ENUM(name="actor_kind", create_type=False), nullable=False
        ),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("channel", postgresql.ENUM(name="channel", create_type=False), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_order_returns_location_id_locations")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_returns_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_returns")),
    )
    op.create_index(op.f("ix_order_returns_order_id"), "order_returns", ["order_id"], unique=False)
    op.create_table(
        "order_return_lines",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("return_id", sa.BigInteger(), nullable=False),
        sa.Column("order_line_id", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("refund", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["order_lines.id"],
            name=op.f("fk_order_return_lines_order_line_id_order_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["order_returns.id"],
            name=op.f("fk_order_return_lines_return_id_order_returns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_return_lines")),
    )
    op.create_index(
        op.f("ix_order_return_lines_order_line_id"),
        "order_return_lines",
        ["order_line_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_order_return_lines_return_id"), "order_return_lines", ["return_id"], unique=False
    )
    op.add_column("orders", sa.Column("taken_at_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_orders_taken_at_id_locations"), "orders", "locations", ["taken_at_id"], ["id"]
    )


def downgrade() -> None:
    op.drop_constraint(op.f("fk_orders_taken_at_id_locations"), "orders", type_="foreignkey")
    op.drop_column("orders", "taken_at_id")
    op.drop_index(op.f("ix_order_return_lines_return_id"), table_name="order_return_lines")
    op.drop_index(op.f("ix_order_return_lines_order_line_id"), table_name="order_return_lines")
    op.drop_table("order_return_lines")
    op.drop_index(op.f("ix_order_returns_order_id"), table_name="order_returns")
    op.drop_table("order_returns")
    # PostgreSQL cannot drop enum values; IN_STORE and AT_COUNTER stay.
