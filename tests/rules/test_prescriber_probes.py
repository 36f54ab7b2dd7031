"""The probes of issue 11 ("the dosing session a prescriber would sign"): each record below
gave no (or the wrong) finding in 0.1. Every probe now yields the right finding."""

from __future__ import annotations

import pytest

from kapnotes.model import Sedation
from kapnotes.rules.config import SOURCES

from .builders import at, esketamine, only, run, session, vitals


def found(prefix, *sessions, config=None, **kw):
    return only(run(*sessions, config=config, **kw), prefix)


# --- sedation threshold: the manufacturer's moderate-or-greater sedation is MOAA/S <= 3 ------


def test_esketamine_session_with_moaas_3_is_flagged() -> None:
    mon = (vitals(-10), vitals(40), Sedation(at=at(45), score=3), vitals(90), vitals(120))
    f = found("KAP-SEDATION", session(dosing=esketamine(monitoring=mon)))
    assert [x.code for x in f] == ["KAP-SEDATION-001"]
    assert "[ref:jnj-sedation]" in f[0].source
    assert "moderate/deep boundary" not in SOURCES["monitoring.moaas_at_most"]
    assert "MOAA/S <= 3" in SOURCES["monitoring.moaas_at_most"]


# --- sublingual ceiling: a published at-home program's usual start (~5 mg/kg) is not flagged ---


def test_sublingual_5_mg_per_kg_is_within_the_default_ceiling() -> None:
    from kapnotes.model import Route

    from .builders import dosing

    ok = session(dosing=dosing(route=Route.SUBLINGUAL, dose_mg=350.0, body_weight_kg=70.0))
    assert found("KAP-DOSE", ok) == []  # 5.0 mg/kg (Hull et al. 2022 starting dose)
    over = session(dosing=dosing(route=Route.SUBLINGUAL, dose_mg=491.0, body_weight_kg=70.0))
    f = found("KAP-DOSE", over)  # 7.014 mg/kg: above the top of the published oral range (7)
    assert [x.code for x in f] == ["KAP-DOSE-001"]
    assert "[ref:hull-2022]" in f[0].source and "[ref:andrade-2019]" in f[0].source


# --- the C-SSRS "since last visit" screener drives the suicide-risk rules like the screener ----


def test_since_last_visit_high_risk_needs_assessment_and_plan() -> None:
    from .builders import measure

    s = session(measures=(measure("cssrs-since-last-visit", (1, 1, 1, 1, 0, 0)),))
    f = found("KAP-RISK", s)
    assert [x.code for x in f] == ["KAP-RISK-001", "KAP-RISK-002"]
    assert "C-SSRS since last visit risk is high" in f[0].message


def test_since_last_visit_incomplete_is_a_warning() -> None:
    from .builders import measure

    s = session(measures=(measure("cssrs-since-last-visit", (0, 1, None, None, None, 0)),))
    assert [x.code for x in found("KAP-RISK", s)] == ["KAP-RISK-005"]


# =============================================================================================
# Esketamine: pulse oximetry, BP before completion, resolution before discharge, day-1 dose,
# induction schedule
# =============================================================================================


def eske_codes(d, *more, **kw):
    return [x.code for x in found("KAP-REMS", session(dosing=d), *more, **kw)]


def test_esketamine_without_any_spo2_is_blocked() -> None:
    mon = tuple(vitals(m, spo2=None) for m in (-10, 40, 90, 120))
    f = found("KAP-REMS", session(dosing=esketamine(monitoring=mon)))
    assert [(x.code, x.severity.value) for x in f] == [("KAP-REMS-004", "blocking")]
    assert "pulse oximetry" in f[0].message and "[ref:spravato-rems]" in f[0].source


def test_esketamine_without_bp_before_session_completion_is_blocked() -> None:
    # BP before, at 40 min, then only SpO2 readings up to discharge at 125 min
    mon = (vitals(-10), vitals(40), vitals(90, bp=None), vitals(120, bp=None))
    f = found("KAP-REMS", session(dosing=esketamine(monitoring=mon)))
    assert [x.code for x in f] == ["KAP-REMS-005"]
    assert "before the session was completed" in f[0].message


def test_esketamine_bp_before_completion_at_the_window_boundary() -> None:
    # discharge at 125 min; a BP at 95 min is exactly 30 min before: accepted; at 94: not
    ok = (vitals(-10), vitals(40), vitals(95), vitals(120, bp=None))
    late = (vitals(-10), vitals(40), vitals(94), vitals(120, bp=None))
    assert eske_codes(esketamine(monitoring=ok)) == []
    assert eske_codes(esketamine(monitoring=late)) == ["KAP-REMS-005"]


def test_esketamine_discharged_before_sedation_dissociation_and_respiration_resolved() -> None:
    from kapnotes.model import Dissociation

    from .builders import discharge

    mon = (
        vitals(-10), vitals(40), vitals(90),
        Sedation(at=at(118), score=3), Dissociation(at=at(118), total=30),
        vitals(118, bp=(150, 92), spo2=91),
    )
    d = esketamine(monitoring=mon, discharge=discharge(121))
    f = found("KAP-", session(dosing=d))
    got = {x.code: x.severity.value for x in f}
    assert got["KAP-REMS-006"] == "blocking"  # sedation not resolved (MOAA/S 3 < 5)
    assert got["KAP-REMS-007"] == "blocking"  # dissociation not resolved (CADSS 30)
    assert got["KAP-REMS-008"] == "blocking"  # respiratory: SpO2 91 < 93 at discharge
    assert got["KAP-REMS-009"] == "blocking"  # BP 150/92 at completion: diastolic >= 90
    assert "KAP-SPO2-001" in got
    assert "KAP-REMS-002" not in got  # 121 minutes of monitoring is enough


def test_esketamine_resolved_before_discharge_passes() -> None:
    from kapnotes.model import Dissociation

    mon = (vitals(-10), Sedation(at=at(40), score=3), Dissociation(at=at(40), total=30),
           vitals(40), Sedation(at=at(110), score=5), Dissociation(at=at(110), total=0),
           vitals(115), vitals(120))
    assert eske_codes(esketamine(monitoring=mon)) == []


def _course_of_esketamine(*days_and_mg):
    from .builders import later

    sessions = []
    for k, (day, mg) in enumerate(days_and_mg):
        s = session(sid=f"s-e{k + 1}", dosing=esketamine(dose_mg=mg))
        sessions.append(later(s, day, f"s-e{k + 1}") if day else s)
    return sessions


def test_day_one_dose_of_84_mg_is_flagged() -> None:
    first, second = _course_of_esketamine((0, 84.0), (3, 84.0))
    f = only(run(first, second), "KAP-ESK")
    assert [(x.code, x.session_id, x.severity.value) for x in f] == [
        ("KAP-ESK-001", "s-e1", "warning")
    ]
    assert "56 mg" in f[0].message and "[ref:spravato-pi]" in f[0].source


def test_day_one_dose_of_56_mg_passes_and_later_84_is_fine() -> None:
    sessions = _course_of_esketamine((0, 56.0), (3, 84.0), (7, 84.0), (10, 84.0))
    assert only(run(*sessions), "KAP-ESK") == []


def test_weekly_esketamine_from_week_one_breaks_the_induction_schedule() -> None:
    sessions = _course_of_esketamine((0, 56.0), (7, 56.0), (14, 56.0), (21, 56.0), (28, 56.0))
    f = only(run(*sessions), "KAP-ESK")
    # weeks 1-4 each had one session; each is reported once, on the first session after it
    assert [(x.code, x.session_id) for x in f] == [
        ("KAP-ESK-002", "s-e2"), ("KAP-ESK-002", "s-e3"), ("KAP-ESK-002", "s-e4"),
        ("KAP-ESK-002", "s-e5"),
    ]
    assert f[0].message.startswith("Week 1 of esketamine induction had 1 session")
    assert "twice weekly" in f[0].message


def test_twice_weekly_induction_passes() -> None:
    days = (0, 3, 7, 10, 14, 17, 21, 24, 28, 35)
    sessions = _course_of_esketamine(*[(d, 56.0) for d in days])
    assert only(run(*sessions), "KAP-ESK") == []


# =============================================================================================
# Racemic ketamine: observation, discharge against the timeline, go decision, pregnancy,
# suicide risk and the go decision / dosing at home
# =============================================================================================


def test_discharge_20_minutes_after_an_im_dose_is_too_early() -> None:
    from .builders import discharge, dosing

    d = dosing(monitoring=(vitals(-10), vitals(10), vitals(15)), discharge=discharge(20))
    f = found("KAP-OBS", session(dosing=d))
    assert [(x.code, x.severity.value) for x in f] == [("KAP-OBS-001", "warning")]
    assert "20 min" in f[0].message and "60" in f[0].message


def test_observation_boundary() -> None:
    from .builders import discharge, dosing

    mon = (vitals(-10), vitals(30), vitals(55))
    assert found("KAP-OBS", session(dosing=dosing(monitoring=mon, discharge=discharge(60)))) == []
    f = found("KAP-OBS", session(dosing=dosing(monitoring=mon, discharge=discharge(59))))
    assert [x.code for x in f] == ["KAP-OBS-001"]


def test_discharge_criteria_met_without_recent_vitals_is_flagged() -> None:
    from .builders import discharge, dosing

    d = dosing(monitoring=(vitals(-10), vitals(15), vitals(30)), discharge=discharge(150))
    f = found("KAP-DISCHARGE-004", session(dosing=d))  # last vitals 120 min before discharge
    assert len(f) == 1 and "120 min before discharge" in f[0].message
    ok = dosing(monitoring=(vitals(-10), vitals(15), vitals(120)), discharge=discharge(150))
    assert found("KAP-DISCHARGE-004", session(dosing=ok)) == []  # exactly 30 min


def test_a_no_go_decision_with_the_dose_given_blocks() -> None:
    from kapnotes.model import Preparation

    from .builders import dosing

    d = dosing(preparation=Preparation(consent_reviewed=True, go_decision=False))
    f = found("KAP-GO", session(dosing=d))
    assert [(x.code, x.severity.value) for x in f] == [("KAP-GO-001", "blocking")]
    assert f[0].path.endswith(".dosing.preparation.go_decision")


def test_a_positive_pregnancy_test_with_the_dose_given_blocks() -> None:
    from kapnotes.model import PregnancyTest, Preparation, PreScreen

    from .builders import dosing

    free_text = dosing(preparation=Preparation(go_decision=True, pregnancy_test="Positive (urine hCG)"))
    f = found("KAP-PREG", session(dosing=free_text))
    assert [(x.code, x.severity.value) for x in f] == [("KAP-PREG-001", "blocking")]
    coded = session(pre_screen=PreScreen(pregnancy_test=PregnancyTest.POSITIVE))
    assert [x.code for x in found("KAP-PREG", coded)] == ["KAP-PREG-001"]
    negative = dosing(preparation=Preparation(go_decision=True, pregnancy_test="negative"))
    assert found("KAP-PREG", session(dosing=negative)) == []
    assert found("KAP-PREG", session(pre_screen=PreScreen(pregnancy_test=PregnancyTest.NEGATIVE))) == []


def _at_risk():
    from kapnotes.model import Ideation, RiskAssessment, RiskLevel

    return RiskAssessment(suicidal_ideation=Ideation.ACTIVE, level=RiskLevel.MODERATE,
                          safety_plan_reviewed=True)


def test_elevated_suicide_risk_flags_the_go_decision() -> None:
    f = found("KAP-GO", session(risk=_at_risk()))
    assert [(x.code, x.severity.value) for x in f] == [("KAP-GO-002", "warning")]
    assert "go decision" in f[0].message


def test_elevated_suicide_risk_blocks_dosing_at_home() -> None:
    from kapnotes.model import Modality

    s = session(risk=_at_risk(), modality=Modality.AT_HOME_CHAPERONED)
    got = {x.code: x.severity.value for x in run(s) if x.code in ("KAP-GO-002", "KAP-HOME-003")}
    assert got == {"KAP-GO-002": "warning", "KAP-HOME-003": "blocking"}


# --- at home: no in-clinic discharge rules; chaperone check-ins every 15 minutes ---------------


def _home(entries, **kw):
    from kapnotes.model import Modality

    from .builders import dosing

    d = dosing(route=__import__("kapnotes.model", fromlist=["Route"]).Route.SUBLINGUAL,
               dose_mg=350.0, monitoring=entries, discharge=None, **kw)
    return session(dosing=d, modality=Modality.AT_HOME_CHAPERONED)


def _checkins(*minutes):
    from kapnotes.model import CheckIn

    return tuple(CheckIn(at=at(m), by="Chaperone (synthetic)") for m in minutes)


def test_at_home_sessions_get_no_in_clinic_discharge_rules() -> None:
    entries = (vitals(-10), *_checkins(15, 30, 45, 60, 75, 90, 105, 120))
    f = run(_home(entries))
    assert [x.code for x in f if x.code.startswith(("KAP-DISCHARGE", "KAP-OBS", "KAP-HOME"))] == []


def test_at_home_without_check_ins_is_flagged() -> None:
    f = found("KAP-HOME", _home((vitals(-10),)))
    assert [(x.code, x.severity.value) for x in f] == [("KAP-HOME-001", "warning")]


def test_at_home_check_in_gap_at_the_interval_boundary() -> None:
    ok = (vitals(-10), *_checkins(15, 30, 45, 60))
    assert found("KAP-HOME", _home(ok)) == []  # every 15 min
    gap = (vitals(-10), *_checkins(15, 31, 45, 60))
    f = found("KAP-HOME", _home(gap))  # 16 min from 15 to 31
    assert [x.code for x in f] == ["KAP-HOME-002"]
    assert "16 min" in f[0].message


# =============================================================================================
# The pre-screen: concomitant medications (REMS form), contraindications, NPO for esketamine
# =============================================================================================


def test_esketamine_without_a_medication_review_blocks() -> None:
    f = found("KAP-REMS-010", session(dosing=esketamine(), pre_screen=None))
    assert [(x.code, x.severity.value) for x in f] == [("KAP-REMS-010", "blocking")]
    assert "benzodiazepines" in f[0].message


def test_esketamine_with_a_benzodiazepine_is_flagged_for_the_rems_form() -> None:
    from kapnotes.model import Medication, MedicationClass, PreScreen

    screen = PreScreen(medications=(
        Medication(name="clonazepam", classes=(MedicationClass.BENZODIAZEPINE,)),
        Medication(name="sertraline", classes=(MedicationClass.ANTIDEPRESSANT,)),
    ))
    f = found("KAP-REMS-01", session(dosing=esketamine(), pre_screen=screen))
    assert [(x.code, x.severity.value) for x in f] == [("KAP-REMS-011", "warning")]
    assert "clonazepam" in f[0].message
    none = PreScreen(medications=())
    assert found("KAP-REMS-01", session(dosing=esketamine(), pre_screen=none)) == []


@pytest.mark.parametrize(("drug", "cls", "flagged"), [
    ("zolpidem", "SEDATIVE_HYPNOTIC", True),
    ("methylphenidate", "PSYCHOSTIMULANT", True),
    ("phenelzine", "MAOI", True),
    ("amlodipine", "ANTIHYPERTENSIVE", False),  # not asked on the REMS monitoring form
])
def test_every_class_the_rems_form_asks_about_is_flagged(drug, cls, flagged) -> None:
    from kapnotes.model import Medication, MedicationClass, PreScreen

    screen = PreScreen(medications=(Medication(name=drug, classes=(MedicationClass[cls],)),))
    f = found("KAP-REMS-01", session(dosing=esketamine(), pre_screen=screen))
    assert [x.code for x in f] == (["KAP-REMS-011"] if flagged else [])
    if flagged:
        assert drug in f[0].message


def test_the_medication_list_of_an_earlier_session_answers_the_form() -> None:
    from kapnotes.model import PreScreen, SessionKind

    from .builders import later

    intake = session(SessionKind.INTAKE, "s-intake", pre_screen=PreScreen(medications=()))
    dose = later(session(dosing=esketamine()), 1, "s-dose")
    assert only(run(intake, dose), "KAP-REMS-01") == []


def test_a_contraindication_answered_yes_blocks_dosing() -> None:
    from kapnotes.model import (
        Contraindication,
        ContraindicationAnswer,
        ContraindicationScreen,
        PreScreen,
        ScreenAnswer,
    )

    def screen(condition, answer=ScreenAnswer.YES):
        return PreScreen(medications=(), contraindications=ContraindicationScreen(
            answers=(ContraindicationAnswer(condition=condition, answer=answer),),
            screened_by="dr-a"))

    avm = screen(Contraindication.ARTERIOVENOUS_MALFORMATION)
    f = found("KAP-CONTRA", session(dosing=esketamine(), pre_screen=avm))
    assert [(x.code, x.severity.value) for x in f] == [("KAP-CONTRA-001", "blocking")]
    assert "Arteriovenous malformation" in f[0].message and "[ref:spravato-pi]" in f[0].source
    psychosis = screen(Contraindication.PSYCHOSIS_OR_MANIA)
    assert [x.code for x in found("KAP-CONTRA", session(pre_screen=psychosis))] == ["KAP-CONTRA-001"]
    no = screen(Contraindication.PSYCHOSIS_OR_MANIA, ScreenAnswer.NO)
    assert found("KAP-CONTRA", session(pre_screen=no)) == []


def test_esketamine_after_a_meal_is_flagged() -> None:
    from kapnotes.model import Preparation, PreScreen

    eat = esketamine(preparation=Preparation(go_decision=True, fasting_hours=1.5))
    f = found("KAP-NPO", session(dosing=eat, pre_screen=PreScreen(medications=())))
    assert [(x.code, x.severity.value) for x in f] == [("KAP-NPO-001", "warning")]
    ok = esketamine(preparation=Preparation(go_decision=True, fasting_hours=2))
    assert found("KAP-NPO", session(dosing=ok)) == []
