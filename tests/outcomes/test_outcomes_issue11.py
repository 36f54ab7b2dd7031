"""Outcome fixes of issue 11, worked by hand: remission needs an elevated baseline (GAD-7 and
PHQ-9, Hull et al. 2022), and the baseline rule is a documented, configurable choice."""

from __future__ import annotations

import datetime as dt

import pytest

from kapnotes.instruments.catalog import BY_NAME
from kapnotes.model import MeasureAdministration, MeasureContext, SessionKind
from kapnotes.outcomes import OutcomeParams, instrument_outcome

from .helpers import at, course, dosing, items_for, phq9, session

PHQ9, GAD7 = BY_NAME["phq9"], BY_NAME["gad7"]


def gad7(mid: str, when: dt.datetime, total: int,
         context: MeasureContext = MeasureContext.ROUTINE) -> MeasureAdministration:
    return MeasureAdministration(id=mid, instrument="gad7", administered_at=when,
                                 items=items_for(total, 7, 3), context=context)


def _gad_course(baseline: int, final: int):
    return course(
        "g", session("i", SessionKind.INTAKE, at(1, 1), gad7("b", at(1, 1), baseline)),
        dosing("d", at(1, 8)),
        session("f", SessionKind.FOLLOW_UP, at(2, 1), gad7("f", at(2, 1), final)),
    )


@pytest.mark.parametrize(
    ("baseline", "final", "remits"),
    [(10, 4, True), (10, 5, False), (9, 4, None), (21, 0, True)],
)
def test_gad7_remission_is_below_5_with_a_baseline_of_10_or_more(baseline, final, remits) -> None:
    o = instrument_outcome(_gad_course(baseline, final), GAD7)
    assert o.remission is remits
    assert o.remission_rule is not None
    assert (o.remission_rule.max_total, o.remission_rule.baseline_at_least) == (4, 10)
    assert "[ref:hull-2022]" in o.remission_rule.source


def _phq_course(baseline: int, final: int):
    return course(
        "p", session("i", SessionKind.INTAKE, at(1, 1), phq9("b", at(1, 1), baseline)),
        dosing("d", at(1, 8)),
        session("f", SessionKind.FOLLOW_UP, at(2, 1), phq9("f", at(2, 1), final)),
    )


@pytest.mark.parametrize(
    ("baseline", "final", "remits"), [(10, 4, True), (10, 5, False), (9, 4, None), (9, 0, None)]
)
def test_phq9_remission_needs_a_baseline_of_10_or_more(baseline, final, remits) -> None:
    o = instrument_outcome(_phq_course(baseline, final), PHQ9)
    assert o.remission is remits
    assert o.remission_rule is not None and o.remission_rule.text == "≤ 4 (baseline ≥ 10)"


# --- the baseline rule ---------------------------------------------------------------------------


def _pre_ketamine_fall():
    """Intake 20; the client improves to 12 before any ketamine; day-1 pre-dose 12; latest 6.

    =========  ============  =====  =========================================================
    session    when          total
    =========  ============  =====  =========================================================
    intake     01-01 09:00   20     "intake": the first complete score of the course
    prep       01-05 09:00   14     "pre-first-dosing" (0.1 default): last before dosing starts
    dose-01    01-08 09:10   12     "first-dose-day": the last pre-dose score on the first dose day
    follow-up  02-01 09:00    6     latest
    =========  ============  =====  =========================================================
    """
    return course(
        "b", session("i", SessionKind.INTAKE, at(1, 1), phq9("m-i", at(1, 1), 20)),
        session("p", SessionKind.PREPARATION, at(1, 5), phq9("m-p", at(1, 5), 14)),
        dosing("d1", at(1, 8), phq9("m-d1", at(1, 8, 9, 10), 12, MeasureContext.PRE_DOSE)),
        session("f", SessionKind.FOLLOW_UP, at(2, 1), phq9("m-f", at(2, 1), 6)),
    )


@pytest.mark.parametrize(
    ("rule", "baseline_id", "response"),
    [
        ("pre-first-dosing", "m-p", True),  # 14 -> 6: -57 %
        ("intake", "m-i", True),  # 20 -> 6: -70 %, although 8 points fell before any ketamine
        ("first-dose-day", "m-d1", True),  # 12 -> 6: exactly -50 %
    ],
)
def test_the_baseline_rule_is_a_choice(rule, baseline_id, response) -> None:
    o = instrument_outcome(_pre_ketamine_fall(), PHQ9, OutcomeParams(baseline=rule))
    assert o.baseline is not None and o.baseline.measure_id == baseline_id
    assert o.baseline_rule == rule
    assert o.response is response


def test_first_dose_day_baseline_removes_a_pre_ketamine_response() -> None:
    # day-1 pre-dose 13 and latest 7: 46 % -> no response; from intake (20) it would be 65 %
    c = course(
        "b", session("i", SessionKind.INTAKE, at(1, 1), phq9("m-i", at(1, 1), 20)),
        dosing("d1", at(1, 8), phq9("m-d1", at(1, 8, 9, 10), 13, MeasureContext.PRE_DOSE)),
        session("f", SessionKind.FOLLOW_UP, at(2, 1), phq9("m-f", at(2, 1), 7)),
    )
    assert instrument_outcome(c, PHQ9, OutcomeParams(baseline="intake")).response is True
    o = instrument_outcome(c, PHQ9, OutcomeParams(baseline="first-dose-day"))
    assert (o.baseline.value, o.response) == (13, False)  # type: ignore[union-attr]


def test_first_dose_day_baseline_ignores_a_score_after_the_dose() -> None:
    # the only day-1 score is after the dose (09:30): no first-dose-day baseline, so the rule
    # falls back to the last score before dosing, and says so
    c = course(
        "b", session("i", SessionKind.INTAKE, at(1, 1), phq9("m-i", at(1, 1), 20)),
        dosing("d1", at(1, 8), phq9("m-d1", at(1, 8, 10, 0), 12, MeasureContext.POST_DOSE)),
        session("f", SessionKind.FOLLOW_UP, at(2, 1), phq9("m-f", at(2, 1), 6)),
    )
    o = instrument_outcome(c, PHQ9, OutcomeParams(baseline="first-dose-day"))
    assert o.baseline is not None and o.baseline.measure_id == "m-i"
    assert o.baseline_rule == "pre-first-dosing"


def test_an_unknown_baseline_rule_is_refused() -> None:
    with pytest.raises(ValueError, match="baseline"):
        OutcomeParams(baseline="whenever")  # type: ignore[arg-type]
