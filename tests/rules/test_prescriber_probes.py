"""The probes of issue 11 ("the dosing session a prescriber would sign"): each record below
gave no (or the wrong) finding in 0.1. Every probe now yields the right finding."""

from __future__ import annotations

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
