"""Registered GraphQL documents, by the SHA-256 of their exact text."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base


class TrustedDocument(Base):
    __tablename__ = "trusted_documents"

    # Lower-case hex SHA-256 of `body`, as clients send it (`persistedQuery.sha256Hash`).
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    # Where it came from (the file name given to `omni documents register`), for people.
    source: Mapped[str] = mapped_column(String(300))
    registered_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
