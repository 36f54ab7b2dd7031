"""A model object's checks on creation: the fast pass in ``_post_init`` raises exactly what
``_problems`` lists (every field problem in field order, then the invariants'), and nothing when
it lists nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kapnotes.errors import ModelError
from kapnotes.model import Session
from kapnotes.model._base import _problems, field, model, trusted_construction


def _small(v: int) -> str | None:
    return None if v < 10 else "must be under 10"


def _even(v: int) -> tuple[str, str] | None:
    return None if v % 2 == 0 else ("", "must be even")


def _odd_message(v: str) -> str | None:
    # "" is a falsy message: not a problem, though not None either
    return {"empty": "", "bad": "is bad"}.get(v)


@model
class _Checked:
    a: int = field(check=(_small, _even))
    b: int | None = field(default=None, check=_small)
    c: str = field(default="ok", check=_odd_message)

    def _invariants(self) -> Iterator[object]:
        from kapnotes.errors import Problem

        if self.b is not None and self.b > self.a:
            yield Problem("$.b", "must not exceed a")


@model
class _NoInvariants:
    a: int = field(check=_small)


def _expected(cls: type, **kw: object) -> list[object]:
    with trusted_construction():
        return list(_problems(cls(**kw)))


@given(a=st.integers(-3, 14), b=st.none() | st.integers(-3, 14), c=st.sampled_from(["ok", "empty", "bad"]))
def test_the_problems_raised_are_those_problems_lists(a: int, b: int | None, c: str) -> None:
    want = _expected(_Checked, a=a, b=b, c=c)
    if not want:
        assert _Checked(a=a, b=b, c=c).a == a
        return
    with pytest.raises(ModelError) as err:
        _Checked(a=a, b=b, c=c)
    assert list(err.value.problems) == want


def test_an_invariant_alone_is_raised_and_a_falsy_message_is_not_a_problem() -> None:
    with pytest.raises(ModelError) as err:
        _Checked(a=2, b=4)
    assert [(p.path, p.message) for p in err.value.problems] == [("$.b", "must not exceed a")]
    assert _Checked(a=2, c="empty").c == "empty"
    with pytest.raises(ModelError) as err:
        _Checked(a=11, b=12, c="bad")  # all of them, in field order, then the invariant
    assert [p.message for p in err.value.problems] == [
        "must be under 10", "must be even", "must be under 10", "is bad", "must not exceed a",
    ]
    assert _NoInvariants(a=3).a == 3
    with pytest.raises(ModelError):
        _NoInvariants(a=30)


def test_a_model_class_s_own_invariants_still_refuse(demo_doc) -> None:
    from kapnotes.model import evolve

    s = next(s for c in demo_doc.courses for s in c.sessions)
    assert isinstance(s, Session)
    with pytest.raises(ModelError, match="end"):
        evolve(s, end=s.start.replace(year=s.start.year - 1))
