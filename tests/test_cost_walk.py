"""The actual-cost walk over an answer counts as the plain recursive definition does."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from api.limits.cost import INTROSPECTION_COST, _plan_cost, _value_cost

KEYS = ("a", "b", "c")


def reference(plan: list[Any], value: Any) -> int:
    """The definition: a list costs its items, null 1, an object 1 plus its planned keys."""
    if isinstance(value, list):
        return sum(reference(plan, item) for item in value)
    if not isinstance(value, Mapping):
        return 1
    return 1 + sum(
        (INTROSPECTION_COST if introspection else reference(child, value[key]))
        for key, introspection, child in plan
        if key in value
    )


plans = st.recursive(
    st.just([]),
    lambda children: st.lists(
        st.tuples(st.sampled_from(KEYS), st.booleans(), children),
        max_size=3,
        unique_by=lambda e: e[0],
    ),
    max_leaves=8,
)
values = st.recursive(
    st.none() | st.integers() | st.text(max_size=2),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS), children, max_size=3)
        | st.dictionaries(st.sampled_from(KEYS), children, max_size=2).map(MappingProxyType)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(plans, values)
def test_the_walk_counts_as_the_definition(plan: list[Any], value: Any) -> None:
    assert _value_cost(plan, value) == reference(plan, value)
    if isinstance(value, dict):
        assert _plan_cost(plan, value) == reference(plan, value) - 1
