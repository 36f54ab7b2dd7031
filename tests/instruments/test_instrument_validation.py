"""Invalid responses: every problem is reported at once, each naming the item and its range."""

from __future__ import annotations

from typing import Any

import pytest

from kapnotes.errors import InvalidError, Problem
from kapnotes.instruments.base import ScoringError
from kapnotes.instruments.catalog import BY_NAME
from kapnotes.scoring import score, validate_responses

PHQ9 = BY_NAME["phq9"]


def _problems(name: str, responses: Any, extra: dict[str, Any] | None = None) -> list[Problem]:
    with pytest.raises(ScoringError) as info:
        BY_NAME[name].score(responses, extra=extra)
    return info.value.problems


def test_out_of_range_names_item_and_range() -> None:
    assert _problems("phq9", [0, 0, 0, 0, 0, 0, 0, 0, 4]) == [
        Problem("$.items[8]", "item 9 must be an integer 0–3, got 4")
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (2.0, "item 3 must be an integer 0–3, got float 2.0"),
        (True, "item 3 must be an integer 0–3, got bool True"),
        (False, "item 3 must be an integer 0–3, got bool False"),
        ("2", "item 3 must be an integer 0–3, got str '2'"),
        (-1, "item 3 must be an integer 0–3, got -1"),
        ([1], "item 3 must be an integer 0–3, got list [1]"),
    ],
)
def test_wrong_types_are_named(value: Any, message: str) -> None:
    responses: list[Any] = [0] * 9
    responses[2] = value
    assert _problems("phq9", responses) == [Problem("$.items[2]", message)]


def test_all_problems_are_reported_at_once() -> None:
    responses: list[Any] = [4, 1.5, True, "x", 1, 2, 3, 0, 9, 0]
    assert _problems("phq9", responses) == [
        Problem("$.items[0]", "item 1 must be an integer 0–3, got 4"),
        Problem("$.items[1]", "item 2 must be an integer 0–3, got float 1.5"),
        Problem("$.items[2]", "item 3 must be an integer 0–3, got bool True"),
        Problem("$.items[3]", "item 4 must be an integer 0–3, got str 'x'"),
        Problem("$.items[8]", "item 9 must be an integer 0–3, got 9"),
    ]


def test_wrong_count_and_bad_values_together() -> None:
    problems = _problems("gad7", [0, 5, 0])
    assert problems == [
        Problem("$.items", "expected a list of 7 answers (items 1–7), got 3"),
        Problem("$.items[1]", "item 2 must be an integer 0–3, got 5"),
    ]


@pytest.mark.parametrize(
    ("responses", "message"),
    [
        ([0] * 8, "expected a list of 9–10 answers (items 1–10; item 10 optional), got 8"),
        ([0] * 11, "expected a list of 9–10 answers (items 1–10; item 10 optional), got 11"),
        ([], "expected a list of 9–10 answers (items 1–10; item 10 optional), got 0"),
        ("000000000", "expected a list of 9–10 answers (items 1–10; item 10 optional), "
         "got str '000000000'"),
        (None, "expected a list of 9–10 answers (items 1–10; item 10 optional), got NoneType None"),
        ({"1": 0}, "expected a list of 9–10 answers (items 1–10; item 10 optional), "
         "got dict {'1': 0}"),
    ],
)
def test_wrong_count_or_shape(responses: Any, message: str) -> None:
    assert _problems("phq9", responses) == [Problem("$.items", message)]


def test_out_of_range_on_other_scales() -> None:
    assert _problems("madrs", [7] + [0] * 9) == [
        Problem("$.items[0]", "item 1 must be an integer 0–6, got 7")
    ]
    assert _problems("pcl5", [0] * 19 + [5]) == [
        Problem("$.items[19]", "item 20 must be an integer 0–4, got 5")
    ]
    assert _problems("meq30", [6] + [0] * 29) == [
        Problem("$.items[0]", "item 1 must be an integer 0–5, got 6")
    ]


def test_cssrs_item_6b_is_named_6b() -> None:
    assert _problems("cssrs-screener", [0, 0, None, None, None, 1, 2]) == [
        Problem("$.items[6]", "item 6b must be an integer 0–1, got 2")
    ]


def test_cssrs_needs_items_1_to_6_positions() -> None:
    (problem,) = _problems("cssrs-screener", [0, 0, None])
    assert problem.message == (
        "expected a list of 6–7 answers (items 1–7; item 6b optional), got 3"
    )


def test_missing_answers_are_not_errors() -> None:
    assert PHQ9.validate([None] * 9) == []


def test_numpy_integers_are_integers() -> None:
    np = pytest.importorskip("numpy")
    result = PHQ9.score([np.int64(1)] * 9)
    assert result.total == 9
    assert isinstance(result.responses[0], int)


def test_bad_parameters_are_reported_with_the_responses() -> None:
    problems = _problems("pcl5", [0] * 19 + [9], extra={"cutoff": 0, "bogus": 1})
    assert problems == [
        Problem("$.items[19]", "item 20 must be an integer 0–4, got 9"),
        Problem("$.extra.cutoff", "must be an integer 1–80, got 0"),
        Problem("$.extra.bogus", "PCL-5 has no parameter 'bogus'; known: cutoff"),
    ]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"cutoff": 32.5}, "must be an integer, got float 32.5"),
        ({"cutoff": True}, "must be an integer, got bool True"),
        ({"cutoff": "33"}, "must be an integer, got str '33'"),
    ],
)
def test_parameter_types(extra: dict[str, Any], message: str) -> None:
    assert _problems("pcl5", [0] * 20, extra=extra) == [Problem("$.extra.cutoff", message)]


def test_prorate_must_be_a_bool() -> None:
    assert _problems("phq9", [0] * 9, extra={"prorate": 1}) == [
        Problem("$.extra.prorate", "must be true or false, got int 1")
    ]


def test_scoring_error_is_an_invalid_error_with_a_summary() -> None:
    with pytest.raises(ScoringError) as info:
        PHQ9.score([0, 0, 0, 0, 0, 0, 0, 0, 4])
    assert isinstance(info.value, InvalidError)
    assert isinstance(info.value, ValueError)
    assert str(info.value) == "PHQ-9: 1 problem\n  $.items[8]: item 9 must be an integer 0–3, got 4"


def test_validate_responses_paths_can_be_rerooted() -> None:
    problems = validate_responses(PHQ9, [0, 0, 0, 0, 0, 0, 0, 0, 4])
    assert [p.under("$.scores[3]").path for p in problems] == ["$.scores[3].items[8]"]


def test_score_accepts_an_instrument_object() -> None:
    with pytest.raises(ScoringError):
        score(PHQ9, [0] * 9 + [7])
