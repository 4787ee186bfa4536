"""Sign-in state: refresh token families and throttle events."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Enum, Index, String, Uuid, func
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base


class SubjectKind(enum.StrEnum):
    CUSTOMER = "CUSTOMER"
    STAFF = "STAFF"


class RefreshToken(Base):
    """A refresh token (stored hashed). Rotation chains tokens into a family; using a token
    that was already rotated revokes the whole family (theft detection)."""

    __tablename__ = "refresh_tokens"
    __table_args__ = (Index("ix_refresh_tokens_family_id", "family_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    family_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    subject_kind: Mapped[SubjectKind] = mapped_column(Enum(SubjectKind, name="subject_kind"))
    subject_id: Mapped[int] = mapped_column(BigInteger)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    rotated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ThrottleEvent(Base):
    """One counted event (a failed sign-in, a claim code sent) under a throttle key such as
    "customer-id:…", "ip:…" or "claim:…"."""

    __tablename__ = "throttle_events"
    __table_args__ = (Index("ix_throttle_events_key_at", "key", "occurred_at"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200))
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
