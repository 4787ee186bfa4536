"""Customer mutations: registering, the profile, and the address book."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.auth.payloads import AccessToken
from api.core.ids import expect_global_id
from api.core.mutations import mutate
from api.core.types import OmniInfo
from api.customers import loaders
from api.customers.inputs import AddressInput, CustomerRegisterInput, CustomerUpdateInput
from api.customers.payloads import (
    CustomerAddressPayload,
    CustomerRegisterPayload,
    CustomerUpdatePayload,
)
from api.customers.types import Customer, CustomerAddress
from domain.customers import addresses, service
from domain.customers.models import CustomerAddress as AddressModel
from domain.membership import enrolment

AddressIdArgument = Annotated[
    strawberry.ID, strawberry.argument(description="A CustomerAddress ID.")
]


@strawberry.type
class CustomersMutation:
    @strawberry.mutation(description="Create a customer account (and membership) and sign in.")
    async def customer_register(
        self,
        info: OmniInfo,
        input: Annotated[
            CustomerRegisterInput,
            strawberry.argument(
                description="The new account: an email, a phone or both, a name and a password."
            ),
        ],
    ) -> CustomerRegisterPayload:
        actor, secret = info.context.actor, info.context.settings.secret_key

        def ok(joined: enrolment.Joined) -> CustomerRegisterPayload:
            info.context.grant(joined.customer.id)
            assert joined.tokens is not None
            return CustomerRegisterPayload(
                customer=Customer.from_model(joined.customer),
                token=AccessToken.of(joined.tokens),
            )

        return await mutate(
            info,
            CustomerRegisterPayload,
            lambda s: enrolment.register(
                s,
                actor,
                email=input.email,
                phone=input.phone,
                first_name=input.first_name,
                last_name=input.last_name,
                password=input.password,
                secret=secret,
            ),
            ok,
        )

    @strawberry.mutation(description="Change the signed-in customer's profile.")
    async def customer_update(
        self,
        info: OmniInfo,
        input: Annotated[
            CustomerUpdateInput,
            strawberry.argument(description="The fields to change; omitted fields stay."),
        ],
    ) -> CustomerUpdatePayload:
        actor = info.context.actor
        return await mutate(
            info,
            CustomerUpdatePayload,
            lambda s: service.update_customer(
                s,
                actor,
                first_name=input.first_name,
                last_name=input.last_name,
                email=input.email,
                phone=input.phone,
            ),
            lambda c: CustomerUpdatePayload(customer=Customer.from_model(c)),
        )

    @strawberry.mutation(description="Add an address to the signed-in customer's address book.")
    async def customer_address_add(
        self,
        info: OmniInfo,
        input: Annotated[
            AddressInput,
            strawberry.argument(
                description="The new address: `recipient`, `phone`, `street` and `province` "
                "are required. The first address becomes the default."
            ),
        ],
    ) -> CustomerAddressPayload:
        actor = info.context.actor
        return await mutate(
            info,
            CustomerAddressPayload,
            lambda s: addresses.add_address(s, actor, input.to_domain()),
            lambda a: _address_changed(info, a),
        )

    @strawberry.mutation(description="Change an address of the signed-in customer.")
    async def customer_address_update(
        self,
        info: OmniInfo,
        id: AddressIdArgument,
        input: Annotated[
            AddressInput,
            strawberry.argument(description="The fields to change; omitted fields stay."),
        ],
    ) -> CustomerAddressPayload:
        actor = info.context.actor
        address_id = expect_global_id(id, "CustomerAddress")
        return await mutate(
            info,
            CustomerAddressPayload,
            lambda s: addresses.update_address(s, actor, address_id, input.to_domain()),
            lambda a: _address_changed(info, a),
            arguments=("id",),
        )

    @strawberry.mutation(description="Remove an address of the signed-in customer.")
    async def customer_address_remove(
        self, info: OmniInfo, id: AddressIdArgument
    ) -> CustomerAddressPayload:
        actor = info.context.actor
        address_id = expect_global_id(id, "CustomerAddress")
        return await mutate(
            info,
            CustomerAddressPayload,
            lambda s: addresses.remove_address(s, actor, address_id),
            lambda _: _address_changed(info, None),
            arguments=("id",),
        )


async def _address_changed(info: OmniInfo, address: AddressModel | None) -> CustomerAddressPayload:
    customer = None
    customer_id = info.context.actor.customer_id
    if customer_id is not None:
        # Anything loaded before the change is stale (DataLoader.clear raises on a miss).
        loaders.customer(info).clear_all()
        loaders.addresses_by_customer(info).clear_all()
        row = await loaders.customer(info).load(customer_id)
        customer = Customer.from_model(row) if row else None
    return CustomerAddressPayload(
        address=CustomerAddress.from_model(address) if address else None, customer=customer
    )
