"""GraphQL types of the catalog: categories, products, variants."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from api.catalog import loaders, prices
from api.core.errors import NotFound
from api.core.ids import expect_global_id, to_global_id
from api.core.loaders import MISSING, load_all, peek
from api.core.node import node_resolver
from api.core.types import Money, Node, OmniInfo, PageInfo
from api.inventory import loaders as stock
from api.pricing.breakdown import PriceBreakdown
from domain.catalog import models, repository
from domain.catalog.query import ProductQuery
from domain.catalog.visibility import shown_to, variant_shown_to
from domain.pricing.breakdown import UnitPrice

if TYPE_CHECKING:
    from api.inventory.types import StockAvailability


@strawberry.enum(description="VAT class of a product. Prices include VAT at the class's rate.")
class TaxClass(enum.Enum):
    STANDARD = strawberry.enum_value("STANDARD", description="Standard VAT rate, 10%.")
    REDUCED_8 = strawberry.enum_value("REDUCED_8", description="Reduced VAT rate, 8%.")
    REDUCED_5 = strawberry.enum_value("REDUCED_5", description="Reduced VAT rate, 5%.")
    ZERO = strawberry.enum_value("ZERO", description="0% VAT; the price carries no VAT.")


@strawberry.type(description="A name/value pair, such as a product attribute or a variant option.")
class NameValue:
    name: str = strawberry.field(description='The name, e.g. "Chất liệu" or "Kích cỡ".')
    value: str = strawberry.field(description='The value, e.g. "Cotton 100%" or "M".')


@strawberry.type(description="A product image.")
class Image:
    url: str = strawberry.field(description="Absolute URL of the image.")
    alt_text: str | None = strawberry.field(description="Text for screen readers; may be null.")


@strawberry.type(description="The lowest and highest variant price of a product.")
class PriceRange:
    min: Money = strawberry.field(description="The lowest variant price.")
    max: Money = strawberry.field(description="The highest variant price.")


@strawberry.type(
    description="A node of the category tree. Products belong to one category; filters on a "
    "category include its descendants."
)
class Category(Node):
    model: strawberry.Private[models.Category]
    name: str = strawberry.field(description="Display name, in Vietnamese.")
    slug: str = strawberry.field(description="URL-safe unique handle, for pretty URLs.")
    description: str = strawberry.field(description="Plain-text description; may be empty.")
    position: int = strawberry.field(description="Sort position among its siblings.")

    @classmethod
    def from_model(cls, model: models.Category) -> Category:
        return cls(
            model=model,
            id=strawberry.ID(to_global_id("Category", model.id)),
            name=model.name,
            slug=model.slug,
            description=model.description,
            position=model.position,
        )

    @strawberry.field(description="The parent category; null for a top-level category.")
    async def parent(self, info: OmniInfo) -> Category | None:
        if self.model.parent_id is None:
            return None
        tree = await loaders.category_tree(info).load(None)
        return Category.from_model(tree.by_id[self.model.parent_id])

    @strawberry.field(description="Direct sub-categories, in display order.")
    async def children(self, info: OmniInfo) -> list[Category]:
        tree = await loaders.category_tree(info).load(None)
        return [Category.from_model(c) for c in tree.children.get(self.model.id, [])]

    @strawberry.field(
        description="Ancestors from the top-level category down to the parent "
        "(for breadcrumbs); empty for a top-level category."
    )
    async def ancestors(self, info: OmniInfo) -> list[Category]:
        tree = await loaders.category_tree(info).load(None)
        return [Category.from_model(c) for c in tree.ancestors(self.model)]


@strawberry.type(
    description="A sellable item: one size/colour combination of a product, with its own SKU, "
    "barcode, price and stock."
)
class ProductVariant(Node):
    model: strawberry.Private[models.ProductVariant]
    sku: str = strawberry.field(description="Stock keeping unit, unique across the catalog.")
    barcode: str | None = strawberry.field(
        description="EAN-13 barcode printed on the tag; kiosks and counters scan it "
        "(see `productVariant(barcode:)`)."
    )
    title: str = strawberry.field(description='The option values joined, e.g. "Đen / M".')
    position: int = strawberry.field(description="Sort position among the product's variants.")
    # Plain fields rather than resolvers: strawberry's per-resolver overhead dominated the
    # listing page's CPU time (see bench/catalog.py).
    selected_options: list[NameValue] = strawberry.field(
        description="The option values that make this variant, e.g. size and colour."
    )
    list_price: Money = strawberry.field(
        description="The variant's own price (VAT included), before promotions and tier "
        "discounts: what the price book sets with `priceSet`."
    )
    archived_at: datetime | None = strawberry.field(
        description="When an ADMIN archived it; null when on sale. Only staff see archived "
        "variants (in `Product.variants` too)."
    )

    @classmethod
    def from_model(cls, model: models.ProductVariant) -> ProductVariant:
        return cls(
            model=model,
            id=strawberry.ID(to_global_id("ProductVariant", model.id)),
            sku=model.sku,
            barcode=model.barcode,
            title=model.title,
            position=model.position,
            selected_options=[NameValue(name=k, value=str(v)) for k, v in model.options.items()],
            list_price=Money.of(model.price),
            archived_at=model.archived_at,
        )

    # Prices are sync resolvers for the same reason as `availableAt` below: a listing page
    # prices all its variants in one batch (api/catalog/prices.py) before they resolve.
    def _unit(self, info: OmniInfo) -> UnitPrice | None:
        unit = peek(prices.unit_prices(info), self.model.id)
        return None if unit is MISSING else unit

    async def _load_unit(self, info: OmniInfo) -> UnitPrice:
        loaders.variant(info).prime(self.model.id, self.model)
        unit = await prices.unit_prices(info).load(self.model.id)
        assert unit is not None  # the variant was primed just above
        return unit

    async def _money(self, info: OmniInfo, pick: Callable[[UnitPrice], Any]) -> Any:
        return pick(await self._load_unit(info))

    @strawberry.field(
        description="The price this viewer pays now for one unit (VAT included): the list "
        "price with the best active promotion and the viewer's member tier discount. "
        "Anonymous viewers see the price without a tier. The channel never changes it.",
        graphql_type=Money,
    )
    def price(self, info: OmniInfo) -> Money | Awaitable[Money]:
        unit = self._unit(info)
        if unit is not None:
            return Money.of(unit.price)
        return self._money(info, lambda u: Money.of(u.price))

    @strawberry.field(
        description="What to show struck through next to `price`: the list price when "
        "the viewer's price is discounted, else the merchant's compare-at price, else null.",
        graphql_type=Money | None,
    )
    def compare_at_price(self, info: OmniInfo) -> Money | Awaitable[Money | None] | None:
        unit = self._unit(info)
        if unit is not None:
            return _compare_at(unit)
        return self._money(info, _compare_at)

    @strawberry.field(
        description="How `price` comes about: list price, each promotion and tier step with "
        "its label, the price, and the VAT inside it.",
        graphql_type=PriceBreakdown,
    )
    def price_breakdown(self, info: OmniInfo) -> PriceBreakdown | Awaitable[PriceBreakdown]:
        unit = self._unit(info)
        if unit is not None:
            return PriceBreakdown.of(unit)
        return self._money(info, PriceBreakdown.of)

    @strawberry.field(description="The product this variant belongs to.")
    async def product(self, info: OmniInfo) -> Product:
        product = await loaders.product(info).load(self.model.product_id)
        assert product is not None  # a variant cannot outlive its product (FK cascade)
        return Product.from_model(product)

    @strawberry.field(
        description="Units available (on hand minus reserved) at every location, stores and "
        "warehouses, ordered by location."
    )
    async def availability(
        self, info: OmniInfo
    ) -> list[Annotated[StockAvailability, strawberry.lazy("api.inventory.types")]]:
        from api.inventory.types import StockAvailability

        levels = await stock.stock_by_variant(info).load(self.model.id)
        return [StockAvailability.from_level(level) for level in levels]

    # `availableAt`, `Product.category` and `Product.variants` are sync resolvers: a listing
    # page primes their DataLoaders in bulk (api/catalog/prefetch.py) and they answer from
    # the loaders' cache without the cost of an async resolver per object; otherwise they
    # return the awaitable of the DataLoader path, which graphql-core awaits.
    @strawberry.field(
        description="Units available at one store or warehouse (0 when it holds none).",
        graphql_type=Annotated["StockAvailability", strawberry.lazy("api.inventory.types")],
    )
    def available_at(
        self,
        info: OmniInfo,
        store_id: Annotated[strawberry.ID, strawberry.argument(description="A Location ID.")],
    ) -> StockAvailability | Awaitable[StockAvailability]:
        from api.inventory.types import StockAvailability

        location_id = expect_global_id(store_id, "Location", "storeId")
        level = peek(stock.stock_at(info), (self.model.id, location_id))
        if level is not MISSING:
            if level is not None:
                return StockAvailability.from_level(level)
            if peek(stock.location(info), location_id) not in (MISSING, None):
                return StockAvailability(location_id=location_id, available=0)
        return self._load_available_at(info, store_id, location_id)

    async def _load_available_at(
        self, info: OmniInfo, store_id: str, location_id: int
    ) -> StockAvailability:
        from api.inventory.types import StockAvailability

        level = await stock.stock_at(info).load((self.model.id, location_id))
        if level is None:
            location = await stock.location(info).load(location_id)
            if location is None:
                raise NotFound(f"No location with id {store_id}.", "storeId")
            return StockAvailability(location_id=location_id, available=0)
        return StockAvailability.from_level(level)

    @strawberry.field(
        description="Units available for home delivery: the sum over locations that ship orders."
    )
    async def total_available_for_delivery(self, info: OmniInfo) -> int:
        return await stock.delivery_available(info).load(self.model.id)


@strawberry.type(description="A product of the catalog, with its variants.")
class Product(Node):
    model: strawberry.Private[models.Product]
    name: str = strawberry.field(description="Display name, in Vietnamese.")
    slug: str = strawberry.field(description="URL-safe unique handle; `product(slug:)` finds it.")
    brand: str | None = strawberry.field(description="Brand name; null when unbranded.")
    tax_class: TaxClass = strawberry.field(description="VAT class; prices include this VAT.")
    created_at: datetime = strawberry.field(description="When the product was created (UTC).")
    archived_at: datetime | None = strawberry.field(
        description="When an ADMIN archived it; null when on sale. Only staff see archived "
        "products."
    )

    @classmethod
    def from_model(cls, model: models.Product) -> Product:
        return cls(
            model=model,
            id=strawberry.ID(to_global_id("Product", model.id)),
            name=model.name,
            slug=model.slug,
            brand=model.brand,
            tax_class=TaxClass(model.tax_class.value),
            created_at=model.created_at,
            archived_at=model.archived_at,
        )

    # The description, attributes and images are resolvers: a listing reads its rows without
    # them unless it selects them (api/catalog/queries.py), and a row read so (say, reached
    # again through `ProductVariant.product`) gets them from one batched statement.
    def _details(
        self, info: OmniInfo, build: Callable[[models.Product], Any]
    ) -> Any | Awaitable[Any]:
        if repository.has_details(self.model):
            return build(self.model)
        return self._load_details(info, build)

    async def _load_details(self, info: OmniInfo, build: Callable[[models.Product], Any]) -> Any:
        details = await loaders.product_details(info).load(self.model.id)
        assert details is not None  # the product was just read (FK cascade deletes none)
        return build(details)

    @strawberry.field(description="Plain-text description; may be empty.", graphql_type=str)
    def description(self, info: OmniInfo) -> str | Awaitable[str]:
        return self._details(info, _description)

    @strawberry.field(
        description="Product attributes such as material and origin.",
        graphql_type=list[NameValue],
    )
    def attributes(self, info: OmniInfo) -> list[NameValue] | Awaitable[list[NameValue]]:
        return self._details(info, _attributes)

    @strawberry.field(
        description="Images in display order; the first is the main image.",
        graphql_type=list[Image],
    )
    def images(self, info: OmniInfo) -> list[Image] | Awaitable[list[Image]]:
        return self._details(info, _images)

    @strawberry.field(
        description="The category of the product; null when uncategorised.",
        graphql_type=Category | None,
    )
    def category(self, info: OmniInfo) -> Category | Awaitable[Category | None] | None:
        if self.model.category_id is None:
            return None
        tree = peek(loaders.category_tree(info), None)
        if tree is not MISSING:
            category = tree.by_id.get(self.model.category_id)
            return Category.from_model(category) if category else None
        return self._load_category(info)

    async def _load_category(self, info: OmniInfo) -> Category | None:
        tree = await loaders.category_tree(info).load(None)
        category = tree.by_id.get(self.model.category_id or 0)
        return Category.from_model(category) if category else None

    @strawberry.field(
        description="All variants, in display order.", graphql_type=list[ProductVariant]
    )
    def variants(self, info: OmniInfo) -> list[ProductVariant] | Awaitable[list[ProductVariant]]:
        variants = peek(loaders.variants_by_product(info), self.model.id)
        if variants is not MISSING:
            _prime(info, self.model, variants)
            return _on_show(variants, info)
        return self._load_variants(info)

    async def _load_variants(self, info: OmniInfo) -> list[ProductVariant]:
        variants = await loaders.variants_by_product(info).load(self.model.id)
        _prime(info, self.model, variants)
        return _on_show(variants, info)

    @strawberry.field(
        description="The lowest and highest price this viewer pays now over the variants on "
        "sale (promotions and their tier applied); 0 to 0 without any.",
        graphql_type=PriceRange,
    )
    def price_range(self, info: OmniInfo) -> PriceRange | Awaitable[PriceRange]:
        variants = peek(loaders.variants_by_product(info), self.model.id)
        if variants is not MISSING:
            on_sale = [v for v in variants if v.archived_at is None]
            units = [peek(prices.unit_prices(info), v.id) for v in on_sale]
            if MISSING not in units:
                return _range(units)
        return self._load_price_range(info)

    async def _load_price_range(self, info: OmniInfo) -> PriceRange:
        variants = await loaders.variants_by_product(info).load(self.model.id)
        on_sale = [v for v in variants if v.archived_at is None]
        _prime(info, self.model, on_sale)
        return _range(await load_all(prices.unit_prices(info), [v.id for v in on_sale]))

    @strawberry.field(
        description="True when at least one variant has a unit available for pickup or delivery."
    )
    async def available_for_sale(self, info: OmniInfo) -> bool:
        return await loaders.product_sellable(info).load(self.model.id)


def _description(model: models.Product) -> str:
    return model.description


def _attributes(model: models.Product) -> list[NameValue]:
    return [NameValue(name=k, value=str(v)) for k, v in model.attributes.items()]


def _images(model: models.Product) -> list[Image]:
    return [Image(url=i["url"], alt_text=i.get("alt")) for i in model.images]


def _compare_at(unit: UnitPrice) -> Money | None:
    compare = unit.compare_at_price
    return Money.of(compare) if compare is not None else None


def _range(units: list[UnitPrice | None]) -> PriceRange:
    amounts = [u.price for u in units if u is not None]
    if not amounts:
        return PriceRange(min=Money.of(Decimal(0)), max=Money.of(Decimal(0)))
    return PriceRange(min=Money.of(min(amounts)), max=Money.of(max(amounts)))


def _prime(info: OmniInfo, product: models.Product, variants: list[models.ProductVariant]) -> None:
    """Pricing these variants needs them and their product by id: they are at hand."""
    loaders.product(info).prime(product.id, product)
    loaders.variant(info).prime_many({v.id: v for v in variants})


def _on_show(variants: list[models.ProductVariant], info: OmniInfo) -> list[ProductVariant]:
    """Archived variants are left out for everyone but staff."""
    staff = info.context.actor.staff is not None
    return [ProductVariant.from_model(v) for v in variants if staff or v.archived_at is None]


@node_resolver("Product")
async def _product_node(info: OmniInfo, pk: int) -> Node | None:
    product = await loaders.product(info).load(pk)
    if product is None or not shown_to(product, info.context.actor):
        return None
    return Product.from_model(product)


@node_resolver("ProductVariant")
async def _variant_node(info: OmniInfo, pk: int) -> Node | None:
    variant = await loaders.variant(info).load(pk)
    product = await loaders.product(info).load(variant.product_id) if variant else None
    if variant is None or not variant_shown_to(variant, product, info.context.actor):
        return None
    return ProductVariant.from_model(variant)


@node_resolver("Category")
async def _category_node(info: OmniInfo, pk: int) -> Node | None:
    category = (await loaders.category_tree(info).load(None)).by_id.get(pk)
    return Category.from_model(category) if category else None


@strawberry.type(description="A product and its cursor in a `products` page.")
class ProductEdge:
    cursor: str = strawberry.field(description="Pass to `after` or `before` to page from here.")
    node: Product = strawberry.field(description="The product.")


@strawberry.type(description="A page of products (Relay cursor connection).")
class ProductConnection:
    query: strawberry.Private[ProductQuery]
    edges: list[ProductEdge] = strawberry.field(description="The products of this page.")
    page_info: PageInfo = strawberry.field(description="Cursors and whether more pages exist.")

    @strawberry.field(description="The products of this page, without cursors.")
    def nodes(self) -> list[Product]:
        return [edge.node for edge in self.edges]

    @strawberry.field(description="How many products match the search and filter, in all pages.")
    async def total_count(self, info: OmniInfo) -> int:
        return await info.context.db.run(lambda s: repository.count_products(s, self.query))
