"""The committed SDL matches the code, and every type, field, argument and enum value is
described: frontend codegen turns the descriptions into doc comments."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
)
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.schema.types.base_scalars import DateTimeDefinition, DecimalDefinition

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


def test_every_argument_and_enum_value_has_a_description():
    missing: list[str] = []
    for name, gql_type in schema._schema.type_map.items():
        if name.startswith("__"):
            continue
        if isinstance(gql_type, (GraphQLObjectType, GraphQLInterfaceType)):
            for field_name, field in gql_type.fields.items():
                for arg_name, arg in field.args.items():
                    if not (arg.description or "").strip():
                        missing.append(f"{name}.{field_name}({arg_name})")
        if isinstance(gql_type, GraphQLEnumType):
            for value_name, value in gql_type.values.items():
                if not (value.description or "").strip():
                    missing.append(f"{name}.{value_name}")
    assert not missing, f"undescribed: {missing}"


def test_decimal_and_datetime_are_specified():
    for name in ("Decimal", "DateTime"):
        scalar = schema._schema.type_map[name]
        assert isinstance(scalar, GraphQLScalarType)
        assert scalar.specified_by_url, f"{name} lacks @specifiedBy"
        assert scalar.description, f"{name} lacks a description of its format"


@pytest.mark.parametrize(
    ("name", "builtin"), [("Decimal", DecimalDefinition), ("DateTime", DateTimeDefinition)]
)
@pytest.mark.parametrize(
    "value",
    [
        "199000",
        "19.90",
        "-1",
        "1E+1000000",
        "NaN",
        "abc",
        "",
        10,
        1.5,
        None,
        ["1"],
        "2024-05-01T09:30:00+07:00",
        "2024-05-01",
        "2024-13-01T00:00:00Z",
    ],
)
def test_custom_scalars_parse_like_strawberrys_own(name, builtin, value):
    """The scalars only add a description and @specifiedBy: values parse as before, and bad
    ones fail with the same client error."""
    ours = schema._schema.type_map[name]
    assert isinstance(ours, GraphQLScalarType)

    def outcome(parse):
        try:
            return parse(value)
        except StrawberryInputCoercionError as error:
            return ("client error", error.message)

    assert repr(outcome(ours.parse_value)) == repr(outcome(builtin.parse_value))


def test_custom_scalars_serialize_like_strawberrys_own():
    decimal_type = schema._schema.type_map["Decimal"]
    datetime_type = schema._schema.type_map["DateTime"]
    assert isinstance(decimal_type, GraphQLScalarType)
    assert isinstance(datetime_type, GraphQLScalarType)
    for amount in (Decimal("199000"), Decimal("19.90"), Decimal("1.25"), Decimal("1E+3")):
        assert decimal_type.serialize(amount) == DecimalDefinition.serialize(amount)
    moment = datetime(2024, 5, 1, 9, 30, 0, 123456, tzinfo=timezone(timedelta(hours=7)))
    assert datetime_type.serialize(moment) == "2024-05-01T09:30:00.123456+07:00"
    assert datetime_type.serialize(moment) == DateTimeDefinition.serialize(moment)
