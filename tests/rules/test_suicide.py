"""Suicide risk: a positive screen needs a risk assessment and a safety plan (blocking)."""

from __future__ import annotations

import pytest

from kapnotes.model import (
    Ideation,
    RiskAssessment,
    RiskLevel,
    SafetyPlanning,
    SessionKind,
)
from kapnotes.rules.config import SOURCES, ClinicConfig

from .builders import codes, measure, only, phq9, run, session

P = "$.courses[0].sessions[0]"
RISK = RiskAssessment(suicidal_ideation=Ideation.PASSIVE, level=RiskLevel.LOW)
RISK_REVIEWED = RiskAssessment(
    suicidal_ideation=Ideation.PASSIVE, level=RiskLevel.LOW, safety_plan_reviewed=True
)
PLAN = SafetyPlanning(warning_signs=("withdrawing",), coping_strategies=("walk",))


def risk_findings(*measures, kind=SessionKind.DOSING, config=None, **kw):
    return only(run(session(kind, measures=tuple(measures), **kw), config=config), "KAP-RISK")


def test_phq9_item9_zero_needs_nothing() -> None:
    assert risk_findings(measure("phq9", phq9(0))) == []


def test_phq9_item9_positive_without_assessment_or_plan() -> None:
    found = risk_findings(measure("phq9", phq9(1)))
    assert [(f.code, f.severity.value, f.path) for f in found] == [
        ("KAP-RISK-001", "blocking", f"{P}.measures[0].items[8]"),
        ("KAP-RISK-002", "blocking", f"{P}.measures[0].items[8]"),
    ]
    assert found[0].message == (
        "PHQ-9 item 9 is 1 (threshold >= 1): document a suicide risk assessment in this session."
    )
    assert found[1].message.startswith("PHQ-9 item 9 is 1 (threshold >= 1): document a safety plan")
    assert found[0].source == SOURCES["suicide.phq9_item9_at_least"]
    assert {f.session_id for f in found} == {"s-dose-01"}
    assert {f.rule for f in found} == {"suicide-risk-safety-plan"}


def test_assessment_without_plan_blocks_on_the_plan_only() -> None:
    found = risk_findings(measure("phq9", phq9(3)), risk=RISK)
    assert codes(found) == ["KAP-RISK-002"]


@pytest.mark.parametrize(
    "documented",
    [
        {"risk": RISK_REVIEWED},
        {"risk": RISK, "interventions": (PLAN,)},
    ],
    ids=["safety-plan-reviewed", "safety-planning-intervention"],
)
def test_assessment_and_plan_satisfy_the_rule(documented: dict) -> None:
    assert risk_findings(measure("phq9", phq9(2)), **documented) == []


def test_a_plan_without_an_assessment_still_needs_the_assessment() -> None:
    found = risk_findings(measure("phq9", phq9(1)), interventions=(PLAN,))
    assert codes(found) == ["KAP-RISK-001"]


def test_rule_runs_on_every_session_kind() -> None:
    for kind in (SessionKind.INTAKE, SessionKind.INTEGRATION, SessionKind.FOLLOW_UP):
        found = risk_findings(measure("phq9", phq9(1)), kind=kind)
        assert codes(found) == ["KAP-RISK-001", "KAP-RISK-002"], kind


def test_instrument_aliases_are_recognised() -> None:
    assert codes(risk_findings(measure("PHQ-9", phq9(1)))) == ["KAP-RISK-001", "KAP-RISK-002"]


def test_threshold_comes_from_the_config() -> None:
    cfg = ClinicConfig.from_data({"suicide": {"phq9_item9_at_least": 2}})
    assert risk_findings(measure("phq9", phq9(1)), config=cfg) == []
    found = risk_findings(measure("phq9", phq9(2)), config=cfg)
    assert found[0].message.startswith("PHQ-9 item 9 is 2 (threshold >= 2)")
    assert found[0].source == (
        "clinic configuration: suicide.phq9_item9_at_least = 2 (default 1)"
    )


@pytest.mark.parametrize(
    ("instrument", "items", "index", "fires"),
    [
        ("qids-sr16", (1,) * 11 + (0,) + (1,) * 4, 11, False),
        ("qids-sr16", (1,) * 11 + (1,) + (1,) * 4, 11, True),
        ("madrs", (2,) * 9 + (1,), 9, False),
        ("madrs", (2,) * 9 + (2,), 9, True),
    ],
)
def test_qids_item12_and_madrs_item10(instrument: str, items: tuple, index: int, fires: bool) -> None:
    found = risk_findings(measure("phq9", phq9(0), "m1"), measure(instrument, items, "m2"))
    if fires:
        assert [(f.code, f.path) for f in found] == [
            ("KAP-RISK-001", f"{P}.measures[1].items[{index}]"),
            ("KAP-RISK-002", f"{P}.measures[1].items[{index}]"),
        ]
    else:
        assert found == []


# C-SSRS screener: 7 answers (0 = no, 1 = yes; position 7 is item 6b).
CSSRS_LOW = (1, 0, None, None, None, 0, None)
CSSRS_MODERATE = (1, 1, 1, 0, 0, 0, None)
CSSRS_HIGH = (1, 1, 1, 1, 0, 0, None)


@pytest.mark.parametrize(
    ("items", "level"),
    [(CSSRS_LOW, None), (CSSRS_MODERATE, "moderate"), (CSSRS_HIGH, "high")],
)
def test_cssrs_moderate_and_high_block(items: tuple, level: str | None) -> None:
    found = risk_findings(measure("cssrs-screener", items))
    if level is None:
        assert found == []
    else:
        assert [(f.code, f.path) for f in found] == [
            ("KAP-RISK-001", f"{P}.measures[0]"),
            ("KAP-RISK-002", f"{P}.measures[0]"),
        ]
        assert found[1].message.startswith(f"C-SSRS screener risk is {level}:")


def test_cssrs_levels_come_from_the_config() -> None:
    cfg = ClinicConfig.from_data({"suicide": {"cssrs_levels": ["high"]}})
    assert risk_findings(measure("cssrs-screener", CSSRS_MODERATE), config=cfg) == []
    cfg_low = ClinicConfig.from_data({"suicide": {"cssrs_levels": ["low", "moderate", "high"]}})
    assert codes(risk_findings(measure("cssrs-screener", CSSRS_LOW), config=cfg_low)) == [
        "KAP-RISK-001", "KAP-RISK-002",
    ]


def test_cssrs_that_cannot_be_scored_blocks() -> None:
    found = risk_findings(measure("cssrs-screener", (1, 0, 2)), risk=RISK_REVIEWED)
    assert [(f.code, f.severity.value, f.path) for f in found] == [
        ("KAP-RISK-004", "blocking", f"{P}.measures[0].items"),
    ]
    assert "cannot be scored" in found[0].message


def test_incomplete_cssrs_warns_and_a_lower_bound_still_triggers() -> None:
    # item 3 yes (moderate at least) but items 4 and 5 unanswered: could be high
    found = risk_findings(measure("cssrs-screener", (1, 1, 1, None, None, 0, None)))
    assert [(f.code, f.severity.value) for f in found] == [
        ("KAP-RISK-001", "blocking"),
        ("KAP-RISK-002", "blocking"),
        ("KAP-RISK-005", "warning"),
    ]
    assert found[0].message.startswith("C-SSRS screener risk is at least moderate:")


def test_unanswered_suicide_item_warns() -> None:
    found = risk_findings(measure("phq9", phq9(None)))
    assert [(f.code, f.severity.value, f.path) for f in found] == [
        ("KAP-RISK-005", "warning", f"{P}.measures[0].items[8]"),
    ]


def test_clinician_rated_moderate_risk_needs_a_plan() -> None:
    moderate = RiskAssessment(suicidal_ideation=Ideation.PASSIVE, level=RiskLevel.MODERATE)
    found = risk_findings(risk=moderate)
    assert [(f.code, f.severity.value, f.path) for f in found] == [
        ("KAP-RISK-003", "blocking", f"{P}.risk.level"),
    ]
    assert risk_findings(risk=moderate, interventions=(PLAN,)) == []
    assert risk_findings(risk=RISK) == []  # low


def test_clinician_levels_come_from_the_config() -> None:
    moderate = RiskAssessment(suicidal_ideation=Ideation.PASSIVE, level=RiskLevel.MODERATE)
    cfg = ClinicConfig.from_data({"suicide": {"risk_levels": ["high", "imminent"]}})
    assert risk_findings(risk=moderate, config=cfg) == []
