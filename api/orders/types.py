"""GraphQL types of orders."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import strawberry

from api.core.ids import to_global_id
from api.core.node import node_resolver
from api.core.types import Channel, Money, Node, OmniInfo, PageInfo
from api.inventory import loaders as locations
from api.inventory.types import Location
from api.orders import loaders
from domain.orders import models
from domain.orders.access import may_read


@strawberry.enum(description="Where an order stands.")
class OrderStatus(enum.Enum):
    PLACED = strawberry.enum_value("PLACED", description="Placed; stock reserved.")
    READY_FOR_PICKUP = strawberry.enum_value(
        "READY_FOR_PICKUP", description="Waiting at the store for the customer."
    )
    COLLECTED = strawberry.enum_value("COLLECTED", description="Picked up and paid.")
    SHIPPED = strawberry.enum_value("SHIPPED", description="On its way.")
    DELIVERED = strawberry.enum_value("DELIVERED", description="Delivered.")
    COMPLETED = strawberry.enum_value("COMPLETED", description="A counter sale, done at once.")
    CANCELLED = strawberry.enum_value("CANCELLED", description="Cancelled; stock given back.")


@strawberry.enum(description="How an order reaches the customer.")
class OrderKind(enum.Enum):
    PICKUP = strawberry.enum_value("PICKUP", description="Click and collect.")
    DELIVERY = strawberry.enum_value("DELIVERY", description="Delivered to an address.")


@strawberry.enum(description="How an order is paid.")
class PaymentMethod(enum.Enum):
    PAY_AT_STORE = strawberry.enum_value("PAY_AT_STORE", description="At pickup (pickup only).")
    CASH_ON_DELIVERY = strawberry.enum_value(
        "CASH_ON_DELIVERY", description="Cash to the courier (delivery only)."
    )


@strawberry.type(description="What an order costs, as placed, VAT included.")
class OrderCost:
    subtotal: Money = strawberry.field(description="The lines at list prices.")
    discounts: Money = strawberry.field(description="Promotions, tier, voucher and points.")
    delivery: Money = strawberry.field(description="The delivery fee charged.")
    vat: Money = strawberry.field(description="The VAT included in `total`.")
    total: Money = strawberry.field(description="What the customer pays.")


@strawberry.type(description="A line of an order: a snapshot taken at checkout.")
class OrderLine:
    sku: str = strawberry.field(description="The SKU bought.")
    product_name: str = strawberry.field(description="The product's name at checkout.")
    variant_title: str = strawberry.field(description="The variant's title at checkout.")
    quantity: int = strawberry.field(description="Units.")
    list_price: Money = strawberry.field(description="The list price per unit at checkout.")
    unit_price: Money = strawberry.field(description="The price paid per unit (promotion, tier).")
    subtotal: Money = strawberry.field(description="List price × quantity.")
    discounts: Money = strawberry.field(description="All discounts on the line, voucher share too.")
    total: Money = strawberry.field(description="What the line costs.")
    vat_rate: Decimal = strawberry.field(description="Its VAT rate.")
    vat: Money = strawberry.field(description="The VAT in `total`.")

    @classmethod
    def from_model(cls, m: models.OrderLine) -> OrderLine:
        return cls(
            sku=m.sku,
            product_name=m.product_name,
            variant_title=m.variant_title,
            quantity=m.quantity,
            list_price=Money.of(m.list_price),
            unit_price=Money.of(m.unit_price),
            subtotal=Money.of(m.subtotal),
            discounts=Money.of(m.discounts),
            total=Money.of(m.total),
            vat_rate=m.vat_rate,
            vat=Money.of(m.vat),
        )


@strawberry.type(
    description="An order, from any channel. Readable by its customer (also through a "
    "kiosk or counter session identifying them) and by staff of its store."
)
class Order(Node):
    model: strawberry.Private[models.Order]
    number: str = strawberry.field(description='Human-friendly number, e.g. "SF-000123".')
    status: OrderStatus = strawberry.field(description="Where it stands.")
    kind: OrderKind = strawberry.field(description="Pickup or delivery.")
    channel: Channel = strawberry.field(description="Where it was placed.")
    payment_method: PaymentMethod = strawberry.field(description="How it is paid.")
    cost: OrderCost = strawberry.field(description="What it costs.")
    points_redeemed: int = strawberry.field(description="Points spent on it.")
    voucher_code: str | None = strawberry.field(description="The voucher used, if any.")
    created_at: datetime = strawberry.field(description="When it was placed.")

    @classmethod
    def from_model(cls, m: models.Order) -> Order:
        return cls(
            model=m,
            id=strawberry.ID(to_global_id("Order", m.id)),
            number=m.number,
            status=OrderStatus[m.status.value],
            kind=OrderKind[m.kind.value],
            channel=Channel[m.channel.value],
            payment_method=PaymentMethod[m.payment_method.value],
            cost=OrderCost(
                subtotal=Money.of(m.subtotal),
                discounts=Money.of(m.discounts),
                delivery=Money.of(m.delivery),
                vat=Money.of(m.vat),
                total=Money.of(m.total),
            ),
            points_redeemed=m.points_redeemed,
            voucher_code=m.voucher_code,
            created_at=m.created_at,
        )

    @strawberry.field(description="The lines, in cart order.")
    async def lines(self, info: OmniInfo) -> list[OrderLine]:
        return [OrderLine.from_model(m) for m in await loaders.lines(info).load(self.model.id)]

    @strawberry.field(description="The pickup store, or the location that ships it.")
    async def location(self, info: OmniInfo) -> Location | None:
        found = await locations.location(info).load(self.model.location_id)
        return Location.from_model(found) if found else None


@strawberry.type(description="An order and its cursor.")
class OrderEdge:
    cursor: str = strawberry.field(description="Pass to `after` or `before` to page from here.")
    node: Order = strawberry.field(description="The order.")


@strawberry.type(description="A page of orders, newest first.")
class OrderConnection:
    edges: list[OrderEdge] = strawberry.field(description="The orders of this page.")
    page_info: PageInfo = strawberry.field(description="Cursors and whether more pages exist.")

    @strawberry.field(description="The orders of this page, without cursors.")
    def nodes(self) -> list[Order]:
        return [edge.node for edge in self.edges]


@node_resolver("Order")
async def _order_node(info: OmniInfo, pk: int) -> Node | None:
    order = await loaders.order(info).load(pk)
    if order is None or not may_read(info.context.actor, order):
        return None
    return Order.from_model(order)
