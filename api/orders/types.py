"""GraphQL types of orders."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import strawberry

from api.core.ids import to_global_id
from api.core.node import node_resolver
from api.core.types import ActorKind, Channel, Money, Node, OmniInfo, PageInfo
from api.inventory import loaders as locations
from api.inventory.types import Location
from api.orders import loaders
from domain.orders import models
from domain.orders.access import may_read, sees_pickup_code
from domain.orders.pickup import MAX_ATTEMPTS, qr_payload


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
    IN_STORE = strawberry.enum_value(
        "IN_STORE", description="A counter sale: paid and handed over at once."
    )


@strawberry.enum(description="How an order is paid.")
class PaymentMethod(enum.Enum):
    PAY_AT_STORE = strawberry.enum_value("PAY_AT_STORE", description="At pickup (pickup only).")
    CASH_ON_DELIVERY = strawberry.enum_value(
        "CASH_ON_DELIVERY", description="Cash to the courier (delivery only)."
    )
    AT_COUNTER = strawberry.enum_value(
        "AT_COUNTER",
        description="Paid at the till with the sale (in-store only; give `paymentReceived`).",
    )


@strawberry.enum(description="Where an order's payment stands.")
class PaymentStatus(enum.Enum):
    PENDING = strawberry.enum_value(
        "PENDING", description="Not paid yet (at the store, or to the courier)."
    )
    PAID = strawberry.enum_value("PAID", description="Paid.")
    FAILED = strawberry.enum_value("FAILED", description="A payment attempt failed.")
    REFUNDED = strawberry.enum_value("REFUNDED", description="Paid, then given back.")
    VOIDED = strawberry.enum_value("VOIDED", description="The order was cancelled before payment.")


@strawberry.enum(description="How money was taken at the store or at the door (no gateway).")
class Tender(enum.Enum):
    CASH = strawberry.enum_value("CASH", description="Cash.")
    CARD = strawberry.enum_value("CARD", description="A card on the store's own terminal.")
    BANK_TRANSFER = strawberry.enum_value("BANK_TRANSFER", description="A bank transfer (VietQR).")
    E_WALLET = strawberry.enum_value("E_WALLET", description="An e-wallet (MoMo, ZaloPay…).")


@strawberry.input(description="Money taken at the counter.")
class PaymentReceivedInput:
    method: Tender = strawberry.field(description="How it was paid.")
    amount: Decimal = strawberry.field(
        description="What the customer handed over, in đồng; at least the order's total "
        "(the change is recorded on the order's event)."
    )


@strawberry.type(
    description="Collecting a click-and-collect order, once the store has it ready. "
    "`code` and `qrPayload` are shown only to the customer, signed in on their own device."
)
class OrderPickup:
    code: str | None = strawberry.field(
        description="Six digits the customer tells or shows at the counter; null for "
        "anyone but the customer."
    )
    qr_payload: str | None = strawberry.field(
        description="Render as a QR code in the app; the counter scans the order and its "
        "code at once. Null for anyone but the customer."
    )
    ready_at: datetime = strawberry.field(description="When the store had it ready.")
    collect_by: datetime = strawberry.field(
        description="The deadline; after it the order is cancelled and the goods go back "
        "on the shelf."
    )
    locked: bool = strawberry.field(
        description="True after 5 wrong codes: store staff must check the customer's "
        "identity and unlock it."
    )
    attempts_left: int = strawberry.field(description="Wrong codes still allowed.")
    store_id: strawberry.Private[int]

    @strawberry.field(description="Where to collect it.")
    async def store(self, info: OmniInfo) -> Location | None:
        found = await locations.location(info).load(self.store_id)
        return Location.from_model(found) if found else None


@strawberry.type(description="How a delivery order travels.")
class OrderShipment:
    carrier: str = strawberry.field(description="The carrier, e.g. GHN, Viettel Post.")
    tracking_number: str = strawberry.field(description="The carrier's tracking number.")
    shipped_at: datetime = strawberry.field(description="When it left the location.")


@strawberry.type(description="A step in an order's life, written with the change itself.")
class OrderEvent:
    kind: str = strawberry.field(
        description='What happened, e.g. "order.placed", "order.ready", "order.collected", '
        '"order.cancelled", "order.expired", "order.pickup_unlocked".'
    )
    from_status: OrderStatus | None = strawberry.field(description="The status before.")
    to_status: OrderStatus = strawberry.field(description="The status after.")
    actor_kind: ActorKind = strawberry.field(description="Who did it.")
    channel: Channel = strawberry.field(description="Where it was done.")
    at: datetime = strawberry.field(description="When.")

    @classmethod
    def from_model(cls, m: models.OrderEvent) -> OrderEvent:
        return cls(
            kind=m.kind,
            from_status=OrderStatus[m.from_status] if m.from_status else None,
            to_status=OrderStatus[m.to_status],
            actor_kind=ActorKind[m.actor_kind.value],
            channel=Channel[m.channel.value],
            at=m.created_at,
        )


@strawberry.type(description="Units of one order line brought back.")
class OrderReturnLine:
    order_line_id: strawberry.ID = strawberry.field(description="The OrderLine.")
    quantity: int = strawberry.field(description="Units returned.")
    refund: Money = strawberry.field(description="What they refunded.")


@strawberry.type(
    description="Goods brought back to a store (any store): their stock came back there, "
    "the refund was recorded, and the points earned on them were taken back."
)
class OrderReturn:
    reason: str = strawberry.field(description="Why, as the staff recorded it.")
    refund_method: Tender = strawberry.field(description="How the money was given back.")
    refund: Money = strawberry.field(description="The money given back.")
    points_reversed: int = strawberry.field(description="Points taken back.")
    lines: list[OrderReturnLine] = strawberry.field(description="What came back.")
    created_at: datetime = strawberry.field(description="When.")
    store_id: strawberry.Private[int]

    @strawberry.field(description="The store that took the goods back.")
    async def store(self, info: OmniInfo) -> Location | None:
        found = await locations.location(info).load(self.store_id)
        return Location.from_model(found) if found else None

    @classmethod
    def from_model(cls, m: models.OrderReturn, lines: list[models.OrderReturnLine]) -> OrderReturn:
        return cls(
            reason=m.reason,
            refund_method=Tender[m.refund_method],
            refund=Money.of(m.refund),
            points_reversed=m.points_reversed,
            lines=[
                OrderReturnLine(
                    order_line_id=strawberry.ID(to_global_id("OrderLine", line.order_line_id)),
                    quantity=line.quantity,
                    refund=Money.of(line.refund),
                )
                for line in lines
            ],
            created_at=m.created_at,
            store_id=m.location_id,
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
    id: strawberry.ID = strawberry.field(description="Give it to `orderReturn`.")
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
            id=strawberry.ID(to_global_id("OrderLine", m.id)),
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
    points_earned: int = strawberry.field(
        description="Points the customer earned with it: 0 until collected or delivered."
    )
    created_at: datetime = strawberry.field(description="When it was placed.")
    collected_at: datetime | None = strawberry.field(description="When it was picked up.")
    delivered_at: datetime | None = strawberry.field(description="When it was delivered.")
    cancelled_at: datetime | None = strawberry.field(description="When it was cancelled.")
    cancel_reason: str | None = strawberry.field(description="Why it was cancelled.")
    shipment: OrderShipment | None = strawberry.field(
        description="Carrier and tracking, once a delivery order has shipped."
    )

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
            points_earned=m.points_earned,
            created_at=m.created_at,
            collected_at=m.collected_at,
            delivered_at=m.delivered_at,
            cancelled_at=m.cancelled_at,
            cancel_reason=m.cancel_reason,
            shipment=OrderShipment(
                carrier=m.carrier, tracking_number=m.tracking_number, shipped_at=m.shipped_at
            )
            if m.shipped_at and m.carrier and m.tracking_number
            else None,
        )

    @strawberry.field(
        description="The pickup code and deadline: null until the store has the order ready, "
        "and again once it is collected or cancelled."
    )
    def pickup(self, info: OmniInfo) -> OrderPickup | None:
        m = self.model
        if m.status is not models.OrderStatus.READY_FOR_PICKUP or not m.ready_at:
            return None
        shown = sees_pickup_code(info.context.actor, m) and m.pickup_code is not None
        return OrderPickup(
            code=m.pickup_code if shown else None,
            qr_payload=qr_payload(self.id, m.pickup_code) if shown and m.pickup_code else None,
            ready_at=m.ready_at,
            collect_by=m.collect_by or m.ready_at,
            locked=m.pickup_locked_at is not None,
            attempts_left=max(0, MAX_ATTEMPTS - m.pickup_attempts),
            store_id=m.location_id,
        )

    @strawberry.field(description="Where the payment stands.")
    async def payment_status(self, info: OmniInfo) -> PaymentStatus:
        found = await loaders.payment(info).load(self.model.id)
        return PaymentStatus[found.status.value] if found else PaymentStatus.PENDING

    @strawberry.field(description="Goods returned from it, oldest first.")
    async def returns(self, info: OmniInfo) -> list[OrderReturn]:
        found = await loaders.returns(info).load(self.model.id)
        return [OrderReturn.from_model(r, lines) for r, lines in found]

    @strawberry.field(description="Its history, oldest first.")
    async def events(self, info: OmniInfo) -> list[OrderEvent]:
        return [OrderEvent.from_model(e) for e in await loaders.events(info).load(self.model.id)]

    @strawberry.field(description="The lines, in cart order.")
    async def lines(self, info: OmniInfo) -> list[OrderLine]:
        return [OrderLine.from_model(m) for m in await loaders.lines(info).load(self.model.id)]

    @strawberry.field(
        description="The location that fulfils it: the pickup store, the location that "
        "ships it, or the store of a counter sale."
    )
    async def location(self, info: OmniInfo) -> Location | None:
        found = await locations.location(info).load(self.model.location_id)
        return Location.from_model(found) if found else None

    @strawberry.field(
        description="The store where it was taken, at its kiosk or counter (attribution); "
        "null for the web and the app. Differs from `location` for the endless aisle."
    )
    async def taken_at(self, info: OmniInfo) -> Location | None:
        if self.model.taken_at_id is None:
            return None
        found = await locations.location(info).load(self.model.taken_at_id)
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
