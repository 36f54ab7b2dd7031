"""Importing QuestionnaireResponses: round trip, portal-style input, strict errors with paths, no partial writes."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from kapnotes_fhir.bundles import export_collection
from kapnotes_fhir.ids import resource_uuid
from kapnotes_fhir.importer import TargetError, import_files, import_questionnaire_responses

from kapnotes.cli import cli
from kapnotes.errors import InvalidError
from kapnotes.exporting import ExportOptions, RecordView
from kapnotes.model import Document, NoteStatus, evolve
from kapnotes.store import Store, open_store

PHQ9_LINKS = ["44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5", "44253-3", "44260-8"]
GAD7_LINKS = ["69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"]


def without_draft_measures(doc: Document) -> Document:
    """``doc`` with the measures of its draft sessions dropped (signed notes cannot change)."""
    return evolve(
        doc,
        courses=tuple(
            evolve(c, sessions=tuple(evolve(s, measures=()) if s.status is NoteStatus.DRAFT else s for s in c.sessions))
            for c in doc.courses
        ),
    )


def snapshot(store: Store) -> list[tuple]:
    rows = store.conn.execute("SELECT id, session_id, instrument, total FROM measures ORDER BY id").fetchall()
    docs = store.conn.execute("SELECT id, doc FROM sessions ORDER BY id").fetchall()
    return [*rows, *docs]


@pytest.fixture(scope="module")
def exported(demo) -> list[dict]:
    """The QuestionnaireResponses of the demo, as the collection exporter writes them."""
    bundle = json.loads(export_collection(RecordView.of_document(demo), ExportOptions(extra={"note_content": "none"})))
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse"]


@pytest.fixture
def fresh(demo) -> Store:
    store = open_store(":memory:")
    store.save(without_draft_measures(demo))
    yield store
    store.close()


def session_of(qr: dict, demo: Document):
    sessions = {resource_uuid("clinic-demo", "Encounter", s.id): s for _, s in demo.iter_sessions()}
    return sessions[qr["encounter"]["reference"].removeprefix("urn:uuid:")]


def portal_phq9(answers: list[int], **extra) -> dict:
    """A PHQ-9 as a patient portal sends it: LOINC linkIds, the MRN, an authored time."""
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": "http://loinc.org/q/44249-1",
        "status": "completed",
        "subject": {"identifier": {"system": "urn:kapnotes:clinic-demo:mrn", "value": "DEMO-107919"}},
        "authored": "2026-01-26T09:30:00-07:00",  # during cl-001-dose-03 (09:00-12:00)
        "item": [{"linkId": link, "answer": [{"valueInteger": v}]} for link, v in zip(PHQ9_LINKS, answers, strict=False)],
        **extra,
    }


# --- round trip --------------------------------------------------------------------------------------


def test_export_then_import_round_trips_the_scores(demo, exported, fresh):
    drafts = [q for q in exported if session_of(q, demo).status is NoteStatus.DRAFT]
    assert len(drafts) >= 40
    summary = import_questionnaire_responses(fresh, drafts, actor="test:roundtrip")
    assert summary.added == len(drafts)
    assert summary.unchanged == 0
    for course in demo.courses:
        for s in course.sessions:
            _, back = fresh.session(s.id)
            assert [(m.id, m.instrument, m.items, m.administered_at) for m in back.measures] == [
                (m.id, m.instrument, m.items, m.administered_at) for m in s.measures
            ], s.id
    again = import_questionnaire_responses(fresh, drafts, actor="test:roundtrip")
    assert (again.added, again.unchanged) == (0, len(drafts))  # idempotent


def test_a_signed_target_is_refused_and_nothing_is_written(demo, exported, fresh):
    signed = [q for q in exported if session_of(q, demo).status is not NoteStatus.DRAFT]
    draft = next(q for q in exported if session_of(q, demo).status is NoteStatus.DRAFT)
    changed = copy.deepcopy(signed[0])  # not what the signed note holds: a new score for it
    changed["identifier"]["value"] += "-portal"
    before = snapshot(fresh)
    with pytest.raises(TargetError) as exc:
        import_questionnaire_responses(fresh, [draft, changed], actor="test")
    assert [p.path for p in exc.value.problems] == ["$[1].encounter"]
    assert "signed" in str(exc.value)
    assert snapshot(fresh) == before


def test_the_actor_reaches_the_store(demo, exported, fresh, monkeypatch):
    seen = []
    save = fresh.save

    def spy(doc, *, actor=None):
        seen.append(actor)
        return save(doc, actor=actor)

    monkeypatch.setattr(fresh, "save", spy)
    draft = next(q for q in exported if session_of(q, demo).status is NoteStatus.DRAFT)
    import_questionnaire_responses(fresh, draft, actor="dr-ames")
    assert seen == ["dr-ames"]
    with pytest.raises(ValueError, match="actor"):
        import_questionnaire_responses(fresh, draft, actor=" ")


# --- what a portal sends ---------------------------------------------------------------------------------


def test_portal_phq9_by_mrn_and_authored_time(fresh):
    summary = import_questionnaire_responses(fresh, portal_phq9([1, 1, 0, 1, 0, 0, 1, 0, 0]), actor="portal")
    (m,) = summary.measures
    assert (m.client_id, m.session_id) == ("cl-001", "cl-001-dose-03")
    assert m.measure.items == (1, 1, 0, 1, 0, 0, 1, 0, 0)
    assert m.measure.instrument == "phq9"
    _, s = fresh.session("cl-001-dose-03")
    assert m.measure in s.measures
    row = fresh.conn.execute("SELECT total, band FROM measures WHERE id = ?", (m.measure.id,)).fetchone()
    assert row == (4, "none/minimal")


def test_portal_forms_lhc_link_ids_loinc_answers_groups_and_a_total(fresh):
    answers = ["LA6569-3", "LA6570-1", "LA6568-5", "LA6571-9", "LA6568-5", "LA6568-5", "LA6569-3", "LA6568-5", "LA6568-5"]
    qr = {
        "resourceType": "QuestionnaireResponse",
        "meta": {"profile": ["http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaireresponse"]},
        "questionnaire": "http://loinc.org/q/44249-1|2.72",
        "status": "completed",
        "subject": {"reference": "Patient/cl-002"},
        "encounter": {"reference": "Encounter/cl-002-integ-02"},
        "authored": "2026-01-28T15:10:00Z",
        "item": [
            {
                "linkId": "/44249-1",
                "text": "PHQ-9",
                "item": [
                    *({"linkId": f"/{link}", "answer": [{"valueCoding": {"system": "http://loinc.org", "code": code}}]}
                      for link, code in zip(PHQ9_LINKS, answers, strict=True)),
                    {"linkId": "/44261-6", "answer": [{"valueInteger": 7}]},
                ],
            }
        ],
    }
    (m,) = import_questionnaire_responses(fresh, qr, actor="portal").measures
    assert m.session_id == "cl-002-integ-02"
    assert m.measure.items == (1, 2, 0, 3, 0, 0, 1, 0, 0)
    bad = copy.deepcopy(qr)
    bad["item"][0]["item"][-1]["answer"][0]["valueInteger"] = 9
    with pytest.raises(InvalidError) as exc:
        import_questionnaire_responses(fresh, bad, actor="portal")
    assert exc.value.problems[0].path == "$.item[0].item[9].answer[0].valueInteger"
    assert "total" in exc.value.problems[0].message


def test_loinc_answer_codes_without_system_and_a_wrong_code_named_in_full(fresh):
    answers = ["LA6569-3", "LA6570-1", "LA6568-5", "LA6571-9", "LA6568-5", "LA6568-5", "LA6569-3", "LA6568-5", "LA6568-5"]
    qr = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": "http://loinc.org/q/44249-1",
        "status": "completed",
        "subject": {"reference": "Patient/cl-002"},
        "encounter": {"reference": "Encounter/cl-002-integ-02"},
        "authored": "2026-01-28T15:10:00Z",
        "item": [{"linkId": f"/{link}", "answer": [{"valueCoding": {"code": code}}]}
                 for link, code in zip(PHQ9_LINKS, answers, strict=True)],
    }
    (m,) = import_questionnaire_responses(fresh, copy.deepcopy(qr), actor="portal").measures
    assert m.measure.items == (1, 2, 0, 3, 0, 0, 1, 0, 0)
    qr["item"][4]["answer"][0]["valueCoding"] = {"system": "http://snomed.info/sct", "code": "LA6568-5"}
    with pytest.raises(InvalidError) as exc:
        import_questionnaire_responses(fresh, qr, actor="portal")
    (p,) = exc.value.problems
    assert p.path == "$.item[4].answer[0].valueCoding"
    assert "code 'LA6568-5' of system 'http://snomed.info/sct'" in p.message


def test_gad7_by_encounter_identifier_without_questionnaire(fresh):
    qr = {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "subject": {"reference": f"Patient/{resource_uuid('clinic-demo', 'Patient', 'cl-003')}"},
        "encounter": {"identifier": {"system": "urn:kapnotes:clinic-demo:session", "value": "cl-003-follow-01"}},
        "item": [{"linkId": link, "answer": [{"valueInteger": 1}]} for link in GAD7_LINKS],
    }
    (m,) = import_questionnaire_responses(fresh, qr, actor="portal").measures
    assert (m.measure.instrument, m.session_id, m.measure.items) == ("gad7", "cl-003-follow-01", (1,) * 7)
    _, s = fresh.session("cl-003-follow-01")
    assert m.measure.administered_at == s.start  # no authored time: the session's start


# --- malformed input: every problem, with its path, nothing written -----------------------------------------

MALFORMED = [
    (lambda q: q["item"][3]["answer"][0].update(valueInteger="2"), "$.item[3].answer[0].valueInteger", "integer"),
    (lambda q: q["item"][3]["answer"][0].update(valueInteger=2.0), "$.item[3].answer[0].valueInteger", "integer"),
    (lambda q: q["item"][3]["answer"][0].update(valueInteger=True), "$.item[3].answer[0].valueInteger", "integer"),
    (lambda q: q["item"][3]["answer"][0].update(valueInteger=4), "$.item[3].answer[0].valueInteger", "0–3"),
    (lambda q: q["item"][2].update(linkId="12345-6"), "$.item[2].linkId", "unknown item"),
    (lambda q: q["item"][2].update(linkId=PHQ9_LINKS[1]), "$.item[2].linkId", "twice"),
    (lambda q: q["item"][0].update(answer=[{"valueInteger": 1}, {"valueInteger": 2}]), "$.item[0].answer", "one answer"),
    (lambda q: q["item"][0].update(answer=[{"valueInteger": 1, "valueString": "1"}]), "$.item[0].answer[0]", "exactly one"),
    (lambda q: q["item"][0].update(answer=[{"valueString": "1"}]), "$.item[0].answer[0].valueString", "valueInteger"),
    (lambda q: q.update(status="in-progress"), "$.status", "completed"),
    (lambda q: q.update(status="done"), "$.status", "expected one of"),
    (lambda q: q.update(authored="2026-01-26"), "$.authored", "UTC offset"),
    (lambda q: q.pop("subject"), "$.subject", "missing"),
    (lambda q: q.update(subject={"reference": "Group/1"}), "$.subject.reference", "Patient"),
    (lambda q: q.update(questionnaire="http://example.org/Questionnaire/nope"), "$.questionnaire", "unknown questionnaire"),
    (lambda q: q.update(item=[]), "$.item", "non-empty"),
    (lambda q: q.update(answers=[]), "$.answers", "not an element"),
    (lambda q: q.update(modifierExtension=[{"url": "http://example.org/x", "valueBoolean": True}]), "$.modifierExtension", "modifier"),
    (lambda q: q.update(resourceType="Observation"), "$.resourceType", "QuestionnaireResponse"),
]


@pytest.mark.parametrize(("change", "path", "words"), MALFORMED, ids=[m[1] + " " + m[2] for m in MALFORMED])
def test_malformed_resources_are_refused_with_their_path(fresh, change, path, words):
    qr = portal_phq9([1, 1, 0, 1, 0, 0, 1, 0, 0])
    change(qr)
    before = snapshot(fresh)
    with pytest.raises(InvalidError) as exc:
        import_questionnaire_responses(fresh, qr, actor="portal")
    assert not isinstance(exc.value, TargetError)
    assert path in [p.path for p in exc.value.problems], exc.value
    assert any(words in p.message for p in exc.value.problems if p.path == path), exc.value
    assert snapshot(fresh) == before


def test_every_problem_of_every_resource_is_reported_at_once(fresh):
    good = portal_phq9([0] * 9)
    bad1 = portal_phq9([0] * 9)
    bad1["item"][8]["answer"][0]["valueInteger"] = -1
    bad2 = portal_phq9([0] * 9, status="stopped")
    bad2["item"][0]["linkId"] = 7
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in (good, bad1, bad2)]}
    before = snapshot(fresh)
    with pytest.raises(InvalidError) as exc:
        import_questionnaire_responses(fresh, bundle, actor="portal")
    assert [p.path for p in exc.value.problems] == [
        "$.entry[1].resource.item[8].answer[0].valueInteger",
        "$.entry[2].resource.status",
        "$.entry[2].resource.item[0].linkId",
    ]
    assert snapshot(fresh) == before  # not even the good one


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        (lambda q: q.update(subject={"reference": "Patient/cl-999"}), "$.subject.reference", "no patient"),
        (lambda q: q["subject"]["identifier"].update(value="DEMO-0"), "$.subject.identifier.value", "no patient with MRN"),
        # outside every session and course (the evening of a session day inside the course is an
        # at-home measure since format 1.3: test_fhir_at_home.py)
        (lambda q: q.update(authored="2026-06-01T20:00:00-07:00"), "$.authored", "no session or course"),
        (lambda q: q.update(encounter={"reference": "Encounter/cl-002-dose-01"}), "$.encounter.reference", "not a session of patient"),
        (lambda q: q.update(encounter={"reference": "Encounter/nope"}), "$.encounter.reference", "no session"),
    ],
)
def test_responses_that_match_no_session_are_refused(fresh, change, path, words):
    qr = portal_phq9([0] * 9)
    change(qr)
    before = snapshot(fresh)
    with pytest.raises(TargetError) as exc:
        import_questionnaire_responses(fresh, qr, actor="portal")
    assert [p.path for p in exc.value.problems] == [path]
    assert words in exc.value.problems[0].message
    assert snapshot(fresh) == before


def test_a_restricted_mrn_system(fresh):
    qr = portal_phq9([0] * 9)
    with pytest.raises(TargetError, match="MRN system"):
        import_questionnaire_responses(fresh, qr, actor="portal", mrn_system="https://ehr.example.org/mrn")
    assert import_questionnaire_responses(fresh, qr, actor="portal", mrn_system="urn:kapnotes:clinic-demo:mrn").added == 1


# --- files and the command line -------------------------------------------------------------------------------


@pytest.fixture
def db(demo, tmp_path) -> Path:
    path = tmp_path / "k.db"
    with open_store(path) as store:
        store.save(without_draft_measures(demo))
    return path


def test_cli_imports_ndjson_and_bundles(db, tmp_path, exported, demo):
    drafts = [q for q in exported if session_of(q, demo).status is NoteStatus.DRAFT]
    nd = tmp_path / "portal.ndjson"
    nd.write_text("".join(json.dumps(q) + "\n" for q in drafts[:10]), encoding="utf-8")
    bundle = tmp_path / "portal.json"
    bundle.write_text(json.dumps({"resourceType": "Bundle", "type": "collection",
                                  "entry": [{"resource": q} for q in drafts[10:]]}), encoding="utf-8")
    r = CliRunner().invoke(cli, ["fhir-import", str(nd), str(bundle), "--db", str(db), "--actor", "portal-sync"])
    assert r.exit_code == 0, r.output
    assert f"imported {len(drafts)} measure(s)" in r.output
    with open_store(db) as store:
        assert "portal-sync" in {row["actor"] for row in store.audit_log()}
    r = CliRunner().invoke(cli, ["fhir-import", str(nd), "--db", str(db)])
    assert "10 already present" in r.output


def test_a_file_with_a_byte_order_mark_is_read_as_utf8(db, tmp_path, exported, demo):
    """Windows tools write UTF-8 with a BOM; RFC 8259 lets a parser ignore it: JSON and NDJSON."""
    drafts = [q for q in exported if session_of(q, demo).status is NoteStatus.DRAFT]
    one = tmp_path / "bom.json"
    one.write_bytes(b"\xef\xbb\xbf" + json.dumps(drafts[0]).encode("utf-8"))
    nd = tmp_path / "bom.ndjson"
    nd.write_bytes(b"\xef\xbb\xbf" + "".join(json.dumps(q) + "\n" for q in drafts[1:3]).encode("utf-8"))
    r = CliRunner().invoke(cli, ["fhir-import", str(one), str(nd), "--db", str(db)])
    assert r.exit_code == 0, r.output
    assert "imported 3 measure(s)" in r.output


def test_cli_reports_problems_with_paths_and_writes_nothing(db, tmp_path):
    bad = portal_phq9([0] * 9)
    bad["item"][3]["answer"][0]["valueInteger"] = "2"
    f = tmp_path / "bad.json"
    f.write_text(json.dumps(bad), encoding="utf-8")
    with open_store(db) as store:
        before = snapshot(store)
    r = CliRunner().invoke(cli, ["fhir-import", str(f), "--db", str(db)])
    assert r.exit_code == 1
    assert "$.item[3].answer[0].valueInteger" in r.output
    assert "Traceback" not in r.output
    nd = tmp_path / "bad.ndjson"
    nd.write_text(json.dumps(portal_phq9([0] * 9)) + "\n{not json\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["fhir-import", str(nd), "--db", str(db)])
    assert r.exit_code == 1
    assert "$[1]" in r.output and "not JSON" in r.output
    with open_store(db) as store:
        assert snapshot(store) == before


def test_import_files_names_the_file_of_each_problem(db, tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(portal_phq9([0] * 9)), encoding="utf-8")
    bad = portal_phq9([0] * 9, status="stopped")
    b.write_text(json.dumps(bad), encoding="utf-8")
    with open_store(db) as store, pytest.raises(InvalidError) as exc:
        import_files(store, [a, b], actor="portal")
    assert [p.path for p in exc.value.problems] == [f"{b}:$.status"]
