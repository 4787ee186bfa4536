"""Vietnam's 34 provinces and centrally-run cities (since the 2025 reorganisation), with
the rough coordinates of their seat, and the older names customers still type. Delivery
uses it to check an address and to pick the shipping location nearest to it."""

from __future__ import annotations

from slugify import slugify

# Canonical name → (latitude, longitude) of its seat.
PROVINCES: dict[str, tuple[float, float]] = {
    "Hà Nội": (21.03, 105.85),
    "Hồ Chí Minh": (10.78, 106.70),
    "Hải Phòng": (20.86, 106.68),
    "Đà Nẵng": (16.05, 108.20),
    "Cần Thơ": (10.03, 105.78),
    "Huế": (16.46, 107.59),
    "Lai Châu": (22.40, 103.46),
    "Điện Biên": (21.39, 103.02),
    "Sơn La": (21.33, 103.91),
    "Lạng Sơn": (21.85, 106.76),
    "Cao Bằng": (22.67, 106.26),
    "Tuyên Quang": (21.82, 105.21),
    "Lào Cai": (21.72, 104.90),
    "Thái Nguyên": (21.59, 105.85),
    "Phú Thọ": (21.32, 105.40),
    "Bắc Ninh": (21.27, 106.19),
    "Hưng Yên": (20.65, 106.05),
    "Ninh Bình": (20.25, 105.97),
    "Quảng Ninh": (20.95, 107.08),
    "Thanh Hóa": (19.81, 105.78),
    "Nghệ An": (18.68, 105.68),
    "Hà Tĩnh": (18.34, 105.90),
    "Quảng Trị": (17.47, 106.60),
    "Quảng Ngãi": (15.12, 108.80),
    "Gia Lai": (13.78, 109.22),
    "Khánh Hòa": (12.24, 109.19),
    "Lâm Đồng": (11.94, 108.44),
    "Đắk Lắk": (12.67, 108.04),
    "Đồng Nai": (10.95, 106.82),
    "Tây Ninh": (10.54, 106.41),
    "Vĩnh Long": (10.25, 105.97),
    "Đồng Tháp": (10.36, 106.36),
    "Cà Mau": (9.18, 105.15),
    "An Giang": (10.01, 105.08),
}

# Older or informal names → the province they belong to now.
_ALIASES = {
    "Sài Gòn": "Hồ Chí Minh",
    "HCM": "Hồ Chí Minh",
    "Bình Dương": "Hồ Chí Minh",
    "Bà Rịa - Vũng Tàu": "Hồ Chí Minh",
    "Thừa Thiên Huế": "Huế",
    "Quảng Nam": "Đà Nẵng",
    "Hải Dương": "Hải Phòng",
    "Bắc Giang": "Bắc Ninh",
    "Vĩnh Phúc": "Phú Thọ",
    "Hòa Bình": "Phú Thọ",
    "Yên Bái": "Lào Cai",
    "Hà Giang": "Tuyên Quang",
    "Bắc Kạn": "Thái Nguyên",
    "Thái Bình": "Hưng Yên",
    "Hà Nam": "Ninh Bình",
    "Nam Định": "Ninh Bình",
    "Quảng Bình": "Quảng Trị",
    "Kon Tum": "Quảng Ngãi",
    "Bình Định": "Gia Lai",
    "Ninh Thuận": "Khánh Hòa",
    "Đắk Nông": "Lâm Đồng",
    "Bình Thuận": "Lâm Đồng",
    "Phú Yên": "Đắk Lắk",
    "Bình Phước": "Đồng Nai",
    "Long An": "Tây Ninh",
    "Bến Tre": "Vĩnh Long",
    "Trà Vinh": "Vĩnh Long",
    "Tiền Giang": "Đồng Tháp",
    "Bạc Liêu": "Cà Mau",
    "Kiên Giang": "An Giang",
    "Sóc Trăng": "Cần Thơ",
    "Hậu Giang": "Cần Thơ",
}

_PREFIXES = ("thanh-pho-", "tp-", "tinh-")


def _key(name: str) -> str:
    key = slugify(name)
    for prefix in _PREFIXES:
        if key.startswith(prefix):
            key = key[len(prefix) :]
    return key


_BY_KEY = {_key(name): name for name in PROVINCES} | {
    _key(alias): name for alias, name in _ALIASES.items()
}


def province(name: str) -> str | None:
    """The current province for a name as typed ("TP. Hồ Chí Minh", "ha noi", "Bình
    Dương"), or None when it is not a Vietnamese province."""
    return _BY_KEY.get(_key(name))
