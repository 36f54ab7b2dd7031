"""``prune`` (by truthiness) drops exactly what the comparisons with ``[]``, ``{}`` and ``""``
dropped: None and empty lists, dicts and strings; 0, False, 0.0 and () stay."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from kapnotes_fhir.context import prune

_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=3),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.tuples(), st.just(()),
)


def _by_comparison(obj):
    return {k: v for k, v in obj.items() if v is not None and v != [] and v != {} and v != ""}


@given(st.dictionaries(st.text(max_size=4), _VALUES, max_size=8))
def test_prune_keeps_what_the_comparisons_kept_in_the_same_order(obj):
    got = prune(obj)
    assert got == _by_comparison(obj)
    assert list(got) == list(_by_comparison(obj))


def test_prune_keeps_false_and_zero():
    assert prune({"a": 0, "b": False, "c": 0.0, "d": (), "e": None, "f": [], "g": {}, "h": ""}) == {
        "a": 0, "b": False, "c": 0.0, "d": (),
    }
