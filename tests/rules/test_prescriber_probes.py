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
