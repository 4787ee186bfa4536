"""Errors the domain raises for expected failures; the API maps them to client errors."""

from __future__ import annotations

import enum


class DomainError(Exception):
    """An expected failure with a machine-readable code and an optional input field."""

    def __init__(self, code: enum.Enum, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class InputErrorCode(enum.StrEnum):
    INVALID = "INVALID"
    INVALID_CURSOR = "INVALID_CURSOR"
    PAGE_SIZE = "PAGE_SIZE"
    TOO_LONG = "TOO_LONG"
    NOT_FOUND = "NOT_FOUND"


class InvalidInput(DomainError):
    def __init__(
        self, message: str, field: str | None = None, code: InputErrorCode = InputErrorCode.INVALID
    ) -> None:
        super().__init__(code, message, field)
