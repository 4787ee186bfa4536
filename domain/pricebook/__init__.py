"""The price book's data and services: promotions, vouchers with race-safe limits, prices,
and the pricing context (tiers, active promotions) the engine in domain/pricing runs on."""
