"""Demo catalogue of "Sóng Fashion", a Vietnamese omnichannel fashion retailer.

Pure data and small deterministic generators; nothing here touches the database.
Every value is derived from literals and fixed arithmetic, so two runs (in any Python
process) produce byte-identical SKUs, barcodes, prices and stock figures.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from domain.catalog.models import TaxClass
from domain.inventory.models import LocationKind

BRAND_HOUSE = "Sóng"
CDN_BASE = "https://cdn.example.vn/song"
SKU_PREFIX = "SF"
# 893 is Vietnam's GS1 prefix; 8765 is an invented company number.
EAN_PREFIX = "8938765"
# Products are created one hour apart, newest first, ending at this instant.
BASE_CREATED_AT = datetime(2025, 6, 1, 3, 0, tzinfo=UTC)

OPTION_COLOUR = "Màu sắc"
OPTION_SIZE = "Kích cỡ"


# --------------------------------------------------------------------------- helpers


def slugify(value: str) -> str:
    """ASCII, lowercase, hyphen-separated slug ("Áo thun nữ" -> "ao-thun-nu")."""
    value = value.replace("đ", "d").replace("Đ", "D")
    ascii_value = (
        unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii").lower()
    )
    return re.sub(r"[^a-z0-9]+", "-", ascii_value).strip("-")


def ean13_check_digit(first12: str) -> str:
    """GS1 check digit: weights 1,3,1,3... from the left over the first 12 digits."""
    if len(first12) != 12 or not first12.isdigit():
        raise ValueError(f"need 12 digits, got {first12!r}")
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return str((10 - total % 10) % 10)


def ean13(sequence: int) -> str:
    """EAN-13 for the n-th seeded variant: 893 + company 8765 + 5-digit item + check."""
    body = f"{EAN_PREFIX}{sequence:05d}"
    return body + ean13_check_digit(body)


def product_created_at(index: int) -> datetime:
    """Distinct, stable creation time for the index-th product (0 is the newest)."""
    return BASE_CREATED_AT - timedelta(hours=index)


def _stable_hash(*parts: str) -> int:
    digest = hashlib.blake2b("|".join(parts).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big")


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class CategorySeed:
    slug: str
    name: str
    description: str
    position: int
    parent_slug: str | None


@dataclass(frozen=True, slots=True)
class VariantSeed:
    sku: str
    barcode: str
    title: str
    options: dict[str, str]
    price: Decimal
    compare_at_price: Decimal | None
    position: int


@dataclass(frozen=True, slots=True)
class ProductSeed:
    slug: str
    name: str
    description: str
    brand: str
    category_slug: str
    attributes: dict[str, str]
    images: list[dict[str, str]]
    tax_class: TaxClass
    published: bool
    variants: tuple[VariantSeed, ...]


@dataclass(frozen=True, slots=True)
class LocationSeed:
    code: str
    name: str
    kind: LocationKind
    street: str
    ward: str
    district: str
    province: str
    phone: str
    latitude: float
    longitude: float
    opening_hours: dict[str, list[list[str]]]
    pickup_enabled: bool
    pickup_lead_time_minutes: int
    ships_orders: bool


# --------------------------------------------------------------------------- categories


def _c(
    slug: str, name: str, description: str, position: int, parent: str | None = None
) -> CategorySeed:
    return CategorySeed(slug, name, description, position, parent)


# Parents always precede their children.
CATEGORIES: tuple[CategorySeed, ...] = (
    _c("thoi-trang-nam", "Thời trang nam", "Trang phục hằng ngày và công sở cho nam giới.", 1),
    _c("thoi-trang-nu", "Thời trang nữ", "Trang phục nữ tính, thanh lịch cho mọi dịp.", 2),
    _c("phu-kien", "Phụ kiện", "Túi xách, giày dép và phụ kiện hoàn thiện phong cách.", 3),
    # Thời trang nam
    _c("ao-nam", "Áo nam", "Áo thun, sơ mi, polo và áo khoác nam.", 1, "thoi-trang-nam"),
    _c("quan-nam", "Quần nam", "Quần jean, kaki, quần tây và quần short nam.", 2, "thoi-trang-nam"),
    _c("ao-thun-nam", "Áo thun nam", "Áo thun cotton thoáng mát, dễ phối đồ.", 1, "ao-nam"),
    _c("ao-so-mi-nam", "Áo sơ mi nam", "Sơ mi công sở và sơ mi dạo phố.", 2, "ao-nam"),
    _c("ao-polo-nam", "Áo polo nam", "Polo lịch sự cho cả đi làm lẫn đi chơi.", 3, "ao-nam"),
    _c("ao-khoac-nam", "Áo khoác nam", "Áo khoác gió, bomber, jean và blazer.", 4, "ao-nam"),
    _c("quan-jean-nam", "Quần jean nam", "Denim bền màu, nhiều dáng ống.", 1, "quan-nam"),
    _c("quan-kaki-nam", "Quần kaki & quần tây nam", "Quần kaki, chinos và quần âu.", 2, "quan-nam"),
    _c("quan-short-nam", "Quần short nam", "Quần short cho ngày hè và thể thao.", 3, "quan-nam"),
    # Thời trang nữ
    _c("ao-nu", "Áo nữ", "Áo thun, áo kiểu, sơ mi và áo khoác nữ.", 1, "thoi-trang-nu"),
    _c("dam-vay", "Đầm & váy", "Đầm dạo phố, đầm công sở, chân váy và áo dài.", 2, "thoi-trang-nu"),
    _c(
        "quan-nu",
        "Quần nữ",
        "Quần jean, quần ống rộng, quần short và legging nữ.",
        3,
        "thoi-trang-nu",
    ),
    _c("ao-thun-nu", "Áo thun nữ", "Áo thun, baby tee và croptop nữ.", 1, "ao-nu"),
    _c("ao-so-mi-nu", "Áo sơ mi & áo kiểu nữ", "Sơ mi lụa, linen và áo kiểu nữ tính.", 2, "ao-nu"),
    _c(
        "ao-khoac-nu",
        "Áo khoác & áo len nữ",
        "Cardigan, áo len, blazer và áo chống nắng.",
        3,
        "ao-nu",
    ),
    _c("dam-nu", "Đầm", "Đầm maxi, đầm suông, đầm công sở và đầm dự tiệc.", 1, "dam-vay"),
    _c("chan-vay", "Chân váy", "Chân váy xếp ly, chữ A và bút chì.", 2, "dam-vay"),
    _c("ao-dai", "Áo dài", "Áo dài truyền thống và cách tân cho dịp lễ, Tết.", 3, "dam-vay"),
    # Phụ kiện
    _c("tui-xach", "Túi xách", "Túi tote, túi đeo chéo, túi công sở, balo và ví.", 1, "phu-kien"),
    _c("giay-dep", "Giày dép", "Sneaker, giày da, sandal và dép.", 2, "phu-kien"),
    _c("mu-non", "Mũ nón", "Mũ lưỡi trai, mũ bucket và nón lá.", 3, "phu-kien"),
    _c("that-lung", "Thắt lưng", "Thắt lưng da và thắt lưng vải.", 4, "phu-kien"),
    _c("kinh-mat", "Kính mát", "Kính mát chống tia UV.", 5, "phu-kien"),
    _c("khan-tat", "Khăn & tất", "Khăn lụa, khăn choàng và tất.", 6, "phu-kien"),
    _c("tui-tote", "Túi tote", "Túi tote vải canvas rộng rãi.", 1, "tui-xach"),
    _c("tui-deo-cheo", "Túi đeo chéo", "Túi đeo chéo nhỏ gọn.", 2, "tui-xach"),
    _c("tui-xach-tay", "Túi xách tay", "Túi xách tay công sở.", 3, "tui-xach"),
    _c("balo", "Balo", "Balo laptop và balo thời trang.", 4, "tui-xach"),
    _c("vi", "Ví", "Ví nam, ví nữ bằng da thật.", 5, "tui-xach"),
    _c("giay-sneaker", "Giày sneaker", "Sneaker vải và giày chạy bộ.", 1, "giay-dep"),
    _c("giay-da", "Giày da & giày búp bê", "Giày lười, giày da và giày búp bê.", 2, "giay-dep"),
    _c("sandal-dep", "Sandal & dép", "Sandal, dép quai hậu cho ngày hè.", 3, "giay-dep"),
)


# --------------------------------------------------------------------------- products

# Colour name -> SKU code (ASCII, uppercase).
COLOUR_CODES: dict[str, str] = {
    "Đen": "DEN",
    "Trắng": "TRANG",
    "Xám": "XAM",
    "Xanh navy": "NAVY",
    "Be": "BE",
    "Kem": "KEM",
    "Nâu": "NAU",
    "Đỏ đô": "DODO",
    "Hồng phấn": "HONG",
    "Xanh rêu": "REU",
    "Xanh da trời": "XDT",
    "Vàng mù tạt": "VANG",
    "Tím lavender": "TIM",
    "Xanh nhạt": "XNHAT",
    "Xanh đậm": "XDAM",
    "Hoa nhí xanh": "HOAXANH",
    "Hoa nhí đỏ": "HOADO",
    "Đồi mồi": "DOIMOI",
    "Tự nhiên": "TUNHIEN",
}

SIZE_CODES: dict[str, str] = {"Free size": "FS"}

MEN = ("M", "L", "XL")
MEN_WIDE = ("S", "M", "L", "XL")
WOMEN = ("S", "M", "L")
WAIST_MEN = ("29", "30", "31", "32")
WAIST_WOMEN = ("26", "27", "28", "29")
FREE = ("Free size",)
NO_SIZE: tuple[str, ...] = ()

CARE_COTTON = "Giặt máy ở 30°C, lộn trái khi giặt, không dùng chất tẩy."
CARE_DELICATE = "Giặt tay nhẹ nhàng hoặc giặt khô, phơi nơi thoáng mát."
CARE_LEATHER = "Lau bằng khăn mềm, tránh nước và ánh nắng trực tiếp."


@dataclass(frozen=True, slots=True)
class _Spec:
    prefix: str
    name: str
    category: str
    brand: str
    price: int
    colours: tuple[str, ...]
    sizes: tuple[str, ...]
    material: str
    description: str
    compare_at: int | None = None
    tax_class: TaxClass = TaxClass.STANDARD
    published: bool = True
    origin: str = "Việt Nam"
    care: str = CARE_COTTON
    extra: tuple[tuple[str, str], ...] = ()


_S = _Spec
_SPECS: tuple[_Spec, ...] = (
    # ---- Áo thun nam
    _S(
        "ATN",
        "Áo thun cotton cổ tròn",
        "ao-thun-nam",
        BRAND_HOUSE,
        199_000,
        ("Đen", "Trắng", "Xám"),
        MEN_WIDE,
        "Cotton 100%",
        "Áo thun cổ tròn basic dệt từ sợi cotton chải kỹ, mềm mịn, thấm hút mồ hôi tốt. "
        "Món đồ không thể thiếu trong tủ đồ hằng ngày.",
        extra=(("Kiểu dáng", "Regular fit"),),
    ),
    _S(
        "ATN",
        "Áo thun oversize in chữ Sóng",
        "ao-thun-nam",
        BRAND_HOUSE,
        259_000,
        ("Đen", "Kem"),
        MEN,
        "Cotton 100%",
        "Form rộng thoải mái, hình in lụa chữ Sóng bền màu sau nhiều lần giặt.",
        compare_at=299_000,
        extra=(("Kiểu dáng", "Oversize"),),
    ),
    _S(
        "ATN",
        "Áo thun cổ tim basic",
        "ao-thun-nam",
        BRAND_HOUSE,
        179_000,
        ("Trắng", "Xanh navy"),
        MEN_WIDE,
        "Cotton 95%, Spandex 5%",
        "Cổ tim vừa phải, co giãn nhẹ, dễ mặc riêng hoặc làm lớp lót bên trong sơ mi.",
    ),
    _S(
        "ATN",
        "Áo thun raglan phối màu",
        "ao-thun-nam",
        BRAND_HOUSE,
        229_000,
        ("Xám", "Xanh rêu"),
        MEN,
        "Cotton 100%",
        "Tay raglan phối màu trẻ trung, đường may chắc chắn, phù hợp đi học, đi chơi.",
    ),
    _S(
        "ATN",
        "Áo thun dài tay giữ nhiệt",
        "ao-thun-nam",
        BRAND_HOUSE,
        249_000,
        ("Đen", "Be"),
        MEN,
        "Polyester 85%, Spandex 15%",
        "Giữ ấm nhẹ cho những ngày se lạnh miền Bắc, ôm vừa người và không bai dão.",
    ),
    _S(
        "ATN",
        "Áo thun sợi tre kháng khuẩn",
        "ao-thun-nam",
        "Sóng Active",
        289_000,
        ("Trắng", "Xanh da trời"),
        MEN,
        "Sợi tre 70%, Cotton 30%",
        "Sợi tre tự nhiên kháng khuẩn, khử mùi, mát lạnh khi chạm vào da.",
    ),
    # ---- Áo sơ mi nam
    _S(
        "ASM",
        "Áo sơ mi oxford dài tay",
        "ao-so-mi-nam",
        BRAND_HOUSE,
        399_000,
        ("Trắng", "Xanh da trời"),
        MEN_WIDE,
        "Cotton oxford",
        "Vải oxford dày dặn, ít nhăn, cổ button-down lịch sự cho môi trường công sở.",
        extra=(("Kiểu dáng", "Slim fit"),),
    ),
    _S(
        "ASM",
        "Áo sơ mi linen cộc tay",
        "ao-so-mi-nam",
        BRAND_HOUSE,
        449_000,
        ("Be", "Trắng"),
        MEN,
        "Linen 55%, Cotton 45%",
        "Chất linen thoáng mát cho mùa hè, cổ Cuba phóng khoáng khi đi biển.",
        compare_at=549_000,
        care=CARE_DELICATE,
    ),
    _S(
        "ASM",
        "Áo sơ mi kẻ sọc công sở",
        "ao-so-mi-nam",
        "Lam Studio",
        379_000,
        ("Xanh navy",),
        ("M", "L", "XL", "XXL"),
        "Cotton 60%, Polyester 40%",
        "Kẻ sọc nhỏ thanh lịch, vải chống nhăn giúp bạn luôn chỉn chu cả ngày làm việc.",
    ),
    _S(
        "ASM",
        "Áo sơ mi flannel caro",
        "ao-so-mi-nam",
        BRAND_HOUSE,
        429_000,
        ("Đỏ đô", "Xanh rêu"),
        MEN,
        "Cotton flannel",
        "Flannel chải lông ấm áp, họa tiết caro cổ điển, mặc như áo khoác nhẹ.",
    ),
    # ---- Áo polo nam
    _S(
        "APL",
        "Áo polo cotton pique",
        "ao-polo-nam",
        BRAND_HOUSE,
        329_000,
        ("Đen", "Trắng", "Xanh navy"),
        MEN,
        "Cotton pique 100%",
        "Vải pique mắt chim thoáng khí, cổ và bo tay dệt bền form.",
    ),
    _S(
        "APL",
        "Áo polo thể thao thoáng khí",
        "ao-polo-nam",
        "Sóng Active",
        299_000,
        ("Xám", "Xanh navy"),
        MEN,
        "Polyester thun lạnh",
        "Thun lạnh nhanh khô, phù hợp chơi golf, tennis hoặc mặc hằng ngày.",
    ),
    _S(
        "APL",
        "Áo polo dệt kim cổ bẻ",
        "ao-polo-nam",
        "Lam Studio",
        389_000,
        ("Kem", "Nâu"),
        MEN,
        "Cotton dệt kim",
        "Dệt kim mềm mại phong cách retro, lịch lãm khi phối cùng quần tây.",
        care=CARE_DELICATE,
    ),
    # ---- Áo khoác nam
    _S(
        "AKN",
        "Áo khoác bomber dù",
        "ao-khoac-nam",
        BRAND_HOUSE,
        599_000,
        ("Đen", "Xanh rêu"),
        MEN,
        "Vải dù, lót lưới",
        "Bomber vải dù cản gió, bo chun tay và gấu, túi khóa kéo tiện lợi.",
        compare_at=749_000,
    ),
    _S(
        "AKN",
        "Áo khoác jean wash nhẹ",
        "ao-khoac-nam",
        "Cỏ May Denim",
        649_000,
        ("Xanh nhạt",),
        MEN,
        "Denim cotton 100%",
        "Áo khoác jean wash nhẹ cổ điển, càng mặc càng lên màu đẹp.",
    ),
    _S(
        "AKN",
        "Áo khoác gió chống nắng",
        "ao-khoac-nam",
        "Sóng Active",
        349_000,
        ("Đen", "Xám", "Xanh da trời"),
        MEN,
        "Polyester chống UV",
        "Chống tia UV, trượt nước nhẹ, gấp gọn bỏ cốp xe máy.",
        extra=(("Chỉ số chống nắng", "UPF 50+"),),
    ),
    _S(
        "AKN",
        "Áo blazer nam dáng suông",
        "ao-khoac-nam",
        "Lam Studio",
        1_190_000,
        ("Đen", "Be"),
        MEN,
        "Polyester 70%, Viscose 30%",
        "Blazer không đệm vai, dáng suông hiện đại, đi làm hay dự tiệc đều hợp.",
        care=CARE_DELICATE,
    ),
    # ---- Quần nam
    _S(
        "QJN",
        "Quần jean ống đứng",
        "quan-jean-nam",
        "Cỏ May Denim",
        499_000,
        ("Xanh đậm", "Đen"),
        WAIST_MEN,
        "Denim cotton 98%, Spandex 2%",
        "Ống đứng kinh điển, vải denim 12oz dày dặn, co giãn nhẹ khi vận động.",
    ),
    _S(
        "QJN",
        "Quần jean slim fit co giãn",
        "quan-jean-nam",
        "Cỏ May Denim",
        549_000,
        ("Xanh nhạt", "Xanh đậm"),
        WAIST_MEN,
        "Denim cotton 95%, Spandex 5%",
        "Dáng slim gọn gàng, co giãn bốn chiều, ôm chân mà vẫn thoải mái.",
        compare_at=650_000,
    ),
    _S(
        "QJN",
        "Quần jean ống rộng wash bạc",
        "quan-jean-nam",
        "Cỏ May Denim",
        589_000,
        ("Xanh nhạt",),
        WAIST_MEN,
        "Denim cotton 100%",
        "Ống rộng phong cách đường phố, hiệu ứng wash bạc thủ công.",
    ),
    _S(
        "QKN",
        "Quần kaki chinos ống côn",
        "quan-kaki-nam",
        BRAND_HOUSE,
        429_000,
        ("Be", "Xanh navy", "Đen"),
        WAIST_MEN,
        "Kaki cotton 97%, Spandex 3%",
        "Chinos ống côn nhẹ, lưng có chun giấu bên trong, dễ phối cùng sơ mi hay polo.",
    ),
    _S(
        "QKN",
        "Quần tây âu dáng slim",
        "quan-kaki-nam",
        "Lam Studio",
        529_000,
        ("Xám", "Đen"),
        WAIST_MEN,
        "Polyester 65%, Viscose 35%",
        "Quần âu may đo dáng slim, ly trước sắc nét, chống nhăn khi ngồi lâu.",
    ),
    _S(
        "QKN",
        "Quần jogger kaki túi hộp",
        "quan-kaki-nam",
        BRAND_HOUSE,
        399_000,
        ("Xanh rêu", "Be"),
        MEN,
        "Kaki cotton",
        "Jogger kaki với túi hộp hai bên, bo gấu chun năng động.",
    ),
    _S(
        "QSN",
        "Quần short kaki 7 tấc",
        "quan-short-nam",
        BRAND_HOUSE,
        279_000,
        ("Be", "Xanh navy"),
        WAIST_MEN,
        "Kaki cotton",
        "Chiều dài 7 tấc trên gối vừa vặn, lý tưởng cho dạo phố ngày hè.",
    ),
    _S(
        "QSN",
        "Quần short thể thao hai lớp",
        "quan-short-nam",
        "Sóng Active",
        219_000,
        ("Đen", "Xám"),
        MEN,
        "Polyester 90%, Spandex 10%",
        "Hai lớp với quần lót trong co giãn, túi khóa kéo đựng điện thoại khi chạy bộ.",
    ),
    _S(
        "QSN",
        "Quần short đũi đi biển",
        "quan-short-nam",
        BRAND_HOUSE,
        249_000,
        ("Trắng", "Xanh da trời"),
        MEN,
        "Vải đũi tự nhiên",
        "Vải đũi mát nhẹ, lưng chun dây rút, hợp những chuyến đi biển Nha Trang, Phú Quốc.",
        tax_class=TaxClass.REDUCED_8,
        care=CARE_DELICATE,
    ),
    # ---- Áo nữ
    _S(
        "ATU",
        "Áo thun nữ cotton baby tee",
        "ao-thun-nu",
        BRAND_HOUSE,
        169_000,
        ("Trắng", "Hồng phấn", "Đen"),
        WOMEN,
        "Cotton 95%, Spandex 5%",
        "Baby tee ôm nhẹ, dài vừa chạm cạp quần, phối cùng quần ống rộng rất xinh.",
    ),
    _S(
        "ATU",
        "Áo thun croptop gân tăm",
        "ao-thun-nu",
        BRAND_HOUSE,
        149_000,
        ("Đen", "Kem", "Tím lavender"),
        ("S", "M"),
        "Cotton gân tăm",
        "Chất thun gân tăm co giãn tốt, tôn dáng, giá mềm cho các bạn sinh viên.",
        compare_at=189_000,
    ),
    _S(
        "ATU",
        "Áo thun nữ form rộng in hoa cúc",
        "ao-thun-nu",
        "Hạt Dẻ",
        219_000,
        ("Trắng", "Vàng mù tạt"),
        WOMEN,
        "Cotton 100%",
        "Form rộng thoải mái, họa tiết hoa cúc thêu tay nhỏ xinh trước ngực.",
    ),
    _S(
        "ATU",
        "Áo thun polo nữ dệt kim",
        "ao-thun-nu",
        "Hạt Dẻ",
        279_000,
        ("Kem", "Xanh navy"),
        WOMEN,
        "Cotton dệt kim",
        "Cổ polo nữ tính, dệt kim mỏng nhẹ, hợp cả đi làm lẫn đi cà phê cuối tuần.",
        care=CARE_DELICATE,
    ),
    _S(
        "AKU",
        "Áo sơ mi lụa tay bồng",
        "ao-so-mi-nu",
        "Hạt Dẻ",
        459_000,
        ("Trắng", "Hồng phấn"),
        WOMEN,
        "Lụa satin",
        "Lụa satin mềm rũ, tay bồng nhẹ nhàng, sang trọng khi sơ vin cùng chân váy.",
        care=CARE_DELICATE,
    ),
    _S(
        "AKU",
        "Áo kiểu cổ vuông tay phồng",
        "ao-so-mi-nu",
        "Hạt Dẻ",
        329_000,
        ("Kem", "Đen"),
        WOMEN,
        "Voan tơ",
        "Cổ vuông khoe xương quai xanh, tay phồng bo chun, đậm chất tiểu thư.",
        care=CARE_DELICATE,
    ),
    _S(
        "AKU",
        "Áo sơ mi nữ linen cổ đức",
        "ao-so-mi-nu",
        BRAND_HOUSE,
        399_000,
        ("Be", "Trắng", "Xanh da trời"),
        WOMEN,
        "Linen 100%",
        "Linen tự nhiên thoáng mát, dáng suông nhẹ, càng mặc càng mềm.",
        care=CARE_DELICATE,
    ),
    _S(
        "AKU",
        "Áo len mỏng cổ lọ",
        "ao-khoac-nu",
        BRAND_HOUSE,
        359_000,
        ("Kem", "Nâu", "Đen"),
        WOMEN,
        "Len acrylic pha wool",
        "Len mỏng ấm áp cho mùa đông Hà Nội, cổ lọ ôm cổ thanh lịch.",
        compare_at=459_000,
        care=CARE_DELICATE,
    ),
    _S(
        "AKU",
        "Áo khoác cardigan len dệt",
        "ao-khoac-nu",
        "Hạt Dẻ",
        429_000,
        ("Kem", "Xám"),
        WOMEN,
        "Len cotton dệt kim",
        "Cardigan cúc ngọc trai, khoác nhẹ trong phòng điều hòa hay buổi tối se lạnh.",
        care=CARE_DELICATE,
    ),
    _S(
        "AKU",
        "Áo blazer nữ oversize",
        "ao-khoac-nu",
        "Lam Studio",
        890_000,
        ("Đen", "Be"),
        WOMEN,
        "Tuytsi cao cấp",
        "Blazer oversize vai đệm nhẹ, lót lụa, điểm nhấn quyền lực cho trang phục công sở.",
        care=CARE_DELICATE,
    ),
    _S(
        "AKU",
        "Áo chống nắng nữ toàn thân",
        "ao-khoac-nu",
        "Sóng Active",
        259_000,
        ("Hồng phấn", "Xanh da trời", "Trắng"),
        FREE,
        "Thun lạnh chống UV",
        "Chống nắng toàn thân có khẩu trang liền, che kín tay, lý tưởng khi đi xe máy.",
        extra=(("Chỉ số chống nắng", "UPF 50+"),),
    ),
    # ---- Đầm & váy
    _S(
        "DAM",
        "Đầm maxi hoa nhí",
        "dam-nu",
        "Hạt Dẻ",
        549_000,
        ("Hoa nhí xanh", "Hoa nhí đỏ"),
        WOMEN,
        "Voan lụa",
        "Đầm maxi dáng dài bay bổng, họa tiết hoa nhí vintage, hoàn hảo cho kỳ nghỉ.",
        compare_at=690_000,
        care=CARE_DELICATE,
    ),
    _S(
        "DAM",
        "Đầm suông linen cổ tròn",
        "dam-nu",
        BRAND_HOUSE,
        489_000,
        ("Be", "Xanh rêu"),
        WOMEN,
        "Linen 100%",
        "Dáng suông che khuyết điểm, linen thoáng mát, có túi hai bên tiện lợi.",
        care=CARE_DELICATE,
    ),
    _S(
        "DAM",
        "Đầm công sở dáng chữ A",
        "dam-nu",
        "Lam Studio",
        599_000,
        ("Đen", "Xanh navy"),
        WOMEN,
        "Tuytsi co giãn",
        "Dáng chữ A tôn eo, chiều dài qua gối thanh lịch cho môi trường văn phòng.",
    ),
    _S(
        "DAM",
        "Đầm lụa hai dây dự tiệc",
        "dam-nu",
        "Lam Studio",
        890_000,
        ("Đỏ đô", "Đen"),
        ("S", "M"),
        "Lụa satin cao cấp",
        "Lụa satin bóng nhẹ, dây mảnh điều chỉnh được, nổi bật trong các buổi tiệc tối.",
        care=CARE_DELICATE,
    ),
    _S(
        "DAM",
        "Đầm sơ mi thắt eo",
        "dam-nu",
        BRAND_HOUSE,
        529_000,
        ("Trắng", "Xanh da trời"),
        WOMEN,
        "Cotton poplin",
        "Đầm sơ mi kèm đai thắt eo, mặc đi làm hay đi chơi đều thanh lịch.",
    ),
    _S(
        "CVA",
        "Chân váy xếp ly midi",
        "chan-vay",
        "Hạt Dẻ",
        359_000,
        ("Be", "Đen", "Xanh navy"),
        WOMEN,
        "Voan Hàn",
        "Ly xếp nhỏ đều, chiều dài midi nữ tính, lưng chun sau thoải mái.",
    ),
    _S(
        "CVA",
        "Chân váy jean chữ A",
        "chan-vay",
        "Cỏ May Denim",
        329_000,
        ("Xanh nhạt",),
        WOMEN,
        "Denim cotton",
        "Chân váy jean chữ A ngắn năng động, cúc kim loại khắc chìm.",
    ),
    _S(
        "CVA",
        "Chân váy bút chì công sở",
        "chan-vay",
        "Lam Studio",
        379_000,
        ("Đen", "Xám"),
        WOMEN,
        "Tuytsi co giãn",
        "Dáng bút chì ôm vừa, xẻ tà sau dễ di chuyển, chuẩn mực cho dân văn phòng.",
    ),
    _S(
        "ADA",
        "Áo dài cách tân lụa tơ tằm",
        "ao-dai",
        "Lam Studio",
        1_490_000,
        ("Đỏ đô", "Trắng"),
        WOMEN,
        "Lụa tơ tằm Bảo Lộc",
        "Áo dài cách tân tà ngắn, lụa tơ tằm Bảo Lộc mềm mát, rực rỡ ngày Tết.",
        compare_at=1_790_000,
        tax_class=TaxClass.REDUCED_8,
        care=CARE_DELICATE,
    ),
    _S(
        "ADA",
        "Áo dài truyền thống gấm hoa",
        "ao-dai",
        "Lam Studio",
        2_490_000,
        ("Đỏ đô", "Vàng mù tạt"),
        WOMEN,
        "Gấm thêu hoa",
        "Áo dài truyền thống may từ gấm thêu hoa mẫu đơn, kèm quần lụa. "
        "Thuộc bộ sưu tập Tết sắp ra mắt.",
        tax_class=TaxClass.REDUCED_8,
        published=False,
        care=CARE_DELICATE,
    ),
    # ---- Quần nữ
    _S(
        "QNU",
        "Quần jean nữ ống loe",
        "quan-nu",
        "Cỏ May Denim",
        529_000,
        ("Xanh đậm", "Xanh nhạt"),
        WAIST_WOMEN,
        "Denim cotton 92%, Spandex 8%",
        "Ống loe hack dáng, lưng cao tôn chân dài, co giãn thoải mái.",
    ),
    _S(
        "QNU",
        "Quần ống rộng vải tuyết mưa",
        "quan-nu",
        BRAND_HOUSE,
        399_000,
        ("Đen", "Be", "Kem"),
        WOMEN,
        "Vải tuyết mưa",
        "Quần ống rộng suông dài, vải tuyết mưa đứng form, không nhăn.",
        compare_at=459_000,
    ),
    _S(
        "QNU",
        "Quần short jean nữ lưng cao",
        "quan-nu",
        "Cỏ May Denim",
        289_000,
        ("Xanh nhạt",),
        ("26", "27", "28"),
        "Denim cotton",
        "Short jean lưng cao, gấu tua rua cá tính cho mùa hè.",
    ),
    _S(
        "QNU",
        "Quần legging tập yoga",
        "quan-nu",
        "Sóng Active",
        259_000,
        ("Đen", "Tím lavender"),
        WOMEN,
        "Nylon 75%, Spandex 25%",
        "Cạp cao nâng mông, co giãn bốn chiều, không lộ khi gập người.",
    ),
    # ---- Túi xách
    _S(
        "TUI",
        "Túi tote vải canvas",
        "tui-tote",
        BRAND_HOUSE,
        199_000,
        ("Kem", "Đen"),
        NO_SIZE,
        "Canvas 12oz",
        "Túi tote canvas dày dặn, đựng vừa laptop 14 inch, có túi nhỏ bên trong.",
        extra=(("Kích thước", "38 x 42 x 10 cm"),),
    ),
    _S(
        "TUI",
        "Túi tote canvas in họa tiết sóng",
        "tui-tote",
        BRAND_HOUSE,
        229_000,
        ("Trắng", "Xanh navy"),
        NO_SIZE,
        "Canvas 12oz",
        "Họa tiết sóng biển in lụa thủ công, quai dài đeo vai thoải mái.",
        extra=(("Kích thước", "36 x 40 x 8 cm"),),
    ),
    _S(
        "TUI",
        "Túi đeo chéo da mini",
        "tui-deo-cheo",
        "Mộc Leather",
        690_000,
        ("Đen", "Nâu", "Kem"),
        NO_SIZE,
        "Da bò thật",
        "Túi đeo chéo nhỏ xinh bằng da bò thật, dây đeo tháo rời điều chỉnh độ dài.",
        care=CARE_LEATHER,
        extra=(("Kích thước", "20 x 14 x 6 cm"),),
    ),
    _S(
        "TUI",
        "Túi đeo chéo nylon chống nước",
        "tui-deo-cheo",
        "Sóng Active",
        359_000,
        ("Đen", "Xám"),
        NO_SIZE,
        "Nylon chống nước",
        "Nhẹ, trượt nước, nhiều ngăn tiện dụng cho người hay di chuyển.",
    ),
    _S(
        "TUI",
        "Túi xách da công sở",
        "tui-xach-tay",
        "Mộc Leather",
        1_290_000,
        ("Đen", "Nâu"),
        NO_SIZE,
        "Da bò thật",
        "Túi xách da bò nguyên tấm, khâu tay tỉ mỉ, đựng vừa hồ sơ khổ A4.",
        care=CARE_LEATHER,
        extra=(("Kích thước", "34 x 26 x 12 cm"),),
    ),
    _S(
        "BLO",
        "Balo laptop 15.6 inch chống sốc",
        "balo",
        BRAND_HOUSE,
        590_000,
        ("Đen", "Xám"),
        NO_SIZE,
        "Polyester 600D",
        "Ngăn laptop chống sốc 15.6 inch, cổng sạc USB, quai đeo trợ lực.",
    ),
    _S(
        "BLO",
        "Balo mini da PU",
        "balo",
        "Hạt Dẻ",
        459_000,
        ("Kem", "Đen"),
        NO_SIZE,
        "Da PU",
        "Balo mini da PU nhỏ gọn, có thể chuyển thành túi đeo vai.",
        compare_at=550_000,
    ),
    _S(
        "VIN",
        "Ví da nam gập đôi",
        "vi",
        "Mộc Leather",
        390_000,
        ("Đen", "Nâu"),
        NO_SIZE,
        "Da bò thật",
        "Ví gập đôi mỏng gọn với 6 ngăn thẻ và ngăn tiền rộng.",
        care=CARE_LEATHER,
    ),
    _S(
        "VIN",
        "Ví nữ cầm tay dáng dài",
        "vi",
        "Mộc Leather",
        420_000,
        ("Hồng phấn", "Đen", "Kem"),
        NO_SIZE,
        "Da bò thật",
        "Ví dài khóa kéo, ngăn điện thoại riêng, phù hợp làm quà tặng.",
        care=CARE_LEATHER,
    ),
    # ---- Giày dép
    _S(
        "GSN",
        "Giày sneaker vải canvas cổ thấp",
        "giay-sneaker",
        BRAND_HOUSE,
        490_000,
        ("Trắng", "Đen"),
        ("38", "39", "40", "41", "42"),
        "Canvas, đế cao su lưu hóa",
        "Sneaker canvas cổ thấp kinh điển, đế cao su bám đường, dễ phối mọi outfit.",
    ),
    _S(
        "GSN",
        "Giày sneaker chạy bộ siêu nhẹ",
        "giay-sneaker",
        "Sóng Active",
        890_000,
        ("Đen", "Xám"),
        ("39", "40", "41", "42", "43"),
        "Vải dệt kim, đế EVA",
        "Thân dệt kim thoáng khí, đế EVA đàn hồi, chỉ nặng 230 gram mỗi chiếc.",
        compare_at=1_090_000,
    ),
    _S(
        "GDA",
        "Giày lười da bò nam",
        "giay-da",
        "Mộc Leather",
        1_190_000,
        ("Đen", "Nâu"),
        ("39", "40", "41", "42"),
        "Da bò nappa",
        "Giày lười da bò nappa mềm, đế cao su khâu, đi êm cả ngày dài.",
        care=CARE_LEATHER,
    ),
    _S(
        "GDA",
        "Giày búp bê mũi nhọn",
        "giay-da",
        "Hạt Dẻ",
        459_000,
        ("Đen", "Be"),
        ("35", "36", "37", "38"),
        "Da tổng hợp",
        "Mũi nhọn thanh thoát, đệm lót êm chân, đế bệt phù hợp đi làm.",
        care=CARE_LEATHER,
    ),
    _S(
        "SDL",
        "Sandal quai ngang đế bánh mì",
        "sandal-dep",
        "Hạt Dẻ",
        359_000,
        ("Đen", "Kem"),
        ("35", "36", "37", "38"),
        "Quai da tổng hợp, đế PU",
        "Đế bánh mì 5 cm siêu nhẹ, quai ngang bản to chắc chân.",
    ),
    _S(
        "SDL",
        "Dép quai hậu đi biển",
        "sandal-dep",
        BRAND_HOUSE,
        249_000,
        ("Đen", "Nâu"),
        ("38", "39", "40", "41", "42"),
        "Quai dù, đế cao su",
        "Quai dù khóa dán, đế cao su chống trơn trượt, đi mưa hay lội biển đều ổn.",
        tax_class=TaxClass.REDUCED_8,
    ),
    # ---- Mũ nón, thắt lưng, kính, khăn, tất
    _S(
        "MUN",
        "Mũ lưỡi trai thêu logo Sóng",
        "mu-non",
        BRAND_HOUSE,
        179_000,
        ("Đen", "Trắng", "Be"),
        NO_SIZE,
        "Kaki cotton",
        "Mũ lưỡi trai thêu logo Sóng, khóa cài sau điều chỉnh vòng đầu.",
    ),
    _S(
        "MUN",
        "Mũ bucket vải kaki",
        "mu-non",
        BRAND_HOUSE,
        159_000,
        ("Be", "Đen", "Xanh rêu"),
        NO_SIZE,
        "Kaki cotton",
        "Mũ bucket vành vừa che nắng tốt, gấp gọn bỏ túi.",
    ),
    _S(
        "MUN",
        "Nón lá Huế thêu tay",
        "mu-non",
        BRAND_HOUSE,
        149_000,
        ("Tự nhiên",),
        NO_SIZE,
        "Lá cọ, tre",
        "Nón lá bài thơ làng Tây Hồ, Huế, thêu tay hoa sen, món quà đậm chất Việt.",
        tax_class=TaxClass.REDUCED_8,
        origin="Việt Nam (Huế)",
    ),
    _S(
        "TLG",
        "Thắt lưng da bò khóa kim",
        "that-lung",
        "Mộc Leather",
        450_000,
        ("Đen", "Nâu"),
        NO_SIZE,
        "Da bò thật, khóa hợp kim",
        "Da bò nguyên tấm bản 3.5 cm, khóa kim chống gỉ, cắt được theo vòng eo.",
        care=CARE_LEATHER,
    ),
    _S(
        "TLG",
        "Thắt lưng vải dù khóa nhựa",
        "that-lung",
        "Sóng Active",
        129_000,
        ("Đen", "Xanh rêu"),
        NO_SIZE,
        "Vải dù, khóa nhựa POM",
        "Thắt lưng vải dù không kim loại, qua cửa an ninh sân bay không cần tháo.",
    ),
    _S(
        "KMT",
        "Kính mát gọng tròn chống UV400",
        "kinh-mat",
        BRAND_HOUSE,
        390_000,
        ("Đen", "Đồi mồi"),
        NO_SIZE,
        "Gọng acetate, tròng polarized",
        "Tròng phân cực chống UV400, gọng tròn vintage, kèm hộp và khăn lau.",
        origin="Trung Quốc",
    ),
    _S(
        "KHN",
        "Khăn lụa vuông họa tiết",
        "khan-tat",
        "Hạt Dẻ",
        290_000,
        ("Đỏ đô", "Xanh navy"),
        NO_SIZE,
        "Lụa twill",
        "Khăn lụa vuông 70 x 70 cm, thắt cổ, buộc tóc hay cột quai túi đều xinh.",
        care=CARE_DELICATE,
    ),
    _S(
        "TAT",
        "Combo 3 đôi tất cổ ngắn",
        "khan-tat",
        BRAND_HOUSE,
        99_000,
        ("Đen", "Trắng"),
        FREE,
        "Cotton 80%, Polyester 20%",
        "Combo 3 đôi tất cotton cổ ngắn, khử mùi, gót dệt dày bền.",
    ),
    _S(
        "VIN",
        "Set quà tặng ví da và thắt lưng",
        "vi",
        "Mộc Leather",
        790_000,
        ("Đen", "Nâu"),
        NO_SIZE,
        "Da bò thật",
        "Hộp quà gồm ví gập đôi và thắt lưng khóa kim, khắc tên miễn phí. Đang chuẩn bị mở bán.",
        published=False,
        care=CARE_LEATHER,
    ),
)

# Large sizes use more fabric.
_SIZE_SURCHARGE: dict[str, int] = {"XXL": 30_000}


def _variant_title(colour: str, size: str | None) -> str:
    return f"{colour} / {size}" if size else colour


def _build_products(specs: tuple[_Spec, ...]) -> tuple[ProductSeed, ...]:
    products: list[ProductSeed] = []
    counters: dict[str, int] = {}
    slugs: set[str] = set()
    sequence = 0
    for spec in specs:
        counters[spec.prefix] = counters.get(spec.prefix, 0) + 1
        code = f"{SKU_PREFIX}-{spec.prefix}-{counters[spec.prefix]:03d}"
        slug = slugify(spec.name)
        if slug in slugs:
            raise ValueError(f"duplicate product slug {slug!r}")
        slugs.add(slug)

        variants: list[VariantSeed] = []
        sizes: tuple[str | None, ...] = spec.sizes or (None,)
        for colour in spec.colours:
            for size in sizes:
                sequence += 1
                sku = f"{code}-{COLOUR_CODES[colour]}"
                options = {OPTION_COLOUR: colour}
                if size is not None:
                    sku += f"-{SIZE_CODES.get(size, size)}"
                    options[OPTION_SIZE] = size
                surcharge = _SIZE_SURCHARGE.get(size or "", 0)
                compare_at = spec.compare_at + surcharge if spec.compare_at else None
                variants.append(
                    VariantSeed(
                        sku=sku,
                        barcode=ean13(sequence),
                        title=_variant_title(colour, size),
                        options=options,
                        price=Decimal(spec.price + surcharge),
                        compare_at_price=Decimal(compare_at) if compare_at else None,
                        position=len(variants),
                    )
                )

        attributes = {"Chất liệu": spec.material, "Xuất xứ": spec.origin}
        attributes.update(dict(spec.extra))
        attributes["Hướng dẫn bảo quản"] = spec.care
        images = [
            {
                "url": f"{CDN_BASE}/products/{slug}-{COLOUR_CODES[colour].lower()}.jpg",
                "alt": f"{spec.name} màu {colour.lower()}",
            }
            for colour in spec.colours[:3]
        ]
        products.append(
            ProductSeed(
                slug=slug,
                name=spec.name,
                description=spec.description,
                brand=spec.brand,
                category_slug=spec.category,
                attributes=attributes,
                images=images,
                tax_class=spec.tax_class,
                published=spec.published,
                variants=tuple(variants),
            )
        )
    return tuple(products)


PRODUCTS: tuple[ProductSeed, ...] = _build_products(_SPECS)


# --------------------------------------------------------------------------- locations

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _hours(
    weekday: tuple[str, str] = ("08:30", "22:00"),
    sunday: tuple[str, str] = ("09:00", "22:00"),
    **overrides: list[list[str]],
) -> dict[str, list[list[str]]]:
    hours: dict[str, list[list[str]]] = {day: [list(weekday)] for day in _DAYS[:6]}
    hours["sun"] = [list(sunday)]
    for day, spans in overrides.items():
        if day not in _DAYS:
            raise ValueError(f"unknown day {day!r}")
        hours[day] = spans
    return hours


def _store(
    code: str,
    name: str,
    street: str,
    ward: str,
    district: str,
    province: str,
    phone: str,
    lat: float,
    lon: float,
    *,
    hours: dict[str, list[list[str]]] | None = None,
    pickup: bool = True,
    lead: int = 120,
    ships: bool = False,
) -> LocationSeed:
    return LocationSeed(
        code=code,
        name=name,
        kind=LocationKind.STORE,
        street=street,
        ward=ward,
        district=district,
        province=province,
        phone=phone,
        latitude=lat,
        longitude=lon,
        opening_hours=hours if hours is not None else _hours(),
        pickup_enabled=pickup,
        pickup_lead_time_minutes=lead,
        ships_orders=ships,
    )


HANOI = "Hà Nội"
HCMC = "TP. Hồ Chí Minh"
DANANG = "Đà Nẵng"

LOCATIONS: tuple[LocationSeed, ...] = (
    _store(
        "HN-HK01",
        "Sóng Hàng Bài",
        "45 Hàng Bài",
        "Phường Hàng Bài",
        "Quận Hoàn Kiếm",
        HANOI,
        "024 3936 8899",
        21.0227,
        105.8527,
        lead=60,
    ),
    _store(
        "HN-CG01",
        "Sóng Xuân Thủy",
        "241 Xuân Thủy",
        "Phường Dịch Vọng Hậu",
        "Quận Cầu Giấy",
        HANOI,
        "024 3793 5566",
        21.0366,
        105.7838,
        # Closed over lunch on Wednesdays for the weekly stock count.
        hours=_hours(wed=[["08:00", "12:00"], ["13:30", "21:00"]]),
        lead=90,
    ),
    _store(
        "HCM-Q1-01",
        "Sóng Lê Lợi (Flagship)",
        "68 Lê Lợi",
        "Phường Bến Nghé",
        "Quận 1",
        HCMC,
        "028 3822 6868",
        10.7734,
        106.7010,
        hours=_hours(("09:00", "22:00"), ("09:00", "22:30")),
        lead=60,
        ships=True,
    ),
    _store(
        "HCM-Q3-01",
        "Sóng Võ Văn Tần",
        "155 Võ Văn Tần",
        "Phường Võ Thị Sáu",
        "Quận 3",
        HCMC,
        "028 3930 2727",
        10.7760,
        106.6905,
        lead=120,
    ),
    _store(
        "HCM-Q7-01",
        "Sóng Phú Mỹ Hưng",
        "101 Tôn Dật Tiên",
        "Phường Tân Phú",
        "Quận 7",
        HCMC,
        "028 5413 8181",
        10.7290,
        106.7190,
        hours=_hours(("10:00", "22:00"), ("10:00", "22:00")),
        pickup=False,
        lead=240,
    ),
    _store(
        "DN-01",
        "Sóng Lê Duẩn",
        "112 Lê Duẩn",
        "Phường Thạch Thang",
        "Quận Hải Châu",
        DANANG,
        "0236 3821 456",
        16.0716,
        108.2185,
        lead=120,
    ),
    _store(
        "DN-02",
        "Sóng Sơn Trà",
        "45 Phạm Văn Đồng",
        "Phường An Hải Bắc",
        "Quận Sơn Trà",
        DANANG,
        "0236 3944 789",
        16.0695,
        108.2390,
        # Closed on Mondays.
        hours=_hours(mon=[]),
        lead=180,
    ),
    LocationSeed(
        code="WH-BD01",
        name="Kho tổng Bình Dương",
        kind=LocationKind.WAREHOUSE,
        street="Số 18 Đại lộ Độc Lập, KCN VSIP I",
        ward="Phường Bình Hòa",
        district="TP. Thuận An",
        province="Bình Dương",
        phone="0274 3767 999",
        latitude=10.9265,
        longitude=106.7105,
        opening_hours=_hours(("07:30", "17:30"), ("07:30", "17:30"), sun=[]),
        pickup_enabled=False,
        pickup_lead_time_minutes=240,
        ships_orders=True,
    ),
)


# --------------------------------------------------------------------------- stock

ZERO_STOCK_PERCENT = 13


def stock_for(
    sku: str, location_code: str, kind: LocationKind = LocationKind.STORE
) -> tuple[int, int]:
    """Deterministic (on_hand, reserved) for one variant at one location.

    About 13% of pairs are out of stock; warehouses hold far more than stores;
    reserved is usually 0 and never exceeds on_hand.
    """
    h = _stable_hash(sku, location_code)
    if h % 100 < ZERO_STOCK_PERCENT:
        return 0, 0
    h //= 100
    on_hand = 20 + h % 181 if kind is LocationKind.WAREHOUSE else 1 + h % 25
    h //= 181
    roll = h % 10
    reserved = 0 if roll < 6 else min(on_hand, roll - 5)
    return on_hand, reserved


def stock_rows() -> list[tuple[str, str, int, int]]:
    """(sku, location_code, on_hand, reserved) for every seeded variant x location."""
    return [
        (variant.sku, location.code, *stock_for(variant.sku, location.code, location.kind))
        for product in PRODUCTS
        for variant in product.variants
        for location in LOCATIONS
    ]


def as_json_ready(value: Any) -> Any:
    """Deep copy of nested dict/list literals so callers never share mutable seeds."""
    if isinstance(value, dict):
        return {k: as_json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json_ready(v) for v in value]
    return value
