"""What one request may ask of the server: document limits, query cost and cost budgets.

The public endpoint is anonymous, so every check here runs before the expensive part it
protects: the document is parsed and measured (linearly) before graphql-core validates it,
and priced before anything executes. README, "Limits", documents the numbers.
"""
