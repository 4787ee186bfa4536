"""Identity mutations: customer accounts, sign-in and tokens, staff, devices, kiosk sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from api.core.auth import Viewer
from api.core.ids import expect_global_id
from api.core.mutations import (
    UserError,
    forbidden,
    require_staff,
    run_mutation,
    unauthenticated,
)
from api.core.types import OmniInfo
from api.identity.types import Channel, Customer, CustomerAddress, Device, StaffUser
from domain.channels import Channel as DomainChannel
from domain.identity import service
from domain.identity.models import Device as DeviceModel
from domain.identity.models import SubjectKind


def _customer_id(viewer: Viewer, *, contact: bool = False) -> int:
    """The signed-in customer a change is for.

    A device's customer session may keep the address book, but never the email, phone or
    name: a card or phone at a kiosk is not proof enough to take over the account.
    """
    if viewer.customer_id is None:
        raise unauthenticated()
    if viewer.limited or (contact and viewer.kiosk_session_id is not None):
        raise forbidden("An in-store customer session cannot change these account details.")
    return viewer.customer_id


# --- shared shapes -------------------------------------------------------------

RefreshTokenArgument = Annotated[
    str, strawberry.argument(description="The refresh token to trade in.")
]


@strawberry.type(description="Tokens of a signed-in customer or staff user.")
class AccessToken:
    access_token: str = strawberry.field(
        description="Send as `Authorization: Bearer <accessToken>`. Short-lived."
    )
    access_token_expires_at: datetime = strawberry.field(description="When it stops working.")
    refresh_token: str = strawberry.field(
        description="Trade it once for new tokens (`…TokenRefresh`); keep it secret."
    )
    refresh_token_expires_at: datetime = strawberry.field(description="When it stops working.")

    @classmethod
    def of(cls, issued: service.IssuedTokens) -> AccessToken:
        return cls(
            access_token=issued.access_token,
            access_token_expires_at=issued.access_expires_at,
            refresh_token=issued.refresh_token,
            refresh_token_expires_at=issued.refresh_expires_at,
        )


@strawberry.type(description="Result of a sign-in or token refresh.")
class AccessTokenPayload:
    token: AccessToken | None = strawberry.field(description="New tokens; null on failure.")
    user_errors: list[UserError] = strawberry.field(description="Why it failed, if it did.")


# --- customers ------------------------------------------------------------------


@strawberry.input(description="A new customer account. Give an email, a phone, or both.")
class CustomerRegisterInput:
    email: str | None = strawberry.field(default=None, description="Email address.")
    phone: str | None = strawberry.field(
        default=None, description="Vietnamese phone in any usual form (0901…, +84 901…)."
    )
    first_name: str = strawberry.field(description="First name.")
    last_name: str = strawberry.field(default="", description="Last name.")
    password: str = strawberry.field(
        description="8 to 128 characters with at least one letter and one digit."
    )


@strawberry.type(description="Result of `customerRegister`.")
class CustomerRegisterPayload:
    customer: Customer | None = strawberry.field(description="The new customer; null on failure.")
    token: AccessToken | None = strawberry.field(description="Tokens: the customer is signed in.")
    user_errors: list[UserError] = strawberry.field(description="Why it failed, if it did.")


@strawberry.input(description="Sign-in details.")
class LoginInput:
    identifier: str = strawberry.field(description="Email, or phone in any usual form.")
    password: str = strawberry.field(description="The password.")


@strawberry.input(description="Changes to the signed-in customer. Omitted fields stay.")
class CustomerUpdateInput:
    first_name: str | None = strawberry.field(default=None, description="First name.")
    last_name: str | None = strawberry.field(default=None, description="Last name.")
    email: str | None = strawberry.field(default=None, description='Email; "" removes it.')
    phone: str | None = strawberry.field(default=None, description='Phone; "" removes it.')


@strawberry.type(description="Result of `customerUpdate`.")
class CustomerUpdatePayload:
    customer: Customer | None = strawberry.field(description="The customer; null on failure.")
    user_errors: list[UserError] = strawberry.field(description="Why it failed, if it did.")


@strawberry.input(description="An address for the address book.")
class AddressInput:
    recipient: str | None = strawberry.field(default=None, description="Who receives parcels.")
    phone: str | None = strawberry.field(default=None, description="The recipient's phone.")
    street: str | None = strawberry.field(default=None, description="House number and street.")
    ward: str | None = strawberry.field(default=None, description="Ward (phường/xã).")
    district: str | None = strawberry.field(default=None, description="District (quận/huyện).")
    province: str | None = strawberry.field(default=None, description="Province or city.")
    is_default: bool | None = strawberry.field(
        default=None, description="Make it the default address."
    )

    def to_domain(self) -> service.AddressFields:
        return service.AddressFields(
            recipient=self.recipient,
            phone=self.phone,
            street=self.street,
            ward=self.ward,
            district=self.district,
            province=self.province,
            is_default=self.is_default,
        )


@strawberry.type(description="Result of an address book change.")
class CustomerAddressPayload:
    address: CustomerAddress | None = strawberry.field(
        description="The address; null on failure or after removal."
    )
    customer: Customer | None = strawberry.field(description="The customer after the change.")
    user_errors: list[UserError] = strawberry.field(description="Why it failed, if it did.")


@strawberry.type(description="Result of a sign-out.")
class LogoutPayload:
    logged_out: bool = strawberry.field(description="True when the session is revoked.")
    user_errors: list[UserError] = strawberry.field(description="Why it failed, if it did.")


# --- staff and devices ------------------------------------------------------------


@strawberry.input(description="Staff sign-in details.")
class StaffLoginInput:
    email: str = strawberry.field(description="Staff email.")
    password: str = strawberry.field(description="The password.")


@strawberry.type(description="Result of `staffLogin`.")
class StaffLoginPayload:
    token: AccessToken | None = strawberry.field(description="New tokens; null on failure.")
    staff: StaffUser | None = strawberry.field(description="Who signed in.")
    user_errors: list[UserError] = strawberry.field(description="Why it failed, if it did.")


@strawberry.input(description="A kiosk or counter to register.")
class DeviceRegisterInput:
    name: str = strawberry.field(description="A name staff recognise.")
    store_id: strawberry.ID = strawberry.field(description="The store (Location ID).")
    channel: Channel = strawberry.field(description="KIOSK or POS.")


@strawberry.type(description="Result of `deviceRegister`.")
class DeviceRegisterPayload:
    device: Device | None = strawberry.field(description="The device; null on failure.")
    device_key: str | None = strawberry.field(
        description="The key for `X-Omni-Device-Key`. Shown only now: store it on the device."
    )
    user_errors: list[UserError] = strawberry.field(description="Why it failed, if it did.")


@strawberry.type(description="Result of `deviceRevoke`.")
class DeviceRevokePayload:
    device: Device | None = strawberry.field(description="The revoked device.")
    user_errors: list[UserError] = strawberry.field(description="Why it failed, if it did.")


@strawberry.input(description="Identify a member at a kiosk or counter: card or phone.")
class CustomerIdentifyInput:
    card_number: str | None = strawberry.field(default=None, description="Scanned card number.")
    phone: str | None = strawberry.field(
        default=None,
        description="Phone number. At an unattended kiosk this gives a limited session.",
    )


@strawberry.type(description="A device's session acting for one customer.")
class CustomerSessionToken:
    token: str = strawberry.field(
        description="Send as `Authorization: Bearer <token>` together with the device key."
    )
    expires_at: datetime = strawberry.field(description="When the session times out.")
    limited: bool = strawberry.field(
        description="True when only first name and points may be shown (phone at a kiosk)."
    )


@strawberry.type(description="Result of `customerIdentify`.")
class CustomerIdentifyPayload:
    session: CustomerSessionToken | None = strawberry.field(description="The session.")
    customer: Customer | None = strawberry.field(description="Who was identified.")
    user_errors: list[UserError] = strawberry.field(description="Why it failed, if it did.")


@strawberry.type
class IdentityMutation:
    @strawberry.mutation(description="Create a customer account (and membership) and sign in.")
    async def customer_register(
        self, info: OmniInfo, input: CustomerRegisterInput
    ) -> CustomerRegisterPayload:
        viewer = info.context.viewer
        secret = info.context.settings.secret_key

        async def work(s: AsyncSession) -> tuple[Customer, AccessToken]:
            customer = await service.create_customer(
                s,
                email=input.email,
                phone=input.phone,
                first_name=input.first_name,
                last_name=input.last_name,
                password=input.password,
                channel=viewer.channel,
                location_id=viewer.device.location_id if viewer.device else None,
            )
            viewer.granted.add(customer.id)
            tokens = await service.issue_customer_tokens(s, customer.id, secret)
            return Customer.from_model(customer), AccessToken.of(tokens)

        result, errors = await run_mutation(info, work)
        return CustomerRegisterPayload(
            customer=result[0] if result else None,
            token=result[1] if result else None,
            user_errors=errors,
        )

    @strawberry.mutation(
        description="Sign a customer in with email or phone. Repeated failures for one account "
        "or one client address are refused for 15 minutes (LOGIN_THROTTLED)."
    )
    async def customer_login(self, info: OmniInfo, input: LoginInput) -> AccessTokenPayload:
        viewer = info.context.viewer
        secret = info.context.settings.secret_key
        result, errors = await run_mutation(
            info,
            lambda s: service.login_customer(
                s, input.identifier, input.password, viewer.client_address, secret
            ),
        )
        return AccessTokenPayload(
            token=AccessToken.of(result) if result else None, user_errors=errors
        )

    @strawberry.mutation(
        description="Trade a refresh token for new tokens. Each refresh token works once; "
        "presenting a used one revokes every token of that sign-in."
    )
    async def customer_token_refresh(
        self, info: OmniInfo, refresh_token: RefreshTokenArgument
    ) -> AccessTokenPayload:
        return await _refresh(info, refresh_token, SubjectKind.CUSTOMER)

    @strawberry.mutation(
        description="Sign out: revokes the refresh token and the access tokens of this sign-in."
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
        family = info.context.viewer.family_id
        if refresh_token is None and family is None:
            return LogoutPayload(
                logged_out=False, user_errors=[UserError.from_domain(unauthenticated())]
            )
        _, errors = await run_mutation(
            info, lambda s: service.logout(s, refresh_token, family), arguments=("refreshToken",)
        )
        return LogoutPayload(logged_out=not errors, user_errors=errors)

    @strawberry.mutation(description="Change the signed-in customer's profile.")
    async def customer_update(
        self, info: OmniInfo, input: CustomerUpdateInput
    ) -> CustomerUpdatePayload:
        viewer = info.context.viewer

        async def work(s: AsyncSession) -> Customer:
            customer = await service.update_customer(
                s,
                _customer_id(viewer, contact=True),
                first_name=input.first_name,
                last_name=input.last_name,
                email=input.email,
                phone=input.phone,
            )
            return Customer.from_model(customer)

        result, errors = await run_mutation(info, work)
        return CustomerUpdatePayload(customer=result, user_errors=errors)

    @strawberry.mutation(description="Add an address to the signed-in customer's address book.")
    async def customer_address_add(
        self, info: OmniInfo, input: AddressInput
    ) -> CustomerAddressPayload:
        viewer = info.context.viewer

        async def work(s: AsyncSession) -> CustomerAddress:
            address = await service.add_address(s, _customer_id(viewer), input.to_domain())
            return CustomerAddress.from_model(address)

        result, errors = await run_mutation(info, work)
        return await _address_payload(info, result, errors)

    @strawberry.mutation(description="Change an address of the signed-in customer.")
    async def customer_address_update(
        self,
        info: OmniInfo,
        id: Annotated[strawberry.ID, strawberry.argument(description="A CustomerAddress ID.")],
        input: AddressInput,
    ) -> CustomerAddressPayload:
        viewer = info.context.viewer

        async def work(s: AsyncSession) -> CustomerAddress:
            address_id = expect_global_id(id, "CustomerAddress")
            address = await service.update_address(
                s, _customer_id(viewer), address_id, input.to_domain()
            )
            return CustomerAddress.from_model(address)

        result, errors = await run_mutation(info, work, arguments=("id",))
        return await _address_payload(info, result, errors)

    @strawberry.mutation(description="Remove an address of the signed-in customer.")
    async def customer_address_remove(
        self,
        info: OmniInfo,
        id: Annotated[strawberry.ID, strawberry.argument(description="A CustomerAddress ID.")],
    ) -> CustomerAddressPayload:
        viewer = info.context.viewer

        async def work(s: AsyncSession) -> None:
            await service.remove_address(
                s, _customer_id(viewer), expect_global_id(id, "CustomerAddress")
            )

        _, errors = await run_mutation(info, work, arguments=("id",))
        return await _address_payload(info, None, errors)

    @strawberry.mutation(description="Sign a staff user in.")
    async def staff_login(self, info: OmniInfo, input: StaffLoginInput) -> StaffLoginPayload:
        viewer = info.context.viewer
        secret = info.context.settings.secret_key
        result, errors = await run_mutation(
            info,
            lambda s: service.login_staff(
                s, input.email, input.password, viewer.client_address, secret
            ),
        )
        staff = None
        if result is not None:
            row = await info.context.loaders.staff.load(result.subject_id)
            staff = StaffUser.from_model(row) if row else None
        return StaffLoginPayload(
            token=AccessToken.of(result) if result else None, staff=staff, user_errors=errors
        )

    @strawberry.mutation(description="Trade a staff refresh token for new tokens (rotating).")
    async def staff_token_refresh(
        self, info: OmniInfo, refresh_token: RefreshTokenArgument
    ) -> AccessTokenPayload:
        return await _refresh(info, refresh_token, SubjectKind.STAFF)

    @strawberry.mutation(
        description="Register a kiosk or counter for a store (admins, and managers of that "
        "store). The device key is returned once and stored only as a hash."
    )
    async def device_register(
        self, info: OmniInfo, input: DeviceRegisterInput
    ) -> DeviceRegisterPayload:
        viewer = info.context.viewer

        async def work(s: AsyncSession) -> tuple[Device, str]:
            device, key = await service.register_device(
                s,
                require_staff(viewer),
                name=input.name,
                location_id=expect_global_id(input.store_id, "Location", "storeId"),
                channel=DomainChannel(input.channel.name),
            )
            return Device.from_model(device), key

        result, errors = await run_mutation(info, work)
        return DeviceRegisterPayload(
            device=result[0] if result else None,
            device_key=result[1] if result else None,
            user_errors=errors,
        )

    @strawberry.mutation(description="Revoke a device's key; the device is refused from now on.")
    async def device_revoke(
        self,
        info: OmniInfo,
        id: Annotated[strawberry.ID, strawberry.argument(description="A Device ID.")],
    ) -> DeviceRevokePayload:
        viewer = info.context.viewer

        async def work(s: AsyncSession) -> Device:
            device = await service.revoke_device(
                s, require_staff(viewer), expect_global_id(id, "Device")
            )
            return Device.from_model(device)

        result, errors = await run_mutation(info, work, arguments=("id",))
        return DeviceRevokePayload(device=result, user_errors=errors)

    @strawberry.mutation(
        description="At a kiosk or counter (device key required): identify a member by card or "
        "phone and get a short-lived session to act for them."
    )
    async def customer_identify(
        self, info: OmniInfo, input: CustomerIdentifyInput
    ) -> CustomerIdentifyPayload:
        viewer = info.context.viewer
        secret = info.context.settings.secret_key

        async def work(s: AsyncSession) -> tuple[CustomerSessionToken, Customer]:
            if viewer.device is None:
                raise forbidden("Only a kiosk or counter device can identify customers.")
            device = await s.get(DeviceModel, viewer.device.id)
            assert device is not None
            row, customer, token = await service.start_customer_session(
                s, device, card_number=input.card_number, phone=input.phone, secret=secret
            )
            if not row.limited:
                # The device may now read what the new session may read.
                viewer.granted.add(customer.id)
            return (
                CustomerSessionToken(token=token, expires_at=row.expires_at, limited=row.limited),
                Customer.from_model(customer),
            )

        result, errors = await run_mutation(info, work)
        return CustomerIdentifyPayload(
            session=result[0] if result else None,
            customer=result[1] if result else None,
            user_errors=errors,
        )

    @strawberry.mutation(description="End the device's customer session (e.g. on “Done”).")
    async def customer_session_end(self, info: OmniInfo) -> LogoutPayload:
        viewer = info.context.viewer
        if viewer.device is None or viewer.kiosk_session_id is None:
            return LogoutPayload(
                logged_out=False, user_errors=[UserError.from_domain(unauthenticated())]
            )
        device_id, session_id = viewer.device.id, viewer.kiosk_session_id
        _, errors = await run_mutation(
            info, lambda s: service.end_customer_session(s, device_id, session_id)
        )
        return LogoutPayload(logged_out=not errors, user_errors=errors)


async def _refresh(info: OmniInfo, refresh_token: str, kind: SubjectKind) -> AccessTokenPayload:
    secret = info.context.settings.secret_key
    result, errors = await run_mutation(
        info,
        lambda s: service.refresh_tokens(s, refresh_token, kind, secret),
        arguments=("refreshToken",),
    )
    return AccessTokenPayload(token=AccessToken.of(result) if result else None, user_errors=errors)


async def _address_payload(
    info: OmniInfo, address: CustomerAddress | None, errors: list[UserError]
) -> CustomerAddressPayload:
    customer = None
    customer_id = info.context.viewer.customer_id
    if customer_id is not None and not errors:
        # Anything loaded before the change is stale (DataLoader.clear raises on a miss).
        info.context.loaders.customer.clear_all()
        info.context.loaders.addresses_by_customer.clear_all()
        row = await info.context.loaders.customer.load(customer_id)
        customer = Customer.from_model(row) if row else None
    return CustomerAddressPayload(address=address, customer=customer, user_errors=errors)
