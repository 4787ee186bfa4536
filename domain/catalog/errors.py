"""Why a catalog change was refused."""

from __future__ import annotations

from domain.errors import DomainError, ErrorCode


class CatalogErrorCode(ErrorCode):
    SLUG_TAKEN = "SLUG_TAKEN", "Another product or category already has this slug."
    SKU_TAKEN = "SKU_TAKEN", "Another variant (archived ones included) already has this SKU."
    BARCODE_TAKEN = "BARCODE_TAKEN", "Another variant already has this barcode."
    INVALID_BARCODE = "INVALID_BARCODE", "Not an EAN-13 barcode (13 digits, valid check digit)."
    INVALID_SKU = "INVALID_SKU", "A SKU is 1–64 letters, digits and . _ / - characters."
    INVALID_PRICE = "INVALID_PRICE", "A price is not valid; `message` says why."
    OPTIONS_TAKEN = "OPTIONS_TAKEN", "Another variant of the product has the same options."
    CATEGORY_CYCLE = "CATEGORY_CYCLE", "A category cannot move under itself or a descendant."
    VARIANT_ARCHIVED = "VARIANT_ARCHIVED", "The variant is archived and can no longer change."


def catalog_error(code: CatalogErrorCode, message: str, field: str | None = None) -> DomainError:
    return DomainError(code, message, field)
