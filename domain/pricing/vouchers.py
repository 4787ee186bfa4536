"""Whether an order qualifies for a voucher, as far as the order alone can tell."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from domain.errors import ErrorCode
from domain.pricing.model import Tier, Voucher, VoucherKind


class VoucherErrorCode(ErrorCode):
    UNKNOWN_CODE = "UNKNOWN_CODE", "No voucher has this code."
    NOT_STARTED = "NOT_STARTED", "The voucher is not valid yet; see its start time."
    EXPIRED = "EXPIRED", "The voucher's validity has ended."
    MIN_SUBTOTAL_NOT_MET = (
        "MIN_SUBTOTAL_NOT_MET",
        "The order's goods total (after promotions and the tier discount) is below the "
        "voucher's minimum.",
    )
    USAGE_LIMIT_REACHED = "USAGE_LIMIT_REACHED", "The voucher has been used as often as allowed."
    ALREADY_USED_BY_CUSTOMER = (
        "ALREADY_USED_BY_CUSTOMER",
        "This customer has used the voucher as often as allowed per customer.",
    )
    TIER_TOO_LOW = "TIER_TOO_LOW", "The voucher needs a higher membership tier."
    INACTIVE = "INACTIVE", "The voucher was deactivated."
    SIGN_IN_REQUIRED = (
        "SIGN_IN_REQUIRED",
        "The voucher has a per-customer limit or a minimum tier: sign in or be identified.",
    )


def voucher_problem(
    voucher: Voucher, goods_total: Decimal, tier: Tier | None, at: datetime
) -> VoucherErrorCode | None:
    """Why this order cannot use the voucher now, or None when it can."""
    if not voucher.active:
        return VoucherErrorCode.INACTIVE
    if voucher.starts_at is not None and at < voucher.starts_at:
        return VoucherErrorCode.NOT_STARTED
    if voucher.ends_at is not None and at >= voucher.ends_at:
        return VoucherErrorCode.EXPIRED
    if voucher.minimum_rank is not None and (tier is None or tier.rank < voucher.minimum_rank):
        return VoucherErrorCode.TIER_TOO_LOW
    if goods_total < voucher.minimum_subtotal:
        return VoucherErrorCode.MIN_SUBTOTAL_NOT_MET
    return None


__all__ = ["VoucherErrorCode", "VoucherKind", "voucher_problem"]
