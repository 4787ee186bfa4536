"""The catalog: categories, products, variants."""
