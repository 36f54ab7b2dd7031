"""Service lines as ChargeItem (kapnotes_fhir.charges): one per recorded line, valid R4 (the
fhir.resources models, like the other resources), coded in CPT / HCPCS, referring to the
session's Encounter, the patient, the performers and the diagnoses."""

from __future__ import annotations

import json

from fhir.resources.R4B import get_fhir_model_class
from kapnotes_fhir.bundles import export_collection
from kapnotes_fhir.charges import CPT, HCPCS

from conftest import check_required, unresolved
from kapnotes.exporting import ExportOptions, RecordView

TEXT_ONLY = ExportOptions(extra={"note_content": "text"})


def test_every_recorded_service_line_is_a_valid_charge_item(demo):
    bundle = json.loads(export_collection(RecordView.of_document(demo), TEXT_ONLY))
    items = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "ChargeItem"]
    lines = [(s, x) for c in demo.courses for s in c.sessions for x in s.service_lines]
    assert len(items) == len(lines) > 40
    model = get_fhir_model_class("ChargeItem")
    for r in items:
        model.model_validate(r)
        check_required(r)
        assert r["status"] == "billable"
        assert r["context"]["reference"].startswith(("Encounter/", "urn:uuid:"))
    assert not unresolved(bundle)
    by_code = {r["code"]["coding"][0]["code"]: r for r in items}
    g2082 = by_code.get("G2082") or by_code["G2083"]
    assert g2082["code"]["coding"][0]["system"] == HCPCS
    assert by_code["90837"]["code"]["coding"][0]["system"] == CPT
    assert by_code["96127"]["quantity"] == {"value": 2}
    assert by_code["90837"]["reason"][0]["coding"][0]["system"] == "http://hl7.org/fhir/sid/icd-10-cm"
    assert by_code["90837"]["note"][0]["text"].startswith("place of service")
