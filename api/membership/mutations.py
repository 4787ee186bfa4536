"""Membership mutations: in-store enrolment, claiming online, and points adjustments."""

from __future__ import annotations

from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from api.core.ids import expect_global_id
from api.core.mutations import (
    UserError,
    forbidden,
    require_staff,
    run_mutation,
    unauthenticated,
)
from api.core.types import OmniInfo
from api.identity.mutations import AccessToken
from api.identity.types import Customer
from api.membership.types import Membership, PointsEntry
from domain.errors import InvalidInput
from domain.identity import service as identity
from domain.identity.access import Actor
from domain.membership import service
from domain.membership.models import ActorKind


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


@strawberry.type(description="Result of `membershipEnrol`.")
class MembershipEnrolPayload:
    customer: Customer | None = strawberry.field(description="The new member; null on failure.")
    user_errors: list[UserError] = strawberry.field(description="Why it failed, if it did.")


@strawberry.type(description="Result of `membershipClaimStart`.")
class MembershipClaimStartPayload:
    code_sent: bool = strawberry.field(
        description="Always true for a valid phone number, whether or not it belongs to a "
        "member waiting to claim: the answer does not reveal who is a member."
    )
    user_errors: list[UserError] = strawberry.field(description="Why it failed, if it did.")


@strawberry.input(description="Finish claiming an enrolled membership online.")
class MembershipClaimCompleteInput:
    phone: str = strawberry.field(description="The phone the member enrolled with.")
    code: str = strawberry.field(description="The 6-digit code received by SMS.")
    password: str = strawberry.field(
        description="The new password: 8 to 128 characters, a letter and a digit."
    )


@strawberry.type(description="Result of `membershipClaimComplete`.")
class MembershipClaimCompletePayload:
    customer: Customer | None = strawberry.field(description="The member, now with a password.")
    token: AccessToken | None = strawberry.field(description="Tokens: the member is signed in.")
    user_errors: list[UserError] = strawberry.field(description="Why it failed, if it did.")


@strawberry.input(description="A staff correction of a member's points.")
class PointsAdjustInput:
    customer_id: strawberry.ID = strawberry.field(description="The member (Customer ID).")
    amount: int = strawberry.field(description="Points to add (positive) or remove (negative).")
    reason: str = strawberry.field(description="Why; mandatory and kept in the ledger.")
    store_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The store acting; required for managers and staff (one of theirs).",
    )


@strawberry.type(description="Result of `pointsAdjust`.")
class PointsAdjustPayload:
    entry: PointsEntry | None = strawberry.field(description="The ledger entry written.")
    membership: Membership | None = strawberry.field(description="The membership afterwards.")
    user_errors: list[UserError] = strawberry.field(description="Why it failed, if it did.")


@strawberry.type
class MembershipMutation:
    @strawberry.mutation(
        description="Enrol a member in a store (store staff, or a kiosk/counter device): "
        "creates the customer and the membership without a password."
    )
    async def membership_enrol(
        self, info: OmniInfo, input: MembershipEnrolInput
    ) -> MembershipEnrolPayload:
        viewer = info.context.viewer

        async def work(s: AsyncSession) -> Customer:
            if viewer.device is not None and viewer.staff is None:
                actor = viewer.actor()
            elif viewer.staff is not None:
                if input.store_id is None:
                    raise InvalidInput("Staff give the `storeId` of the enrolment.", "storeId")
                location_id = expect_global_id(input.store_id, "Location", "storeId")
                viewer.staff.require_store(location_id)
                actor = Actor(ActorKind.STAFF, viewer.staff.id, viewer.channel, location_id)
            else:
                raise (
                    unauthenticated()
                    if viewer.is_anonymous
                    else forbidden("Members are enrolled by store staff or in-store devices.")
                )
            customer = await service.enrol(
                s,
                actor,
                phone=input.phone,
                first_name=input.first_name,
                last_name=input.last_name,
                email=input.email,
            )
            viewer.granted.add(customer.id)
            return Customer.from_model(customer)

        result, errors = await run_mutation(info, work)
        return MembershipEnrolPayload(customer=result, user_errors=errors)

    @strawberry.mutation(
        description="Send a one-time code by SMS so a member enrolled in store can set a "
        "password online. Codes last 10 minutes; 5 wrong tries spend a code; at most 3 codes "
        "per phone an hour (CLAIM_TOO_MANY_ATTEMPTS)."
    )
    async def membership_claim_start(
        self,
        info: OmniInfo,
        phone: Annotated[
            str, strawberry.argument(description="The phone the member enrolled with.")
        ],
    ) -> MembershipClaimStartPayload:
        _, errors = await run_mutation(
            info, lambda s: service.start_claim(s, phone), arguments=("phone",)
        )
        return MembershipClaimStartPayload(code_sent=not errors, user_errors=errors)

    @strawberry.mutation(description="Set the password with the SMS code, and sign in.")
    async def membership_claim_complete(
        self, info: OmniInfo, input: MembershipClaimCompleteInput
    ) -> MembershipClaimCompletePayload:
        secret = info.context.settings.secret_key

        async def work(s: AsyncSession) -> tuple[Customer, AccessToken]:
            customer = await service.complete_claim(s, input.phone, input.code, input.password)
            info.context.viewer.granted.add(customer.id)
            tokens = await identity.issue_customer_tokens(s, customer.id, secret)
            return Customer.from_model(customer), AccessToken.of(tokens)

        result, errors = await run_mutation(info, work)
        return MembershipClaimCompletePayload(
            customer=result[0] if result else None,
            token=result[1] if result else None,
            user_errors=errors,
        )

    @strawberry.mutation(description="Correct a member's points (staff, with a reason).")
    async def points_adjust(self, info: OmniInfo, input: PointsAdjustInput) -> PointsAdjustPayload:
        viewer = info.context.viewer

        async def work(s: AsyncSession) -> tuple[PointsEntry, Membership]:
            staff = require_staff(viewer)
            location_id = (
                expect_global_id(input.store_id, "Location", "storeId")
                if input.store_id is not None
                else None
            )
            if location_id is not None:
                staff.require_store(location_id)
            elif not staff.is_admin:
                raise InvalidInput("Give the `storeId` you act for.", "storeId")
            customer_id = expect_global_id(input.customer_id, "Customer", "customerId")
            actor = Actor(ActorKind.STAFF, staff.id, viewer.channel, location_id)
            entry = await service.adjust_points(s, customer_id, input.amount, input.reason, actor)
            membership = await service.membership_of(s, customer_id)
            return PointsEntry.from_model(entry), Membership.from_model(membership)

        result, errors = await run_mutation(info, work)
        return PointsAdjustPayload(
            entry=result[0] if result else None,
            membership=result[1] if result else None,
            user_errors=errors,
        )
