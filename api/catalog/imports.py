"""productsImport: the bulk import through the API, for small files (ADMIN)."""

from __future__ import annotations

import enum
from typing import Annotated, Any

import strawberry

from api.core.mutations import error_type, mutate
from api.core.types import OmniInfo
from domain.catalog import admin
from domain.catalog.errors import CatalogErrorCode
from domain.catalog.import_rows import ImportErrorCode
from domain.catalog.import_rows import ImportFormat as DomainFormat
from domain.catalog.importer import ImportSummary
from domain.inventory.errors import StockErrorCode

ImportError_ = error_type(
    "ImportError",
    "Why an import was refused as a whole (nothing was imported), or why one row failed.",
    ImportErrorCode,
    CatalogErrorCode,
    StockErrorCode,
)
_CODE: Any = ImportError_.__annotations__["code"]


@strawberry.enum(description="The format of an import file.")
class ImportFormat(enum.Enum):
    CSV = strawberry.enum_value(
        "CSV", description="Comma-separated, UTF-8, with a header line naming the columns."
    )
    JSONL = strawberry.enum_value(
        "JSONL", description="JSON Lines: one JSON object per line, with the same field names."
    )


@strawberry.input(description="A product import file, sent inline.")
class ProductsImportInput:
    format: ImportFormat = strawberry.field(description="CSV or JSONL.")
    content: str = strawberry.field(
        description=f"The file's text: at most {admin.MAX_IMPORT_CHARACTERS} characters and "
        f"{admin.MAX_IMPORT_ROWS} rows (use `omni import products` for more). Columns: "
        "sku, barcode, product_slug, product_name, description, brand, category_path, "
        "options, price, compare_at_price, tax_class, published, stock (see the README)."
    )


@strawberry.type(description="A row of an import that failed; the other rows went on.")
class ImportRowError:
    line: int = strawberry.field(description="The file's line number (a CSV header is line 1).")
    sku: str | None = strawberry.field(description="The row's SKU, when it could be read.")
    field: str | None = strawberry.field(description="The column at fault, if one is.")
    code: _CODE = strawberry.field(description="Machine-readable reason.")
    message: str = strawberry.field(description="A readable explanation, safe to show.")


@strawberry.type(
    description="Result of an import: counts per outcome and the failed rows. The good rows "
    "are kept even when some fail."
)
class ProductsImportPayload:
    created: int = strawberry.field(default=0, description="Rows that created a variant.")
    updated: int = strawberry.field(default=0, description="Rows that changed something.")
    unchanged: int = strawberry.field(default=0, description="Rows that matched what is stored.")
    failed: int = strawberry.field(default=0, description="Rows that failed (see `rowErrors`).")
    row_errors: list[ImportRowError] = strawberry.field(
        default_factory=list, description="The failed rows, in line order."
    )
    user_errors: list[ImportError_] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list,
        description="Why the import was refused as a whole (then nothing was imported).",
    )


def _ok(summary: ImportSummary) -> ProductsImportPayload:
    return ProductsImportPayload(
        created=summary.created,
        updated=summary.updated,
        unchanged=summary.unchanged,
        failed=summary.failed,
        row_errors=[
            ImportRowError(
                line=e.line, sku=e.sku, field=e.field, code=_CODE[e.code.name], message=e.message
            )
            for e in summary.errors
        ],
    )


@strawberry.type
class ImportMutation:
    @strawberry.mutation(
        description="Import products and variants by SKU from a small CSV or JSON Lines file "
        "(ADMIN): each row creates or updates its variant; importing the same file twice "
        "changes nothing the second time."
    )
    async def products_import(
        self,
        info: OmniInfo,
        input: Annotated[ProductsImportInput, strawberry.argument(description="The file.")],
    ) -> ProductsImportPayload:
        actor, fmt, content = info.context.actor, DomainFormat[input.format.name], input.content
        return await mutate(
            info,
            ProductsImportPayload,
            lambda s: admin.import_products(s, actor, fmt, content),
            _ok,
        )
