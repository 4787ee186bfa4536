"""Mutation plumbing: one unit of work per mutation, domain errors as typed userErrors."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from api.core.auth import Viewer
from api.core.db import reset
from api.core.types import OmniInfo
from domain.errors import AccessDenied, AccessErrorCode, DomainError
from domain.identity.access import StaffActor

T = TypeVar("T")


@strawberry.enum(
    description="Why a mutation did not do what was asked. Branch on this, not on `message`. "
    "It holds the codes of every capability (a test keeps it complete)."
)
class UserErrorCode(enum.Enum):
    ALREADY_CLAIMED = strawberry.enum_value(
        "ALREADY_CLAIMED", description="The account already has a password."
    )
    CLAIM_EXPIRED = strawberry.enum_value("CLAIM_EXPIRED", description="The one-time code expired.")
    CLAIM_INVALID = strawberry.enum_value(
        "CLAIM_INVALID", description="The one-time code is wrong."
    )
    CLAIM_TOO_MANY_ATTEMPTS = strawberry.enum_value(
        "CLAIM_TOO_MANY_ATTEMPTS", description="Too many wrong codes; request a new one."
    )
    DEVICE_CHANNEL = strawberry.enum_value(
        "DEVICE_CHANNEL", description="A device is KIOSK or POS."
    )
    EMAIL_OR_PHONE_REQUIRED = strawberry.enum_value(
        "EMAIL_OR_PHONE_REQUIRED", description="A customer needs an email or a phone number."
    )
    EMAIL_TAKEN = strawberry.enum_value(
        "EMAIL_TAKEN", description="Another account has this email."
    )
    FORBIDDEN = strawberry.enum_value("FORBIDDEN", description="The caller may not do this.")
    INSUFFICIENT_POINTS = strawberry.enum_value(
        "INSUFFICIENT_POINTS", description="The points balance is too low."
    )
    INVALID = strawberry.enum_value("INVALID", description="An argument is not valid.")
    INVALID_AMOUNT = strawberry.enum_value(
        "INVALID_AMOUNT", description="The amount is not allowed."
    )
    INVALID_CREDENTIALS = strawberry.enum_value(
        "INVALID_CREDENTIALS", description="The sign-in details are wrong."
    )
    INVALID_CURSOR = strawberry.enum_value("INVALID_CURSOR", description="The cursor is not valid.")
    INVALID_EMAIL = strawberry.enum_value("INVALID_EMAIL", description="Not an email address.")
    INVALID_INPUT = strawberry.enum_value(
        "INVALID_INPUT", description="An input field is not valid."
    )
    INVALID_PHONE = strawberry.enum_value("INVALID_PHONE", description="Not a valid phone number.")
    INVALID_REFRESH_TOKEN = strawberry.enum_value(
        "INVALID_REFRESH_TOKEN",
        description="The refresh token is unknown, spent, revoked or expired.",
    )
    LOGIN_THROTTLED = strawberry.enum_value(
        "LOGIN_THROTTLED", description="Too many failed sign-ins; wait 15 minutes."
    )
    NOT_FOUND = strawberry.enum_value("NOT_FOUND", description="Nothing with this ID or key.")
    PAGE_SIZE = strawberry.enum_value("PAGE_SIZE", description="The page size is out of range.")
    PHONE_TAKEN = strawberry.enum_value(
        "PHONE_TAKEN", description="Another account has this phone."
    )
    REASON_REQUIRED = strawberry.enum_value("REASON_REQUIRED", description="Give a reason.")
    STORE_NOT_FOUND = strawberry.enum_value("STORE_NOT_FOUND", description="No such store.")
    TOO_LONG = strawberry.enum_value("TOO_LONG", description="An argument is too long.")
    UNAUTHENTICATED = strawberry.enum_value(
        "UNAUTHENTICATED", description="Sign in (or use a device key) first."
    )
    WEAK_PASSWORD = strawberry.enum_value(
        "WEAK_PASSWORD", description="The password does not meet the policy."
    )


@strawberry.type(description="An expected failure of a mutation, caused by its input or state.")
class UserError:
    field: list[str] | None = strawberry.field(
        description='Path to the input field at fault, e.g. ["input", "phone"]; null when the '
        "request as a whole is at fault."
    )
    message: str = strawberry.field(description="A readable explanation, safe to show.")
    code: UserErrorCode = strawberry.field(description="Machine-readable reason.")

    @classmethod
    def from_domain(cls, error: DomainError, arguments: tuple[str, ...] = ()) -> UserError:
        """`arguments` names the mutation's own arguments; other fields are in `input`."""
        if error.field is None:
            path = None
        elif error.field in arguments:
            path = [error.field]
        else:
            path = ["input", error.field]
        return cls(
            field=path,
            message=error.message,
            code=UserErrorCode[str(error.code.value)],
        )


def unauthenticated() -> AccessDenied:
    return AccessDenied(AccessErrorCode.UNAUTHENTICATED, "Sign in first.")


def forbidden(message: str = "You are not allowed to do this.") -> AccessDenied:
    return AccessDenied(AccessErrorCode.FORBIDDEN, message)


def require_staff(viewer: Viewer) -> StaffActor:
    """The signed-in staff user; anonymous callers and everyone else are refused."""
    if viewer.staff is None:
        raise unauthenticated() if viewer.is_anonymous else forbidden("Staff only.")
    return viewer.staff


async def run_mutation(
    info: OmniInfo,
    work: Callable[[AsyncSession], Awaitable[T]],
    arguments: tuple[str, ...] = (),
) -> tuple[T | None, list[UserError]]:
    """Run `work` as one transaction: commit on success, roll back on any error.

    A DomainError becomes a userError; with `keep_changes` what it wrote is committed first.
    """

    async def unit(session: AsyncSession) -> tuple[T | None, list[UserError]]:
        try:
            result = await work(session)
        except DomainError as error:
            if error.keep_changes:
                await session.commit()
            else:
                await reset(session)
            return None, [UserError.from_domain(error, arguments)]
        except BaseException:
            await reset(session)
            raise
        await session.commit()
        return result, []

    return await info.context.db.run(unit)
