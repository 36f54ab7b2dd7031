"""Scoring fixes of issue 11, each worked by hand at its boundaries: QIDS-SR16 answered pairs,
the C-SSRS "since last visit" screener and the CADSS-6."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from kapnotes.cli.app import cli
from kapnotes.instruments.base import ScoringError
from kapnotes.instruments.catalog import BY_NAME

QIDS = BY_NAME["qids-sr16"]


# --- QIDS-SR16: respondents answer one of items 6/7 and one of 8/9 ----------------------------


def test_qids_normally_completed_form_scores() -> None:
    # 1 3 0 2 | 2 | 2 - 1 - | 1 1 0 2 1 | 1 2
    # sleep max(1,3,0,2)=3; mood 2; appetite/weight max(2,1)=2; concentration 1; self 1;
    # suicidal ideation 0; interest 2; energy 1; psychomotor max(1,2)=2 -> 3+2+2+1+1+0+2+1+2 = 14
    r = QIDS.score([1, 3, 0, 2, 2, 2, None, 1, None, 1, 1, 0, 2, 1, 1, 2])
    assert r.total == 14 and r.band == "moderate"
    assert r.complete and str(r.completeness) == "14/14"
    assert r.subscales["appetite_weight"] == 2


def test_qids_the_other_item_of_each_pair() -> None:
    # items 7 and 9 answered (increase) instead of 6 and 8: appetite/weight = max(3, 0) = 3
    r = QIDS.score([0, 0, 0, 0, 1, None, 3, None, 0, 1, 1, 0, 1, 1, 0, 0])
    # sleep 0, mood 1, appetite/weight 3, concentration 1, self 1, SI 0, interest 1, energy 1,
    # psychomotor 0 -> 8
    assert r.total == 8
    assert r.band == "mild" and r.complete


def test_qids_both_items_of_a_pair_take_the_highest() -> None:
    r = QIDS.score([1, 1, 1, 1, 1, 1, 2, 0, 3, 1, 1, 0, 1, 1, 1, 1])
    assert r.subscales["appetite_weight"] == 3
    assert r.total == 1 + 1 + 3 + 1 + 1 + 0 + 1 + 1 + 1  # 10: mild


@pytest.mark.parametrize("blank", [(5, 6), (7, 8)], ids=["appetite pair", "weight pair"])
def test_qids_a_pair_left_entirely_blank_has_no_total(blank: tuple[int, int]) -> None:
    answers: list[int | None] = [1] * 16
    for i in blank:
        answers[i] = None
    r = QIDS.score(answers)
    assert r.total is None and not r.complete
    assert r.subscales["appetite_weight"] is None
    assert str(r.completeness) == "13/14"


def test_qids_other_items_are_still_required() -> None:
    answers: list[int | None] = [1, 3, 0, 2, 2, 2, None, 1, None, 1, 1, 0, 2, 1, 1, 2]
    answers[0] = None  # item 1 (sleep onset) missing
    r = QIDS.score(answers)
    assert r.total is None and r.subscales["sleep"] is None


def test_qids_cli_scores_the_form_from_the_issue() -> None:
    out = CliRunner().invoke(cli, ["score", "qids-sr16", *["1", "3", "0", "2", "2", "2", "-", "1", "-", "1", "1", "0", "2", "1", "1", "2"]])
    assert out.exit_code == 0, out.output
    assert "14" in out.output and "moderate" in out.output


# --- C-SSRS "since last visit" screener -------------------------------------------------------

SLV = BY_NAME["cssrs-since-last-visit"]


@pytest.mark.parametrize(
    ("answers", "level"),
    [
        ((0, 0, None, None, None, 0), "none"),
        ((1, 0, None, None, None, 0), "low"),
        ((0, 1, 0, 0, 0, 0), "low"),
        ((1, 1, 1, 0, 0, 0), "moderate"),
        ((1, 1, 1, 1, 0, 0), "high"),
        ((1, 1, 0, 0, 1, 0), "high"),
        ((0, 0, None, None, None, 1), "high"),  # behaviour since the last visit is recent
    ],
)
def test_since_last_visit_triage(answers, level) -> None:
    r = SLV.score(list(answers))
    assert r.risk_level == level and r.complete


def test_since_last_visit_missing_items_give_a_lower_bound() -> None:
    r = SLV.score([1, 1, None, None, None, 0])  # yes to 2, but 3-5 not asked
    assert not r.complete and r.risk_level == "low"
    assert r.flagged("incomplete")


def test_since_last_visit_has_six_answers_and_the_risk_level_code() -> None:
    assert len(SLV.items) == 6
    assert SLV.loinc is not None and SLV.loinc.risk_level == "93374-7"
    assert "[ref:columbia-since-last-visit]" in SLV.source
    with pytest.raises(ScoringError):
        SLV.score([0, 0, 0, 0, 0, 0, 0])


# --- CADSS-6 (Rodrigues et al. 2021: items 1, 2, 6, 7, 15, 22 of the CADSS) ----------------------

CADSS6 = BY_NAME["cadss-6"]


def test_cadss6_total_and_range() -> None:
    assert CADSS6.total_range == (0, 24)
    assert CADSS6.items[0].label == "CADSS item 1"
    assert [i.key for i in CADSS6.items] == ["1", "2", "6", "7", "15", "22"]
    assert CADSS6.score([0, 0, 0, 0, 0, 0]).total == 0
    assert CADSS6.score([4, 4, 4, 4, 4, 4]).total == 24
    assert CADSS6.score([1, 0, 2, 3, 0, 4]).total == 10
    r = CADSS6.score([1, None, 2, 3, 0, 4])
    assert r.total is None and not r.complete
    with pytest.raises(ScoringError):
        CADSS6.score([5, 0, 0, 0, 0, 0])
    assert "[ref:rodrigues-2021]" in CADSS6.source


def test_cadss6_totals_can_be_recorded_in_the_monitoring_timeline() -> None:
    import datetime as dt

    from kapnotes.errors import ModelError
    from kapnotes.model import Dissociation, DissociationScale

    when = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone.utc)
    d = Dissociation(at=when, total=24, scale=DissociationScale.CADSS_6)
    assert d.scale is DissociationScale.CADSS_6
    assert Dissociation(at=when, total=30).scale is None  # the 23-item CADSS, as in format 1.0
    assert Dissociation(at=when, total=92, scale=DissociationScale.CADSS).total == 92
    with pytest.raises(ModelError, match="CADSS-6 total is 0-24"):
        Dissociation(at=when, total=25, scale=DissociationScale.CADSS_6)
