"""C-SSRS screener: triage to none / low / moderate / high, skip logic and missing items.

Positions: items 1-6, then item 6b ("within the past 3 months"), each 0 = no, 1 = yes.
"""

from __future__ import annotations

import pytest

from kapnotes.instruments.catalog import BY_NAME

CSSRS = BY_NAME["cssrs-screener"]
N = None


@pytest.mark.parametrize(
    ("responses", "level", "required"),
    [
        ([0, 0, N, N, N, 0], "none", 3),
        ([0, 0, N, N, N, 0, N], "none", 3),
        ([1, 0, N, N, N, 0], "low", 3),
        ([0, 1, 0, 0, 0, 0], "low", 6),
        ([1, 1, 0, 0, 0, 0], "low", 6),
        ([1, 1, 1, 0, 0, 0], "moderate", 6),
        ([1, 0, N, N, N, 1, 0], "moderate", 4),
        ([1, 1, 1, 1, 0, 0], "high", 6),
        ([1, 1, 0, 0, 1, 0], "high", 6),
        ([0, 0, N, N, N, 1, 1], "high", 4),
        ([1, 1, 1, 1, 1, 1, 1], "high", 7),
    ],
)
def test_cssrs_triage(responses: list[int | None], level: str, required: int) -> None:
    result = CSSRS.score(responses)
    assert result.risk_level == level
    assert result.complete
    assert result.completeness.required == required
    assert result.total is None
    assert result.band is None
    assert result.details["risk_is_lower_bound"] is False
    assert f"{level} risk" in result.interpretation


def test_cssrs_every_yes_is_flagged() -> None:
    result = CSSRS.score([1, 1, 1, 0, 0, 1, 1])
    codes = [f.code for f in result.flags]
    assert codes == [
        "cssrs-item-1", "cssrs-item-2", "cssrs-item-3", "cssrs-item-6", "cssrs-item-6b",
    ]


def test_cssrs_no_flags_when_all_no() -> None:
    assert CSSRS.score([0, 0, N, N, N, 0]).flags == ()


def test_cssrs_missing_6b_is_at_least_moderate() -> None:
    result = CSSRS.score([0, 0, N, N, N, 1])
    assert result.risk_level == "moderate"
    assert not result.complete
    assert result.details["risk_is_lower_bound"] is True
    assert result.flagged("cssrs-item-6b-missing")
    assert "at least moderate" in result.interpretation


def test_cssrs_items_3_to_5_needed_after_yes_to_2() -> None:
    result = CSSRS.score([1, 1, N, N, N, 0])
    assert result.risk_level == "low"
    assert not result.complete
    assert str(result.completeness) == "3/6"
    assert result.flagged("incomplete")


def test_cssrs_unanswered_item_2_requires_items_3_to_5() -> None:
    result = CSSRS.score([0, N, N, N, N, 0])
    assert not result.complete
    assert str(result.completeness) == "2/6"


def test_cssrs_skip_logic_inconsistency_keeps_the_yes() -> None:
    result = CSSRS.score([0, 0, 0, 1, 0, 0])
    assert result.risk_level == "high"
    assert result.flagged("cssrs-skip-logic")


def test_cssrs_6b_yes_with_6_unanswered_is_high_and_incomplete() -> None:
    result = CSSRS.score([0, 0, N, N, N, N, 1])
    assert result.risk_level == "high"
    assert not result.complete
    assert result.flagged("cssrs-item-6b")


def test_cssrs_6b_without_6_is_ignored_and_flagged() -> None:
    result = CSSRS.score([0, 0, N, N, N, 0, 1])
    assert result.risk_level == "none"
    assert result.flagged("cssrs-skip-logic")
    assert not result.flagged("cssrs-item-6b")
