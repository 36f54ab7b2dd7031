"""PHQ-9 and GAD-7: every band boundary, the critical item, item 10, missing items, prorating."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kapnotes.instruments.catalog import BY_NAME

PHQ9 = BY_NAME["phq9"]
GAD7 = BY_NAME["gad7"]


@pytest.mark.parametrize(
    ("responses", "total", "band"),
    [
        ([0, 0, 0, 0, 0, 0, 0, 0, 0], 0, "none/minimal"),
        ([1, 1, 1, 1, 0, 0, 0, 0, 0], 4, "none/minimal"),
        ([1, 1, 1, 1, 1, 0, 0, 0, 0], 5, "mild"),
        ([2, 2, 2, 2, 1, 0, 0, 0, 0], 9, "mild"),
        ([2, 2, 2, 2, 2, 0, 0, 0, 0], 10, "moderate"),
        ([2, 2, 2, 2, 2, 2, 2, 0, 0], 14, "moderate"),
        ([3, 3, 3, 3, 3, 0, 0, 0, 0], 15, "moderately severe"),
        ([3, 3, 3, 3, 3, 2, 2, 0, 0], 19, "moderately severe"),
        ([3, 3, 3, 3, 3, 3, 2, 0, 0], 20, "severe"),
        ([3, 3, 3, 3, 3, 3, 3, 3, 0], 24, "severe"),
    ],
)
def test_phq9_bands(responses: list[int], total: int, band: str) -> None:
    result = PHQ9.score(responses)
    assert (result.total, result.band) == (total, band)
    assert result.complete
    assert str(result.completeness) == "9/9"
    assert result.band_source is not None
    assert "Kroenke" in result.band_source
    assert result.flags == ()


def test_phq9_maximum() -> None:
    result = PHQ9.score([3] * 9)
    assert (result.total, result.band) == (27, "severe")
    assert result.flagged("phq9-item-9")


@pytest.mark.parametrize("value", [1, 2, 3])
def test_phq9_item_9_flagged_whatever_the_total(value: int) -> None:
    result = PHQ9.score([0, 0, 0, 0, 0, 0, 0, 0, value])
    assert result.total == value
    assert result.band == "none/minimal"
    (flag,) = result.flags
    assert (flag.code, flag.item) == ("phq9-item-9", 9)
    assert "item 9" in flag.message
    assert f"answered {value}" in flag.message
    assert "Item 9" in result.interpretation


def test_phq9_item_9_zero_is_not_flagged() -> None:
    assert not PHQ9.score([3, 3, 3, 3, 3, 3, 3, 3, 0]).flagged("phq9-item-9")


@pytest.mark.parametrize("difficulty", [0, 3, None])
def test_phq9_item_10_is_recorded_not_scored(difficulty: int | None) -> None:
    result = PHQ9.score([1, 1, 1, 1, 1, 0, 0, 0, 0, difficulty])
    assert result.total == 5
    assert result.complete
    assert result.details["difficulty"] == difficulty


def test_phq9_item_10_may_be_left_out() -> None:
    result = PHQ9.score([1, 1, 1, 1, 1, 0, 0, 0, 0])
    assert result.details["difficulty"] is None
    assert len(result.responses) == 10


@pytest.mark.parametrize(("responses", "remission"), [([1, 1, 1, 1] + [0] * 5, True),
                                                       ([1, 1, 1, 1, 1] + [0] * 4, False)])
def test_phq9_remission_below_5(responses: list[int], remission: bool) -> None:
    assert PHQ9.score(responses).details["remission"] is remission


# -- missing items ---------------------------------------------------------------------------


def test_phq9_missing_item_gives_no_total() -> None:
    result = PHQ9.score([1, 1, None, 1, 1, 1, 1, 1, 0])
    assert result.total is None
    assert result.band is None
    assert not result.complete
    assert (result.completeness.answered, result.completeness.required) == (8, 9)
    assert result.flagged("incomplete")
    assert result.details["remission"] is None
    assert "no total" in result.interpretation


def test_phq9_missing_item_9_is_flagged() -> None:
    result = PHQ9.score([0, 0, 0, 0, 0, 0, 0, 0, None])
    assert result.flagged("phq9-item-9-missing")
    assert result.flagged("incomplete")


def test_phq9_prorating_is_opt_in() -> None:
    responses = [2, 1, 0, 3, 2, 1, 0, 2, None]  # 11 from 8 answered items
    assert PHQ9.score(responses).total is None
    result = PHQ9.score(responses, extra={"prorate": True})
    assert result.total == 12.38  # 11 * 9 / 8 = 12.375
    assert result.band == "moderate"
    assert result.flagged("prorated")
    assert not result.complete


def test_phq9_prorating_two_missing_items() -> None:
    result = PHQ9.score([1, 1, 1, 1, 1, 1, 1, None, None], extra={"prorate": True})
    assert result.total == 9.0
    assert result.band == "mild"


def test_phq9_prorated_fraction_just_below_a_cut_off_stays_in_the_lower_band() -> None:
    # 17 from 8 answered items -> 17 * 9 / 8 = 19.125: "moderately severe", not "severe".
    result = PHQ9.score([3, 3, 3, 3, 3, 2, 0, 0, None], extra={"prorate": True})
    assert result.total == 19.12
    assert result.band == "moderately severe"


def test_phq9_prorating_refuses_three_missing_items() -> None:
    result = PHQ9.score([1, 1, 1, 1, 1, 1, None, None, None], extra={"prorate": True})
    assert result.total is None
    assert result.flagged("incomplete")


# -- GAD-7 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("responses", "total", "band"),
    [
        ([0, 0, 0, 0, 0, 0, 0], 0, "minimal"),
        ([1, 1, 1, 1, 0, 0, 0], 4, "minimal"),
        ([1, 1, 1, 1, 1, 0, 0], 5, "mild"),
        ([2, 2, 2, 2, 1, 0, 0], 9, "mild"),
        ([2, 2, 2, 2, 2, 0, 0], 10, "moderate"),
        ([2, 2, 2, 2, 2, 2, 2], 14, "moderate"),
        ([3, 3, 3, 3, 3, 0, 0], 15, "severe"),
        ([3, 3, 3, 3, 3, 3, 3], 21, "severe"),
    ],
)
def test_gad7_bands(responses: list[int], total: int, band: str) -> None:
    result = GAD7.score(responses)
    assert (result.total, result.band, result.complete) == (total, band, True)
    assert result.band_source is not None
    assert "Spitzer" in result.band_source


def test_gad7_missing_item_and_no_prorating() -> None:
    result = GAD7.score([1, 1, 1, 1, 1, 1, None])
    assert result.total is None
    assert str(result.completeness) == "6/7"
    assert "prorate" not in {p.name for p in GAD7.parameters}


# -- property ----------------------------------------------------------------------------------


@given(
    st.lists(st.integers(0, 3), min_size=9, max_size=9),
    st.one_of(st.none(), st.integers(0, 3)),
)
def test_phq9_total_is_the_sum_and_its_band_contains_it(
    items: list[int], difficulty: int | None
) -> None:
    result = PHQ9.score([*items, difficulty])
    assert result.total == sum(items)
    band = next(b for b in PHQ9.bands if b.label == result.band)
    assert band.low <= sum(items) <= band.high
    assert result.flagged("phq9-item-9") == (items[8] > 0)
