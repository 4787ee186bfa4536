"""The price book's engine: pure functions over plain data, no database.

A variant's unit price is its list price, then the best active catalogue promotion for it,
then the member tier discount; a cart adds the order-level voucher, the points redeemed and
the delivery fee. The channel is never an input: nothing here knows which channel asks.
The rounding rules are written down in `rounding.py` and the README ("Prices").
"""
