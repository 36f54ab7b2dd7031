"""Dosing-session rules: go/no-go, dose ceilings, esketamine REMS, consent, sedation, SpO2,
touch and discharge. Boundaries are tested on both sides."""

from __future__ import annotations

import pytest

from kapnotes.model import (
    Booster,
    Consent,
    ConsentKind,
    Observation,
    Preparation,
    Route,
    Sedation,
    SessionKind,
    SomaticWork,
)
from kapnotes.rules.config import SOURCES, ClinicConfig

from .builders import (
    COURSE_START,
    DAY,
    at,
    codes,
    consents,
    discharge,
    dosing,
    esketamine,
    later,
    measure,
    only,
    run,
    session,
    vitals,
)

P = "$.courses[0].sessions[0]"
M = f"{P}.dosing.monitoring"


def dose_session(**kw):
    return session(dosing=dosing(**kw))


def found(prefix, *sessions, config=None, **kw):
    return only(run(*sessions, config=config, **kw), prefix)


def triples(findings):
    return [(f.code, f.severity.value, f.path) for f in findings]


# --- (b) pre-dose vitals ------------------------------------------------------------------------


def monitoring_with(*pre):
    return (*pre, vitals(15), vitals(30), vitals(60))


def test_no_vitals_before_the_dose() -> None:
    # a reading at the moment of the dose is not "before" it
    f = found("KAP-PREDOSE", dose_session(monitoring=(vitals(0), vitals(30))))
    assert triples(f) == [("KAP-PREDOSE-001", "warning", M)]
    assert f[0].message == (
        "No vitals are recorded before the dose: the go/no-go decision is undocumented."
    )
    assert f[0].source == SOURCES["go_no_go.systolic_below"]


def test_pre_dose_vitals_without_bp_or_hr() -> None:
    f = found("KAP-PREDOSE", dose_session(monitoring=monitoring_with(vitals(-5, bp=None, hr=None))))
    assert triples(f) == [("KAP-PREDOSE-001", "warning", M)]
    assert f[0].message.startswith("No pre-dose blood pressure or heart rate is recorded")


@pytest.mark.parametrize(
    ("bp", "expected"),
    [
        ((159, 89), []),
        ((160, 80), [("KAP-PREDOSE-002", "warning", f"{M}[0].systolic")]),
        ((150, 90), [("KAP-PREDOSE-002", "warning", f"{M}[0].diastolic")]),
        ((170, 95), [("KAP-PREDOSE-002", "warning", f"{M}[0].diastolic"),
                     ("KAP-PREDOSE-002", "warning", f"{M}[0].systolic")]),
    ],
)
def test_pre_dose_bp_at_the_go_no_go_limit(bp, expected) -> None:
    f = found("KAP-PREDOSE", dose_session(monitoring=monitoring_with(vitals(-10, bp=bp))))
    assert triples(f) == expected


def test_pre_dose_bp_message() -> None:
    f = found("KAP-PREDOSE", dose_session(monitoring=monitoring_with(vitals(-10, bp=(160, 80)))))
    assert f[0].message == (
        "Last pre-dose blood pressure 160/80 mmHg (10 min before the dose): systolic 160 is at "
        "or above the clinic's go/no-go limit (dose only below 160)."
    )


@pytest.mark.parametrize(("hr", "fires"), [(99, False), (100, True)])
def test_pre_dose_heart_rate_at_the_limit(hr: int, fires: bool) -> None:
    f = found("KAP-PREDOSE", dose_session(monitoring=monitoring_with(vitals(-10, hr=hr))))
    assert triples(f) == ([("KAP-PREDOSE-003", "warning", f"{M}[0].heart_rate")] if fires else [])


def test_the_last_pre_dose_reading_decides() -> None:
    high_then_ok = monitoring_with(vitals(-20, bp=(168, 96), hr=104), vitals(-5))
    assert found("KAP-PREDOSE", dose_session(monitoring=high_then_ok)) == []
    ok_then_high = monitoring_with(vitals(-20), vitals(-5, bp=(165, 85)))
    assert triples(found("KAP-PREDOSE", dose_session(monitoring=ok_then_high))) == [
        ("KAP-PREDOSE-002", "warning", f"{M}[1].systolic"),
    ]


def test_go_no_go_limits_come_from_the_config() -> None:
    cfg = ClinicConfig.from_data({"policy": "SOP 4", "go_no_go": {"systolic_below": 150}})
    f = found("KAP-PREDOSE", dose_session(monitoring=monitoring_with(vitals(-10, bp=(150, 80)))),
              config=cfg)
    assert triples(f) == [("KAP-PREDOSE-002", "warning", f"{M}[0].systolic")]
    assert f[0].source == "clinic policy 'SOP 4': go_no_go.systolic_below = 150 (default 160)"


# --- (c) dose ceilings --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "mg", "fires"),
    [
        (Route.IM, 52.5, False),  # 0.75 mg/kg exactly: at the maximum is allowed
        (Route.IM, 52.6, True),
        (Route.IV, 52.5, False),
        (Route.IV, 53.0, True),
        (Route.SUBLINGUAL, 490.0, False),  # 7.0 mg/kg
        (Route.SUBLINGUAL, 490.5, True),
        (Route.ORAL, 210.5, True),
        (Route.INTRANASAL, 105.0, False),  # 1.5 mg/kg
        (Route.INTRANASAL, 105.5, True),
    ],
)
def test_mg_per_kg_at_the_maximum(route: Route, mg: float, fires: bool) -> None:
    f = found("KAP-DOSE", dose_session(route=route, dose_mg=mg))
    assert triples(f) == ([("KAP-DOSE-001", "warning", f"{P}.dosing.dose_mg")] if fires else [])
    if fires:
        assert f[0].source == SOURCES[f"dose.max_mg_per_kg.{route.value}"]
        assert f" {mg:g} mg for 70 kg is {round(mg / 70, 3):g} mg/kg, above" in f[0].message


def test_float_rounding_does_not_trip_the_maximum() -> None:
    # 0.75 * 68 = 51.0; 0.1 + 0.2 style error must not count as "above"
    assert found("KAP-DOSE", dose_session(dose_mg=0.75 * 68.3, body_weight_kg=68.3)) == []


def test_boosters_count_and_the_path_points_at_the_one_that_crossed() -> None:
    boosters = (Booster(at=at(20), dose_mg=10.0), Booster(at=at(40), dose_mg=10.0))
    f = found("KAP-DOSE", dose_session(dose_mg=35.0, boosters=boosters))  # 35+10 = 45 -> 0.64
    assert triples(f) == [("KAP-DOSE-001", "warning", f"{P}.dosing.boosters[1].dose_mg")]
    assert f[0].message == (
        "Ketamine IM 35 + 10 + 10 = 55 mg for 70 kg is 0.786 mg/kg, above the clinic's "
        "maximum of 0.75 mg/kg for this route."
    )


def test_a_booster_by_another_route_counts_for_that_route() -> None:
    sl = Booster(at=at(20), dose_mg=50.0, route=Route.SUBLINGUAL)  # 0.71 mg/kg SL: fine
    assert found("KAP-DOSE", dose_session(dose_mg=52.5, boosters=(sl,))) == []


def test_missing_weight_warns() -> None:
    f = found("KAP-DOSE", dose_session(body_weight_kg=None))
    assert triples(f) == [("KAP-DOSE-002", "warning", f"{P}.dosing.body_weight_kg")]


def test_a_route_without_a_maximum_is_not_checked() -> None:
    cfg = ClinicConfig.from_data({"dose": {"max_mg_per_kg": {"im": None}}})
    assert found("KAP-DOSE", dose_session(dose_mg=300.0), config=cfg) == []
    assert found("KAP-DOSE", dose_session(body_weight_kg=None), config=cfg) == []


def test_clinic_maximum() -> None:
    cfg = ClinicConfig.from_data({"dose": {"max_mg_per_kg": {"im": 1.0}}})
    assert found("KAP-DOSE", dose_session(dose_mg=70.0), config=cfg) == []
    assert codes(found("KAP-DOSE", dose_session(dose_mg=70.5), config=cfg)) == ["KAP-DOSE-001"]


@pytest.mark.parametrize(("mg", "fires"), [(84.0, False), (112.0, True)])
def test_esketamine_maximum_in_mg(mg: float, fires: bool) -> None:
    f = found("KAP-DOSE", session(dosing=esketamine(dose_mg=mg)))
    assert triples(f) == ([("KAP-DOSE-003", "warning", f"{P}.dosing.dose_mg")] if fires else [])


def test_esketamine_needs_no_weight() -> None:
    assert found("KAP-DOSE", session(dosing=esketamine(body_weight_kg=None))) == []


# --- (d) esketamine REMS ------------------------------------------------------------------------


def esk(*minutes_with_bp, end=125, discharge_at=None):
    """BP before the dose, at ``minutes_with_bp``, and 5 minutes before completion (KAP-REMS-005);
    an observation at ``end``."""
    entries = [vitals(-10), *(vitals(m) for m in minutes_with_bp)]
    done = max((m for m in (end, discharge_at) if m is not None), default=None)
    if done is not None:
        entries.append(vitals(done - 5))
    if end is not None:
        entries.append(Observation(at=at(end), text="resting"))
    monitoring = tuple(sorted(entries, key=lambda e: e.at))
    return session(dosing=esketamine(
        monitoring=monitoring,
        discharge=discharge(discharge_at) if discharge_at is not None else None,
    ))


def test_a_complete_esketamine_session_passes() -> None:
    assert found("KAP-REMS", session(dosing=esketamine())) == []


@pytest.mark.parametrize(("minute", "fires"), [(34, True), (35, False), (45, False), (46, True)])
def test_bp_at_40_plus_or_minus_5(minute: int, fires: bool) -> None:
    f = found("KAP-REMS", esk(minute, 90))
    assert triples(f) == ([("KAP-REMS-001", "blocking", M)] if fires else [])
    if fires:
        assert f[0].message == (
            f"No blood pressure between 35 and 45 minutes after esketamine (BP recorded at "
            f"{minute}, 90, 120 min); the SPRAVATO REMS asks for BP at about 40 minutes."
        )


def test_heart_rate_alone_at_40_minutes_is_not_a_bp() -> None:
    s = session(dosing=esketamine(monitoring=(vitals(-10), vitals(40, bp=None), vitals(120))))
    assert codes(found("KAP-REMS", s)) == ["KAP-REMS-001"]


def test_the_window_comes_from_the_config() -> None:
    cfg = ClinicConfig.from_data({"esketamine": {"bp_check_tolerance_minutes": 10}})
    assert found("KAP-REMS", esk(50), config=cfg) == []


@pytest.mark.parametrize(("end", "fires"), [(119, True), (120, False)])
def test_monitoring_for_120_minutes(end: int, fires: bool) -> None:
    f = found("KAP-REMS", esk(40, end=end))
    assert triples(f) == ([("KAP-REMS-002", "blocking", f"{M}[3].at")] if fires else [])
    if fires:
        assert f[0].message.startswith("Monitoring after esketamine lasted 119 minutes")


def test_discharge_counts_when_it_is_later_than_the_last_entry() -> None:
    assert found("KAP-REMS", esk(40, end=90, discharge_at=120)) == []
    f = found("KAP-REMS", esk(40, end=90, discharge_at=119))
    assert triples(f) == [("KAP-REMS-002", "blocking", f"{P}.dosing.discharge.at")]


def test_no_pre_dose_bp_before_esketamine() -> None:
    s = session(dosing=esketamine(monitoring=(vitals(-10, bp=None), vitals(40), vitals(120))))
    assert triples(found("KAP-REMS", s)) == [("KAP-REMS-003", "blocking", M)]


def test_rems_rule_ignores_racemic_ketamine() -> None:
    assert found("KAP-REMS", dose_session(monitoring=(vitals(-5), vitals(10)))) == []


# --- (e) KAP informed consent -------------------------------------------------------------------

C = "$.courses[0]"


def test_first_dosing_session_without_kap_consent() -> None:
    f = found("KAP-CONSENT", session(), course_consents=consents(ConsentKind.CONSENT_TO_TOUCH))
    assert triples(f) == [("KAP-CONSENT-001", "blocking", f"{C}.consents")]
    assert f[0].message == (
        "No KAP informed consent in force on 2026-03-02 for the first dosing session (none is "
        "on file)."
    )


@pytest.mark.parametrize(
    ("consent", "field"),
    [
        (Consent(kind=ConsentKind.KAP_INFORMED_CONSENT, obtained_on=DAY.replace(day=3)),
         "obtained_on"),
        (Consent(kind=ConsentKind.KAP_INFORMED_CONSENT, obtained_on=COURSE_START, given=False),
         "given"),
        (Consent(kind=ConsentKind.KAP_INFORMED_CONSENT, obtained_on=COURSE_START,
                 expires_on=DAY.replace(day=1)), "expires_on"),
        (Consent(kind=ConsentKind.KAP_INFORMED_CONSENT, obtained_on=COURSE_START,
                 withdrawn_on=DAY), "withdrawn_on"),
    ],
)
def test_consent_not_in_force_points_at_the_reason(consent: Consent, field: str) -> None:
    f = found("KAP-CONSENT", session(), course_consents=(consent,))
    assert triples(f) == [("KAP-CONSENT-001", "blocking", f"{C}.consents[0].{field}")]


def test_consent_withdrawn_between_dosing_sessions_blocks_the_later_one() -> None:
    first = session()
    second = later(first, 7, "s-dose-02")
    kap = Consent(kind=ConsentKind.KAP_INFORMED_CONSENT, obtained_on=COURSE_START,
                  withdrawn_on=DAY.replace(day=5))
    f = found("KAP-CONSENT", first, second, course_consents=(kap,))
    assert [(x.session_id, x.path) for x in f] == [
        ("s-dose-02", "$.courses[0].consents[0].withdrawn_on"),
    ]
    assert "for a dosing session (the consent was withdrawn on 2026-03-05)" in f[0].message


def test_consent_rule_runs_on_dosing_sessions_only() -> None:
    integ = session(SessionKind.INTEGRATION, "s-integ-01")
    assert found("KAP-CONSENT", integ, course_consents=()) == []


# --- (f) sedation and SpO2 ----------------------------------------------------------------------


@pytest.mark.parametrize(("score", "fires"), [(4, False), (3, True), (0, True)])
def test_moaas_at_or_below_the_threshold(score: int, fires: bool) -> None:
    mon = (vitals(-10), vitals(15), Sedation(at=at(30), score=score), vitals(60))
    f = found("KAP-SEDATION", dose_session(monitoring=mon))
    assert triples(f) == ([("KAP-SEDATION-001", "warning", f"{M}[2].score")] if fires else [])
    if fires:
        assert f[0].message.startswith(f"MOAA/S {score} at 30 min after the dose (at or below 3)")


def test_moaas_recorded_as_a_measure() -> None:
    s = session(measures=(measure("moaas", (2,), minutes=25.5),))
    f = found("KAP-SEDATION", s)
    assert triples(f) == [("KAP-SEDATION-001", "warning", f"{P}.measures[0].items[0]")]
    assert "25.5 min after the dose" in f[0].message


@pytest.mark.parametrize(("spo2", "fires"), [(93, False), (92, True)])
def test_spo2_below_the_minimum(spo2: int, fires: bool) -> None:
    mon = (vitals(-10), vitals(20, spo2=spo2), vitals(60))
    f = found("KAP-SPO2", dose_session(monitoring=mon))
    assert triples(f) == ([("KAP-SPO2-001", "warning", f"{M}[1].spo2")] if fires else [])
    if fires:
        assert f[0].message.startswith("SpO2 92% at 20 min after the dose is below")
        assert f[0].source == SOURCES["monitoring.spo2_min"]


def test_spo2_minimum_from_the_config() -> None:
    cfg = ClinicConfig.from_data({"monitoring": {"spo2_min": 90}})
    mon = (vitals(-10), vitals(20, spo2=92), vitals(60))
    assert found("KAP-SPO2", dose_session(monitoring=mon), config=cfg) == []


# --- touch --------------------------------------------------------------------------------------

TOUCH = SomaticWork(technique="hand on shoulder", touch_used=True)
NO_TOUCH = SomaticWork(technique="breath into the belly", touch_used=False)


def test_touch_without_consent_to_touch() -> None:
    s = session(interventions=(NO_TOUCH, TOUCH))
    f = found("KAP-TOUCH", s, course_consents=consents(ConsentKind.KAP_INFORMED_CONSENT))
    assert triples(f) == [("KAP-TOUCH-001", "blocking", f"{P}.interventions[1].touch_used")]


def test_touch_with_consent_is_fine_and_no_touch_needs_none() -> None:
    assert found("KAP-TOUCH", session(interventions=(TOUCH,))) == []
    assert found("KAP-TOUCH", session(interventions=(NO_TOUCH,)), course_consents=()) == []


def test_touch_after_declining_it_at_preparation() -> None:
    prep = Preparation(consent_reviewed=True, consent_to_touch=False)
    s = session(interventions=(TOUCH,), dosing=dosing(preparation=prep))
    assert triples(found("KAP-TOUCH", s)) == [
        ("KAP-TOUCH-002", "blocking", f"{P}.interventions[0].touch_used"),
    ]


def test_touch_in_an_integration_session() -> None:
    s = session(SessionKind.INTEGRATION, "s-integ", interventions=(TOUCH,))
    assert codes(found("KAP-TOUCH", s, course_consents=())) == ["KAP-TOUCH-001"]


# --- discharge ----------------------------------------------------------------------------------


def test_no_discharge_record() -> None:
    assert triples(found("KAP-DISCHARGE", dose_session(discharge=None))) == [
        ("KAP-DISCHARGE-001", "warning", f"{P}.dosing.discharge"),
    ]


def test_discharge_with_criteria_not_met() -> None:
    f = found("KAP-DISCHARGE", dose_session(discharge=discharge(100, criteria_met=False)))
    assert triples(f) == [("KAP-DISCHARGE-002", "warning", f"{P}.dosing.discharge.criteria_met")]
    assert f[0].message.startswith("The client left at 100 min after the dose")


def test_discharge_without_escort_or_transport() -> None:
    d = discharge(escort=None, transport=None)
    assert triples(found("KAP-DISCHARGE", dose_session(discharge=d))) == [
        ("KAP-DISCHARGE-003", "warning", f"{P}.dosing.discharge.escort"),
    ]
    assert found("KAP-DISCHARGE", dose_session(discharge=discharge(escort=None))) == []


def test_dosing_rules_skip_a_dosing_session_with_no_dosing_record_yet() -> None:
    assert run(session(dosing=None)) == []


def test_the_baseline_sessions_pass_every_rule() -> None:
    assert run(session()) == []
    assert run(session(dosing=esketamine())) == []
