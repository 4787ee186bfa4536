"""Mutation plumbing: one unit of work per mutation, domain errors as typed userErrors.

A mutation resolver parses its input, then calls `mutate()` with one domain use case and a
function that builds the success payload. Every payload has `userErrors`, typed per
capability (`CustomerError` with a `CustomerErrorCode`, …), whose code enum is derived from
the domain's own enums, so a new domain code cannot be missing from the API.
"""

from __future__ import annotations

import enum
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types.base import StrawberryList

from api.core.types import OmniInfo
from domain.errors import CommonErrorCode, DomainError, ErrorCode
from domain.unit_of_work import transaction

P = TypeVar("P")
R = TypeVar("R")


@strawberry.interface(
    description="An expected failure of a mutation, caused by its input or by the state of "
    "the data. Each capability's error type adds a `code` enum: branch on it, not on `message`."
)
class UserError:
    field: list[str] | None = strawberry.field(
        description='Path to the input field at fault, e.g. ["input", "phone"]; null when the '
        "request as a whole is at fault."
    )
    message: str = strawberry.field(description="A readable explanation, safe to show.")


def error_type(name: str, description: str, *codes: type[ErrorCode]) -> type[UserError]:
    """A `UserError` type `name` whose `code` enum (`<name>Code`) has the members of `codes`
    and of CommonErrorCode."""
    members: dict[str, Any] = {}
    enums: tuple[type[ErrorCode], ...] = (*codes, CommonErrorCode)
    for code_enum in enums:
        for member in code_enum:
            members.setdefault(
                member.name, strawberry.enum_value(member.value, description=member.description)
            )
    values: Any = enum.Enum(f"{name}Code", members)  # type: ignore[misc]
    code_type = strawberry.enum(
        values, description=f"Why a mutation of this capability failed ({name}.code)."
    )
    cls = type(
        name,
        (UserError,),
        {
            "__annotations__": {"code": code_type},
            "code": strawberry.field(description="Machine-readable reason."),
            "__module__": __name__,
        },
    )
    return strawberry.type(cls, description=description)


def user_error(
    error_cls: type[UserError], error: DomainError, arguments: tuple[str, ...] = ()
) -> UserError:
    """`arguments` names the mutation's own arguments; other fields are in `input`. A dotted
    field ("prices.3.sku") is a path into a list of the input."""
    if error.field is None:
        path = None
    elif error.field.split(".", 1)[0] in arguments:
        path = error.field.split(".")
    else:
        path = ["input", *error.field.split(".")]
    code_type = error_cls.__annotations__["code"]
    return error_cls(  # type: ignore[call-arg]
        field=path, message=error.message, code=code_type[error.code.name]
    )


_ERROR_TYPES: dict[type[Any], type[UserError]] = {}


def _error_cls(payload: type[Any]) -> type[UserError]:
    """The error type of a payload's `userErrors`."""
    found = _ERROR_TYPES.get(payload)
    if found is None:
        field = payload.__strawberry_definition__.get_field("user_errors")
        assert field is not None and isinstance(field.type, StrawberryList)
        found = _ERROR_TYPES[payload] = cast(type[UserError], field.type.of_type)
    return found


def failed(payload: type[P], error: DomainError, arguments: tuple[str, ...] = ()) -> P:
    """`payload` carrying only the userError for `error`."""
    errors = [user_error(_error_cls(payload), error, arguments)]
    return payload(user_errors=errors)  # type: ignore[call-arg]


async def mutate(
    info: OmniInfo,
    payload: type[P],
    work: Callable[[AsyncSession], Awaitable[R]],
    ok: Callable[[R], P | Awaitable[P]],
    *,
    arguments: tuple[str, ...] = (),
    retries: int = 0,
) -> P:
    """Run `work` as the mutation's one unit of work and fill `payload`: `ok(result)` on
    success, else the domain error as its userError."""
    try:
        result = await info.context.db.run(lambda s: transaction(s, work, retries=retries))
    except DomainError as error:
        return failed(payload, error, arguments)
    built = ok(result)
    return await built if inspect.isawaitable(built) else built
