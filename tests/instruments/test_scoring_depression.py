"""QIDS-SR16 (domain scoring), MADRS and BDI-II: bands at every boundary, critical items."""

from __future__ import annotations

import pytest

from kapnotes.instruments.catalog import BY_NAME

QIDS = BY_NAME["qids-sr16"]
MADRS = BY_NAME["madrs"]
BDI2 = BY_NAME["bdi2"]


# -- QIDS-SR16 ---------------------------------------------------------------------------------
# Domains: sleep = max(1-4), 5, appetite/weight = max(6-9), 10, 11, 12, 13, 14, psychomotor =
# max(15-16). Item order in each list: 1 2 3 4 | 5 | 6 7 8 9 | 10 11 12 13 14 | 15 16.


@pytest.mark.parametrize(
    ("responses", "total", "band"),
    [
        ([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0, "none"),
        ([1, 0, 0, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0], 5, "none"),
        ([1, 0, 0, 0, 1, 0, 1, 0, 0, 1, 1, 0, 1, 0, 0, 0], 6, "mild"),
        ([2, 2, 2, 2, 2, 2, 0, 0, 0, 2, 2, 0, 0, 0, 0, 0], 10, "mild"),
        ([2, 2, 2, 2, 2, 2, 0, 0, 0, 2, 2, 0, 1, 0, 0, 0], 11, "moderate"),
        ([3, 0, 0, 0, 3, 0, 0, 3, 0, 3, 3, 0, 0, 0, 0, 0], 15, "moderate"),
        ([3, 0, 0, 0, 3, 0, 0, 3, 0, 3, 3, 0, 1, 0, 0, 0], 16, "severe"),
        ([3, 0, 0, 0, 3, 0, 0, 3, 0, 3, 3, 0, 3, 2, 0, 0], 20, "severe"),
        ([3, 0, 0, 0, 3, 0, 0, 3, 0, 3, 3, 0, 3, 3, 0, 0], 21, "very severe"),
        ([3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3], 27, "very severe"),
    ],
)
def test_qids_bands(responses: list[int], total: int, band: str) -> None:
    result = QIDS.score(responses)
    assert (result.total, result.band, result.complete) == (total, band, True)


def test_qids_domains_take_the_highest_item() -> None:
    # Items sum to 20, but the nine domains sum to 13.
    responses = [3, 1, 2, 0, 1, 0, 2, 2, 1, 0, 1, 0, 2, 1, 1, 3]
    result = QIDS.score(responses)
    assert result.subscales == {
        "sleep": 3,
        "sad_mood": 1,
        "appetite_weight": 2,
        "concentration": 0,
        "self_view": 1,
        "suicidal_ideation": 0,
        "interest": 2,
        "energy": 1,
        "psychomotor": 3,
    }
    assert result.total == 13
    assert result.band == "moderate"


def test_qids_item_12_is_critical() -> None:
    result = QIDS.score([0] * 11 + [1] + [0] * 4)
    assert result.total == 1
    assert result.band == "none"
    assert result.flagged("qids-sr16-item-12")


@pytest.mark.parametrize(("total_items", "remission"), [(5, True), (6, False)])
def test_qids_remission_at_most_5(total_items: int, remission: bool) -> None:
    responses = [0] * 16
    for n in (5, 10, 11, 13, 14, 12)[:total_items]:
        responses[n - 1] = 1
    result = QIDS.score(responses)
    assert result.total == total_items
    assert result.details["remission"] is remission


def test_qids_missing_item_blanks_its_domain_and_the_total() -> None:
    responses: list[int | None] = [3, None, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
    result = QIDS.score(responses)
    assert result.subscales["sleep"] is None
    assert result.subscales["sad_mood"] == 1
    assert result.total is None
    assert str(result.completeness) == "13/14"  # 12 single items + one of 6/7 + one of 8/9
    assert result.flagged("incomplete")


def test_qids_missing_item_12_is_flagged() -> None:
    result = QIDS.score([0] * 11 + [None] + [0] * 4)
    assert result.flagged("qids-sr16-item-12-missing")


# -- MADRS -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("responses", "total", "band"),
    [
        ([0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0, "normal"),
        ([1, 1, 1, 1, 1, 1, 0, 0, 0, 0], 6, "normal"),
        ([1, 1, 1, 1, 1, 1, 1, 0, 0, 0], 7, "mild"),
        ([2, 2, 2, 2, 2, 2, 2, 2, 3, 0], 19, "mild"),
        ([2, 2, 2, 2, 2, 2, 2, 3, 3, 0], 20, "moderate"),
        ([4, 4, 4, 4, 4, 4, 4, 3, 3, 0], 34, "moderate"),
        ([4, 4, 4, 4, 4, 4, 4, 4, 3, 0], 35, "severe"),
        ([6, 6, 6, 6, 6, 6, 6, 6, 6, 6], 60, "severe"),
    ],
)
def test_madrs_bands(responses: list[int], total: int, band: str) -> None:
    result = MADRS.score(responses)
    assert (result.total, result.band) == (total, band)
    assert result.flagged("madrs-item-10") == (responses[9] >= 2)


def test_madrs_item_10_is_critical() -> None:
    result = MADRS.score([0] * 9 + [2])
    assert result.band == "normal"
    assert result.flagged("madrs-item-10")
    # One threshold for the flag and the rule: 1 ("enjoys life" to "weary of life") is not
    # flagged; 2 ("only fleeting suicidal thoughts") is.
    assert not MADRS.score([0] * 9 + [1]).flagged("madrs-item-10")


def test_madrs_remission_cutoff_is_a_parameter() -> None:
    ten = [1] * 10
    eleven = [2] + [1] * 9  # 11
    assert MADRS.score(ten).details["remission"] is True
    assert MADRS.score(eleven).details["remission"] is False
    result = MADRS.score(eleven, extra={"remission_cutoff": 12})
    assert result.details["remission"] is True
    assert result.details["remission_max_total"] == 12


# -- BDI-II ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("responses", "total", "band"),
    [
        ([0] * 21, 0, "minimal"),
        ([1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0], 13, "minimal"),
        ([1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0], 14, "mild"),
        ([1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0], 19, "mild"),
        ([1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], 20, "moderate"),
        ([2, 2, 2, 2, 2, 2, 2, 2, 0, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0], 28, "moderate"),
        ([2, 2, 2, 2, 2, 2, 2, 2, 0, 2, 2, 2, 2, 2, 2, 1, 0, 0, 0, 0, 0], 29, "severe"),
        ([3] * 21, 63, "severe"),
    ],
)
def test_bdi2_bands(responses: list[int], total: int, band: str) -> None:
    result = BDI2.score(responses)
    assert (result.total, result.band) == (total, band)
    assert result.flagged("bdi2-item-9") == (responses[8] > 0)


def test_bdi2_item_9_is_critical() -> None:
    result = BDI2.score([0] * 8 + [1] + [0] * 12)
    assert result.total == 1
    assert result.flagged("bdi2-item-9")


def test_bdi2_missing_item_gives_no_total() -> None:
    result = BDI2.score([1] * 20 + [None])
    assert result.total is None
    assert str(result.completeness) == "20/21"
