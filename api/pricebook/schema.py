"""What this capability adds to the schema."""

from api.core.capability import Capability
from api.pricebook.mutations import PriceBookError, PriceBookMutation
from api.pricebook.queries import PriceBookQuery
from api.pricebook.types import Promotion, Voucher

CAPABILITY = Capability(
    query=PriceBookQuery,
    mutation=PriceBookMutation,
    types=(Promotion, Voucher, PriceBookError),
    list_sizes={
        "Query.promotions": 20,
        "PriceSetPayload.variants": 20,
        "PriceBreakdown.adjustments": 2,
        "PromotionTargets.categoryIds": 5,
        "PromotionTargets.productIds": 5,
        "PromotionTargets.variantIds": 5,
        "PromotionTargets.excludeProductIds": 2,
        "PromotionTargets.excludeVariantIds": 2,
        "VoucherGeneratePayload.codes": 100,
    },
)
