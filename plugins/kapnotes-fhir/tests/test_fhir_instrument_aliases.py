"""An instrument recorded by an alias (``"PHQ-9"``) is exported like its registered name."""

from __future__ import annotations

import json

import attrs
from kapnotes_fhir.bundles import export_collection

from conftest import client_view
from kapnotes.exporting import ExportOptions
from kapnotes.synthetic import build_document

TEXT_ONLY = ExportOptions(extra={"note_content": "text"})


def _respell(doc, spelling):
    return attrs.evolve(doc, courses=tuple(
        attrs.evolve(c, sessions=tuple(
            attrs.evolve(s, measures=tuple(
                attrs.evolve(m, instrument=spelling) if m.instrument == "phq9" else m
                for m in s.measures))
            for s in c.sessions))
        for c in doc.courses))


def _phq9_parts(doc):
    bundle = json.loads(export_collection(client_view(doc, "cl-002"), TEXT_ONLY))
    res = [e["resource"] for e in bundle["entry"]]
    qrs = [r for r in res if r["resourceType"] == "QuestionnaireResponse"
           and r["questionnaire"].endswith("44249-1")]
    totals = [r for r in res if r["resourceType"] == "Observation"
              and r["code"].get("coding", [{}])[0].get("code") == "44261-6"]
    return qrs, totals


def test_phq_9_spelling_exports_loinc_items_and_the_total_observation():
    doc = build_document(clients=2)
    want_qrs, want_totals = _phq9_parts(doc)
    qrs, totals = _phq9_parts(_respell(doc, "PHQ-9"))
    assert want_qrs and want_totals
    assert len(qrs) == len(want_qrs) and len(totals) == len(want_totals)
    assert [i["linkId"] for i in qrs[0]["item"]][8] == "44260-8"
