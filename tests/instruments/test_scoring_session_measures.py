"""Dosing-session measures: CADSS total, MOAA/S levels, MEQ30 subscales and complete experience."""

from __future__ import annotations

import pytest

from kapnotes.instruments.catalog import BY_NAME

CADSS = BY_NAME["cadss"]
MOAAS = BY_NAME["moaas"]
MEQ30 = BY_NAME["meq30"]


# -- CADSS -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("responses", "total"),
    [
        ([0] * 23, 0),
        ([4] * 23, 92),
        ([1, 2, 3, 4, 0] * 4 + [1, 2, 3], 46),
    ],
)
def test_cadss_total(responses: list[int], total: int) -> None:
    result = CADSS.score(responses)
    assert (result.total, result.band, result.complete) == (total, None, True)
    assert result.interpretation == f"CADSS total {total} (range 0–92)."


def test_cadss_missing_item() -> None:
    result = CADSS.score([1] * 22 + [None])
    assert result.total is None
    assert str(result.completeness) == "22/23"


# -- MOAA/S ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "band"),
    [
        (5, "responds readily to name spoken in normal tone"),
        (4, "lethargic response to name spoken in normal tone"),
        (3, "responds only after name is called loudly and/or repeatedly"),
        (2, "responds only after mild prodding or shaking"),
        (1, "no response to mild prodding or shaking; responds only to a painful stimulus"),
        (0, "no response to a painful stimulus (e.g. trapezius squeeze)"),
    ],
)
def test_moaas_levels(level: int, band: str) -> None:
    result = MOAAS.score([level])
    assert (result.total, result.band) == (level, band)
    assert result.flagged("moaas-item-1") is (level == 0)
    assert result.interpretation.startswith(f"MOAA/S level {level}")


def test_moaas_missing_level() -> None:
    result = MOAAS.score([None])
    assert result.total is None
    assert not result.complete
    assert result.interpretation.startswith("MOAA/S: level not recorded")


# -- MEQ30 -------------------------------------------------------------------------------------
# Subscales (stand-alone order): transcendence 1 7 11 13 19 22; positive mood 2 8 12 17 27 30;
# ineffability 3 10 29; mystical the other 15 items.

#        1  2  3  4  5  6  7  8  9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30
MIXED = [3, 5, 3, 4, 4, 4, 3, 5, 4, 3, 3, 5, 3, 4, 4, 4, 5, 4, 3, 4, 4, 3, 4, 4, 4, 4, 5, 4, 3, 5]


def test_meq30_subscale_means_and_complete_experience() -> None:
    result = MEQ30.score(MIXED)
    assert result.subscales == {
        "mystical": 4.0,
        "positive_mood": 5.0,
        "transcendence": 3.0,
        "ineffability": 3.0,
    }
    assert result.total == pytest.approx(3.9)  # 117 / 30
    assert result.details["percent_of_max"] == {
        "mystical": 80.0,
        "positive_mood": 100.0,
        "transcendence": 60.0,
        "ineffability": 60.0,
    }
    assert result.details["complete_mystical_experience"] is True


def test_meq30_one_subscale_below_60_percent() -> None:
    responses = list(MIXED)
    responses[28] = 2  # item 29, ineffability: (3 + 3 + 2) / 3
    result = MEQ30.score(responses)
    assert result.subscales["ineffability"] == pytest.approx(8 / 3)
    assert result.details["percent_of_max"]["ineffability"] == pytest.approx(53.333, abs=1e-3)
    assert result.total == pytest.approx(116 / 30)
    assert result.details["complete_mystical_experience"] is False


def test_meq30_exactly_60_percent_everywhere_is_complete() -> None:
    result = MEQ30.score([3] * 30)
    assert result.total == 3.0
    assert result.details["complete_mystical_experience"] is True


def test_meq30_mystical_just_below_60_percent() -> None:
    responses = [3] * 30
    responses[3] = 2  # item 4 is mystical: 44 / 15 = 2.93
    result = MEQ30.score(responses)
    assert result.subscales["mystical"] == pytest.approx(44 / 15)
    assert result.details["complete_mystical_experience"] is False


def test_meq30_missing_item_leaves_the_criterion_undetermined() -> None:
    responses: list[int | None] = [3] * 30
    responses[2] = None  # item 3, ineffability
    result = MEQ30.score(responses)
    assert result.subscales["ineffability"] is None
    assert result.subscales["mystical"] == 3.0
    assert result.total is None
    assert not result.complete
    assert result.details["complete_mystical_experience"] is None


def test_meq30_missing_item_but_another_subscale_fails() -> None:
    responses: list[int | None] = [3] * 30
    responses[2] = None  # ineffability unknown
    responses[0] = 0  # item 1, transcendence: 15 / 30 = 50%
    result = MEQ30.score(responses)
    assert result.details["complete_mystical_experience"] is False
