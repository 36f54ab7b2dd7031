"""Consents, goals and the course plan, risk assessments, the medicine order and allergies:
exported only where the record holds them, coded from their R4 value sets, accepted by the engine."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import fhir_engine
import pytest
from kapnotes_fhir import codes
from kapnotes_fhir.bundles import export_collection, export_transaction

from conftest import client_view, codings
from kapnotes.exporting import ExportOptions, RecordView
from kapnotes.model import (
    Allergy,
    Consent,
    ConsentKind,
    Ideation,
    MeasureAdministration,
    PreScreen,
    RiskAssessment,
    RiskLevel,
    Severity,
    evolve,
)

NONE = ExportOptions(extra={"note_content": "none", "indent": 0})
NEW = ("Consent", "Goal", "CarePlan", "RiskAssessment", "MedicationRequest", "AllergyIntolerance")


def exported(doc) -> list[dict]:
    bundle = json.loads(export_collection(RecordView.of_document(doc), NONE))
    return [e["resource"] for e in bundle["entry"]]


@pytest.fixture(scope="module")
def hand_built(demo):
    """cl-001 with two allergies, a withdrawn and a refused consent, an imminent risk with a C-SSRS."""
    course = demo.courses[0]
    intake = course.sessions[0]
    pre = intake.pre_screen or PreScreen()
    pre = evolve(pre, no_known_allergies=False, allergies=(
        Allergy(substance="penicillin", reaction="hives", severity=Severity.MODERATE),
        Allergy(substance="latex", severity=Severity.MILD),
    ))
    cssrs = MeasureAdministration(id="m-cssrs-hand", instrument="cssrs-screener",
                                  administered_at=intake.start + dt.timedelta(minutes=20), items=(1, 1, 1, 1, 1, 1, 1))
    risk = RiskAssessment(suicidal_ideation=Ideation.ACTIVE, level=RiskLevel.IMMINENT, plan=True, intent=True,
                          access_to_means=True, actions="Crisis team called; client escorted to the emergency department.")
    intake2 = evolve(intake, pre_screen=pre, risk=risk, measures=(*intake.measures, cssrs))
    consents = (
        *course.consents,
        Consent(kind=ConsentKind.RECORDING, obtained_on=dt.date(2026, 1, 5), withdrawn_on=dt.date(2026, 2, 1)),
        Consent(kind=ConsentKind.RELEASE_OF_INFORMATION, obtained_on=dt.date(2026, 1, 5), given=False),
        Consent(kind=ConsentKind.AT_HOME_DOSING, obtained_on=dt.date(2026, 1, 5), expires_on=dt.date(2026, 6, 30)),
    )
    course2 = evolve(course, consents=consents, sessions=(intake2, *course.sessions[1:]))
    return evolve(demo, courses=(course2, *demo.courses[1:]))


def test_what_the_record_holds_and_nothing_else(demo):
    counts = Counter(r["resourceType"] for r in exported(demo))
    sessions = [s for _, s in demo.iter_sessions()]
    assert counts["Consent"] == sum(len(c.consents) for c in demo.courses) > 0
    assert counts["Goal"] == sum(len(c.goals) for c in demo.courses) > 0
    assert counts["CarePlan"] == sum(1 for c in demo.courses if c.goals or c.phases) > 0
    assert counts["RiskAssessment"] == sum(1 for s in sessions if s.risk) > 0
    ordered = sum(1 for s in sessions if s.dosing and s.dosing.ordering_clinician_id)
    assert counts["MedicationRequest"] == ordered > 0
    assert counts["AllergyIntolerance"] == sum(len(s.pre_screen.allergies) for s in sessions if s.pre_screen) == 0


def test_every_new_resource_validates_with_the_engine_and_its_codes_are_hl7s(hand_built):
    resources = [r for r in exported(hand_built) if r["resourceType"] in NEW]
    assert {r["resourceType"] for r in resources} == set(NEW)
    assert fhir_engine.errors_by_resource(resources) == {}
    for system in (codes.CONSENT_SCOPE_SYSTEM, codes.ALLERGY_CLINICAL):
        published = fhir_engine.code_system(system)
        for c in codes.table():
            if c.system == system:
                assert published.get(c.code) == c.display, c
    allowed = codes.allowed_codings()
    for r in resources:
        for c in codings(r):
            assert c["system"] in codes.SYSTEMS and (c["system"], c["code"]) in allowed, c


def test_consent_status_scope_and_provision(hand_built):
    consents = [r for r in exported(hand_built) if r["resourceType"] == "Consent"
                and r["patient"]["reference"] == _patient_ref(hand_built, "cl-001")]
    by_text = {c["category"][0]["text"]: c for c in consents}
    kap = by_text["Informed consent to ketamine-assisted psychotherapy"]
    assert (kap["status"], kap["scope"]["coding"][0]["code"], kap["provision"]["type"]) == ("active", "treatment", "permit")
    assert kap["category"][0]["coding"][0]["code"] == "59284-0"
    assert kap["sourceAttachment"] == {"title": "consent-cl-001-kap"}
    touch = by_text["Consent to touch"]
    assert touch["provision"]["action"] == [{"text": "hand on shoulder or hand, on request"}]
    rec = by_text["Consent to recording"]
    assert (rec["status"], rec["scope"]["coding"][0]["code"]) == ("inactive", "patient-privacy")
    assert rec["provision"]["period"] == {"start": "2026-01-05", "end": "2026-02-01"}
    roi = by_text["Release of information"]
    assert (roi["status"], roi["provision"]["type"], roi["category"][0]["coding"][0]["code"]) == ("rejected", "deny", "64292-6")
    home = by_text["Consent to at-home dosing"]  # an expiry ends the period; the status does not depend on today
    assert (home["status"], home["provision"]["period"]["end"]) == ("active", "2026-06-30")


def test_goals_measure_the_instrument_total_and_the_plan_lists_goals_and_phases(demo):
    resources = exported(demo)
    goals = {r["identifier"][0]["value"]: r for r in resources if r["resourceType"] == "Goal"}
    g1 = goals["course-cl-001/goal/g1"]
    assert g1["target"] == [{"measure": {"coding": [{"system": "http://loinc.org", "code": "44261-6"}], "text": "PHQ-9 total score"},
                             "detailQuantity": codes.SCORE.quantity(9)}]
    assert "target" not in goals["course-cl-001/goal/g2"]  # no instrument, no target in the record
    assert {g["lifecycleStatus"] for g in goals.values()} == {"completed"}  # every demo course is completed
    plan = next(r for r in resources if r["resourceType"] == "CarePlan" and r["identifier"][0]["value"] == "course-cl-001/plan")
    ids = {r["id"]: r for r in resources}
    assert [ids[g["reference"].removeprefix("urn:uuid:")]["identifier"][0]["value"] for g in plan["goal"]] == [
        "course-cl-001/goal/g1", "course-cl-001/goal/g2"]
    assert [a["detail"]["description"] for a in plan["activity"]][:3] == ["1 planned session", "1 planned session", "4 planned sessions"]
    assert plan["status"] == "completed" and plan["intent"] == "plan"


def test_a_goal_keeps_its_target_whatever_name_its_instrument_is_recorded_by(demo):
    """An alias is the registered instrument (``resolve_instrument``), as everywhere else; an
    instrument no plugin registers keeps its target score, measured by the name recorded."""
    c = demo.courses[0]
    g1 = c.goals[0]
    assert g1.instrument == "phq9" and g1.target_score == 9

    def goal(instrument):
        doc = evolve(demo, courses=(evolve(c, goals=(evolve(g1, instrument=instrument), *c.goals[1:])),
                                    *demo.courses[1:]))
        resources = exported(doc)
        return next(r for r in resources if r["resourceType"] == "Goal"
                    and r["identifier"][0]["value"] == "course-cl-001/goal/g1"), resources

    canonical, _ = goal("phq9")
    for alias in ("PHQ-9", "phq-9", "44249-1"):
        assert goal(alias)[0]["target"] == canonical["target"], alias
    unknown, _ = goal("clinic-mood-scale")
    assert unknown["target"] == [{"measure": {"text": "clinic-mood-scale total score"},
                                  "detailQuantity": codes.SCORE.quantity(9)}]
    assert fhir_engine.errors_by_resource([unknown]) == {}


def test_risk_assessment_levels_and_the_c_ssrs_as_basis(demo, hand_built):
    low = next(r for r in exported(demo) if r["resourceType"] == "RiskAssessment")
    assert low["note"][0] == {"text": "Risk level: low (the clinician's assessment)"}
    assert "prediction" not in low  # R4 ras-2 fails in the engine for a prediction without a probability
    assert "Protective factors: children, engaged in care" in [n["text"] for n in low["note"]]
    resources = exported(hand_built)
    ra = next(r for r in resources if r["resourceType"] == "RiskAssessment"
              and r["identifier"][0]["value"] == "cl-001-intake-01/risk")
    assert ra["note"][0]["text"] == "Risk level: imminent (the clinician's assessment)"
    assert ra["mitigation"].startswith("Crisis team called")
    assert ra["note"][1]["text"].startswith("Suicidal ideation: active; plan: yes; intent: yes; access to means: yes")
    (basis,) = ra["basis"]
    qr = next(r for r in resources if r["resourceType"] == "QuestionnaireResponse" and r["identifier"]["value"] == "m-cssrs-hand")
    assert basis["reference"] == f"urn:uuid:{qr['id']}"


def test_the_dose_order_and_its_administration(demo):
    resources = exported(demo)
    by_url = {f"urn:uuid:{r['id']}": r for r in resources}
    orders = [r for r in resources if r["resourceType"] == "MedicationRequest"]
    for mr in orders:
        assert (mr["status"], mr["intent"]) == ("completed", "order")
        assert by_url[mr["requester"]["reference"]]["resourceType"] == "Practitioner"
        assert mr["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["unit"] == "mg"
    given = [r for r in resources if r["resourceType"] == "MedicationAdministration" and "request" in r]
    assert len(given) == len(orders)
    for ma in given:
        mr = by_url[ma["request"]["reference"]]
        assert mr["medicationReference"] == ma["medicationReference"]
    # a dose without its ordering prescriber in the record: no order is made up
    course = next(c for c in demo.courses if any(s.dosing for s in c.sessions))
    s = next(s for s in course.sessions if s.dosing)
    s2 = evolve(s, dosing=evolve(s.dosing, ordering_clinician_id=None))
    doc = evolve(demo, courses=tuple(evolve(c, sessions=tuple(s2 if x is s else x for x in c.sessions)) for c in demo.courses))
    assert sum(r["resourceType"] == "MedicationRequest" for r in exported(doc)) == len(orders) - 1


def test_allergies_with_and_without_a_reaction(hand_built):
    allergies = [r for r in exported(hand_built) if r["resourceType"] == "AllergyIntolerance"]
    pen, latex = allergies
    assert pen["code"] == {"text": "penicillin"}
    assert pen["reaction"] == [{"manifestation": [{"text": "hives"}], "severity": "moderate"}]
    assert pen["clinicalStatus"]["coding"][0] == codes.ALLERGY_ACTIVE.coding()
    assert "reaction" not in latex and latex["note"] == [{"text": "Severity: mild"}]


@pytest.mark.slow  # posts to the real FHIR engine twice
def test_conditional_creates_are_on_search_parameters_r4_defines_and_posting_twice_adds_nothing(hand_built):
    params = fhir_engine._definitions("search-parameters.json")
    with_identifier = {b for p in params.values() if p.get("code") == "identifier" for b in p.get("base", [])}
    view = client_view(hand_built, "cl-001")
    bundle = json.loads(export_transaction(view, NONE))
    for e in bundle["entry"]:
        rtype, req = e["resource"]["resourceType"], e["request"]
        if "ifNoneExist" in req:
            assert rtype in with_identifier, rtype
        else:
            assert rtype not in with_identifier and req["method"] == "PUT", rtype
    first, counts1, second, counts2, refs = fhir_engine.steps(
        {"post": bundle}, {"counts": True}, {"post": bundle}, {"counts": True}, {"references": True}
    )
    assert first["ok"] and second["ok"], (first["issues"][:3], second["issues"][:3])
    assert all(counts1.get(t) for t in NEW), counts1
    assert counts2 == counts1
    assert refs["broken"] == []


def _patient_ref(doc, client_id: str) -> str:
    from kapnotes_fhir.ids import resource_uuid

    return f"urn:uuid:{resource_uuid(doc.clinic.id, 'Patient', client_id)}"


def test_the_c_ssrs_is_the_basis_of_the_risk_assessment_whatever_name_it_is_recorded_by(demo):
    """``C-SSRS`` and ``CSSRS`` are the registered ``cssrs-screener`` (``resolve_instrument``)."""
    from kapnotes.plugins import registry

    c = demo.courses[0]
    s = next(x for x in c.sessions if x.risk is not None)
    n_items = len(registry().instruments.get("cssrs-screener").items)
    bases = {}
    for name in ("cssrs-screener", "C-SSRS", "CSSRS"):
        m = MeasureAdministration(id=f"{s.id}-cssrs-x", instrument=name, administered_at=s.start, items=(0,) * n_items)
        s2 = evolve(s, measures=(*(x for x in s.measures if not x.instrument.lower().startswith("cssrs")), m))
        doc = evolve(demo, courses=(evolve(c, sessions=tuple(s2 if x.id == s.id else x for x in c.sessions)),
                                    *demo.courses[1:]))
        resources = exported(doc)
        qr = next(r for r in resources if r["resourceType"] == "QuestionnaireResponse" and r["identifier"]["value"] == m.id)
        ra = next(r for r in resources if r["resourceType"] == "RiskAssessment"
                  and r["identifier"][0]["value"] == f"{s.id}/risk")
        bases[name] = ra.get("basis")
        assert bases[name] == [{"reference": f"urn:uuid:{qr['id']}"}], name

