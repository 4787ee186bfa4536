"""Membership card numbers: 12 digits with a Luhn check digit (printable as a barcode)."""

from __future__ import annotations

import secrets

PREFIX = "88"  # identifies Omni membership cards at a scanner
LENGTH = 12


def luhn_check_digit(body: str) -> str:
    total = 0
    for i, char in enumerate(reversed(body)):
        d = int(char)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def is_valid_card_number(number: str) -> bool:
    return (
        len(number) == LENGTH
        and number.isdigit()
        and number.startswith(PREFIX)
        and luhn_check_digit(number[:-1]) == number[-1]
    )


def new_card_number() -> str:
    body = PREFIX + "".join(secrets.choice("0123456789") for _ in range(LENGTH - len(PREFIX) - 1))
    return body + luhn_check_digit(body)
