"""Cost buckets: the query-cost budget of every client, shared by all workers.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 17:40:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cost_buckets",
        sa.Column("client_key", sa.String(length=100), nullable=False),
        sa.Column("available", sa.Double(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("client_key", name=op.f("pk_cost_buckets")),
        prefixes=["UNLOGGED"],
    )


def downgrade() -> None:
    op.drop_table("cost_buckets")
