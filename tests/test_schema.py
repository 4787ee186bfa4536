"""The committed SDL matches the code, and every type and field is described."""

from __future__ import annotations

from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
)

from api.schema import print_schema, schema

ROOT = Path(__file__).resolve().parents[1]


def test_schema_file_is_current():
    committed = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert committed == print_schema(), "stale: run `omni schema > schema.graphql`"


def test_every_type_and_field_has_a_description():
    missing: list[str] = []
    for name, gql_type in schema._schema.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Float", "Boolean", "ID"}:
            continue
        if not gql_type.description:
            missing.append(name)
        if isinstance(gql_type, (GraphQLObjectType, GraphQLInterfaceType)):
            for field_name, field in gql_type.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                for arg_name, arg in field.args.items():
                    # `input` arguments are described by their input object types.
                    if not arg.description and name != "Query" and arg_name != "input":
                        missing.append(f"{name}.{field_name}({arg_name})")
        if isinstance(gql_type, GraphQLInputObjectType):
            for field_name, field in gql_type.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
        if isinstance(gql_type, GraphQLEnumType):
            continue
    assert not missing, f"undescribed: {missing}"
