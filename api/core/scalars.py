"""`Decimal` and `DateTime`, with a description of their format and `@specifiedBy`.

They serialize and parse exactly as strawberry's built-in scalars of the same names
(strawberry/schema/types/base_scalars.py); they only add what codegen needs to map them.
Bad input values raise `StrawberryInputCoercionError`, a client error, never a 500.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from datetime import datetime
from operator import methodcaller

import dateutil.parser
import strawberry
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.types.scalar import ScalarDefinition

DATE_TIME_SPEC = "https://scalars.graphql.org/andimarek/date-time"
DECIMAL_SPEC = "https://speleotrove.com/decimal/daconvs.html"


def _parser(
    parse: Callable[[str], object],
    type_name: str,
    exceptions: tuple[type[Exception], ...],
    *,
    include_error: bool,
    accept_non_string: bool,
) -> Callable[[object], object]:
    """`parse` with any invalid input turned into a coercion error (a client error)."""

    def parse_value(value: object) -> object:
        if not isinstance(value, str):
            if not accept_non_string:
                raise StrawberryInputCoercionError(
                    f'Value cannot represent a {type_name}: "{value}". Expected a string.'
                )
            value = str(value)
        try:
            return parse(value)
        except exceptions as e:
            detail = f" {e}" if include_error else ""
            raise StrawberryInputCoercionError(
                f'Value cannot represent a {type_name}: "{value}".{detail}'
            ) from None

    return parse_value


DateTimeScalar: ScalarDefinition = strawberry.scalar(
    name="DateTime",
    description=(
        "A date and time with its UTC offset, as an RFC 3339 (ISO 8601) string, e.g. "
        '"2024-05-01T09:30:00+00:00" or, with microseconds, "2024-05-01T09:30:00.123456+07:00". '
        "Parse it with the offset; do not assume a time zone."
    ),
    specified_by_url=DATE_TIME_SPEC,
    serialize=methodcaller("isoformat"),
    parse_value=_parser(
        dateutil.parser.isoparse,
        "DateTime",
        (ValueError,),
        include_error=True,
        accept_non_string=False,
    ),
)

DecimalScalar: ScalarDefinition = strawberry.scalar(
    name="Decimal",
    description=(
        'An exact decimal number as a string, e.g. "199000" or "1.25" (the to-scientific-'
        'string syntax of the General Decimal Arithmetic specification, so exponents like "1E+3" '
        "are possible). Read it with a decimal library, never as a float. Inputs take the same "
        "syntax; a number is accepted too and read as its decimal text."
    ),
    specified_by_url=DECIMAL_SPEC,
    serialize=str,
    parse_value=_parser(
        decimal.Decimal,
        "Decimal",
        (decimal.DecimalException,),
        include_error=False,
        accept_non_string=True,
    ),
)

# For `OmniSchema(scalar_overrides=...)`: the Python types these scalars stand for.
SCALAR_OVERRIDES: dict[object, ScalarDefinition] = {
    decimal.Decimal: DecimalScalar,
    datetime: DateTimeScalar,
}
