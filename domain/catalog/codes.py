"""The identifiers of the catalog: slugs, SKUs and EAN-13 barcodes."""

from __future__ import annotations

import re

from slugify import slugify
from stdnum import ean
from stdnum.exceptions import ValidationError

from domain.catalog.errors import CatalogErrorCode, catalog_error
from domain.errors import InvalidInput

MAX_SLUG = 200
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")


def slug(value: str | None, name: str, field: str = "slug") -> str:
    """`value` checked, or a slug made from `name` (Vietnamese letters transliterated:
    "Áo thun Đen" -> "ao-thun-den")."""
    if value is None or not value.strip():
        made = slugify(name, max_length=MAX_SLUG, word_boundary=True)
        if not made:
            raise InvalidInput("Give a `slug`: none can be made from this name.", field)
        return made
    cleaned = value.strip()
    if len(cleaned) > MAX_SLUG or not _SLUG.match(cleaned):
        raise InvalidInput(
            f"`{field}` is lower-case letters, digits and single dashes, at most {MAX_SLUG} "
            'characters, e.g. "ao-thun-nu".',
            field,
        )
    return cleaned


def sku(value: str, field: str = "sku") -> str:
    cleaned = value.strip()
    if not _SKU.match(cleaned):
        raise catalog_error(
            CatalogErrorCode.INVALID_SKU,
            "A SKU is 1–64 letters, digits and . _ / - characters, starting with a letter or "
            "digit.",
            field,
        )
    return cleaned


def barcode(value: str | None, field: str = "barcode") -> str | None:
    """An EAN-13 with a valid check digit; empty means none."""
    if value is None or not value.strip():
        return None
    cleaned = value.strip()
    try:
        if len(cleaned) != 13:
            raise ValidationError
        ean.validate(cleaned)
    except ValidationError:
        raise catalog_error(
            CatalogErrorCode.INVALID_BARCODE,
            "`barcode` must be an EAN-13: 13 digits whose last is the check digit.",
            field,
        ) from None
    return cleaned
