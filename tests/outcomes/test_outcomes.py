"""Outcomes worked by hand on small hand-built courses, and the clinic summary of the demo clinic."""

from __future__ import annotations

import math

import pytest

from kapnotes.instruments.catalog import BY_NAME
from kapnotes.model import MeasureAdministration, MeasureContext, SessionKind
from kapnotes.outcomes import (
    LOWER_IS_BETTER,
    MADRS_REMISSION,
    NOT_OUTCOME_MEASURES,
    RELIABILITY,
    OutcomeParams,
    ReliableChangeParams,
    RemissionRule,
    clinic_summary,
    course_outcomes,
    course_until,
    instrument_outcome,
    is_outcome_measure,
    meets_response,
    percent_change,
    reliable_change,
)

from .helpers import at, course, dosing, madrs, phq9, session, worked_course

PHQ9 = BY_NAME["phq9"]
MADRS = BY_NAME["madrs"]

# -- baseline ------------------------------------------------------------------------------------


def test_baseline_is_the_last_complete_score_before_the_first_dosing_session() -> None:
    o = instrument_outcome(worked_course(), PHQ9)
    # intake 20 (marked baseline) and prep 18 are before the first dosing session (01-08);
    # the later prep administration is incomplete; the dose-01 pre-dose score (16) is inside
    # the dosing session. So the baseline is prep's 18.
    assert o.baseline is not None
    assert (o.baseline.measure_id, o.baseline.value) == ("m-prep", 18)
    assert o.baseline_rule == "pre-first-dosing"


def test_a_pre_dose_score_in_the_first_dosing_session_is_not_the_baseline() -> None:
    c = course(
        "c", dosing("d1", at(1, 8), phq9("pre", at(1, 8), 16, MeasureContext.PRE_DOSE)),
        dosing("d2", at(1, 15), phq9("later", at(1, 15), 8)),
    )
    o = instrument_outcome(c, PHQ9)
    assert o.baseline is None and o.baseline_rule is None
    assert o.latest is None and o.change is None and o.response is None


def test_without_a_score_before_dosing_the_first_marked_baseline_is_used() -> None:
    c = course(
        "c",
        dosing("d1", at(1, 8), phq9("b1", at(1, 8), 16, MeasureContext.BASELINE),
               phq9("b2", at(1, 8, 10), 15, MeasureContext.BASELINE)),
        dosing("d2", at(1, 15), phq9("f", at(1, 15), 8)),
    )
    o = instrument_outcome(c, PHQ9)
    assert o.baseline is not None and o.baseline.measure_id == "b1"
    assert o.baseline_rule == "context-baseline"
    assert o.latest is not None and o.latest.measure_id == "f"


def test_a_course_without_dosing_uses_the_marked_baseline() -> None:
    c = course(
        "c",
        session("i", SessionKind.INTAKE, at(1, 1), phq9("r", at(1, 1), 22),
                phq9("b", at(1, 1, 10), 20, MeasureContext.BASELINE)),
        session("f", SessionKind.FOLLOW_UP, at(2, 1), phq9("f", at(2, 1), 12)),
    )
    o = instrument_outcome(c, PHQ9)
    assert (o.baseline.measure_id, o.baseline_rule) == ("b", "context-baseline")  # type: ignore[union-attr]
    assert o.first_dose_at is None and o.days_to_response is None
    assert o.response is False  # 20 -> 12 is a 40 % drop


def test_an_incomplete_score_is_never_baseline_or_latest() -> None:
    c = course(
        "c",
        session("i", SessionKind.INTAKE, at(1, 1), phq9("b", at(1, 1), 20)),
        session("p", SessionKind.PREPARATION, at(1, 5), phq9("x", at(1, 5), None)),
        dosing("d", at(1, 8)),
        session("f", SessionKind.FOLLOW_UP, at(2, 1), phq9("y", at(2, 1), None)),
    )
    o = instrument_outcome(c, PHQ9)
    assert o.baseline is not None and o.baseline.measure_id == "b"
    assert o.latest is None and not o.evaluable
    assert (o.n_scores, o.n_administrations) == (1, 3)
    assert [p.flags for p in o.scores if not p.usable] == [("incomplete",), ("incomplete",)]


# -- change, response, remission, time to response ------------------------------------------------


def test_worked_example_change_percent_response_remission_time() -> None:
    o = instrument_outcome(worked_course(), PHQ9)
    assert o.latest is not None and (o.latest.measure_id, o.latest.value) == ("m-f", 4)
    assert o.change == 4 - 18 == -14
    assert o.percent_change == pytest.approx(100 * (4 - 18) / 18)  # -77.78 %
    assert o.response is True  # 18 -> 4: a 77.8 % reduction >= 50 %
    assert o.response_threshold == 9.0  # 18 * (1 - 0.5)
    assert o.remission_rule is not None and o.remission_rule.max_total == 4  # PHQ-9 < 5
    assert o.remission is True  # 4 <= 4
    # The first dose: dose-01 at 01-08 09:30. dose-01's pre-dose 16 is before it; dose-02's 9
    # is exactly 50 % below 18, the first score to meet response: 01-15 - 01-08 = 7 days.
    assert o.first_dose_at == at(1, 8, 9, 30)
    assert o.first_response is not None and o.first_response.measure_id == "m-d2"
    assert o.days_to_response == 7
    assert o.n_scores == 5 and o.n_administrations == 6


def test_response_boundary_is_exactly_fifty_percent() -> None:
    assert meets_response(18, 9) is True  # 50.0 %
    assert meets_response(18, 10) is False  # 44.4 %
    assert meets_response(10, 5) is True
    assert meets_response(10, 5.5) is False
    assert meets_response(0, 0) is None  # nothing to reduce


def test_response_is_compared_exactly_not_in_floating_point() -> None:
    # The usual float test "latest <= baseline * (1 - reduction)" misses exact boundaries:
    # 5 * (1 - 0.8) is 0.9999999999999998, so 5 -> 1 (exactly 80 %) would fail it.
    assert not 1 <= 5 * (1 - 0.8)
    assert meets_response(5, 1, 0.8) is True
    assert meets_response(60, 27, 0.55) is True  # 60 * 0.45 = 26.999999999999996 in floats
    assert meets_response(20.5, 10.25) is True  # prorated totals: exactly half


def test_remission_boundary_on_phq9() -> None:
    for final, remits in ((4, True), (5, False)):
        c = course(
            "c", session("i", SessionKind.INTAKE, at(1, 1), phq9("b", at(1, 1), 20)),
            dosing("d", at(1, 8)),
            session("f", SessionKind.FOLLOW_UP, at(2, 1), phq9("f", at(2, 1), final)),
        )
        assert instrument_outcome(c, PHQ9).remission is remits


def _madrs_course(final: int):
    return course(
        "m", session("i", SessionKind.INTAKE, at(1, 1), madrs("b", at(1, 1), 30)),
        dosing("d", at(1, 8)),
        session("f", SessionKind.FOLLOW_UP, at(2, 1), madrs("f", at(2, 1), final)),
    )


def test_madrs_remission_threshold_is_a_parameter() -> None:
    c = _madrs_course(12)
    assert instrument_outcome(c, MADRS).remission is False  # default <= 10
    assert instrument_outcome(c, MADRS).remission_rule.max_total == 10  # type: ignore[union-attr]
    lenient = OutcomeParams(remission={"madrs": MADRS_REMISSION[12]})
    assert instrument_outcome(c, MADRS, lenient).remission is True  # <= 12
    strict = OutcomeParams(remission={"madrs": MADRS_REMISSION[9]})
    assert instrument_outcome(_madrs_course(10), MADRS, strict).remission is False
    assert instrument_outcome(_madrs_course(9), MADRS, strict).remission is True
    assert all(rule.source for rule in MADRS_REMISSION.values())


def test_response_reduction_is_a_parameter() -> None:
    o = instrument_outcome(worked_course(), PHQ9, OutcomeParams(response_reduction=0.8))
    assert o.response is False  # 77.8 % < 80 %
    assert o.first_response is None and o.days_to_response is None
    with pytest.raises(ValueError, match="response_reduction"):
        OutcomeParams(response_reduction=0)


def test_non_responder_has_no_time_to_response() -> None:
    c = course(
        "c", session("i", SessionKind.INTAKE, at(1, 1), phq9("b", at(1, 1), 18)),
        dosing("d", at(1, 8), phq9("p", at(1, 8), 17, MeasureContext.PRE_DOSE)),
        session("f", SessionKind.FOLLOW_UP, at(2, 1), phq9("f", at(2, 1), 15)),
    )
    o = instrument_outcome(c, PHQ9)
    assert (o.change, o.response, o.days_to_response) == (-3, False, None)
    assert o.percent_change == pytest.approx(-16.6667, abs=1e-4)


def test_percent_change_of_a_zero_baseline_is_none() -> None:
    assert percent_change(0, 3) is None
    assert percent_change(20, 25) == 25.0


# -- reliable change index ---------------------------------------------------------------------


def test_rci_worked_example() -> None:
    # s1 = 10, r = 0.82:  SE = 10 * sqrt(1 - 0.82) = 10 * sqrt(0.18) = 4.2426
    #                     S_diff = sqrt(2) * 4.2426 = sqrt(0.36) * 10 = 6.0
    # baseline 18 -> 4:   RCI = (4 - 18) / 6.0 = -2.3333; |RCI| > 1.96: reliable improvement
    params = ReliableChangeParams(s1=10, r=0.82, source="worked example")
    assert params.se == pytest.approx(4.242641, abs=1e-6)
    assert params.s_diff == pytest.approx(6.0)
    rc = reliable_change(18, 4, params)
    assert rc.rci == pytest.approx(-14 / 6)
    assert (rc.reliable, rc.verdict) == (True, "improved")
    assert rc.min_change == pytest.approx(1.96 * 6.0)  # 11.76 points
    # 18 -> 7: RCI = -11 / 6 = -1.8333: not reliable
    small = reliable_change(18, 7, params)
    assert small.rci == pytest.approx(-11 / 6) and not small.reliable
    assert small.verdict == "no reliable change"
    # 0 -> 12: RCI = +2.0: reliable deterioration
    assert reliable_change(0, 12, params).verdict == "deteriorated"


def test_rci_in_an_outcome_records_the_parameters_and_their_source() -> None:
    params = OutcomeParams(reliability={"phq9": ReliableChangeParams(10, 0.82, "worked")})
    rc = instrument_outcome(worked_course(), PHQ9, params).reliable_change
    assert rc is not None and rc.rci == pytest.approx(-14 / 6)
    assert (rc.params.s1, rc.params.r, rc.params.source) == (10, 0.82, "worked")


def test_default_phq9_rci_uses_the_documented_numbers() -> None:
    p = RELIABILITY["phq9"]
    # r = 0.84 (Kroenke 2001); SEM = 2.5 (Lowe 2004, MCID = 2 SEM = 5); s1 = 2.5 / sqrt(0.16)
    assert (p.r, p.s1, p.se) == (0.84, pytest.approx(6.25), pytest.approx(2.5))
    assert not p.verified and "derived" in p.note
    o = instrument_outcome(worked_course(), PHQ9)
    assert o.reliable_change is not None
    assert o.reliable_change.rci == pytest.approx(-14 / (math.sqrt(2) * 2.5))  # -3.96
    assert o.reliability_note.startswith("s1/r not fully verified")


def test_every_default_reliability_has_a_source_and_valid_numbers() -> None:
    for name, p in RELIABILITY.items():
        assert name in LOWER_IS_BETTER
        assert p.source and p.s1 > 0 and 0 <= p.r < 1
    with pytest.raises(ValueError, match="r must be"):
        ReliableChangeParams(s1=5, r=1.0, source="x")


def test_without_reliability_data_there_is_no_rci_and_a_note_says_why() -> None:
    o = instrument_outcome(_madrs_course(12), MADRS)
    assert o.reliable_change is None
    assert "no verified s1 and r" in o.reliability_note
    off = OutcomeParams(reliability={"phq9": None})
    assert instrument_outcome(worked_course(), PHQ9, off).reliable_change is None


# -- which instruments are outcome measures ------------------------------------------------------


def test_process_and_safety_measures_are_excluded() -> None:
    for name in ("meq30", "moaas", "cadss", "cssrs-screener"):
        assert name in NOT_OUTCOME_MEASURES and not is_outcome_measure(name)
    for name in ("phq9", "gad7", "pcl5", "qids-sr16", "madrs", "bdi2"):
        assert is_outcome_measure(name)
    assert not is_outcome_measure("clinic-scale")
    assert is_outcome_measure("clinic-scale", OutcomeParams(lower_is_better=frozenset({"clinic-scale"})))


def test_course_outcomes_leave_out_non_outcome_measures() -> None:
    moaas = MeasureAdministration(id="s", instrument="moaas", administered_at=at(1, 8, 10),
                                  items=(4,))
    c = worked_course()
    c = course("c", *c.sessions[:2], dosing("d", at(1, 8), moaas), *c.sessions[2:])
    found = course_outcomes(c)
    assert found.instruments == ("phq9",)
    assert found.primary_indication is not None and found.primary_indication.code == "F33.2"


def test_course_until_cuts_the_course_at_a_session() -> None:
    c = worked_course()
    at_dose2 = course_until(c, c.session("t1-dose-02"))
    o = instrument_outcome(at_dose2, PHQ9)
    assert o.latest is not None and o.latest.measure_id == "m-d2"
    assert (o.change, o.response, o.remission) == (-9, True, False)


def test_remission_rule_text() -> None:
    assert RemissionRule(4, "x").text == "≤ 4"


# -- the clinic summary on the synthetic demo clinic ----------------------------------------------


@pytest.fixture(scope="module")
def summary(demo_doc):
    return clinic_summary(demo_doc)


def test_summary_counts_clients_and_evaluable_courses(summary) -> None:
    assert (summary.n_clients, summary.n_courses, summary.n_evaluable_courses) == (4, 4, 4)


def test_summary_by_instrument_has_responders_and_non_responders(summary) -> None:
    rows = {r.instrument: r for r in summary.by_instrument}
    assert list(rows) == ["phq9", "gad7", "pcl5"]
    phq = rows["phq9"]
    # cl-001 21->6, cl-003 16->7, cl-004 24->11 respond; cl-002 18->15 does not.
    assert (phq.n_courses, phq.n_evaluable, phq.n_response_evaluable, phq.n_response) == (4, 4, 4, 3)
    assert phq.response_rate == 0.75
    assert (phq.n_remission_evaluable, phq.n_remission, phq.remission_rate) == (4, 0, 0.0)
    gad = rows["gad7"]  # 14->5 and 17->7 respond; 12->11 and 16->9 (43.8 %) do not
    assert (gad.n_response, gad.n_response_evaluable) == (2, 4)
    # GAD-7 remission (< 5 with baseline >= 10): all four baselines are >= 10, none remits
    assert (gad.n_remission_evaluable, gad.n_remission, gad.remission_rate) == (4, 0, 0.0)
    pcl = rows["pcl5"]  # cl-003 only: 52 -> 28 is 46.2 %
    assert (pcl.n_courses, pcl.n_response) == (1, 0)


def test_summary_per_client_outcomes(summary) -> None:
    by_client = {c.client_id: c for c in summary.courses}
    assert by_client["cl-002"].get("phq9").response is False
    for cid in ("cl-001", "cl-003", "cl-004"):
        o = by_client[cid].get("phq9")
        assert o.response is True and o.days_to_response is not None and o.days_to_response > 0
    assert by_client["cl-001"].get("phq9").baseline.context is MeasureContext.BASELINE


def test_summary_by_primary_indication(summary) -> None:
    rows = {(r.indication, r.instrument): r for r in summary.by_indication}
    assert rows[("F33.1", "phq9")].n_response == 0  # cl-002, the non-responder
    assert rows[("F33.2", "phq9")].n_response == 1
    assert rows[("F43.10", "pcl5")].indication_display.startswith("Post-traumatic")
    assert sum(r.n_courses for r in summary.by_indication if r.instrument == "phq9") == 4


def test_summary_restricted_to_one_instrument(demo_doc) -> None:
    s = clinic_summary(demo_doc, instruments=["gad7"])
    assert [r.instrument for r in s.by_instrument] == ["gad7"]
    assert all(c.instruments == ("gad7",) for c in s.courses)
