"""The collection, transaction and document Bundles: valid R4, closed references, codes from the table."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from kapnotes_fhir import codes
from kapnotes_fhir.bundles import export_collection, export_document, export_transaction
from kapnotes_fhir.context import FhirExportError

from conftest import check_required, client_view, codings, unresolved, validate, walk
from kapnotes.cli import cli
from kapnotes.errors import KapnotesError
from kapnotes.exporting import Authorization, ExportOptions, RecordView, export_record
from kapnotes.model import NoteStatus
from kapnotes.plugins import registry
from kapnotes.synthetic import build_document

TEXT_ONLY = ExportOptions(extra={"note_content": "text"})
CLIENTS = ["cl-001", "cl-002", "cl-003", "cl-004"]


def collection(view, options=TEXT_ONLY) -> dict:
    return json.loads(export_collection(view, options))


def resources(bundle: dict) -> list[dict]:
    return [e["resource"] for e in bundle["entry"]]


def test_the_entry_point_registers_four_record_exporters():
    reg = registry()
    for name in ("fhir-collection", "fhir-transaction", "fhir-document", "fhir-ndjson"):
        assert reg.record_exporters.entry(name).plugin == "fhir"
    assert reg.record_exporters.get("fhir-ndjson").writes_directory


@pytest.mark.parametrize("client_id", CLIENTS)
def test_collection_of_every_demo_client_is_valid_r4(demo, client_id):
    bundle = collection(client_view(demo, client_id))
    validate(bundle)
    assert bundle["type"] == "collection"
    assert unresolved(bundle) == []
    types = Counter(r["resourceType"] for r in resources(bundle))
    assert types["Patient"] == 1
    assert types["Encounter"] == 11
    assert types["EpisodeOfCare"] == 1
    assert types["MedicationAdministration"] >= 4
    assert types["QuestionnaireResponse"] >= 12
    for r in resources(bundle):
        check_required(r)
        assert r["identifier"], r["resourceType"]
    ids = [e["fullUrl"] for e in bundle["entry"]]
    assert len(ids) == len(set(ids))
    assert all(e["fullUrl"] == f"urn:uuid:{e['resource']['id']}" for e in bundle["entry"])


@pytest.mark.parametrize("client_id", CLIENTS)
def test_transaction_of_every_demo_client_is_valid_r4(demo, client_id):
    bundle = json.loads(export_transaction(client_view(demo, client_id), TEXT_ONLY))
    validate(bundle)
    assert bundle["type"] == "transaction"
    assert unresolved(bundle) == []
    for e in bundle["entry"]:
        r, req = e["resource"], e["request"]
        assert e["fullUrl"].startswith("urn:uuid:")
        if r["resourceType"] == "AdverseEvent":  # no identifier search parameter in R4: PUT its id
            assert req == {"method": "PUT", "url": f"AdverseEvent/{r['id']}"}
            continue
        assert "id" not in r  # the server assigns ids
        assert req["method"] == "POST"
        assert req["url"] == r["resourceType"]
        first = r["identifier"][0] if isinstance(r["identifier"], list) else r["identifier"]
        assert req["ifNoneExist"].startswith("identifier=")
        assert first["value"] in req["ifNoneExist"].replace("%2F", "/")


def test_codes_come_from_the_table_and_the_instrument_catalog(demo):
    bundle = collection(RecordView.of_document(demo))
    allowed = codes.allowed_codings()
    icd = {(codes.ICD10CM, i.code) for c in demo.courses for i in c.indications}
    # the record's own service-line codes (ChargeItem.code, kapnotes_fhir.charges)
    from kapnotes_fhir.charges import CPT, HCPCS

    icd |= {({"CPT": CPT, "HCPCS": HCPCS}[x.system.value], x.code)
            for c in demo.courses for s in c.sessions for x in s.service_lines}
    seen = set()
    for r in resources(bundle):
        for c in codings(r):
            assert c["system"] in codes.SYSTEMS, c
            assert (c["system"], c["code"]) in allowed | icd, c
            seen.add((c["system"], c["code"]))
    # what the demo exercises: every vital sign, route of the demo, CBT, psychotherapy
    for code in (codes.BP_PANEL, codes.SYSTOLIC, codes.DIASTOLIC, codes.HEART_RATE, codes.OXYGEN_SATURATION,
                 codes.PULSE_OXIMETRY, codes.RESPIRATORY_RATE, codes.BODY_WEIGHT, codes.CBT, codes.PSYCHOTHERAPY,
                 codes.ROUTE_IM, codes.ROUTE_IV, codes.ROUTE_SUBLINGUAL, codes.ROUTE_NASAL, codes.PROGRESS_NOTE,
                 codes.ESKETAMINE_NASAL_SPRAY, codes.AMBULATORY, codes.VIRTUAL):
        assert (code.system, code.code) in seen, code
    assert ("http://loinc.org", "44261-6") in seen  # PHQ-9 total, from the catalog
    assert ("http://loinc.org", "44260-8") in {(c["system"], c["code"]) for c in codings(bundle)} or any(
        i.get("linkId") == "44260-8" for r in resources(bundle) for i in r.get("item", [])
    )


def test_unverified_concepts_go_as_text_only(demo):
    text = export_collection(RecordView.of_document(demo), TEXT_ONLY).decode("utf-8")
    assert '"6130"' not in text  # ketamine RxNorm: single-source, not sent
    meds = [r for r in resources(json.loads(text)) if r["resourceType"] == "Medication"]
    ketamine = [m for m in meds if m["code"].get("text") == "ketamine (racemic)"]
    assert ketamine and all("coding" not in m["code"] for m in ketamine)
    doses = [m for m in ketamine if m["identifier"][0]["value"].endswith("/dose")]
    assert doses and all(m["batch"]["lotNumber"].startswith("LOT-") for m in doses)
    for code in codes.table():
        assert code.source.strip(), code


def _value(answer: dict) -> int:
    """An answer's value: ``valueInteger``, or the position of a PHQ-9 LOINC answer code."""
    if "valueCoding" in answer:
        n = codes.PHQ9_FREQUENCY.value(answer["valueCoding"]["code"])
        assert n is not None, answer
        return n
    return int(answer["valueInteger"])


def test_scores_link_questionnaire_responses(demo):
    bundle = collection(client_view(demo, "cl-002"))
    by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    scores = [r for r in resources(bundle) if r["resourceType"] == "Observation" and "category" in r
              and r["category"][0]["coding"][0]["code"] == "survey" and "derivedFrom" in r]
    assert scores
    for obs in scores:
        qr = by_url[obs["derivedFrom"][0]["reference"]]
        assert qr["resourceType"] == "QuestionnaireResponse"
        assert obs["valueQuantity"]["code"] == "{score}"
        assert obs["valueQuantity"]["system"] == "http://unitsofmeasure.org"
        assert obs["interpretation"][0]["text"]
        assert obs["valueQuantity"]["value"] == sum(_value(i["answer"][0]) for i in qr["item"][:9])
    phq = next(r for r in resources(bundle) if r["resourceType"] == "QuestionnaireResponse" and r["questionnaire"].endswith("44249-1"))
    assert [i["linkId"] for i in phq["item"]][8] == "44260-8"  # item 9, from the catalog


def test_dose_vitals_and_notes_of_a_dosing_session(demo):
    bundle = collection(client_view(demo, "cl-003"))
    by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    mas = [r for r in resources(bundle) if r["resourceType"] == "MedicationAdministration"]
    iv = next(m for m in mas if m["identifier"][0]["value"] == "cl-003-dose-01/dose")
    assert iv["dosage"]["route"]["coding"][0]["code"] == "47625008"
    assert iv["dosage"]["dose"] == {"value": 20.3, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}
    assert "effectivePeriod" in iv  # an infusion over 40 minutes
    assert by_url[iv["medicationReference"]["reference"]]["batch"]["lotNumber"] == "LOT-26012"
    docs = {r["identifier"][0]["value"]: r for r in resources(bundle) if r["resourceType"] == "DocumentReference"}
    assert {d["docStatus"] for d in docs.values()} == {"preliminary", "final"}
    dosing = docs["cl-003-dose-01"]
    assert dosing["docStatus"] == "preliminary"  # a draft
    assert by_url[dosing["context"]["encounter"][0]["reference"]]["identifier"][0]["value"] == "cl-003-dose-01"
    text = base64.b64decode(dosing["content"][0]["attachment"]["data"]).decode("utf-8")
    assert "LOT-26012" in text and "20.3 mg" in text and "DRAFT" in text
    docs = list(docs.values())
    assert docs[0]["type"]["coding"][0]["code"] == "11506-3"
    assert docs[0]["category"][0]["coding"][0]["code"] == "clinical-note"


def test_docx_is_attached_and_exports_are_deterministic(demo):
    view = client_view(demo, "cl-004")
    a = export_collection(view)
    b = export_collection(client_view(demo, "cl-004"))
    assert a == b
    doc = next(r for r in resources(json.loads(a)) if r["resourceType"] == "DocumentReference")
    kinds = [c["attachment"]["contentType"] for c in doc["content"]]
    assert kinds == ["application/vnd.openxmlformats-officedocument.wordprocessingml.document", "text/plain; charset=utf-8"]
    docx = base64.b64decode(doc["content"][0]["attachment"]["data"])
    assert "word/document.xml" in zipfile.ZipFile(io.BytesIO(docx)).namelist()
    t1 = export_transaction(view, TEXT_ONLY)
    assert t1 == export_transaction(view, TEXT_ONLY)


def test_identifier_base_option(demo):
    bundle = collection(client_view(demo, "cl-001"), ExportOptions(extra={"note_content": "none", "identifier_base": "https://ehr.example.org/sid/kap"}))
    patient = next(r for r in resources(bundle) if r["resourceType"] == "Patient")
    assert patient["identifier"][0]["system"] == "https://ehr.example.org/sid/kap/mrn"
    assert not [r for r in resources(bundle) if r["resourceType"] == "DocumentReference"]
    with pytest.raises(KapnotesError, match="note_content"):
        collection(client_view(demo, "cl-001"), ExportOptions(extra={"note_content": "pdf"}))
    for bad in ("nope", "https://ehr.example.org/sid kap", ":x", 7):
        with pytest.raises(KapnotesError, match="identifier_base must be a URI"):
            collection(client_view(demo, "cl-001"), ExportOptions(extra={"identifier_base": bad}))
    for oid in ("urn:oid:2.16.840.1.113883.3.72", "URN:UUID:6f1c2f8e-1f0a-5b8e-9c1d-3d2e4f5a6b7c"):
        with pytest.raises(KapnotesError, match="cannot be extended by a name"):
            collection(client_view(demo, "cl-001"), ExportOptions(extra={"identifier_base": oid}))
    urn = collection(client_view(demo, "cl-001"), ExportOptions(extra={"note_content": "none",
                                                                       "identifier_base": "urn:ehr:clinic-9"}))
    patient = next(r for r in resources(urn) if r["resourceType"] == "Patient")
    assert patient["identifier"][0]["system"] == "urn:ehr:clinic-9:mrn"


# --- psychotherapy notes -----------------------------------------------------------------------------


def test_psychotherapy_notes_never_appear_even_when_the_view_carries_them(demo_with_notes, tmp_path):
    notes = demo_with_notes.psychotherapy_notes
    assert notes
    auth = Authorization(reference="ROI-0001", purpose="continuity of care", granted_by="the client")
    view = RecordView.of_document(demo_with_notes, authorization=auth)
    assert view.psychotherapy_notes  # the view does carry them
    documents = [
        json.loads(export_collection(view, TEXT_ONLY)),
        json.loads(export_transaction(view, TEXT_ONLY)),
        json.loads(export_document(view, ExportOptions(extra={"session_id": "cl-001-intake-01"}))),
    ]
    for p in export_record(view, "fhir-ndjson", directory=tmp_path / "nd"):
        documents += [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines()]
    for d in documents:
        text = json.dumps(d, ensure_ascii=False)
        attachments = [base64.b64decode(b).decode("utf-8", "replace") for b in walk(d, "data")]
        for n in notes:
            assert n.id not in text
            for t in (text, *attachments):
                assert n.text not in t
                assert "countertransference" not in t


# --- the document Bundle ------------------------------------------------------------------------------


def _signed(doc):
    return [(c.client_id, s) for c in doc.courses for s in c.sessions if s.status is not NoteStatus.DRAFT]


def test_document_of_every_signed_note_of_the_demo(demo):
    signed = _signed(demo)
    assert len(signed) == 8
    for client_id, s in signed:
        sid = s.id
        bundle = json.loads(export_document(client_view(demo, client_id), ExportOptions(extra={"session_id": sid})))
        validate(bundle)
        assert bundle["type"] == "document"
        assert bundle["identifier"]["value"] == f"{sid}/v{len(s.addenda)}"
        comp = bundle["entry"][0]["resource"]
        assert comp["resourceType"] == "Composition"
        assert comp["status"] == "final"
        assert comp["type"]["coding"][0]["code"] == "11506-3"
        assert comp["attester"] and comp["attester"][0]["mode"] == "legal"
        assert comp["section"] and all(s.get("text") or s.get("entry") for s in comp["section"])
        assert unresolved(bundle) == []
        # nothing but what the Composition references (directly or not)
        urls = {e["fullUrl"] for e in bundle["entry"]}
        reached = {bundle["entry"][0]["fullUrl"]}
        frontier = [comp]
        by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
        while frontier:
            for ref in walk(frontier.pop(), "reference"):
                if ref not in reached:
                    reached.add(ref)
                    frontier.append(by_url[ref])
        assert reached == urls
        types = {e["resource"]["resourceType"] for e in bundle["entry"]}
        assert {"Patient", "Encounter", "Practitioner", "Organization"} <= types
        assert "DocumentReference" not in types


def test_document_cosigned_note_has_a_professional_attester(demo):
    bundle = json.loads(export_document(client_view(demo, "cl-002"), ExportOptions(extra={"session_id": "cl-002-intake-01"})))
    modes = [a["mode"] for a in bundle["entry"][0]["resource"]["attester"]]
    assert modes == ["legal", "professional"]


def test_document_errors_are_clear(demo):
    view = RecordView.of_document(demo)
    with pytest.raises(FhirExportError, match="--session"):
        export_document(view, ExportOptions())
    with pytest.raises(FhirExportError, match="no session 'nope'"):
        export_document(view, ExportOptions(extra={"session_id": "nope"}))
    with pytest.raises(FhirExportError, match="draft"):
        export_document(view, ExportOptions(extra={"session_id": "cl-001-dose-01"}))
    assert issubclass(FhirExportError, KapnotesError)


# --- addenda and amendments --------------------------------------------------------------------------------


def test_addenda_and_amendments_are_versions_of_the_note(amended):
    bundle = collection(client_view(amended, "cl-001"))
    validate(bundle)
    assert unresolved(bundle) == []
    docs = {r["identifier"][0]["value"]: r for r in resources(bundle) if r["resourceType"] == "DocumentReference"}
    original = docs["cl-001-intake-01"]
    add1 = docs["cl-001-intake-01/addendum/add-1"]
    amend = docs["cl-001-intake-01/addendum/amend-1"]
    add2 = docs["cl-001-intake-01/addendum/add-2"]
    url = {r["identifier"][0]["value"]: f"urn:uuid:{r['id']}" for r in docs.values()}
    assert (original["status"], original["docStatus"]) == ("superseded", "final")
    assert add1["relatesTo"] == [{"code": "appends", "target": {"reference": url["cl-001-intake-01"]}}]
    assert add1["docStatus"] == "final"
    assert (amend["status"], amend["docStatus"]) == ("current", "amended")
    assert amend["relatesTo"] == [{"code": "replaces", "target": {"reference": url["cl-001-intake-01"]}}]
    assert add2["relatesTo"][0] == {"code": "appends", "target": {"reference": url["cl-001-intake-01/addendum/amend-1"]}}
    assert add2["docStatus"] == "preliminary"  # not signed
    amended_text = base64.b64decode(amend["content"][-1]["attachment"]["data"]).decode("utf-8")
    original_text = base64.b64decode(original["content"][-1]["attachment"]["data"]).decode("utf-8")
    assert "primary care physician" in amended_text
    assert "primary care physician" not in original_text
    doc = json.loads(export_document(client_view(amended, "cl-001"), ExportOptions(extra={"session_id": "cl-001-intake-01"})))
    validate(doc)
    comp = doc["entry"][0]["resource"]
    assert comp["status"] == "amended"
    assert doc["identifier"]["value"] == "cl-001-intake-01/v3"
    divs = " ".join(s["text"]["div"] for s in comp["section"])
    assert "&lt;b&gt;with markup&lt;/b&gt; &amp; a control \u2407 character" in divs  # escaped, control shown


def test_an_amendment_not_signed_yet_does_not_replace_the_signed_note(demo):
    """An unsigned amendment is a proposed correction: preliminary, no authenticator, appending
    to the signed note, which stays current and final; the signed-note document stays final."""
    import datetime as dt

    from kapnotes.model import Addendum, AddendumKind, evolve

    c = demo.courses[0]
    s = c.sessions[0]
    assert s.status is NoteStatus.SIGNED and not any(a.kind is AddendumKind.AMENDMENT for a in s.addenda)
    last = max([s.signatures[0].signed_at, *(a.written_at for a in s.addenda)])
    draft = Addendum(id="amend-draft", kind=AddendumKind.AMENDMENT, author_id=s.signatures[0].clinician_id,
                     written_at=last + dt.timedelta(days=2),
                     text="Correction, not signed yet: the dose was 0.75 mg/kg.", reason="a proposed correction")
    doc = evolve(demo, courses=(evolve(c, sessions=(evolve(s, addenda=(*s.addenda, draft)), *c.sessions[1:])), *demo.courses[1:]))
    bundle = collection(client_view(doc, c.client_id))
    validate(bundle)
    docs = {r["identifier"][0]["value"]: r for r in resources(bundle) if r["resourceType"] == "DocumentReference"}
    original, proposed = docs[s.id], docs[f"{s.id}/addendum/amend-draft"]
    assert (original["status"], original["docStatus"]) == ("current", "final")
    assert (proposed["status"], proposed["docStatus"]) == ("current", "preliminary")
    assert "authenticator" not in proposed
    assert proposed["relatesTo"] == [{"code": "appends", "target": {"reference": f"urn:uuid:{original['id']}"}}]
    assert proposed["description"] == f"Amendment (not signed) to the note of session {s.id}"
    comp = json.loads(export_document(client_view(doc, c.client_id), ExportOptions(extra={"session_id": s.id})))
    assert comp["entry"][0]["resource"]["status"] == "final"


# --- through the command line ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    from kapnotes.store import open_store

    path = tmp_path_factory.mktemp("fhir") / "k.db"
    with open_store(path) as store:
        store.save(build_document(clients=3))
    return path


def test_cli_export_collection_and_document(db, tmp_path):
    out = tmp_path / "bundle.json"
    r = CliRunner().invoke(cli, ["export", "--to", "fhir-collection", "-o", str(out), "--db", str(db)])
    assert r.exit_code == 0, r.output
    validate(json.loads(out.read_text(encoding="utf-8")))
    out = tmp_path / "note.json"
    r = CliRunner().invoke(cli, ["export", "--to", "fhir-document", "--session", "cl-002-intake-01", "-o", str(out), "--db", str(db)])
    assert r.exit_code == 0, r.output
    assert json.loads(out.read_text(encoding="utf-8"))["type"] == "document"
    r = CliRunner().invoke(cli, ["export", "--to", "fhir-document", "--session", "cl-002-dose-01", "--db", str(db)])
    assert r.exit_code == 1
    assert "draft" in r.output
    assert "Traceback" not in r.output


def test_document_prescriber_attestation_is_a_professional_attester():
    """A dosing note signed by its author and attested by the prescriber (format 1.1) exports,
    with the attestation as a professional attester (it raised KeyError on the new role)."""
    import datetime as dt

    from attrs import evolve

    from conftest import sign
    from kapnotes.model import SignatureRole

    doc = build_document()
    ci = next(i for i, c in enumerate(doc.courses) if c.client_id == "cl-001")
    course = doc.courses[ci]
    si, s = next((i, s) for i, s in enumerate(course.sessions) if s.id == "cl-001-dose-01")
    at = dt.datetime(2026, 1, 12, 20, 0, tzinfo=dt.timezone.utc)
    signed = evolve(s, status=NoteStatus.SIGNED, signatures=(
        sign("th-ortiz", "Sam Ortiz", "PsyD", at),
        sign("dr-ames", "Lee Ames", "MD", at + dt.timedelta(hours=1), SignatureRole.PRESCRIBER_ATTESTATION),
    ))
    sessions = (*course.sessions[:si], signed, *course.sessions[si + 1:])
    courses = list(doc.courses)
    courses[ci] = evolve(course, sessions=sessions)
    doc = evolve(doc, courses=tuple(courses))
    bundle = json.loads(export_document(client_view(doc, "cl-001"), ExportOptions(extra={"session_id": "cl-001-dose-01"})))
    comp = bundle["entry"][0]["resource"]
    assert [a["mode"] for a in comp["attester"]] == ["legal", "professional"]
    check_required(comp)


def test_a_failed_split_export_keeps_the_earlier_files_and_leaves_no_part_file(demo, tmp_path, monkeypatch):
    """A full disk at the third Bundle: the earlier export's files are all there, as they were,
    no ``.part`` is left, and the error names the file (nothing is a mix of two exports)."""
    import os

    from kapnotes_fhir.bundles import export_transactions

    from kapnotes.exporting import ExportOptions, RecordView
    from kapnotes.outputs import OutputError

    out = tmp_path / "post"
    view = RecordView.of_document(demo)
    opts = ExportOptions(extra={"note_content": "none", "max_entries": 100})
    first = export_transactions(view, opts, out)
    assert len(first) >= 4
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    calls = []

    def full_on_the_third(fd):
        calls.append(fd)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_on_the_third)
    with pytest.raises(OutputError, match=r"cannot write .*transaction-0003\.json: No space left on device"):
        export_transactions(view, ExportOptions(extra={"note_content": "none", "max_entries": 200}), out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    monkeypatch.undo()
    # and a complete export replaces the set: fewer, larger Bundles, no file of the old set left
    second = export_transactions(view, ExportOptions(extra={"note_content": "none", "max_entries": 200}), out)
    assert sorted(p.name for p in out.iterdir()) == [p.name for p in second]
    assert len(second) < len(first)
