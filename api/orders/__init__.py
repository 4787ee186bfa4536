"""Orders through the API: checkout and reading orders."""
