"""Codes a server can read: participants, contacts' relationships, LOINC answer codes, structured
Practitioner names; each code checked against HL7's own code systems (Medplum's packaged copy)."""

from __future__ import annotations

import json

import fhir_engine
import pytest
from kapnotes_fhir import codes
from kapnotes_fhir.bundles import export_collection
from kapnotes_fhir.importer import import_questionnaire_responses
from kapnotes_fhir.names import human_name

from kapnotes.exporting import ExportOptions, RecordView
from kapnotes.model import Contact, evolve
from kapnotes.store import open_store

NONE = ExportOptions(extra={"note_content": "none", "indent": 0})


def resources_of(doc, rtype: str) -> list[dict]:
    bundle = json.loads(export_collection(RecordView.of_document(doc), NONE))
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == rtype]


def test_every_coding_of_the_new_systems_is_in_hl7s_code_system(demo):
    bundle = json.loads(export_collection(RecordView.of_document(demo), NONE))
    systems = (codes.PARTICIPATION_TYPE, codes.ROLE_CODE, codes.CONTACT_ROLE)
    published = {s: fhir_engine.code_system(s) for s in systems}
    for table in (codes.PARTICIPANT_TYPES.values(), codes.RELATIONSHIPS.values(), [codes.EMERGENCY_CONTACT]):
        for c in table:  # the whole table, not only what the demo uses
            assert published[c.system].get(c.code) == c.display, c
    from conftest import codings

    seen = {(c["system"], c["code"]) for c in codings(bundle) if c["system"] in systems}
    assert {("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", x) for x in ("PPRF", "ATND", "SPRF")} <= seen
    assert (codes.CONTACT_ROLE, "C") in seen


def test_participants_are_coded_by_role_with_the_role_as_text(demo):
    encounters = resources_of(demo, "Encounter")
    by_text = {}
    for e in encounters:
        for p in e["participant"]:
            (t,) = p["type"]
            (c,) = t["coding"]
            by_text.setdefault(t["text"], set()).add(c["code"])
    assert by_text == {"therapist": {"PPRF"}, "prescriber": {"ATND"}, "monitor": {"SPRF"}}
    assert fhir_engine.errors_by_resource(encounters[:12]) == {}


def test_contact_relationship_is_an_emergency_contact_and_the_role_code_when_exact(demo):
    client = demo.clients[0]
    contacts = (
        Contact(name="A Person", relationship="partner"),
        Contact(name="B Person", relationship="Spouse "),
        Contact(name="C Person", relationship="neighbour"),
        Contact(name="D Person"),
    )
    doc = evolve(demo, clients=(evolve(client, emergency_contacts=contacts), *demo.clients[1:]))
    (patient,) = [p for p in resources_of(doc, "Patient") if p["identifier"][0]["value"] == client.mrn]
    rels = [c["relationship"] for c in patient["contact"]]
    emergency = {"system": codes.CONTACT_ROLE, "code": "C", "display": "Emergency Contact"}
    assert rels[0] == [{"coding": [emergency], "text": "partner"}]  # no exact concept: text only
    assert rels[1] == [{"coding": [emergency, {"system": codes.ROLE_CODE, "code": "SPS", "display": "spouse"}],
                        "text": "Spouse "}]
    assert rels[2][0]["coding"][1]["code"] == "NBOR"
    assert rels[3] == [{"coding": [emergency]}]
    assert fhir_engine.errors_by_resource([patient]) == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dr. Lee Ames", {"prefix": ["Dr."], "given": ["Lee"], "family": "Ames"}),
        ("Sam Ortiz", {"given": ["Sam"], "family": "Ortiz"}),
        ("Mary-Jo O'Neil Smith", {"given": ["Mary-Jo", "O'Neil"], "family": "Smith"}),
        ("Ludwig van Beethoven", {}),  # a particle: where the family name starts is not known
        ("Ames, Lee", {}),  # a comma: family-first or a suffix, not known
        ("Lee Ames Jr.", {}),
        ("Prince", {}),
    ],
)
def test_practitioner_names_are_split_only_when_unambiguous(text, expected):
    assert human_name(text) == {"use": "official", "text": text, **expected}


def test_practitioners_carry_structured_names(demo):
    names = {p["name"][0]["text"]: p["name"][0] for p in resources_of(demo, "Practitioner")}
    assert names["Dr. Lee Ames"]["family"] == "Ames" and names["Dr. Lee Ames"]["prefix"] == ["Dr."]
    assert all(n.get("family") for n in names.values())
    assert fhir_engine.errors_by_resource(resources_of(demo, "Practitioner")) == {}


def test_phq9_answers_are_loinc_answer_codes_and_gad7_answers_integers(demo):
    qrs = resources_of(demo, "QuestionnaireResponse")
    phq9 = [q for q in qrs if q["questionnaire"] == "http://loinc.org/q/44249-1"]
    gad7 = [q for q in qrs if q["questionnaire"] == "http://loinc.org/q/69737-5"]
    assert phq9 and gad7
    for q in phq9:
        for item in q["item"]:
            (answer,) = item["answer"]
            (kind,) = answer
            assert kind == "valueCoding", item
            c = answer["valueCoding"]
            assert c["system"] == "http://loinc.org"
            lst = codes.PHQ9_DIFFICULTY if item["linkId"] == "69722-7" else codes.PHQ9_FREQUENCY
            assert lst.value(c["code"]) is not None and lst.code(lst.value(c["code"])).display == c["display"]
    assert {next(iter(i["answer"][0])) for q in gad7 for i in q["item"]} == {"valueInteger"}
    assert fhir_engine.errors_by_resource(phq9[:5] + gad7[:5]) == {}


def test_exported_answer_codes_import_back_to_the_same_values(demo):
    measures = {m.id: m for _, s in demo.iter_sessions() for m in s.measures}
    qrs = [q for q in resources_of(demo, "QuestionnaireResponse") if q["questionnaire"].endswith("44249-1")]
    from test_fhir_import import without_draft_measures

    store = open_store(":memory:")
    try:
        store.save(without_draft_measures(demo))
        drafts = {s.id for _, s in demo.iter_sessions() if s.status.value == "draft"}
        todo = [q for q in qrs if _session_key(q, demo) in drafts]
        assert todo
        summary = import_questionnaire_responses(store, todo, actor="test")
        for m in summary.measures:
            assert m.measure.items == measures[m.measure.id].items
    finally:
        store.close()


def test_the_difficulty_item_goes_as_its_own_answer_list_and_comes_back(demo):
    # LL359-1 is not in numeric order: "very difficult" (2) is LA6575-0, "extremely" (3) LA6574-3
    difficulty = codes.PHQ9_DIFFICULTY
    assert [difficulty.value(c) for c in ("LA6572-7", "LA6573-5", "LA6575-0", "LA6574-3")] == [0, 1, 2, 3]
    course = demo.courses[0]
    s = next(s for s in course.sessions if s.status.value == "draft" and any(m.instrument == "phq9" for m in s.measures))
    m = next(m for m in s.measures if m.instrument == "phq9")
    m2 = evolve(m, items=(*m.items[:9], 2))
    s2 = evolve(s, measures=tuple(m2 if x is m else x for x in s.measures))
    c2 = evolve(course, sessions=tuple(s2 if x is s else x for x in course.sessions))
    doc = evolve(demo, courses=(c2, *demo.courses[1:]))
    (qr,) = [q for q in resources_of(doc, "QuestionnaireResponse") if q["identifier"]["value"] == m.id]
    assert qr["item"][9]["linkId"] == "69722-7"
    assert qr["item"][9]["answer"] == [{"valueCoding": {"system": "http://loinc.org", "code": "LA6575-0",
                                                        "display": "Very difficult"}}]
    from test_fhir_import import without_draft_measures

    store = open_store(":memory:")
    try:
        store.save(without_draft_measures(doc))
        (got,) = import_questionnaire_responses(store, qr, actor="test").measures
        assert got.measure.items == m2.items
    finally:
        store.close()


def _session_key(qr, demo):
    from kapnotes_fhir.ids import resource_uuid

    sessions = {resource_uuid("clinic-demo", "Encounter", s.id): s.id for _, s in demo.iter_sessions()}
    return sessions[qr["encounter"]["reference"].removeprefix("urn:uuid:")]
