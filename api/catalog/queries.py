"""Catalog root fields: products, product, productVariant, categories, category."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.catalog import loaders
from api.catalog.inputs import ProductFilter, ProductSortKeys
from api.catalog.prefetch import prefetch_listing, product_selections, selects_details
from api.catalog.types import Category, Product, ProductConnection, ProductEdge, ProductVariant
from api.core import reads
from api.core.connections import After, Before, First, Last, connection, page_request
from api.core.errors import ClientError, NotFound
from api.core.ids import expect_global_id
from api.core.types import OmniInfo
from api.pricing import loaders as pricing
from domain.catalog import repository
from domain.catalog.query import ProductFilter as DomainFilter
from domain.catalog.query import ProductQuery, ProductSortKey, ShelfPricing
from domain.catalog.visibility import shown_to, variant_shown_to


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
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
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
        domain_filter = filter.to_domain() if filter is not None else DomainFilter()
        key = ProductSortKey(sort_key.name)
        shelf = ShelfPricing()
        if key is ProductSortKey.PRICE or (
            domain_filter.price_min is not None or domain_filter.price_max is not None
        ):
            offer = await pricing.offer(info).load(None)
            rules = pricing.rules(info.context.settings.pricing)
            shelf = ShelfPricing.at(offer.promotions, offer.at, rules.rounding_unit)
        query = ProductQuery(
            search=search.strip() or None if search is not None else None,
            filter=domain_filter,
            sort_key=key,
            reverse=reverse,
            shelf=shelf,
        )
        request = page_request(info, first, after, last, before)
        if (
            domain_filter.in_stock_at_location_id is not None
            or domain_filter.available_for_pickup is not None
        ):
            reads.stock_of(any_stock=True)
        selections = product_selections(info)
        details = selects_details(selections)
        page = await info.context.db.run(
            lambda s: repository.list_products(s, query, request, details)
        )
        await prefetch_listing(info, page.items, selections)
        return connection(
            ProductConnection,
            page,
            lambda cursor, p: ProductEdge(cursor=cursor, node=Product.from_model(p)),
            query=query,
        )

    @strawberry.field(description="One product by `id` or by `slug` (pass exactly one).")
    async def product(
        self,
        info: OmniInfo,
        id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="A Product ID. Give this or `slug`, not both."),
        ] = None,
        slug: Annotated[
            str | None,
            strawberry.argument(
                description="The product's URL handle (`Product.slug`). Give this or `id`, "
                "not both."
            ),
        ] = None,
    ) -> Product | None:
        key = _one_of({"id": id, "slug": slug})
        if key == "id":
            assert id is not None
            model = await loaders.product(info).load(expect_global_id(id, "Product"))
        else:
            assert slug is not None
            model = await loaders.product_by_slug(info).load(slug[:250])
        if not shown_to(model, info.context.actor):
            raise NotFound(f"No product with {key} {(id or slug or '')[:60]!r}.", key)
        assert model is not None
        return Product.from_model(model)

    @strawberry.field(
        description="One variant by `id`, `sku` or `barcode` (pass exactly one). Kiosks and "
        "counters look up scanned barcodes here."
    )
    async def product_variant(
        self,
        info: OmniInfo,
        id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="A ProductVariant ID. Give exactly one of `id`, `sku`, `barcode`."
            ),
        ] = None,
        sku: Annotated[
            str | None,
            strawberry.argument(
                description="The variant's SKU, exact match; surrounding spaces are ignored. "
                "Give exactly one of `id`, `sku`, `barcode`."
            ),
        ] = None,
        barcode: Annotated[
            str | None,
            strawberry.argument(
                description="The scanned barcode (e.g. EAN-13), exact match; surrounding "
                "spaces are ignored. Give exactly one of `id`, `sku`, `barcode`."
            ),
        ] = None,
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
            if not variant_shown_to(model, product, info.context.actor):
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
    async def categories(
        self,
        info: OmniInfo,
        top_level_only: Annotated[
            bool,
            strawberry.argument(
                description="true: only the root categories (walk down with `children`); "
                "false (default): the whole tree."
            ),
        ] = False,
    ) -> list[Category]:
        tree = await loaders.category_tree(info).load(None)
        if top_level_only:
            return [Category.from_model(c) for c in tree.children.get(None, [])]
        return [Category.from_model(c) for c in tree.by_id.values()]

    @strawberry.field(description="One category by `id` or by `slug` (pass exactly one).")
    async def category(
        self,
        info: OmniInfo,
        id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="A Category ID. Give this or `slug`, not both."),
        ] = None,
        slug: Annotated[
            str | None,
            strawberry.argument(
                description="The category's URL handle (`Category.slug`). Give this or `id`, "
                "not both."
            ),
        ] = None,
    ) -> Category | None:
        key = _one_of({"id": id, "slug": slug})
        tree = await loaders.category_tree(info).load(None)
        model = (
            tree.by_id.get(expect_global_id(id, "Category")) if id else tree.by_slug.get(slug or "")
        )
        if model is None:
            raise NotFound(f"No category with {key} {(id or slug or '')[:60]!r}.", key)
        return Category.from_model(model)
