"""Inputs of the catalog management mutations."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import strawberry

from api.catalog.types import TaxClass
from api.core.ids import expect_global_id
from domain.catalog import models
from domain.catalog.categories import CategoryChanges
from domain.catalog.fields import KEEP, Keep
from domain.catalog.products import ImageSpec, ProductChanges
from domain.catalog.variants import VariantChanges


@strawberry.input(description='A name/value pair, e.g. {name: "Chất liệu", value: "Cotton"}.')
class NameValueInput:
    name: str = strawberry.field(description="The name (at most 100 characters).")
    value: str = strawberry.field(description="The value (at most 500 characters).")


@strawberry.input(description="A product image.")
class ImageInput:
    url: str = strawberry.field(description="Absolute http(s) URL of the image.")
    alt_text: str | None = strawberry.field(
        default=None, description="Text for screen readers (at most 250 characters)."
    )
    position: int = strawberry.field(
        default=0, description="Display order; the lowest is the main image."
    )


@strawberry.input(
    description="Fields of a product. On create only `name` is required (the slug is made "
    "from it, and a new product is unpublished unless `published` says otherwise); on update, "
    "a field left out stays as it is."
)
class ProductInput:
    name: str | None = strawberry.field(default=None, description="Display name (≤ 250).")
    slug: str | None = strawberry.field(
        default=None, description='URL handle: lower-case letters, digits, dashes ("ao-thun").'
    )
    description: str | None = strawberry.field(default=None, description="Plain text.")
    brand: str | None = strawberry.field(
        default=strawberry.UNSET, description="Brand name; null or empty for none."
    )
    category_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The Category; null to uncategorise."
    )
    tax_class: TaxClass | None = strawberry.field(default=None, description="VAT class.")
    published: bool | None = strawberry.field(
        default=None, description="Whether customers see it (once it is not archived)."
    )
    attributes: list[NameValueInput] | None = strawberry.field(
        default=None, description="Every attribute (at most 50); replaces the previous list."
    )
    images: list[ImageInput] | None = strawberry.field(
        default=None, description="Every image (at most 20); replaces the previous list."
    )

    def changes(self) -> ProductChanges:
        category: int | Keep | None = KEEP
        if self.category_id is not strawberry.UNSET:
            category = (
                expect_global_id(self.category_id, "Category", "categoryId")
                if self.category_id is not None
                else None
            )
        return ProductChanges(
            name=self.name,
            slug=self.slug,
            description=self.description,
            brand=KEEP if self.brand is strawberry.UNSET else self.brand,
            category_id=category,
            tax_class=models.TaxClass[self.tax_class.name] if self.tax_class else None,
            published=self.published,
            attributes=_pairs(self.attributes),
            images=[ImageSpec(i.url, i.alt_text, i.position) for i in self.images]
            if self.images is not None
            else None,
        )


def _pairs(values: list[NameValueInput] | None) -> list[tuple[str, str]] | None:
    return [(v.name, v.value) for v in values] if values is not None else None


@strawberry.input(
    description="Fields of a variant; a field left out stays as it is. Prices are not set "
    "here (see `variantCreate` for the first price)."
)
class VariantInput:
    sku: str | None = strawberry.field(
        default=None, description="Unique SKU: 1–64 letters, digits and . _ / -."
    )
    barcode: str | None = strawberry.field(
        default=strawberry.UNSET, description="EAN-13 (check digit verified); null for none."
    )
    options: list[NameValueInput] | None = strawberry.field(
        default=None,
        description='The option values (at most 5), e.g. [{name: "Màu", value: "Đen"}]; the '
        'title is made from them ("Đen / M").',
    )
    position: int | None = strawberry.field(
        default=None, description="Sort position among the product's variants (0..10000)."
    )

    def changes(self) -> VariantChanges:
        return VariantChanges(
            sku=self.sku,
            barcode=KEEP if self.barcode is strawberry.UNSET else self.barcode,
            options=_pairs(self.options),
            position=self.position,
        )


@strawberry.input(description="A new variant of a product, with its first price.")
class VariantCreateInput(VariantInput):
    product_id: strawberry.ID = strawberry.field(description="The Product it belongs to.")
    price: Decimal = strawberry.field(
        description="Its first price, VAT included, in the currency's minor unit (VND: whole "
        "đồng). Later changes go through the price book."
    )
    compare_at_price: Decimal | None = strawberry.field(
        default=None, description="Struck-through reference price; not below `price`."
    )


@strawberry.input(description="Fields of a category; a field left out stays as it is.")
class CategoryInput:
    name: str | None = strawberry.field(default=None, description="Display name (≤ 200).")
    slug: str | None = strawberry.field(
        default=None, description="URL handle; made from the name on create when left out."
    )
    description: str | None = strawberry.field(default=None, description="Plain text.")
    position: int | None = strawberry.field(
        default=None, description="Sort position among its siblings (0..10000); last if left out."
    )

    def changes(self) -> CategoryChanges:
        return CategoryChanges(
            name=self.name, slug=self.slug, description=self.description, position=self.position
        )


@strawberry.input(description="A new category.")
class CategoryCreateInput(CategoryInput):
    parent_id: strawberry.ID | None = strawberry.field(
        default=None, description="The parent Category; null or left out for a top-level one."
    )


def optional_id(value: Any, type_name: str, field: str) -> int | None:
    return expect_global_id(value, type_name, field) if value is not None else None
