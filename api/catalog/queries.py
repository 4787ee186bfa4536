"""Catalog root fields: products, product, productVariant, categories, category."""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Annotated

import strawberry

from api.catalog import loaders
from api.catalog.prefetch import prefetch_listing
from api.catalog.types import Category, Product, ProductVariant
from api.core.errors import ClientError, NotFound
from api.core.ids import expect_global_id
from api.core.types import OmniInfo, PageInfo, page_info, page_request
from domain.catalog import repository
from domain.catalog.query import ProductFilter as DomainFilter
from domain.catalog.query import ProductQuery, ProductSortKey


@strawberry.enum(description="How `products` are ordered.")
class ProductSortKeys(enum.Enum):
    RELEVANCE = strawberry.enum_value(
        "RELEVANCE",
        description="Best match to `search` first; newest first when there is no search.",
    )
    PRICE = strawberry.enum_value("PRICE", description="Lowest variant price, cheapest first.")
    NAME = strawberry.enum_value(
        "NAME", description="Alphabetical by name, ignoring case and diacritics."
    )
    CREATED_AT = strawberry.enum_value("CREATED_AT", description="Oldest first.")


@strawberry.input(description="Narrows `products`. All given conditions must hold.")
class ProductFilter:
    category_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only products in this category or any of its descendants."
    )
    price_min: Decimal | None = strawberry.field(
        default=None, description="Only products with a variant priced at least this much."
    )
    price_max: Decimal | None = strawberry.field(
        default=None, description="Only products with a variant priced at most this much."
    )
    in_stock_at_store_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Only products with at least one unit available at this location.",
    )
    available_for_pickup: bool | None = strawberry.field(
        default=None,
        description="true: only products with a unit available at a pickup store; "
        "false: only those without.",
    )

    def to_domain(self) -> DomainFilter:
        return DomainFilter(
            category_id=(
                expect_global_id(self.category_id, "Category", "filter.categoryId")
                if self.category_id is not None
                else None
            ),
            price_min=self.price_min,
            price_max=self.price_max,
            in_stock_at_location_id=(
                expect_global_id(self.in_stock_at_store_id, "Location", "filter.inStockAtStoreId")
                if self.in_stock_at_store_id is not None
                else None
            ),
            available_for_pickup=self.available_for_pickup,
        )


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


def _one_of(field_values: dict[str, object]) -> str:
    given = [name for name, value in field_values.items() if value is not None]
    if len(given) != 1:
        names = ", ".join(f"`{n}`" for n in field_values)
        raise ClientError(f"Pass exactly one of {names}.", field=given[0] if given else None)
    return given[0]


@strawberry.type
class CatalogQuery:
    @strawberry.field(
        description="Published products, searchable, filterable and sortable, a page at a "
        "time (at most 100 per page)."
    )
    async def products(
        self,
        info: OmniInfo,
        first: Annotated[
            int | None,
            strawberry.argument(
                description="Page size walking forwards (default 20, at most 100)."
            ),
        ] = None,
        after: Annotated[
            str | None, strawberry.argument(description="Start after this cursor.")
        ] = None,
        last: Annotated[
            int | None,
            strawberry.argument(description="Page size walking backwards (at most 100)."),
        ] = None,
        before: Annotated[
            str | None, strawberry.argument(description="End before this cursor.")
        ] = None,
        search: Annotated[
            str | None,
            strawberry.argument(
                description="Words to find in name, brand, description or SKU; case and "
                'diacritics are ignored ("ao thun" finds "Áo thun"). At most 200 characters.',
            ),
        ] = None,
        filter: Annotated[
            ProductFilter | None,
            strawberry.argument(description="Conditions the products must meet."),
        ] = None,
        sort_key: Annotated[
            ProductSortKeys, strawberry.argument(description="The order of the results.")
        ] = ProductSortKeys.RELEVANCE,
        reverse: Annotated[
            bool, strawberry.argument(description="Reverse the order of `sortKey`.")
        ] = False,
    ) -> ProductConnection:
        query = ProductQuery(
            search=search.strip() or None if search is not None else None,
            filter=filter.to_domain() if filter is not None else DomainFilter(),
            sort_key=ProductSortKey(sort_key.name),
            reverse=reverse,
        )
        request = page_request(first, after, last, before)
        request.validate(info.context.settings.max_page_size)
        page = await info.context.db.run(lambda s: repository.list_products(s, query, request))
        await prefetch_listing(info, page.items)
        edges = [
            ProductEdge(cursor=c, node=Product.from_model(p))
            for p, c in zip(page.items, page.cursors, strict=True)
        ]
        return ProductConnection(
            query=query,
            edges=edges,
            page_info=page_info(list(page.cursors), page.has_next_page, page.has_previous_page),
        )

    @strawberry.field(description="One product by `id` or by `slug` (pass exactly one).")
    async def product(
        self, info: OmniInfo, id: strawberry.ID | None = None, slug: str | None = None
    ) -> Product | None:
        key = _one_of({"id": id, "slug": slug})
        if key == "id":
            assert id is not None
            model = await loaders.product(info).load(expect_global_id(id, "Product"))
        else:
            assert slug is not None
            model = await loaders.product_by_slug(info).load(slug[:250])
        if model is None or not model.published:
            raise NotFound(f"No product with {key} {(id or slug or '')[:60]!r}.", key)
        return Product.from_model(model)

    @strawberry.field(
        description="One variant by `id`, `sku` or `barcode` (pass exactly one). Kiosks and "
        "counters look up scanned barcodes here."
    )
    async def product_variant(
        self,
        info: OmniInfo,
        id: strawberry.ID | None = None,
        sku: str | None = None,
        barcode: str | None = None,
    ) -> ProductVariant | None:
        key = _one_of({"id": id, "sku": sku, "barcode": barcode})
        if id is not None:
            model = await loaders.variant(info).load(expect_global_id(id, "ProductVariant"))
        elif sku is not None:
            model = await loaders.variant_by_sku(info).load(sku.strip()[:64])
        else:
            assert barcode is not None
            model = await loaders.variant_by_barcode(info).load(barcode.strip()[:32])
        if model is not None:
            product = await loaders.product(info).load(model.product_id)
            if product is None or not product.published:
                model = None
        if model is None:
            raise NotFound(
                f"No product variant with {key} {(id or sku or barcode or '')[:60]!r}.", key
            )
        return ProductVariant.from_model(model)

    @strawberry.field(
        description="Categories in display order: the whole tree, or only the top level with "
        "`topLevelOnly: true` (walk down with `children`)."
    )
    async def categories(self, info: OmniInfo, top_level_only: bool = False) -> list[Category]:
        tree = await loaders.category_tree(info).load(None)
        if top_level_only:
            return [Category.from_model(c) for c in tree.children.get(None, [])]
        return [Category.from_model(c) for c in tree.by_id.values()]

    @strawberry.field(description="One category by `id` or by `slug` (pass exactly one).")
    async def category(
        self, info: OmniInfo, id: strawberry.ID | None = None, slug: str | None = None
    ) -> Category | None:
        key = _one_of({"id": id, "slug": slug})
        tree = await loaders.category_tree(info).load(None)
        model = (
            tree.by_id.get(expect_global_id(id, "Category")) if id else tree.by_slug.get(slug or "")
        )
        if model is None:
            raise NotFound(f"No category with {key} {(id or slug or '')[:60]!r}.", key)
        return Category.from_model(model)
