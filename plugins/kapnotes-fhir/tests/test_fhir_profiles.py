"""US Core profiles: declared where the resource conforms, validated against every profile the
engine (Medplum) can load, the others listed as declared but not checked."""

from __future__ import annotations

import copy
import json
from collections import Counter

import fhir_engine
from kapnotes_fhir import profiles
from kapnotes_fhir.bundles import export_collection
from test_fhir_care import hand_built  # noqa: F401  (the fixture)

from kapnotes.exporting import ExportOptions, RecordView
from kapnotes.model import evolve

US = profiles.US_CORE


def exported(doc) -> list[dict]:
    bundle = json.loads(export_collection(RecordView.of_document(doc), ExportOptions(extra={"note_content": "text", "indent": 0})))
    return [e["resource"] for e in bundle["entry"]]


def declared(resources) -> Counter:
    return Counter((r["resourceType"], (r.get("meta") or {}).get("profile", [None])[0]) for r in resources)


def test_profiles_are_declared_where_the_resource_conforms(hand_built):  # noqa: F811
    got = declared(exported(hand_built))
    for rtype, name in [("Patient", "us-core-patient"), ("Practitioner", "us-core-practitioner"),
                        ("Organization", "us-core-organization"), ("Encounter", "us-core-encounter"),
                        ("Condition", "us-core-condition-encounter-diagnosis"), ("Procedure", "us-core-procedure"),
                        ("DocumentReference", "us-core-documentreference"),
                        ("QuestionnaireResponse", "us-core-questionnaireresponse"),
                        ("MedicationRequest", "us-core-medicationrequest"),
                        ("AllergyIntolerance", "us-core-allergyintolerance"), ("Goal", "us-core-goal")]:
        assert got[(rtype, US + name)] and not got[(rtype, None)], (rtype, got)
    for name in ("blood-pressure", "heart-rate", "respiratory-rate", "body-weight", "pulse-oximetry", "observation-survey"):
        assert got[("Observation", f"{US}us-core-{name}")], name
    # every Observation is a vital sign or a survey but the monitoring entries that are words (a
    # free-text observation, a chaperone's check-in): text-only, no category, no profile
    words = [r for r in exported(hand_built) if r["resourceType"] == "Observation" and "category" not in r]
    assert got[("Observation", None)] == len(words)
    assert {r["code"]["text"] for r in words} <= {"Observation during the dosing session (free text)",
                                                  "Chaperone check-in during an at-home dosing session"}
    for rtype in ("CarePlan", "Medication", "EpisodeOfCare", "MedicationAdministration", "AdverseEvent",
                  "RiskAssessment", "Consent"):
        assert {p for (t, p) in got if t == rtype} == {None}, rtype


def test_a_practitioner_without_a_family_name_declares_no_profile(demo):
    c = demo.clinicians[0]
    doc = evolve(demo, clinicians=(evolve(c, name="Ludwig van Beethoven"), *demo.clinicians[1:]))
    practitioners = [r for r in exported(doc) if r["resourceType"] == "Practitioner"]
    by_name = {r["name"][0]["text"]: r for r in practitioners}
    assert "meta" not in by_name["Ludwig van Beethoven"]
    assert by_name[demo.clinicians[1].name]["meta"]["profile"] == [US + "us-core-practitioner"]


def test_every_resource_validates_against_the_profiles_the_engine_has(hand_built):  # noqa: F811
    loadable = fhir_engine.loadable_profiles()
    checked = {US + n for n in ("us-core-patient", "us-core-blood-pressure", "us-core-medicationrequest")}
    assert checked <= loadable
    resources = [r for r in exported(hand_built) if "meta" in r]
    assert {p for r in resources for p in r["meta"]["profile"]} & loadable == checked
    assert fhir_engine.errors_by_resource(resources, profiles=True) == {}
    # the profile is applied: US Core requires Patient.gender, R4 does not
    patient = copy.deepcopy(next(r for r in resources if r["resourceType"] == "Patient"))
    del patient["gender"]
    assert fhir_engine.errors_by_resource([patient]) == {}
    (errors,) = fhir_engine.errors_by_resource([patient], profiles=True).values()
    assert any("gender" in e["path"] for e in errors) and {e["profile"] for e in errors} == {US + "us-core-patient"}


def _two_pass(ctx, rtype, key, system, body, *, identifiers=None, single=False):
    """What ``ExportContext.new`` built before it built in one pass: the merged resource, then
    ``profiles.declare`` over it (the reference the one pass must equal, key order included)."""
    from kapnotes_fhir.ids import identifier

    own = identifier(ctx.systems.of(system), key)
    head = {"resourceType": rtype, "id": ctx.refs.id(rtype, key),
            "identifier": own if single else [*(identifiers or []), own]}
    return profiles.declare({**head, **body})


def test_new_builds_in_one_pass_what_declare_over_the_merged_resource_gives(hand_built):  # noqa: F811
    from kapnotes_fhir.context import ExportContext, Settings

    ctx = ExportContext(RecordView.of_document(hand_built), Settings.from_options(None, note_content=("text",)), mode="relative")
    survey = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "survey"}]}
    bodies = [
        ("Observation", {"status": "final", "category": [survey], "code": {"coding": [{"system": "x", "code": "y"}]}}),
        ("Observation", {"status": "final", "category": [], "code": {"coding": [{"system": profiles.codes.LOINC, "code": profiles.codes.HEART_RATE.code}]}}),
        ("Observation", {"category": [], "code": {"coding": []}}),  # no profile
        ("Practitioner", {"name": [{"family": "Doe"}]}),
        ("Practitioner", {"name": [{"given": ["A"]}]}),  # no family: not US Core
        ("Patient", {"meta": {"source": "body"}, "gender": "female"}),  # the body's meta wins, in place
        ("Goal", {"identifier": [{"value": "body"}], "id": "from-body", "lifecycleStatus": "active"}),
        ("Binary", {"contentType": "text/plain"}),  # no profile for the type
    ]
    for single in (False, True):
        for rtype, body in bodies:
            got = ctx.new(rtype, "k1", "thing", dict(body), single_identifier=single).resource
            want = _two_pass(ctx, rtype, "k1", "thing", dict(body), single=single)
            assert got == want and list(got) == list(want), (rtype, got, want)
            assert json.dumps(got) == json.dumps(want)
