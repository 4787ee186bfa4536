"""Sign-in, token refresh and sign-out, for customers and staff."""

from __future__ import annotations

from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.inputs import LoginInput, RefreshTokenArgument, StaffLoginInput
from api.auth.payloads import AccessToken, AccessTokenPayload, LogoutPayload, StaffLoginPayload
from api.core.cart_ids import merge_after_sign_in
from api.core.mutations import mutate
from api.core.types import OmniInfo
from api.staff.types import StaffUser
from domain.auth.families import IssuedTokens
from domain.customers import signin as customers
from domain.staff import service as staff
from domain.staff.models import StaffUser as StaffModel


def _tokens(issued: IssuedTokens) -> AccessTokenPayload:
    return AccessTokenPayload(token=AccessToken.of(issued))


def _staff_signed_in(result: tuple[StaffModel | None, IssuedTokens]) -> StaffLoginPayload:
    row, issued = result
    return StaffLoginPayload(
        token=AccessToken.of(issued), staff=StaffUser.from_model(row) if row else None
    )


@strawberry.type
class AuthMutation:
    @strawberry.mutation(
        description="Sign a customer in with email or phone. Repeated failures for one account "
        "or one client address are refused for 15 minutes (LOGIN_THROTTLED)."
    )
    async def customer_login(
        self,
        info: OmniInfo,
        input: Annotated[
            LoginInput,
            strawberry.argument(description="The customer's email or phone, and password."),
        ],
    ) -> AccessTokenPayload:
        actor, secret = info.context.actor, info.context.settings.secret_key
        merged = merge_after_sign_in(info.context.settings, input.cart_id)

        async def work(session: AsyncSession) -> IssuedTokens:
            tokens = await customers.login(session, actor, input.identifier, input.password, secret)
            if merged is not None:
                await merged(session, tokens.subject_id)
            return tokens

        return await mutate(info, AccessTokenPayload, work, _tokens)

    @strawberry.mutation(
        description="Trade a refresh token for new tokens. Each refresh token works once; "
        "presenting a used one revokes every token of that sign-in."
    )
    async def customer_token_refresh(
        self, info: OmniInfo, refresh_token: RefreshTokenArgument
    ) -> AccessTokenPayload:
        secret = info.context.settings.secret_key
        return await mutate(
            info,
            AccessTokenPayload,
            lambda s: customers.refresh(s, refresh_token, secret),
            _tokens,
            arguments=("refreshToken",),
        )

    @strawberry.mutation(
        description="Sign out: revokes the refresh token and the access tokens of this sign-in. "
        "Without a refresh token and without a signed-in token: UNAUTHENTICATED."
    )
    async def customer_logout(
        self,
        info: OmniInfo,
        refresh_token: Annotated[
            str | None,
            strawberry.argument(
                description="The refresh token to revoke; optional when signed in."
            ),
        ] = None,
    ) -> LogoutPayload:
        actor = info.context.actor
        return await mutate(
            info,
            LogoutPayload,
            lambda s: customers.logout(s, actor, refresh_token),
            lambda _: LogoutPayload(logged_out=True),
            arguments=("refreshToken",),
        )

    @strawberry.mutation(description="Sign a staff user in.")
    async def staff_login(
        self,
        info: OmniInfo,
        input: Annotated[
            StaffLoginInput,
            strawberry.argument(description="The staff user's email and password."),
        ],
    ) -> StaffLoginPayload:
        actor, secret = info.context.actor, info.context.settings.secret_key
        return await mutate(
            info,
            StaffLoginPayload,
            lambda s: staff.login(s, input.email, input.password, actor.client_address, secret),
            _staff_signed_in,
        )

    @strawberry.mutation(description="Trade a staff refresh token for new tokens (rotating).")
    async def staff_token_refresh(
        self, info: OmniInfo, refresh_token: RefreshTokenArgument
    ) -> AccessTokenPayload:
        secret = info.context.settings.secret_key
        return await mutate(
            info,
            AccessTokenPayload,
            lambda s: staff.refresh(s, refresh_token, secret),
            _tokens,
            arguments=("refreshToken",),
        )
