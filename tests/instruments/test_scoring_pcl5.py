"""PCL-5: total and cut-off, cluster severities, the DSM-5 provisional diagnosis at its edges."""

from __future__ import annotations

import pytest

from kapnotes.instruments.catalog import BY_NAME

PCL5 = BY_NAME["pcl5"]

#          B: 1  2  3  4  5   C: 6  7   D: 8  9 10 11 12 13 14   E: 15 16 17 18 19 20
MINIMAL = [2, 0, 0, 0, 0, 2, 0, 2, 2, 0, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0]


@pytest.mark.parametrize(
    ("responses", "total", "band", "probable"),
    [
        ([0] * 20, 0, "below probable-PTSD cut-off", False),
        ([2] * 16 + [0] * 4, 32, "below probable-PTSD cut-off", False),
        ([2] * 16 + [1, 0, 0, 0], 33, "probable PTSD", True),
        ([4] * 20, 80, "probable PTSD", True),
    ],
)
def test_pcl5_default_cutoff_33(
    responses: list[int], total: int, band: str, probable: bool
) -> None:
    result = PCL5.score(responses)
    assert (result.total, result.band) == (total, band)
    assert result.details["probable_ptsd"] is probable
    assert result.details["cutoff"] == 33
    assert result.flagged("pcl5-probable-ptsd") is probable
    assert result.band_source is not None
    assert "Bovin" in result.band_source


@pytest.mark.parametrize(
    ("responses", "total", "band"),
    [
        ([2] * 15 + [0] * 5, 30, "below probable-PTSD cut-off"),
        ([2] * 15 + [1, 0, 0, 0, 0], 31, "probable PTSD"),
    ],
)
def test_pcl5_cutoff_is_a_parameter(responses: list[int], total: int, band: str) -> None:
    result = PCL5.score(responses, extra={"cutoff": 31})
    assert (result.total, result.band, result.details["cutoff"]) == (total, band, 31)
    assert PCL5.score(responses).band == "below probable-PTSD cut-off"


def test_pcl5_cluster_severities() -> None:
    result = PCL5.score([1, 2, 3, 4, 0, 4, 4, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 3, 3, 3])
    assert result.subscales == {"B": 10, "C": 8, "D": 7, "E": 9}
    assert result.total == 34


def test_pcl5_provisional_diagnosis_minimal_positive() -> None:
    result = PCL5.score(MINIMAL)
    assert result.provisional_diagnosis is True
    assert result.details["cluster_criteria"] == {"B": True, "C": True, "D": True, "E": True}
    assert result.total == 12
    assert result.details["probable_ptsd"] is False
    assert result.flagged("pcl5-provisional-diagnosis")
    assert result.subscales == {"B": 2, "C": 2, "D": 4, "E": 4}


@pytest.mark.parametrize(
    ("item", "cluster"),
    [(1, "B"), (6, "C"), (9, "D"), (16, "E")],
)
def test_pcl5_each_criterion_boundary(item: int, cluster: str) -> None:
    """Lowering one needed item from 2 ("moderately") to 1 fails that cluster's criterion."""
    responses = list(MINIMAL)
    responses[item - 1] = 1
    result = PCL5.score(responses)
    assert result.provisional_diagnosis is False
    assert result.details["cluster_criteria"][cluster] is False
    assert not result.flagged("pcl5-provisional-diagnosis")


def test_pcl5_all_ones_is_no_diagnosis_and_below_cutoff() -> None:
    result = PCL5.score([1] * 20)
    assert (result.total, result.provisional_diagnosis) == (20, False)


# -- missing items ---------------------------------------------------------------------------


def test_pcl5_missing_item_no_total_but_diagnosis_already_met() -> None:
    responses: list[int | None] = [*MINIMAL[:19], None]
    result = PCL5.score(responses)
    assert result.total is None
    assert result.band is None
    assert result.provisional_diagnosis is True
    assert result.subscales["E"] is None
    assert result.subscales["B"] == 2
    assert str(result.completeness) == "19/20"
    assert not result.complete


def test_pcl5_missing_items_cannot_rescue_a_failed_criterion() -> None:
    responses: list[int | None] = [None] * 5 + [0] * 15
    result = PCL5.score(responses)
    assert result.details["cluster_criteria"]["C"] is False
    assert result.provisional_diagnosis is False


def test_pcl5_diagnosis_undetermined_when_missing_items_decide_it() -> None:
    responses: list[int | None] = list(MINIMAL)
    responses[8] = None  # D: one endorsed, one unknown, two needed
    result = PCL5.score(responses)
    assert result.details["cluster_criteria"]["D"] is None
    assert result.provisional_diagnosis is None
    assert "undetermined" in result.interpretation
