"""Cost buckets. UNLOGGED: losing them in a crash only refills everyone's budget, and
PostgreSQL skips the write-ahead log for the one row every request updates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Double, String, func
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base


class CostBucket(Base):
    __tablename__ = "cost_buckets"
    __table_args__ = ({"prefixes": ["UNLOGGED"]},)

    # "anonymous:<address>", "customer:<id>", "staff:<id>" or "device:<id>".
    client_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    available: Mapped[float] = mapped_column(Double, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
