"""Query-cost budgets: one leaky bucket per client, kept where every worker sees it."""
