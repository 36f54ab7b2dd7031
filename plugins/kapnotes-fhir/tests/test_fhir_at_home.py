"""At-home responses: a QuestionnaireResponse authored between sessions of one course (no
encounter) becomes an at-home measure of the course (context ``home``), with the same rules for
corrections, amended responses and partial responses as a session's; outside every course it is
refused, naming the patient, the time and the courses' spans."""

from __future__ import annotations

import copy
import json

import pytest
from kapnotes_fhir.importer import TargetError, import_questionnaire_responses
from test_fhir_import import fresh, portal_phq9, snapshot  # noqa: F401  (fixtures)

from kapnotes.model import MeasureContext, Respondent
from kapnotes.store.verify import verify

#: The evening before cl-001-dose-03 (2026-01-26 09:00-12:00 -07:00): no session spans it.
EVENING_BEFORE = "2026-01-25T20:40:00-07:00"


def lhc_evening_phq9(answers, **extra):
    """A PHQ-9 as LHC-Forms sends it from a portal: a group of '/'-prefixed LOINC linkIds, the
    total as valueDecimal, the MRN, authored at home, no encounter."""
    qr = portal_phq9(answers, authored=EVENING_BEFORE)
    total = sum(answers) if len(answers) == 9 and None not in answers else None
    qr["item"] = [{"linkId": "/44249-1", "item": [
        *({"linkId": f"/{i['linkId']}", "answer": i["answer"]} for i in qr["item"]),
        *([{"linkId": "/44261-6", "answer": [{"valueDecimal": float(total)}]}] if total is not None else []),
    ]}]
    qr["id"] = "qr-home-1"
    qr["identifier"] = {"system": "https://portal.example.org/responses", "value": "R-HOME-1"}
    qr.update(extra)
    return qr


def _home(store, course_id="course-cl-001"):
    return store.course(course_id).measures


def test_a_response_authored_the_evening_before_a_session_is_an_at_home_measure(fresh):  # noqa: F811
    summary = import_questionnaire_responses(fresh, lhc_evening_phq9([2, 1, 1, 1, 0, 1, 1, 0, 0]), actor="portal")
    (m,) = summary.measures
    assert m.session_id is None and m.course_id == "course-cl-001"
    (home,) = _home(fresh)
    assert home.context is MeasureContext.HOME and home.respondent is Respondent.CLIENT
    assert home.items == (2, 1, 1, 1, 0, 1, 1, 0, 0)
    assert home.administered_at.isoformat() == EVENING_BEFORE
    assert "identifier https://portal.example.org/responses|R-HOME-1" in home.notes
    assert "id qr-home-1" in home.notes
    row = fresh.conn.execute("SELECT session_id, course_id, context, total FROM measures WHERE id = ?",
                             (home.id,)).fetchone()
    assert tuple(row) == (None, "course-cl-001", "home", 7)
    assert any(r["object"] == f"measure:{home.id}" and r["actor"] == "portal" for r in fresh.audit_log())
    assert verify(fresh).ok
    # the same response again is already present
    again = import_questionnaire_responses(fresh, lhc_evening_phq9([2, 1, 1, 1, 0, 1, 1, 0, 0]), actor="portal")
    assert (again.added, again.unchanged) == (0, 1)


def test_an_at_home_correction_or_amendment_replaces_it_with_history(fresh):  # noqa: F811
    import_questionnaire_responses(fresh, lhc_evening_phq9([1] * 9), actor="portal")
    import_questionnaire_responses(fresh, lhc_evening_phq9([2] * 9), actor="portal")
    (m,) = _home(fresh)
    assert m.items == (2,) * 9 and "replaces responses 1,1,1,1,1,1,1,1,1" in m.notes
    import_questionnaire_responses(fresh, lhc_evening_phq9([0] * 9, status="amended"), actor="portal")
    (m,) = _home(fresh)
    assert m.items == (0,) * 9
    assert "replaces responses 2,2,2,2,2,2,2,2,2" in m.notes and "replaces responses 1,1,1,1,1,1,1,1,1" in m.notes
    writes = [r for r in fresh.audit_log() if r["object"] == f"measure:{m.id}"]
    assert len(writes) == 3
    # matched by id when the response has no identifier
    qr = lhc_evening_phq9([1] * 9, id="qr-home-2")
    qr.pop("identifier")
    import_questionnaire_responses(fresh, qr, actor="portal")
    qr2 = copy.deepcopy(qr)
    qr2["item"][0]["item"][0]["answer"][0]["valueInteger"] = 3
    qr2["item"][0]["item"].pop()  # no total: 3 + 8
    import_questionnaire_responses(fresh, qr2, actor="portal")
    assert [x.items[0] for x in _home(fresh)] == [0, 3]
    assert verify(fresh).ok


def test_a_partial_at_home_response_is_imported_with_its_completeness(fresh):  # noqa: F811
    from kapnotes.rules.engine import check_course, check_session

    (m,) = import_questionnaire_responses(fresh, lhc_evening_phq9([1, 1, 0, 1, 0]), actor="portal").measures
    assert "incomplete: 5 of 9 required items answered, no total" in m.measure.notes
    # flagged in the session that follows it, the morning after, like a session's partial response
    course, s = fresh.session("cl-001-dose-03")
    (f,) = [f for f in check_session(s, course=course) if f.code == "FHIR-IMPORT-001"]
    assert f.path == "$.measures[0]" and "5 of 9" in f.message and "at home on 2026-01-25" in f.message
    assert f.severity.value == "warning" and f.session_id == "cl-001-dose-03"
    # one after the last session (2026-03-09 10:00) is flagged on the course
    late = lhc_evening_phq9([1, 1, 0], authored="2026-03-09T20:00:00-07:00", id="qr-late",
                            identifier={"value": "R-LATE"})
    import_questionnaire_responses(fresh, late, actor="portal")
    (g,) = [f for f in check_course(fresh.course("course-cl-001")) if f.code == "FHIR-IMPORT-001"]
    assert g.path == "$.measures[1]" and g.session_id is None and g.course_id == "course-cl-001"
    assert "3 of 9" in g.message


@pytest.mark.parametrize("authored", ["2026-03-10T20:00:00-07:00", "2026-01-04T21:00:00-07:00"])
def test_a_response_outside_every_course_is_refused_naming_the_courses(fresh, authored):  # noqa: F811
    before = snapshot(fresh)
    with pytest.raises(TargetError) as exc:
        import_questionnaire_responses(fresh, lhc_evening_phq9([0] * 9, authored=authored), actor="portal")
    (p,) = exc.value.problems
    assert p.path == "$.authored"
    assert "'cl-001'" in p.message and authored in p.message
    assert "course-cl-001 (2026-01-05 to 2026-03-09)" in p.message
    assert snapshot(fresh) == before and _home(fresh) == ()


@pytest.mark.parametrize("author", [
    {"reference": "Practitioner/dr-ames"},
    {"reference": "https://ehr.example.org/fhir/Practitioner/dr-ames"},  # as a server writes it
    {"reference": "https://ehr.example.org/fhir/PractitionerRole/pr-1"},
    {"reference": "urn:uuid:6f1c2f8e-1f0a-5b8e-9c1d-3d2e4f5a6b7c", "type": "Practitioner"},
    {"identifier": {"system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567893"}, "type": "Practitioner"},
])
def test_a_practitioners_response_outside_a_session_is_refused(fresh, author):  # noqa: F811
    qr = lhc_evening_phq9([0] * 9, author=author)
    before = snapshot(fresh)
    with pytest.raises(TargetError, match="practitioner") as exc:
        import_questionnaire_responses(fresh, qr, actor="portal")
    assert [p.path for p in exc.value.problems] == ["$.author"]
    assert snapshot(fresh) == before


def test_a_patients_own_response_outside_a_session_is_an_at_home_measure(fresh):  # noqa: F811
    qr = lhc_evening_phq9([0] * 9, author={"reference": "https://portal.example.org/fhir/Patient/cl-001"})
    assert import_questionnaire_responses(fresh, qr, actor="portal").added == 1


def test_two_responses_into_the_same_course_in_one_import(fresh):  # noqa: F811
    a = lhc_evening_phq9([1] * 9)
    b = lhc_evening_phq9([0] * 9, id="qr-home-b", authored="2026-01-23T19:00:00-07:00",
                         identifier={"system": "https://portal.example.org/responses", "value": "R-HOME-B"})
    summary = import_questionnaire_responses(fresh, [a, b], actor="portal")
    assert summary.added == 2
    assert [m.administered_at.isoformat() for m in _home(fresh)] == ["2026-01-23T19:00:00-07:00", EVENING_BEFORE]
    text = json.dumps([m.id for m in _home(fresh)])
    assert "course-cl-001-phq9-fhir-" in text


# --- export ---------------------------------------------------------------------------------------


def _with_home(store):
    """The store's record after an at-home PHQ-9 was imported (the evening before dose-03)."""
    import_questionnaire_responses(store, lhc_evening_phq9([2, 1, 1, 1, 0, 1, 1, 0, 0]), actor="portal")
    return store.document()


def _exported(doc):
    from kapnotes_fhir.bundles import export_collection

    from kapnotes.exporting import ExportOptions, RecordView

    bundle = json.loads(export_collection(RecordView.of_document(doc), ExportOptions(extra={"note_content": "none"})))
    return [e["resource"] for e in bundle["entry"]]


def test_an_at_home_measure_is_exported_without_an_encounter(fresh):  # noqa: F811
    doc = _with_home(fresh)
    (home,) = doc.courses[0].measures
    resources = _exported(doc)
    qrs = [r for r in resources if r["resourceType"] == "QuestionnaireResponse"
           and r.get("identifier", {}).get("value") == home.id]  # 0..1 in R4
    (qr,) = qrs
    assert "encounter" not in qr and qr["authored"] == EVENING_BEFORE
    assert qr["author"] == qr["subject"] == qr["source"]
    obs = [r for r in resources if r["resourceType"] == "Observation"
           and r.get("derivedFrom") and r["derivedFrom"][0]["reference"].endswith(qr["id"])]
    (o,) = obs
    assert "encounter" not in o and o["valueQuantity"]["value"] == 7
    assert o["effectiveDateTime"] == EVENING_BEFORE


def test_the_round_trip_of_an_at_home_measure_reports_already_present(fresh):  # noqa: F811
    doc = _with_home(fresh)
    qrs = [r for r in _exported(doc) if r["resourceType"] == "QuestionnaireResponse"]
    home = [q for q in qrs if "encounter" not in q]
    assert len(home) == 1
    before = snapshot(fresh)
    summary = import_questionnaire_responses(fresh, home, actor="test")
    assert (summary.added, summary.unchanged) == (0, 1)
    assert snapshot(fresh) == before and len(fresh.course("course-cl-001").measures) == 1


def test_an_exported_at_home_measure_during_a_session_goes_back_to_its_course(fresh):  # noqa: F811
    from kapnotes.model import MeasureAdministration, evolve

    doc = fresh.document()
    course = doc.courses[0]
    _, s = fresh.session("cl-001-dose-03")
    during = MeasureAdministration(id="h-during", instrument="phq9", items=(1,) * 9,
                                   administered_at=s.start.replace(hour=10),
                                   context=MeasureContext.HOME)
    fresh.save(evolve(doc, courses=(evolve(course, measures=(during,)), *doc.courses[1:])))
    (qr,) = [r for r in _exported(fresh.document()) if r["resourceType"] == "QuestionnaireResponse"
             and r.get("identifier", {}).get("value") == "h-during"]
    summary = import_questionnaire_responses(fresh, qr, actor="test")
    assert (summary.added, summary.unchanged) == (0, 1)


def test_the_command_line_imports_an_at_home_response_and_says_so(demo, tmp_path):
    from click.testing import CliRunner
    from test_fhir_import import without_draft_measures

    from kapnotes.cli import cli
    from kapnotes.store import open_store

    db = tmp_path / "k.db"
    with open_store(db) as store:
        store.save(without_draft_measures(demo))
    f = tmp_path / "portal.json"
    f.write_text(json.dumps(lhc_evening_phq9([1] * 9)), encoding="utf-8")
    r = CliRunner().invoke(cli, ["fhir-import", str(f), "--db", str(db)])
    assert r.exit_code == 0, r.output
    assert "imported 1 measure(s) into 0 session(s) (1 at home, into their courses); 0 already present" in r.output
    outside = tmp_path / "outside.json"
    june = lhc_evening_phq9([1] * 9, id="qr-june", authored="2026-06-01T20:00:00-07:00")
    june["identifier"]["value"] = "R-JUNE"  # another response, not a correction of the first
    outside.write_text(json.dumps(june), encoding="utf-8")
    r = CliRunner().invoke(cli, ["fhir-import", str(outside), "--db", str(db)])
    assert r.exit_code == 1 and "no session or course of patient 'cl-001'" in r.output
    assert "Traceback" not in r.output
    # the first response corrected, with a time outside its course: refused, naming the course
    moved = tmp_path / "moved.json"
    moved.write_text(json.dumps(lhc_evening_phq9([2] * 9, status="amended", authored="2026-06-01T20:00:00-07:00")),
                     encoding="utf-8")
    r = CliRunner().invoke(cli, ["fhir-import", str(moved), "--db", str(db)])
    assert r.exit_code == 1, r.output
    assert "$.authored: corrects the at-home measure of course 'course-cl-001' (2026-01-05 to 2026-03-09)" in r.output
    assert "no session or course" not in r.output  # one refusal, not also placed by its time
    assert "Traceback" not in r.output
    # the same correction naming a session: refused too (the first answers would stay beside it)
    moved.write_text(json.dumps(lhc_evening_phq9([2] * 9, status="amended",
                                                 encounter={"reference": "Encounter/cl-001-dose-02"})), encoding="utf-8")
    r = CliRunner().invoke(cli, ["fhir-import", str(moved), "--db", str(db)])
    assert r.exit_code == 1, r.output
    assert ("corrects the measure imported into 'course-cl-001', which a correction cannot move to session "
            "'cl-001-dose-02'") in r.output
