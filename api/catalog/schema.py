"""What this capability adds to the schema."""

from strawberry.tools import merge_types

from api.catalog.imports import ImportError_, ImportMutation
from api.catalog.mutations import CatalogError, CatalogMutation
from api.catalog.queries import CatalogQuery
from api.catalog.types import Category, Product, ProductVariant
from api.core.capability import Capability

CAPABILITY = Capability(
    query=CatalogQuery,
    mutation=merge_types("CatalogMutations", (CatalogMutation, ImportMutation)),
    types=(Product, ProductVariant, Category, CatalogError, ImportError_),
    list_sizes={
        "Product.variants": 5,
        "Product.images": 5,
        "Product.attributes": 5,
        "ProductVariant.selectedOptions": 3,
        "Category.ancestors": 3,
        "Query.categories": 50,
        "ProductsImportPayload.rowErrors": 50,
    },
)
