"""Prices as each viewer sees them: the engine fed from the request (tier, promotions)."""
