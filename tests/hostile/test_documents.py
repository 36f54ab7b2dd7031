"""Stricter documents: duplicate keys and deep nesting refused with their path."""

from __future__ import annotations

import json

import pytest

from kapnotes.errors import InvalidError
from kapnotes.serialization import dumps, loads
from kapnotes.synthetic import build_document


@pytest.fixture(scope="module")
def text() -> str:
    return dumps(build_document(clients=1, dosings=1))


def test_duplicate_mrn_is_refused_with_its_path(text):
    data = json.loads(text)
    mrn = data["clients"][0]["mrn"]
    dup = text.replace(f'"mrn":"{mrn}"', f'"mrn":"{mrn}","mrn":"OTHER"', 1)
    assert dup != text
    with pytest.raises(InvalidError) as err:
        loads(dup)
    assert [p.path for p in err.value.problems] == ["$.clients[0].mrn"]
    assert "duplicate key" in err.value.problems[0].message


@pytest.mark.parametrize(
    "doc", ["[" * 10_000 + "]" * 10_000, '{"a":' * 100_000 + "1" + "}" * 100_000]
)
def test_very_deep_nesting_is_a_clear_error(doc):
    with pytest.raises(InvalidError, match="nested too deeply"):
        loads(doc)


def test_moderately_deep_nesting_names_the_path():
    with pytest.raises(InvalidError) as err:
        loads('{"a":' * 80 + "1" + "}" * 80)
    assert err.value.problems[0].path.startswith("$.a.a.a")
    assert "nested too deeply" in err.value.problems[0].message


def test_a_valid_document_still_loads(text):
    assert dumps(loads(text)) == text
