"""Normalising how customers are reached: Vietnamese phone numbers and emails."""

from __future__ import annotations

import re

import phonenumbers

from domain.errors import CommonErrorCode, InvalidInput

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s.]{2,63}$")


def normalize_phone(raw: str, field: str = "phone") -> str:
    """One form for every way a Vietnamese number is typed: E.164 (+84…).

    "0901 234 567", "090-123-4567", "+84 901234567" and "84901234567" are the same number.
    """
    text = raw.strip()
    if text.startswith("84") and not text.startswith("+"):
        text = "+" + text
    try:
        number = phonenumbers.parse(text, "VN")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidInput(
            f"{raw[:40]!r} is not a valid phone number.", field, CommonErrorCode.INVALID_PHONE
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str, field: str = "email") -> str:
    email = raw.strip()
    if len(email) > 254 or not _EMAIL.match(email):
        raise InvalidInput(
            f"{raw[:60]!r} is not a valid email address.", field, CommonErrorCode.INVALID_EMAIL
        )
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"
