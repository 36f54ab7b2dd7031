"""``Instrument.score`` keeps the result of a record's answers: the same result as scoring them
afresh, for every registered instrument and any answers; refusals, ``extra`` and answers that
are not a tuple of ``int`` and ``None`` are scored every time."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kapnotes.instruments import base
from kapnotes.instruments.base import ScoringError
from kapnotes.plugins import registry

INSTRUMENTS = {i.name: i for i in registry().instruments}


def _fresh(inst: base.Instrument, answers: object, **kw: object) -> object:
    """The result of ``_score``, the scoring without the kept results, or its refusal."""
    try:
        return inst._score(answers, kw.get("extra"))  # type: ignore[arg-type]
    except ScoringError as exc:
        return ("refused", [str(p) for p in exc.problems])


def _kept(inst: base.Instrument, answers: object, **kw: object) -> object:
    try:
        return inst.score(answers, **kw)  # type: ignore[arg-type]
    except ScoringError as exc:
        return ("refused", [str(p) for p in exc.problems])


@settings(max_examples=200, deadline=None)
@given(
    name=st.sampled_from(sorted(INSTRUMENTS)),
    answers=st.lists(st.none() | st.integers(-1, 6), max_size=30).map(tuple),
)
def test_a_kept_result_is_the_result_of_scoring_afresh(name: str, answers: tuple[int | None, ...]) -> None:
    inst = INSTRUMENTS[name]
    first = _kept(inst, answers)
    again = _kept(inst, answers)  # from the kept results when it scored
    assert first == _fresh(inst, answers)
    assert again == first


def test_true_is_not_taken_for_one() -> None:
    inst = INSTRUMENTS["phq9"]
    inst.score((1,) * 9)  # kept; (True, ...) == (1, ...) as a key, yet it is refused
    assert _kept(inst, (True,) * 9) == _fresh(inst, (True,) * 9)
    assert _kept(inst, [1] * 9) == _fresh(inst, [1] * 9)  # a list: scored, never kept


def test_refusals_and_extra_are_not_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    inst = attrs.evolve(INSTRUMENTS["phq9"])  # results of its own
    assert inst._kept_results() == {} and inst == INSTRUMENTS["phq9"]
    with pytest.raises(ScoringError):
        inst.score((9,) * 9)
    assert inst._kept_results() == {}
    with pytest.raises(ScoringError):
        inst.score((1,) * 9, extra={"nonesuch": 1})
    assert inst._kept_results() == {}
    inst.score((1,) * 9)
    assert list(inst._kept_results()) == [(1,) * 9]


def test_at_most_kept_results_per_instrument(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base, "KEPT_RESULTS", 3)
    inst = attrs.evolve(INSTRUMENTS["gad7"])
    for k in range(10):
        answers = (k % 4,) * 6 + (k // 4,)
        assert inst.score(answers) == _fresh(inst, answers)
        assert len(inst._kept_results()) <= 3


def test_a_reader_that_changes_a_result_changes_nothing_kept() -> None:
    inst = attrs.evolve(INSTRUMENTS["phq9"])  # results of its own
    answers = (2, 2, 1, 1, 1, 1, 0, 0, 0, 1)
    first = inst.score(answers)
    first.details["difficulty"] = 99
    first.subscales["x"] = 1
    again = inst.score(answers)
    assert again == _fresh(inst, answers)
    assert again.details["difficulty"] == 1 and "x" not in again.subscales
