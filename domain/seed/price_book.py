"""The demo retailer's price book: one running promotion, one scheduled, two vouchers.

Dates are relative to the moment of seeding, so the running promotion runs and the
scheduled one lies ahead whenever the demo is started. The README walks through the same
set-up as "How to run a 2/9 sale".
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.models import Category
from domain.pricebook.models import Promotion, Voucher
from domain.pricing.model import VoucherKind

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def next_national_day(now: datetime) -> datetime:
    """Midnight of the next 2 September in Vietnam."""
    local = now.astimezone(VIETNAM)
    day = datetime(local.year, 9, 2, tzinfo=VIETNAM)
    return day if day > local else datetime(local.year + 1, 9, 2, tzinfo=VIETNAM)


async def load_price_book(session: AsyncSession, now: datetime) -> tuple[int, int]:
    """Returns (promotions, vouchers) written."""
    categories = {
        slug: pk for slug, pk in await session.execute(select(Category.slug, Category.id))
    }
    national_day = next_national_day(now)
    promotions = [
        {
            "name_vi": "Tuần lễ phụ kiện −15%",
            "name_en": "Accessories week −15%",
            "description_vi": "Giảm 15% túi xách, giày dép và phụ kiện. Hội viên được "
            "cộng thêm ưu đãi hạng.",
            "description_en": "15% off bags, shoes and accessories; members add their tier "
            "discount on top.",
            "starts_at": now - timedelta(days=1),
            "ends_at": now + timedelta(days=30),
            "discount_percent": Decimal(15),
            "category_ids": [categories["phu-kien"]],
            "combines_with_tier": True,
        },
        {
            "name_vi": "Lễ Quốc khánh 2/9 −20%",
            "name_en": "National Day 2/9 −20%",
            "description_vi": "Giảm 20% toàn bộ thời trang nữ trong ba ngày lễ.",
            "description_en": "20% off all women's fashion for the three days of the holiday.",
            "starts_at": national_day,
            "ends_at": national_day + timedelta(days=3),
            "discount_percent": Decimal(20),
            "category_ids": [categories["thoi-trang-nu"]],
            "combines_with_tier": False,
        },
    ]
    vouchers = [
        {
            "code": "CHAOBAN",
            "kind": VoucherKind.PERCENT,
            "value": Decimal(10),
            "description_vi": "Giảm 10% cho đơn từ 500.000đ.",
            "description_en": "10% off orders of 500,000 VND or more.",
            "minimum_subtotal": Decimal(500_000),
            "usage_limit_per_customer": 1,
            "times_used": 0,
        },
        {
            "code": "FREESHIP-DEMO",
            "kind": VoucherKind.FREE_DELIVERY,
            "value": Decimal(0),
            "description_vi": "Miễn phí giao hàng, dùng một lần.",
            "description_en": "Free delivery, single use.",
            "minimum_subtotal": Decimal(0),
            "usage_limit": 1,
            "times_used": 0,
        },
    ]
    await session.execute(insert(Promotion), promotions)
    await session.execute(insert(Voucher), vouchers)
    return len(promotions), len(vouchers)
