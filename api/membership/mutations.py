"""Membership mutations: in-store enrolment, claiming online, and points adjustments."""

from __future__ import annotations

from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.payloads import AccessToken
from api.core.cart_ids import merge_after_sign_in
from api.core.ids import expect_global_id
from api.core.mutations import mutate
from api.core.node import present
from api.core.types import OmniInfo
from api.membership.inputs import (
    MembershipClaimCompleteInput,
    MembershipEnrolInput,
    MembershipTierOverrideInput,
    PointsAdjustInput,
)
from api.membership.payloads import (
    MembershipClaimCompletePayload,
    MembershipClaimStartPayload,
    MembershipEnrolPayload,
    MembershipTierOverridePayload,
    PointsAdjustPayload,
)
from api.membership.types import Membership, PointsEntry
from domain.membership import enrolment, ledger, overrides
from domain.membership.models import Membership as MembershipModel
from domain.membership.models import PointsEntry as EntryModel


def _store_id(raw: strawberry.ID | None) -> int | None:
    return expect_global_id(raw, "Location", "storeId") if raw is not None else None


@strawberry.type
class MembershipMutation:
    @strawberry.mutation(
        description="Enrol a member in a store (store staff, or a kiosk/counter device): "
        "creates the customer and the membership without a password."
    )
    async def membership_enrol(
        self,
        info: OmniInfo,
        input: Annotated[
            MembershipEnrolInput,
            strawberry.argument(description="The new member's phone and name, and the store."),
        ],
    ) -> MembershipEnrolPayload:
        actor = info.context.actor
        store_id = _store_id(input.store_id)

        def ok(joined: enrolment.Joined) -> MembershipEnrolPayload:
            info.context.grant(joined.customer.id)
            return MembershipEnrolPayload(customer=present("Customer", joined.customer))

        return await mutate(
            info,
            MembershipEnrolPayload,
            lambda s: enrolment.enrol(
                s,
                actor,
                phone=input.phone,
                first_name=input.first_name,
                last_name=input.last_name,
                email=input.email,
                store_id=store_id,
            ),
            ok,
        )

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
        return await mutate(
            info,
            MembershipClaimStartPayload,
            lambda s: enrolment.start_claim(s, phone),
            lambda _: MembershipClaimStartPayload(code_sent=True),
            arguments=("phone",),
        )

    @strawberry.mutation(description="Set the password with the SMS code, and sign in.")
    async def membership_claim_complete(
        self,
        info: OmniInfo,
        input: Annotated[
            MembershipClaimCompleteInput,
            strawberry.argument(
                description="The enrolled phone, the SMS code from `membershipClaimStart` and "
                "the new password."
            ),
        ],
    ) -> MembershipClaimCompletePayload:
        secret = info.context.settings.secret_key

        def ok(joined: enrolment.Joined) -> MembershipClaimCompletePayload:
            info.context.grant(joined.customer.id)
            assert joined.tokens is not None
            return MembershipClaimCompletePayload(
                customer=present("Customer", joined.customer),
                token=AccessToken.of(joined.tokens),
            )

        merged = merge_after_sign_in(info.context.settings, input.cart_id)

        async def work(session: AsyncSession) -> enrolment.Joined:
            joined = await enrolment.complete_claim(
                session, input.phone, input.code, input.password, secret
            )
            if merged is not None:
                await merged(session, joined.customer.id)
            return joined

        return await mutate(info, MembershipClaimCompletePayload, work, ok)

    @strawberry.mutation(description="Correct a member's points (staff, with a reason).")
    async def points_adjust(
        self,
        info: OmniInfo,
        input: Annotated[
            PointsAdjustInput,
            strawberry.argument(
                description="The member, the points to add or remove, and the reason."
            ),
        ],
    ) -> PointsAdjustPayload:
        actor = info.context.actor
        store_id = _store_id(input.store_id)
        customer_id = expect_global_id(input.customer_id, "Customer", "customerId")

        def ok(result: tuple[EntryModel, MembershipModel]) -> PointsAdjustPayload:
            entry, membership = result
            return PointsAdjustPayload(
                entry=PointsEntry.from_model(entry), membership=Membership.from_model(membership)
            )

        return await mutate(
            info,
            PointsAdjustPayload,
            lambda s: ledger.adjust_points(
                s, actor, customer_id, input.amount, input.reason, store_id
            ),
            ok,
        )

    @strawberry.mutation(
        description="Give a member a tier until a date, with a reason (ADMIN). Their prices "
        "follow at once; the override is kept in the tier history."
    )
    async def membership_tier_override(
        self,
        info: OmniInfo,
        input: Annotated[
            MembershipTierOverrideInput,
            strawberry.argument(description="The member, the tier, the reason and the end."),
        ],
    ) -> MembershipTierOverridePayload:
        actor = info.context.actor
        membership_id = expect_global_id(input.membership_id, "Membership", "membershipId")
        return await mutate(
            info,
            MembershipTierOverridePayload,
            lambda s: overrides.override_tier(
                s, actor, membership_id, input.tier, input.reason, input.until
            ),
            lambda m: MembershipTierOverridePayload(membership=Membership.from_model(m)),
        )
