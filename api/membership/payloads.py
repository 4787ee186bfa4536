"""Payloads of enrolment, claiming and points adjustments."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from api.auth.payloads import AccessToken
from api.core.mutations import error_type
from api.membership.types import Membership, PointsEntry
from domain.auth.errors import AuthErrorCode
from domain.customers.errors import CustomerErrorCode
from domain.membership.errors import MembershipErrorCode

if TYPE_CHECKING:
    from api.customers.types import Customer

# Joining creates a customer and sets passwords, so their codes are membership codes too.
MembershipError = error_type(
    "MembershipError",
    "Why an enrolment, claim or points change failed.",
    MembershipErrorCode,
    CustomerErrorCode,
    AuthErrorCode,
)


@strawberry.type(description="Result of `membershipEnrol`.")
class MembershipEnrolPayload:
    customer: Annotated[Customer, strawberry.lazy("api.customers.types")] | None = strawberry.field(
        default=None, description="The new member; null on failure."
    )
    user_errors: list[MembershipError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Why it failed, if it did."
    )


@strawberry.type(description="Result of `membershipClaimStart`.")
class MembershipClaimStartPayload:
    code_sent: bool = strawberry.field(
        default=False,
        description="Always true for a valid phone number, whether or not it belongs to a "
        "member waiting to claim: the answer does not reveal who is a member.",
    )
    user_errors: list[MembershipError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Why it failed, if it did."
    )


@strawberry.type(description="Result of `membershipClaimComplete`.")
class MembershipClaimCompletePayload:
    customer: Annotated[Customer, strawberry.lazy("api.customers.types")] | None = strawberry.field(
        default=None, description="The member, now with a password."
    )
    token: AccessToken | None = strawberry.field(
        default=None, description="Tokens: the member is signed in."
    )
    user_errors: list[MembershipError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Why it failed, if it did."
    )


@strawberry.type(description="Result of `pointsAdjust`.")
class PointsAdjustPayload:
    entry: PointsEntry | None = strawberry.field(
        default=None, description="The ledger entry written."
    )
    membership: Membership | None = strawberry.field(
        default=None, description="The membership afterwards."
    )
    user_errors: list[MembershipError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Why it failed, if it did."
    )


@strawberry.type(description="Result of `membershipTierOverride`.")
class MembershipTierOverridePayload:
    membership: Membership | None = strawberry.field(
        default=None, description="The membership with its new tier; null on failure."
    )
    user_errors: list[MembershipError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Why it failed, if it did."
    )
