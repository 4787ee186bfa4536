"""Omni's business: models, rules and services. Knows nothing of GraphQL or HTTP."""
