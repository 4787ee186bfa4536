"""The price book for staff: prices, promotions, vouchers and the price history."""
