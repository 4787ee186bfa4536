"""Orders: placed by checkout, with a snapshot of every price, their payments and events."""
