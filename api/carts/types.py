"""GraphQL types of carts."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import strawberry

from api.carts import loaders
from api.catalog import loaders as catalog
from api.catalog.types import ProductVariant
from api.core.cart_ids import cart_global_id
from api.core.ids import to_global_id
from api.core.loaders import load_all
from api.core.types import Channel, Money, OmniInfo, PostalAddress
from api.inventory import loaders as stock
from api.inventory.types import Location
from api.pricing import loaders as pricing_loaders
from api.pricing.breakdown import PriceAdjustment
from domain.actors import Actor
from domain.carts import models
from domain.carts.fulfillment import DELIVERY, IN_STORE, PICKUP
from domain.catalog.visibility import variant_shown_to
from domain.pricebook.context import ancestry, item
from domain.pricebook.vouchers import to_engine
from domain.pricing.breakdown import CartPrice, LinePrice
from domain.pricing.calculator import CartLine as EngineLine
from domain.pricing.calculator import price_cart


@strawberry.type(description="What a line costs, VAT included.")
class CartLineCost:
    unit_price: Money = strawberry.field(
        description="The price of one unit for the cart's owner now (promotion and tier)."
    )
    subtotal: Money = strawberry.field(description="List price × quantity.")
    discounts: Money = strawberry.field(
        description="Everything taken off `subtotal`: promotion, tier, and this line's share "
        "of the voucher and points."
    )
    total: Money = strawberry.field(description="`subtotal` − `discounts`.")


@strawberry.type(description="What the cart costs, VAT included.")
class CartCost:
    subtotal: Money = strawberry.field(description="The lines at list prices.")
    discounts: Money = strawberry.field(
        description="Promotions, tier, voucher and points taken off."
    )
    delivery: Money = strawberry.field(
        description="The delivery fee charged (0 for pickup or with a free-delivery voucher)."
    )
    vat: Money = strawberry.field(description="The VAT included in `total`.")
    total: Money = strawberry.field(description="`subtotal` − `discounts` + `delivery`.")


@strawberry.enum(description="Something the buyer should know about a line.")
class CartWarningCode(enum.Enum):
    PRICE_CHANGED = strawberry.enum_value(
        "PRICE_CHANGED", description="The unit price changed since the quantity was last set."
    )
    STOCK_LOW = strawberry.enum_value(
        "STOCK_LOW", description="Fewer units can be supplied than the line asks for."
    )
    UNAVAILABLE = strawberry.enum_value(
        "UNAVAILABLE", description="The variant is no longer on sale; remove the line."
    )
    VOUCHER_NOT_APPLICABLE = strawberry.enum_value(
        "VOUCHER_NOT_APPLICABLE",
        description="The cart's voucher does not apply now (minimum, window, tier); it "
        "counts again when it does.",
    )


@strawberry.type(description="A voucher on a cart.")
class CartVoucher:
    code: str = strawberry.field(description="The code, upper-case.")
    applied: bool = strawberry.field(
        description="True when it counts in the totals now (see warnings otherwise)."
    )


@strawberry.type(description="A change the buyer should see, Shopify-style.")
class CartWarning:
    code: CartWarningCode = strawberry.field(description="What happened.")
    message: str = strawberry.field(description="A sentence to show.")
    line_id: strawberry.ID | None = strawberry.field(description="The CartLine concerned.")


@strawberry.enum(description="Why a cart cannot be checked out yet.")
class CheckoutBlockerCode(enum.Enum):
    EMPTY = strawberry.enum_value("EMPTY", description="The cart has no lines.")
    NO_FULFILLMENT = strawberry.enum_value(
        "NO_FULFILLMENT", description="Choose pickup at a store or delivery to an address."
    )
    CONTACT_REQUIRED = strawberry.enum_value(
        "CONTACT_REQUIRED", description="A guest cart needs an email or a phone."
    )
    INSUFFICIENT_STOCK = strawberry.enum_value(
        "INSUFFICIENT_STOCK", description="A line asks for more than can be supplied."
    )
    UNAVAILABLE = strawberry.enum_value(
        "UNAVAILABLE", description="A line's variant is no longer on sale."
    )


@strawberry.type(description="Why `readyForCheckout` is false.")
class CheckoutBlocker:
    code: CheckoutBlockerCode = strawberry.field(description="What is missing.")
    message: str = strawberry.field(description="A sentence to show.")


@strawberry.enum(description="How the order reaches the buyer.")
class FulfillmentKind(enum.Enum):
    PICKUP = strawberry.enum_value("PICKUP", description="Collected at a store.")
    DELIVERY = strawberry.enum_value("DELIVERY", description="Delivered to an address.")
    IN_STORE = strawberry.enum_value(
        "IN_STORE", description="Sold at a store's counter and handed over at once."
    )


@strawberry.type(description="Where a delivery goes.")
class DeliveryAddress(PostalAddress):
    recipient: str = strawberry.field(description="Who receives it.")
    phone: str = strawberry.field(description="Their phone, E.164 (+84…).")


@strawberry.type(description="The cart's chosen fulfilment.")
class CartFulfillment:
    kind: FulfillmentKind = strawberry.field(description="Pickup or delivery.")
    store_id: strawberry.Private[int | None]
    address: DeliveryAddress | None = strawberry.field(
        description="The delivery address; null for pickup."
    )

    @strawberry.field(description="The pickup store; null for delivery.")
    async def store(self, info: OmniInfo) -> Location | None:
        if self.store_id is None:
            return None
        found = await stock.location(info).load(self.store_id)
        return Location.from_model(found) if found else None


@strawberry.type(description="A variant and its quantity in a cart.")
class CartLine:
    model: strawberry.Private[models.CartLine]
    priced: strawberry.Private[LinePrice]
    id: strawberry.ID = strawberry.field(description="The line's ID (for updates and removal).")
    quantity: int = strawberry.field(description="Units, 1 to 99.")
    variant: ProductVariant = strawberry.field(description="What is bought.")
    cost: CartLineCost = strawberry.field(description="What the line costs.")
    available_quantity: int = strawberry.field(
        description="Units available for this cart now: at the pickup store; across the "
        "locations that ship, for delivery; before a choice, the most one location holds."
    )


@dataclass
class _Priced:
    lines: list[CartLine]
    price: CartPrice
    warnings: list[CartWarning]
    blockers: list[CheckoutBlocker]
    voucher: CartVoucher | None


@strawberry.type(
    description="A cart: the same on every channel. A signed-in customer has one, `me.cart`; "
    "a guest's cart is reached only by its ID, which is secret — keep it like a password."
)
class Cart:
    model: strawberry.Private[models.Cart]
    cache: strawberry.Private[list[_Priced]]
    id: strawberry.ID = strawberry.field(description="Opaque, unguessable ID.")
    points_redeemed: int = strawberry.field(
        description="Points asked for with `cartPointsRedeem` (see `pointsApplied`)."
    )
    channel: Channel = strawberry.field(
        description="The channel it was created on (reports only: prices never depend on it)."
    )
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it last changed.")

    @classmethod
    def from_model(cls, m: models.Cart) -> Cart:
        return cls(
            model=m,
            cache=[],
            id=strawberry.ID(cart_global_id(m.id, m.token)),
            points_redeemed=m.points_redeemed,
            channel=Channel[m.channel.value],
            created_at=m.created_at,
            updated_at=m.updated_at,
        )

    async def _priced(self, info: OmniInfo) -> _Priced:
        if self.cache:
            return self.cache[0]
        rows = await loaders.lines(info).load(self.model.id)
        variant_ids = [r.variant_id for r in rows]
        variants = await load_all(catalog.variant(info), variant_ids)
        products = await load_all(
            catalog.product(info), sorted({v.product_id for v in variants if v})
        )
        by_product = {p.id: p for p in products if p}
        tree = await catalog.category_tree(info).load(None)
        ctx = await loaders.owner_pricing(info).load(self.model.customer_id)
        supply = await self._available(info, variant_ids)
        engine_lines = []
        for row, variant in zip(rows, variants, strict=True):
            assert variant is not None  # lines reference variants (FK)
            product = by_product[variant.product_id]
            chain = ancestry(product.category_id, tree.parents)
            engine_lines.append(
                EngineLine(str(row.id), item(variant, product, chain), row.quantity)
            )
        fee = Decimal(0)
        if self.model.fulfillment_kind == DELIVERY:
            fee = info.context.settings.pricing.delivery_fee
        voucher = None
        engine_voucher = None
        if self.model.voucher_id is not None:
            voucher = await loaders.voucher(info).load(self.model.voucher_id)
            offer = await pricing_loaders.offer(info).load(None)
            engine_voucher = to_engine(voucher, offer.tiers.ranks) if voucher else None
        price = price_cart(
            engine_lines,
            ctx,
            voucher=engine_voucher,
            points=self.model.points_redeemed,
            delivery_fee=fee,
        )
        lines, warnings, blockers = [], [], []
        buyer = Actor(channel=info.context.actor.channel)  # on sale to anyone
        for row, variant, priced, available in zip(
            rows, variants, price.lines, supply, strict=True
        ):
            assert variant is not None
            line_id = strawberry.ID(to_global_id("CartLine", row.id))
            on_sale = variant_shown_to(variant, by_product[variant.product_id], buyer)
            if not on_sale:
                warnings.append(
                    CartWarning(
                        code=CartWarningCode.UNAVAILABLE,
                        message=f"{variant.sku} is no longer on sale.",
                        line_id=line_id,
                    )
                )
            elif available < row.quantity:
                warnings.append(
                    CartWarning(
                        code=CartWarningCode.STOCK_LOW,
                        message=f"Only {available} of {variant.sku} can be supplied.",
                        line_id=line_id,
                    )
                )
            if priced.unit.price != row.seen_price:
                warnings.append(
                    CartWarning(
                        code=CartWarningCode.PRICE_CHANGED,
                        message=f"{variant.sku} now costs {priced.unit.price:,.0f} "
                        f"(was {row.seen_price:,.0f}).",
                        line_id=line_id,
                    )
                )
            lines.append(
                CartLine(
                    model=row,
                    priced=priced,
                    id=line_id,
                    quantity=row.quantity,
                    variant=ProductVariant.from_model(variant),
                    cost=CartLineCost(
                        unit_price=Money.of(priced.unit.price),
                        subtotal=Money.of(priced.subtotal),
                        discounts=Money.of(priced.discounts),
                        total=Money.of(priced.total),
                    ),
                    available_quantity=available,
                )
            )
        if voucher is not None and not price.voucher_applied:
            warnings.append(
                CartWarning(
                    code=CartWarningCode.VOUCHER_NOT_APPLICABLE,
                    message=f"{voucher.code} does not apply to this cart now.",
                    line_id=None,
                )
            )
        codes = {w.code for w in warnings}
        if not rows:
            blockers.append(
                CheckoutBlocker(code=CheckoutBlockerCode.EMPTY, message="The cart is empty.")
            )
        if CartWarningCode.UNAVAILABLE in codes:
            blockers.append(
                CheckoutBlocker(
                    code=CheckoutBlockerCode.UNAVAILABLE,
                    message="Remove the lines no longer on sale.",
                )
            )
        if CartWarningCode.STOCK_LOW in codes:
            blockers.append(
                CheckoutBlocker(
                    code=CheckoutBlockerCode.INSUFFICIENT_STOCK,
                    message="Lower the quantities that cannot be supplied.",
                )
            )
        if self.model.fulfillment_kind is None:
            blockers.append(
                CheckoutBlocker(
                    code=CheckoutBlockerCode.NO_FULFILLMENT,
                    message="Choose pickup at a store or delivery.",
                )
            )
        if (
            self.model.customer_id is None
            and not (self.model.email or self.model.phone)
            and self.model.fulfillment_kind != IN_STORE
        ):
            blockers.append(
                CheckoutBlocker(
                    code=CheckoutBlockerCode.CONTACT_REQUIRED,
                    message="Give an email or a phone, or sign in.",
                )
            )
        applied = CartVoucher(code=voucher.code, applied=price.voucher_applied) if voucher else None
        result = _Priced(lines, price, warnings, blockers, applied)
        self.cache.append(result)
        return result

    async def _available(self, info: OmniInfo, variant_ids: list[int]) -> list[int]:
        pickup_or_counter = self.model.fulfillment_kind in (PICKUP, IN_STORE)
        if pickup_or_counter and self.model.pickup_location_id is not None:
            store = self.model.pickup_location_id
            levels = await load_all(stock.stock_at(info), [(v, store) for v in variant_ids])
            return [max(0, lv.on_hand - lv.reserved) if lv else 0 for lv in levels]
        if self.model.fulfillment_kind == DELIVERY:
            return list(await load_all(stock.delivery_available(info), variant_ids))
        return list(await load_all(loaders.supply(info), variant_ids))

    @strawberry.field(description="The voucher applied with `cartVoucherApply`; null for none.")
    async def voucher(self, info: OmniInfo) -> CartVoucher | None:
        return (await self._priced(info)).voucher

    @strawberry.field(
        description="Of `pointsRedeemed`, how many count now (the cap follows the order)."
    )
    async def points_applied(self, info: OmniInfo) -> int:
        return (await self._priced(info)).price.points_applied

    @strawberry.field(description="Pickup or delivery, once chosen; null before.")
    def fulfillment(self) -> CartFulfillment | None:
        kind = self.model.fulfillment_kind
        if kind is None:
            return None
        address = self.model.delivery_address
        return CartFulfillment(
            kind=FulfillmentKind[kind],
            store_id=self.model.pickup_location_id,
            address=DeliveryAddress(**address) if address else None,
        )

    @strawberry.field(
        description="The order's contact: email and phone given with "
        "`cartBuyerIdentityUpdate` (a customer's cart also has the account's)."
    )
    def buyer_email(self) -> str | None:
        return self.model.email

    @strawberry.field(description="The order's contact phone, E.164; null when none given.")
    def buyer_phone(self) -> str | None:
        return self.model.phone

    @strawberry.field(description="The lines, oldest first.")
    async def lines(self, info: OmniInfo) -> list[CartLine]:
        return (await self._priced(info)).lines

    @strawberry.field(description="What the cart costs, from the price book, for its owner.")
    async def cost(self, info: OmniInfo) -> CartCost:
        price = (await self._priced(info)).price
        return CartCost(
            subtotal=Money.of(price.subtotal),
            discounts=Money.of(price.discounts),
            delivery=Money.of(price.delivery),
            vat=Money.of(price.vat_amount),
            total=Money.of(price.total),
        )

    @strawberry.field(
        description="Every step of the price over the whole cart (promotions, tier, voucher, "
        "points, delivery), summed over the lines; amounts per cart, signed."
    )
    async def breakdown(self, info: OmniInfo) -> list[PriceAdjustment]:
        price = (await self._priced(info)).price
        return [PriceAdjustment.of(a, per_unit=False) for a in price.adjustments]

    @strawberry.field(description="Changes since lines were added: price, stock, sale.")
    async def warnings(self, info: OmniInfo) -> list[CartWarning]:
        return (await self._priced(info)).warnings

    @strawberry.field(description="Why the cart cannot be placed yet; empty when it can.")
    async def checkout_blockers(self, info: OmniInfo) -> list[CheckoutBlocker]:
        return (await self._priced(info)).blockers

    @strawberry.field(description="True when `checkoutBlockers` is empty.")
    async def ready_for_checkout(self, info: OmniInfo) -> bool:
        return not (await self._priced(info)).blockers
