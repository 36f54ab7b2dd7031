"""The engine: every registered rule on every session, stable order, plugin rules, rule errors,
and the synthetic demo (only the at-risk session blocks)."""

from __future__ import annotations

import re

import pytest

from kapnotes.errors import NotFoundError
from kapnotes.hookspecs import hookimpl
from kapnotes.model import (
    Booster,
    Discharge,
    Document,
    Ideation,
    RiskAssessment,
    RiskLevel,
    Route,
    Sedation,
    SessionKind,
    SomaticWork,
)
from kapnotes.plugins import PluginLoadWarning, registry
from kapnotes.rules.base import Rule, Severity
from kapnotes.rules.builtin import BUILTIN_RULES
from kapnotes.rules.config import ClinicConfig
from kapnotes.rules.engine import RULE_ERROR, blocking, check_session, evaluate
from kapnotes.synthetic import PROFILES, build_document

from .builders import at, document, dosing, esketamine, measure, phq9, resolve, run, session, vitals

# --- the synthetic demo -------------------------------------------------------------------------

DEMO_FINDINGS = [
    # First dosing sessions start at two thirds of the target dose, so the 10 mg booster stays
    # within the clinic maximum (cl-001 IM: 34 + 10 mg = 0.65 mg/kg <= 0.75).
    # cl-002's third dosing session: PHQ-9 item 9 = 1 and a moderate risk rating, no safety plan.
    ("blocking", "KAP-RISK-002", "cl-002-dose-03", "$.courses[1].sessions[6].measures[0].items[8]"),
    ("blocking", "KAP-RISK-003", "cl-002-dose-03", "$.courses[1].sessions[6].risk.level"),
    # ... and the dose given at that risk needs the prescriber's documented review.
    ("warning", "KAP-GO-002", "cl-002-dose-03",
     "$.courses[1].sessions[6].dosing.preparation.go_decision"),
]


def test_demo_findings(demo_doc: Document) -> None:
    found = evaluate(demo_doc)
    assert [(f.severity.value, f.code, f.session_id, f.path) for f in found] == DEMO_FINDINGS
    for f in found:
        resolve(demo_doc, f.path)


def test_demo_only_the_at_risk_session_blocks(demo_doc: Document) -> None:
    assert {f.session_id for f in blocking(evaluate(demo_doc))} == {"cl-002-dose-03"}
    value = resolve(demo_doc, "$.courses[1].sessions[6].measures[0].items[8]")
    assert value == 1


def test_larger_demo_blocks_exactly_the_at_risk_sessions() -> None:
    doc = build_document(clients=9, dosings=5)
    expected = {
        f"cl-{i + 1:03d}-dose-{PROFILES[i % 4].at_risk_session:02d}"
        for i in range(9)
        if PROFILES[i % 4].at_risk_session is not None
    }
    assert expected == {"cl-002-dose-03", "cl-006-dose-03"}
    assert {f.session_id for f in blocking(evaluate(doc))} == expected


def test_session_ids_filter(demo_doc: Document) -> None:
    found = evaluate(demo_doc, session_ids=["cl-002-dose-03"])
    assert [f.code for f in found] == ["KAP-RISK-002", "KAP-RISK-003", "KAP-GO-002"]
    assert evaluate(demo_doc, session_ids=[]) == []
    with pytest.raises(NotFoundError, match="no session 'nope'"):
        evaluate(demo_doc, session_ids=["cl-001-dose-01", "nope"])


def test_config_is_passed_to_rules(demo_doc: Document) -> None:
    cfg = ClinicConfig.from_data({"dose": {"max_mg_per_kg": {"im": 1.0, "sublingual": 3.5}}})
    assert [f.code for f in evaluate(demo_doc, cfg)] == ["KAP-RISK-002", "KAP-RISK-003",
                                                         "KAP-GO-002"]


# --- order, paths, declared codes ---------------------------------------------------------------


def kitchen_sink() -> Document:
    """Sessions that trip most built-in rules at once."""
    bad_dose = dosing(
        dose_mg=60.0,
        boosters=(Booster(at=at(20), dose_mg=20.0, route=Route.SUBLINGUAL),),
        monitoring=(
            vitals(0), vitals(10, spo2=88), Sedation(at=at(12), score=1),
            *(vitals(15 + m, spo2=90) for m in range(10)),
        ),
        discharge=Discharge(at=at(100), criteria_met=False),
    )
    s1 = session(
        sid="k-dose-01",
        dosing=bad_dose,
        interventions=(SomaticWork(technique="holding", touch_used=True),),
        measures=(measure("phq9", phq9(2), "m1"), measure("cssrs-screener", (1, 0), "m2")),
    )
    s2 = session(
        sid="k-dose-02",
        start=session().start.replace(day=9),
        end=session().end.replace(day=9),
        dosing=esketamine(
            dose_mg=112.0,
            administered_at=at(7 * 24 * 60),
            monitoring=(vitals(7 * 24 * 60 + 10, bp=None), vitals(7 * 24 * 60 + 30)),
            discharge=None,
        ),
    )
    s3 = session(
        SessionKind.INTEGRATION,
        "k-integ-01",
        start=session().start.replace(day=11),
        end=session().end.replace(day=11),
        risk=RiskAssessment(suicidal_ideation=Ideation.ACTIVE, level=RiskLevel.HIGH),
        measures=(measure("phq9", phq9(None), "m3"),),  # measure ids are unique in a record
    )
    return document(s1, s2, s3, course_consents=(), other_course=True)


def test_every_path_exists_and_every_code_is_declared() -> None:
    doc = kitchen_sink()
    found = evaluate(doc)
    declared = {r.name: set(r.codes) for r in BUILTIN_RULES}
    for f in found:
        assert f.code in declared[f.rule], f
        resolve(doc, f.path)
        assert f.path.startswith("$.courses[1].")  # course-a sorts first
    assert {f.code for f in found} >= {
        "KAP-RISK-001", "KAP-RISK-002", "KAP-RISK-003", "KAP-RISK-004", "KAP-RISK-005",
        "KAP-PREDOSE-001", "KAP-DOSE-001", "KAP-DOSE-003", "KAP-REMS-001", "KAP-REMS-002",
        "KAP-REMS-003", "KAP-CONSENT-001", "KAP-SEDATION-001", "KAP-SPO2-001", "KAP-TOUCH-001",
        "KAP-DISCHARGE-001", "KAP-DISCHARGE-002", "KAP-DISCHARGE-003",
    }


def test_order_is_by_session_then_severity_code_and_numeric_path() -> None:
    found = evaluate(kitchen_sink())
    sessions = [f.session_id for f in found]
    assert sessions == sorted(sessions, key=["k-dose-01", "k-dose-02", "k-integ-01"].index)
    first = [f for f in found if f.session_id == "k-dose-01"]
    ranks = [f.severity.rank for f in first]
    assert ranks == sorted(ranks, reverse=True)
    spo2 = [f.path.rsplit("monitoring", 1)[1] for f in first if f.code == "KAP-SPO2-001"]
    assert spo2 == [f"[{i}].spo2" for i in (1, *range(3, 13))]  # [10] after [9]
    assert evaluate(kitchen_sink()) == found  # deterministic


def test_check_session_paths() -> None:
    doc = kitchen_sink()
    course = doc.courses[1]
    s = course.sessions[1]
    in_doc = check_session(s, document=doc)
    assert in_doc == evaluate(doc, session_ids=[s.id])
    alone = check_session(s)
    assert {f.path.split(".")[1] for f in alone} == {"dosing"}  # "$.dosing..."
    # without its course the consent and esketamine-schedule rules cannot check; everything
    # else is the same
    needs_course = {"KAP-CONSENT-001", "KAP-ESK-001", "KAP-ESK-002"}
    assert [f.code for f in alone] == [f.code for f in in_doc if f.code not in needs_course]
    with_course = check_session(s, course=course)  # paths rooted at the course
    assert {f.path for f in with_course if f.code == "KAP-CONSENT-001"} == {"$.consents"}
    assert all(f.path.startswith("$.sessions[1].") for f in with_course
               if f.code != "KAP-CONSENT-001")


def test_rules_that_need_the_course_report_nothing_without_it() -> None:
    s = session(interventions=(SomaticWork(technique="holding", touch_used=True),))
    assert check_session(s) == []
    assert [f.code for f in check_session(s, course=document(s, course_consents=()).courses[0])] == [
        "KAP-CONSENT-001", "KAP-TOUCH-001",
    ]


# --- registration -------------------------------------------------------------------------------


def test_builtin_rules_are_registered_by_the_builtin_plugin() -> None:
    entries = {e.name: e for e in registry().rules.entries()}
    for rule in BUILTIN_RULES:
        assert entries[rule.name].value is rule
        assert entries[rule.name].plugin == "kapnotes.default_plugins.rules"


def _boom(ctx):
    raise RuntimeError("boom")


def _half_then_boom(ctx):
    yield ctx.finding(Severity.INFO, "TEST-HALF-001", "half", ctx.at("id"))
    raise ValueError("second half failed")


def _not_a_finding(ctx):
    return ["not a finding"]


def _integration_note(ctx):
    yield ctx.finding("info", "TEST-INTEG-001", "integration seen", ctx.at("kind"),
                      source="test")


class RulesPlugin:
    """A plugin object registering the rules it is given."""

    def __init__(self, *rules: Rule) -> None:
        self.rules = rules

    @hookimpl
    def register_rules(self, register):
        for r in self.rules:
            register(r)


def test_a_plugin_rule_that_raises_is_a_blocking_finding(plugin) -> None:
    plugin(RulesPlugin(Rule(name="test-boom", description="always fails", check=_boom)),
           "test-boom-plugin")
    found = run(session())
    assert [(f.severity.value, f.code, f.rule, f.path) for f in found] == [
        ("blocking", RULE_ERROR, "test-boom", "$.courses[0].sessions[0]"),
    ]
    assert found[0].message == (
        "Rule 'test-boom' (plugin 'test-boom-plugin') failed on this session and could not "
        "check it: RuntimeError: boom. Fix or remove the rule before signing."
    )
    assert found[0].source == "plugin 'test-boom-plugin'"


def test_a_rule_failing_halfway_loses_its_findings_and_others_still_run(plugin) -> None:
    plugin(RulesPlugin(Rule(name="test-half", description="half", check=_half_then_boom)),
           "test-half-plugin")
    found = run(session(measures=(measure("phq9", phq9(1)),)))
    assert [(f.code, f.rule) for f in found] == [
        ("KAP-RISK-001", "suicide-risk-safety-plan"),
        ("KAP-RISK-002", "suicide-risk-safety-plan"),
        (RULE_ERROR, "test-half"),
        ("KAP-GO-002", "suicide-risk-and-dosing"),
    ]
    assert "ValueError: second half failed" in found[2].message


def test_a_rule_returning_something_else_is_a_rule_error(plugin) -> None:
    plugin(RulesPlugin(Rule(name="test-bad-return", description="x", check=_not_a_finding)),
           "test-bad-return-plugin")
    (f,) = run(session())
    assert f.code == RULE_ERROR and "TypeError" in f.message


def test_strict_plugins_re_raise(plugin, monkeypatch) -> None:
    plugin(RulesPlugin(Rule(name="test-boom", description="always fails", check=_boom)),
           "test-boom-plugin")
    monkeypatch.setenv("KAPNOTES_STRICT_PLUGINS", "1")
    with pytest.raises(RuntimeError, match="boom"):
        run(session())


def test_plugin_rule_applies_to_its_session_kinds(plugin) -> None:
    rule = Rule(name="test-integ", description="x", check=_integration_note,
                applies_to=["integration"])
    plugin(RulesPlugin(rule), "test-integ-plugin")
    found = run(session(), session(SessionKind.INTEGRATION, "s-integ",
                                   start=session().start.replace(day=4),
                                   end=session().end.replace(day=4)))
    assert [(f.code, f.session_id, f.path, f.source) for f in found] == [
        ("TEST-INTEG-001", "s-integ", "$.courses[0].sessions[1].kind", "test"),
    ]


def test_registering_something_that_is_not_a_rule_is_skipped_with_a_warning(plugin) -> None:
    class NotARule:
        name = "not-a-rule"

    plugin(RulesPlugin(NotARule()), "test-not-a-rule")  # type: ignore[arg-type]
    with pytest.warns(PluginLoadWarning, match=re.escape("expected an instance of kapnotes.rules.base.Rule")):
        reg = registry()
    assert "not-a-rule" not in reg.rules


def test_a_rule_name_clash_names_both_plugins_and_keeps_the_builtin(plugin) -> None:
    plugin(RulesPlugin(Rule(name="dose-limit", description="x", check=_boom)), "test-clash")
    with pytest.warns(PluginLoadWarning, match=re.escape("'test-clash' is already registered by 'kapnotes.default_plugins.rules'")):
        reg = registry()
    assert reg.rules.entry("dose-limit").plugin == "kapnotes.default_plugins.rules"
