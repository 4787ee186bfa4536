"""What a capability mounts into the schema."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Capability:
    """A capability's root fields, its types, and the typical length of its lists.

    `types` lists the types the schema must know without reaching them from a root field
    (node types, error types); `list_sizes` feeds the cost model ("Type.field": length).
    """

    query: type | None = None
    mutation: type | None = None
    types: tuple[type, ...] = ()
    list_sizes: Mapping[str, int] = field(default_factory=dict)
