"""Customer accounts and address books."""
