"""Identity and membership: customers, staff, devices, tokens, tiers, points ledger.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 13:50:01.725858+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


DEFAULT_TIERS = [
    # Tiers are data: a retailer edits thresholds, discounts and multipliers in this table.
    {
        "code": "MEMBER",
        "name": "Thành viên",
        "min_spend": 0,
        "discount_percent": 0,
        "earn_multiplier": 1,
    },
    {
        "code": "SILVER",
        "name": "Bạc",
        "min_spend": 5_000_000,
        "discount_percent": 3,
        "earn_multiplier": 1.25,
    },
    {
        "code": "GOLD",
        "name": "Vàng",
        "min_spend": 20_000_000,
        "discount_percent": 5,
        "earn_multiplier": 1.5,
    },
]


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public")
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column(
            "attempted_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
    )
    op.create_index(
        "ix_login_attempts_key_at", "login_attempts", ["key", "attempted_at"], unique=False
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column(
            "channel", sa.Enum("SMS", "EMAIL", "PUSH", name="notification_channel"), nullable=False
        ),
        sa.Column("recipient", sa.String(length=255), nullable=False),
        sa.Column("template", sa.String(length=100), nullable=False),
        sa.Column(
            "payload", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column(
            "status",
            sa.Enum("PENDING", "SENT", "FAILED", name="notification_status"),
            server_default="PENDING",
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index("ix_notifications_status_id", "notifications", ["status", "id"], unique=False)
    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column(
            "subject_kind", sa.Enum("CUSTOMER", "STAFF", name="subject_kind"), nullable=False
        ),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_refresh_tokens_token_hash")),
    )
    op.create_index("ix_refresh_tokens_family_id", "refresh_tokens", ["family_id"], unique=False)
    op.create_table(
        "staff_users",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("email", postgresql.CITEXT(), nullable=False),
        sa.Column("name", sa.String(length=150), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column(
            "role",
            sa.Enum("ADMIN", "STORE_MANAGER", "STORE_STAFF", name="staff_role"),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_users")),
        sa.UniqueConstraint("email", name=op.f("uq_staff_users_email")),
    )
    op.create_table(
        "tiers",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("min_spend", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("discount_percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("earn_multiplier", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.CheckConstraint(
            "discount_percent BETWEEN 0 AND 100", name=op.f("ck_tiers_discount_percent_range")
        ),
        sa.CheckConstraint(
            "earn_multiplier >= 0", name=op.f("ck_tiers_earn_multiplier_not_negative")
        ),
        sa.CheckConstraint("min_spend >= 0", name=op.f("ck_tiers_min_spend_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tiers")),
        sa.UniqueConstraint("code", name=op.f("uq_tiers_code")),
        sa.UniqueConstraint("min_spend", name=op.f("uq_tiers_min_spend")),
    )
    op.create_table(
        "customers",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("email", postgresql.CITEXT(), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), server_default="", nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column(
            "enrolled_channel",
            sa.Enum("WEB", "MOBILE_APP", "KIOSK", "POS", name="channel"),
            nullable=False,
        ),
        sa.Column("enrolled_location_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "email IS NOT NULL OR phone IS NOT NULL", name=op.f("ck_customers_email_or_phone")
        ),
        sa.ForeignKeyConstraint(
            ["enrolled_location_id"],
            ["locations.id"],
            name=op.f("fk_customers_enrolled_location_id_locations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("email", name=op.f("uq_customers_email")),
        sa.UniqueConstraint("phone", name=op.f("uq_customers_phone")),
    )
    op.create_table(
        "devices",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("location_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "channel", sa.Enum("WEB", "MOBILE_APP", "KIOSK", "POS", name="channel"), nullable=False
        ),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by_staff_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_staff_id"],
            ["staff_users.id"],
            name=op.f("fk_devices_created_by_staff_id_staff_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name=op.f("fk_devices_location_id_locations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_devices")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_devices_key_hash")),
    )
    op.create_index(op.f("ix_devices_location_id"), "devices", ["location_id"], unique=False)
    op.create_table(
        "staff_store_scopes",
        sa.Column("staff_id", sa.BigInteger(), nullable=False),
        sa.Column("location_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name=op.f("fk_staff_store_scopes_location_id_locations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_users.id"],
            name=op.f("fk_staff_store_scopes_staff_id_staff_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("staff_id", "location_id", name=op.f("pk_staff_store_scopes")),
    )
    op.create_table(
        "customer_addresses",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("recipient", sa.String(length=150), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("street", sa.String(length=250), nullable=False),
        sa.Column("ward", sa.String(length=120), server_default="", nullable=False),
        sa.Column("district", sa.String(length=120), server_default="", nullable=False),
        sa.Column("province", sa.String(length=120), nullable=False),
        sa.Column("is_default", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_addresses_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_addresses")),
    )
    op.create_index(
        op.f("ix_customer_addresses_customer_id"),
        "customer_addresses",
        ["customer_id"],
        unique=False,
    )
    op.create_table(
        "customer_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("limited", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_sessions_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
            name=op.f("fk_customer_sessions_device_id_devices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_sessions")),
    )
    op.create_table(
        "membership_claims",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("consumed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_membership_claims_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_claims")),
    )
    op.create_index(
        op.f("ix_membership_claims_customer_id"), "membership_claims", ["customer_id"], unique=False
    )
    op.create_table(
        "memberships",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("card_number", sa.String(length=20), nullable=False),
        sa.Column("tier_id", sa.BigInteger(), nullable=False),
        sa.Column("points_balance", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "enrolled_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "points_balance >= 0", name=op.f("ck_memberships_points_balance_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_memberships_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tier_id"], ["tiers.id"], name=op.f("fk_memberships_tier_id_tiers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
        sa.UniqueConstraint("card_number", name=op.f("uq_memberships_card_number")),
        sa.UniqueConstraint("customer_id", name=op.f("uq_memberships_customer_id")),
    )
    op.create_table(
        "points_entries",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("membership_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("EARN", "REDEEM", "REVERSE", "EXPIRE", "ADJUST", name="points_kind"),
            nullable=False,
        ),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column(
            "channel", sa.Enum("WEB", "MOBILE_APP", "KIOSK", "POS", name="channel"), nullable=False
        ),
        sa.Column("location_id", sa.BigInteger(), nullable=True),
        sa.Column("order_ref", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "actor_kind",
            sa.Enum("CUSTOMER", "STAFF", "DEVICE", "SYSTEM", name="actor_kind"),
            nullable=False,
        ),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_points_entries_amount_not_zero")),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name=op.f("fk_points_entries_location_id_locations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["memberships.id"],
            name=op.f("fk_points_entries_membership_id_memberships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_entries")),
    )
    op.create_index(
        "ix_points_entries_membership_id_id",
        "points_entries",
        ["membership_id", "id"],
        unique=False,
    )
    op.create_table(
        "spend_entries",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("membership_id", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("order_ref", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["memberships.id"],
            name=op.f("fk_spend_entries_membership_id_memberships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spend_entries")),
    )
    op.create_index(
        "ix_spend_entries_membership_at",
        "spend_entries",
        ["membership_id", "occurred_at"],
        unique=False,
    )
    op.create_table(
        "tier_changes",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("membership_id", sa.BigInteger(), nullable=False),
        sa.Column("from_tier_id", sa.BigInteger(), nullable=True),
        sa.Column("to_tier_id", sa.BigInteger(), nullable=False),
        sa.Column("spend_12m", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["from_tier_id"], ["tiers.id"], name=op.f("fk_tier_changes_from_tier_id_tiers")
        ),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["memberships.id"],
            name=op.f("fk_tier_changes_membership_id_memberships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["to_tier_id"], ["tiers.id"], name=op.f("fk_tier_changes_to_tier_id_tiers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tier_changes")),
    )
    op.create_index(
        op.f("ix_tier_changes_membership_id"), "tier_changes", ["membership_id"], unique=False
    )
    tiers = sa.table(
        "tiers",
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("min_spend", sa.Numeric),
        sa.column("discount_percent", sa.Numeric),
        sa.column("earn_multiplier", sa.Numeric),
    )
    op.bulk_insert(tiers, DEFAULT_TIERS)


def downgrade() -> None:
    op.drop_index(op.f("ix_tier_changes_membership_id"), table_name="tier_changes")
    op.drop_table("tier_changes")
    op.drop_index("ix_spend_entries_membership_at", table_name="spend_entries")
    op.drop_table("spend_entries")
    op.drop_index("ix_points_entries_membership_id_id", table_name="points_entries")
    op.drop_table("points_entries")
    op.drop_table("memberships")
    op.drop_index(op.f("ix_membership_claims_customer_id"), table_name="membership_claims")
    op.drop_table("membership_claims")
    op.drop_table("customer_sessions")
    op.drop_index(op.f("ix_customer_addresses_customer_id"), table_name="customer_addresses")
    op.drop_table("customer_addresses")
    op.drop_table("staff_store_scopes")
    op.drop_index(op.f("ix_devices_location_id"), table_name="devices")
    op.drop_table("devices")
    op.drop_table("customers")
    op.drop_table("tiers")
    op.drop_table("staff_users")
    op.drop_index("ix_refresh_tokens_family_id", table_name="refresh_tokens")
    op.drop_table("refresh_tokens")
    op.drop_index("ix_notifications_status_id", table_name="notifications")
    op.drop_table("notifications")
    op.drop_index("ix_login_attempts_key_at", table_name="login_attempts")
    op.drop_table("login_attempts")
    for enum_type in (
        "actor_kind",
        "points_kind",
        "channel",
        "staff_role",
        "subject_kind",
        "notification_status",
        "notification_channel",
    ):
        op.execute(f"DROP TYPE IF EXISTS {enum_type}")
