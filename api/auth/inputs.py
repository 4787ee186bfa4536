"""Inputs of sign-in."""

from __future__ import annotations

from typing import Annotated

import strawberry


@strawberry.input(description="Sign-in details.")
class LoginInput:
    identifier: str = strawberry.field(description="Email, or phone in any usual form.")
    password: str = strawberry.field(description="The password.")
    cart_id: strawberry.ID | None = strawberry.field(
        default=None,
        description='A guest cart to merge into the customer\'s cart (README, "Carts").',
    )


@strawberry.input(description="Staff sign-in details.")
class StaffLoginInput:
    email: str = strawberry.field(description="Staff email.")
    password: str = strawberry.field(description="The password.")


RefreshTokenArgument = Annotated[
    str, strawberry.argument(description="The refresh token to trade in.")
]
