"""The `fields=` parser."""
import pytest

from backend.sandbox.core.errors import GraphError
from backend.sandbox.core.fields import FieldSpec, parse_fields


def test_flat_and_nested():
    specs = parse_fields("id,name,instagram_business_account{id,username}")
    assert [s.name for s in specs] == ["id", "name", "instagram_business_account"]
    assert specs[0].children is None
    assert [c.name for c in specs[2].children] == ["id", "username"]


def test_modifiers_whitespace_duplicates_and_empty_items():
    specs = parse_fields(" media.limit(5){ id , caption }, ,name,name")
    assert specs[0] == FieldSpec("media", [FieldSpec("id"), FieldSpec("caption")],
                                 {"limit": "5"})
    assert [s.name for s in specs] == ["media", "name"]
    assert parse_fields("") == [] and parse_fields(None) == []


def test_deep_nesting():
    specs = parse_fields("children{media{id,owner{username}}}")
    assert specs[0].children[0].children[1].children == [FieldSpec("username")]


@pytest.mark.parametrize("text", ["id}", "a{b", "a{b}}", "a.limit(3", "a,{b}", "a-b"])
def test_syntax_errors(text):
    with pytest.raises(GraphError) as raised:
        parse_fields(text)
    assert raised.value.code == 100 and "Syntax error" in raised.value.message
