"""Inputs of enrolment, claiming and points adjustments."""

from __future__ import annotations

from datetime import datetime

import strawberry


@strawberry.input(description="A customer joining at a store: phone required, no password.")
class MembershipEnrolInput:
    phone: str = strawberry.field(description="Mobile phone, any usual Vietnamese form.")
    first_name: str = strawberry.field(description="First name.")
    last_name: str = strawberry.field(default="", description="Last name.")
    email: str | None = strawberry.field(default=None, description="Email, optional.")
    store_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Where the enrolment happens. Staff must give one of their stores; "
        "a device always enrols at its own store.",
    )


@strawberry.input(description="Finish claiming an enrolled membership online.")
class MembershipClaimCompleteInput:
    phone: str = strawberry.field(description="The phone the member enrolled with.")
    code: str = strawberry.field(description="The 6-digit code received by SMS.")
    password: str = strawberry.field(
        description="The new password: 8 to 128 characters, a letter and a digit."
    )
    cart_id: strawberry.ID | None = strawberry.field(
        default=None,
        description='A guest cart to merge into the member\'s cart (README, "Carts").',
    )


@strawberry.input(description="A staff correction of a member's points.")
class PointsAdjustInput:
    customer_id: strawberry.ID = strawberry.field(description="The member (Customer ID).")
    amount: int = strawberry.field(description="Points to add (positive) or remove (negative).")
    reason: str = strawberry.field(description="Why; mandatory and kept in the ledger.")
    store_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The store acting; required for managers and staff (one of theirs).",
    )


@strawberry.input(
    description="Give a member a tier until a date (VIP guests, employees), whatever their "
    "spend; afterwards the tier their spend earns applies again."
)
class MembershipTierOverrideInput:
    membership_id: strawberry.ID = strawberry.field(description="The Membership.")
    tier: str = strawberry.field(description='The tier code, e.g. "GOLD".')
    reason: str = strawberry.field(description="Why (kept in the tier history; ≤ 500).")
    until: datetime = strawberry.field(
        description="When the override ends (with a time zone; at most 10 years ahead)."
    )
