"""The NDJSON bulk export and the document Bundles against the real FHIR engine (Medplum).

See ``fhir_engine.py``: skipped only when node is missing. Every resource is validated against
the R4 StructureDefinitions; the NDJSON lines are ingested one by one into a ``MemoryRepository``
(as a Bulk Data import does), then counted by type and their references resolved there; each
document Bundle is validated with its entries and stored as a ``Bundle``. A broken copy of each
shows that the engine does find errors (a check that could not fail would prove nothing).
"""

from __future__ import annotations

import copy
import json

import fhir_engine
import pytest
from kapnotes_fhir.bundles import export_document
from kapnotes_fhir.ndjson import export_ndjson

from kapnotes.exporting import ExportOptions, RecordView
from kapnotes.model import NoteStatus

pytestmark = pytest.mark.slow  # a real FHIR engine (Node, Medplum): minutes


@pytest.fixture(scope="module")
def ndjson(demo, tmp_path_factory) -> dict[str, list[dict]]:
    out = tmp_path_factory.mktemp("bulk")
    paths = export_ndjson(RecordView.of_document(demo), ExportOptions(), out)
    by_type = {}
    for p in paths:
        by_type[p.name.removesuffix(".ndjson")] = [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines()]
    return by_type


def test_every_ndjson_line_validates_with_the_engine(ndjson):
    lines = [r for rs in ndjson.values() for r in rs]
    assert len(lines) > 800
    assert fhir_engine.errors_by_resource(lines) == {}
    broken = copy.deepcopy(ndjson["Observation"][0])
    del broken["status"]  # Observation.status is 1..1
    (errors,) = fhir_engine.validate([broken])
    assert any("status" in e["path"] or "status" in e["text"] for e in errors), errors


def test_ndjson_ingested_resource_by_resource_gives_the_same_counts_and_every_reference_resolves(ndjson):
    lines = [r for rtype in sorted(ndjson) for r in ndjson[rtype]]
    ingest, counts, refs, obs, enc = fhir_engine.steps(
        {"ingest": lines}, {"counts": True}, {"references": True},
        {"search": "Observation?subject={Patient}&_count=1000"},
        {"search": "Encounter?patient={Patient}&_count=1000"},
    )
    assert ingest["ok"], ingest["failed"][:3]
    assert counts == {rtype: len(rs) for rtype, rs in ndjson.items()}
    assert refs["checked"] > 2000 and refs["broken"] == []
    # the first Patient's sets, as the record has them
    (first,) = [p for p in ndjson["Patient"] if f"Patient/{p['id']}" == _first_patient(ndjson, obs)]
    want_obs = {f"Observation/{o['id']}" for o in ndjson["Observation"] if o["subject"]["reference"] == f"Patient/{first['id']}"}
    want_enc = {f"Encounter/{e['id']}" for e in ndjson["Encounter"] if e["subject"]["reference"] == f"Patient/{first['id']}"}
    assert want_obs and set(obs["ids"]) == want_obs
    assert want_enc and set(enc["ids"]) == want_enc


def _first_patient(ndjson, search) -> str:
    """The Patient the engine's "{Patient}" stood for: the subject of the Observations it found."""
    by_id = {f"Observation/{o['id']}": o["subject"]["reference"] for o in ndjson["Observation"]}
    (patient,) = {by_id[i] for i in search["ids"]}
    return patient


def _signed_sessions(demo):
    return [s.id for _, s in demo.iter_sessions() if s.status is not NoteStatus.DRAFT]


def test_every_document_bundle_of_the_demo_validates_and_is_stored(demo):
    view = RecordView.of_document(demo)
    sessions = _signed_sessions(demo)
    assert len(sessions) >= 5  # the demo has 8 signed notes
    bundles = [
        json.loads(export_document(view, ExportOptions(extra={"session_id": sid, "note_content": "docx,text", "indent": 0})))
        for sid in sessions
    ]
    assert fhir_engine.errors_by_resource(bundles) == {}
    stored, counts = fhir_engine.steps({"ingest": bundles}, {"counts": True})
    assert stored["ok"], stored["failed"][:3]
    assert counts == {"Bundle": len(bundles)}
    # the engine validates the entries of a Bundle too: a Composition without its status fails
    broken = copy.deepcopy(bundles[0])
    assert broken["entry"][0]["resource"]["resourceType"] == "Composition"
    del broken["entry"][0]["resource"]["status"]
    (errors,) = fhir_engine.validate([broken])
    assert any("status" in e["path"] or "status" in e["text"] for e in errors), errors
