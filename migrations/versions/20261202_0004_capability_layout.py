"""Throttle events shared by every throttle; one address shape (province) for stores.

Sign-in failures and membership claim codes now count in one `throttle_events` table
(domain/auth/throttle.py) rather than claims borrowing `login_attempts`. Store addresses
name their province like customer addresses do.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 19:40:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.rename_table("login_attempts", "throttle_events")
    op.alter_column("throttle_events", "attempted_at", new_column_name="occurred_at")
    op.execute("ALTER SEQUENCE login_attempts_id_seq RENAME TO throttle_events_id_seq")
    op.execute(
        "ALTER TABLE throttle_events RENAME CONSTRAINT pk_login_attempts TO pk_throttle_events"
    )
    op.execute("ALTER INDEX ix_login_attempts_key_at RENAME TO ix_throttle_events_key_at")
    op.alter_column("locations", "city", new_column_name="province")


def downgrade() -> None:
    op.alter_column("locations", "province", new_column_name="city")
    op.execute("ALTER INDEX ix_throttle_events_key_at RENAME TO ix_login_attempts_key_at")
    op.execute(
        "ALTER TABLE throttle_events RENAME CONSTRAINT pk_throttle_events TO pk_login_attempts"
    )
    op.execute("ALTER SEQUENCE throttle_events_id_seq RENAME TO login_attempts_id_seq")
    op.alter_column("throttle_events", "occurred_at", new_column_name="attempted_at")
    op.rename_table("throttle_events", "login_attempts")
