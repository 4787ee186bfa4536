"""Why a stock change was refused."""

from __future__ import annotations

from domain.errors import DomainError, ErrorCode


class StockErrorCode(ErrorCode):
    INSUFFICIENT_STOCK = (
        "INSUFFICIENT_STOCK",
        "Not enough units: on-hand would go below zero, or below the units reserved for "
        "orders (`message` says how many are available).",
    )
    INVALID_KIND = (
        "INVALID_KIND",
        "This movement kind cannot be used here, or not in this direction.",
    )
    RESERVATION_EXISTS = (
        "RESERVATION_EXISTS",
        "A reservation with this reference already exists.",
    )
    RESERVATION_CLOSED = (
        "RESERVATION_CLOSED",
        "The reservation was already released or sold.",
    )
    SAME_LOCATION = "SAME_LOCATION", "A transfer needs two different locations."


class StockError(DomainError):
    def __init__(self, code: StockErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(code, message, field)
