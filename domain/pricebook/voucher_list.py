"""Listing vouchers for staff."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.pagination import Keyset, Page, PageRequest, keyset_page
from domain.pricebook.models import Voucher
from domain.pricebook.vouchers import normalize_code


@dataclass(frozen=True, slots=True)
class VoucherFilter:
    code: str | None = None
    batch: str | None = None
    active: bool | None = None


async def list_vouchers(
    session: AsyncSession, actor: Actor, query: VoucherFilter, page: PageRequest
) -> Page[Voucher]:
    """Newest first; staff only (codes are worth money)."""
    actor.require_staff()
    page.validate()
    conditions: list[ColumnElement[bool]] = []
    if query.code is not None:
        conditions.append(Voucher.code == normalize_code(query.code))
    if query.batch is not None:
        conditions.append(Voucher.batch == normalize_code(query.batch))
    if query.active is not None:
        conditions.append(Voucher.active.is_(query.active))
    keyset = Keyset(sort="vouchers", columns=[Voucher.id.expression], kinds=[int], ascending=False)
    stmt = select(Voucher).where(*conditions)
    rows = await keyset_page(session, stmt, keyset, page, lambda row: (row[0].id,))
    return rows.map(lambda row: row[0])
