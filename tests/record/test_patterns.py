"""Patterns compiled on first use (``kapnotes.patterns.LazyPattern``) match as ``re`` does."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from kapnotes.model._base import ID_RE
from kapnotes.patterns import LazyPattern


def test_nothing_is_compiled_before_the_first_match_and_the_text_is_there_at_once():
    p = LazyPattern(r"^[a-z]{2}$")
    assert p.pattern == r"^[a-z]{2}$" and p._compiled is None
    assert p.match("ab") and not p.match("abc")
    assert p._compiled is p.compiled  # compiled once, then reused
    assert repr(LazyPattern("x", re.ASCII)) == "LazyPattern('x', re.ASCII)"


@given(st.text(max_size=12), st.integers(0, 3))
def test_match_fullmatch_and_search_are_the_compiled_patterns(text, pos):
    lazy, eager = LazyPattern(r"\d+|[A-Z]", re.ASCII), re.compile(r"\d+|[A-Z]", re.ASCII)
    for name in ("match", "fullmatch", "search"):
        got, want = getattr(lazy, name)(text, pos), getattr(eager, name)(text, pos)
        assert (got and got.span()) == (want and want.span())


def test_the_model_patterns_still_check_ids():
    assert ID_RE.fullmatch("c-1") and not ID_RE.fullmatch("c-1\n")
