"""Omni's transport layer: GraphQL over HTTP, request context and the `omni` CLI."""
