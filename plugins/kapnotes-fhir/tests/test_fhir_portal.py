"""Portal import cases: LHC-Forms' decimal total, partial responses stated and flagged by check,
the portal's identifier kept, identical responses of signed sessions already present."""

from __future__ import annotations

import copy

import pytest
from kapnotes_fhir.importer import IMPORTED_NOTE, TargetError, import_questionnaire_responses
from test_fhir_import import exported, fresh, portal_phq9, session_of, snapshot  # noqa: F401  (fixtures)

from kapnotes.errors import InvalidError
from kapnotes.model import NoteStatus
from kapnotes.rules.engine import check_session


def lhc_phq9(total):
    qr = portal_phq9([1, 1, 0, 1, 0, 0, 1, 0, 0])
    qr["item"] = [{"linkId": "/44249-1", "item": [
        *({"linkId": f"/{i['linkId']}", "answer": i["answer"]} for i in qr["item"]),
        {"linkId": "/44261-6", "answer": [{"valueDecimal": total}]},
    ]}]
    return qr


def test_a_total_as_an_integral_valuedecimal_is_taken_as_lhc_forms_sends_it(fresh):  # noqa: F811
    (m,) = import_questionnaire_responses(fresh, lhc_phq9(4), actor="portal").measures
    assert m.measure.items == (1, 1, 0, 1, 0, 0, 1, 0, 0)
    import_questionnaire_responses(fresh, lhc_phq9(4.0), actor="portal")  # 4.0 is 4: already present
    with pytest.raises(InvalidError) as exc:
        import_questionnaire_responses(fresh, lhc_phq9(4.5), actor="portal")
    (p,) = exc.value.problems
    assert p.path == "$.item[0].item[9].answer[0].valueDecimal" and "4.5" in p.message
    with pytest.raises(InvalidError, match="not the total"):
        import_questionnaire_responses(fresh, lhc_phq9(9), actor="portal")


def test_questions_nested_under_an_answer_are_read_through(fresh):  # noqa: F811
    """R4 ``item.answer.item``: a form that asks the difficulty item (69722-7) after item 9's
    answer nests it there; it is read as if it were flat. A modifier extension there is refused
    by name, as elsewhere."""
    flat = portal_phq9([1, 1, 0, 1, 0, 0, 1, 0, 2])
    flat["item"].append({"linkId": "69722-7", "answer": [{"valueInteger": 1}]})  # the difficulty item
    nested = copy.deepcopy(flat)
    nested["id"] = "qr-nested"
    nested["item"][8]["answer"][0]["item"] = [nested["item"].pop(9)]
    (m,) = import_questionnaire_responses(fresh, nested, actor="portal").measures
    assert m.measure.items == (1, 1, 0, 1, 0, 0, 1, 0, 2, 1)
    bad = copy.deepcopy(nested)
    bad["item"][8]["answer"][0]["item"][0]["answer"][0]["valueInteger"] = 9
    bad["item"][8]["answer"][0]["modifierExtension"] = [{"url": "https://x.example/m", "valueBoolean": True}]
    with pytest.raises(InvalidError) as exc:
        import_questionnaire_responses(fresh, bad, actor="portal")
    paths = {p.path: p.message for p in exc.value.problems}
    assert paths["$.item[8].answer[0].modifierExtension"] == "modifier extensions are not understood"
    assert any(p.startswith("$.item[8].answer[0].item[0].answer[0].valueInteger") for p in paths), paths


def test_a_partial_response_is_imported_with_its_completeness_and_flagged_by_check(fresh):  # noqa: F811
    (m,) = import_questionnaire_responses(fresh, portal_phq9([1, 1, 0, 1, 0]), actor="portal").measures
    assert "incomplete: 5 of 9 required items answered, no total" in m.measure.notes
    course, s = fresh.session(m.session_id)
    findings = [f for f in check_session(s, course=course) if f.code == "FHIR-IMPORT-001"]
    (f,) = findings
    k = [x.id for x in s.measures].index(m.measure.id)
    assert f.path.endswith(f"measures[{k}]") and "5 of 9" in f.message and f.severity.value == "warning"
    # a complete import is not flagged
    (full,) = import_questionnaire_responses(fresh, portal_phq9([0] * 9, authored="2026-01-26T10:30:00-07:00"),
                                             actor="portal").measures
    course, s = fresh.session(full.session_id)
    assert len([f for f in check_session(s, course=course) if f.code == "FHIR-IMPORT-001"]) == 1


def test_the_portals_identifier_and_id_are_kept(fresh):  # noqa: F811
    qr = portal_phq9([1] * 9)
    qr["id"] = "qr-991"
    qr["identifier"] = {"system": "https://portal.example.org/responses", "value": "R-2026-0042"}
    (m,) = import_questionnaire_responses(fresh, qr, actor="portal").measures
    assert "identifier https://portal.example.org/responses|R-2026-0042" in m.measure.notes
    assert "id qr-991" in m.measure.notes and m.measure.notes.startswith(IMPORTED_NOTE)


def test_reimporting_kapnotes_own_export_of_signed_sessions_reports_already_present(demo, exported, fresh):  # noqa: F811
    signed = [q for q in exported if session_of(q, demo).status is not NoteStatus.DRAFT]
    assert signed
    before = snapshot(fresh)
    summary = import_questionnaire_responses(fresh, signed, actor="test")
    assert (summary.added, summary.unchanged) == (0, len(signed))
    assert snapshot(fresh) == before
    changed = copy.deepcopy(signed[0])
    item = changed["item"][0]["answer"][0]
    key = next(iter(item))
    if key == "valueCoding":
        item[key] = {"system": "http://loinc.org", "code": "LA6571-9" if item[key]["code"] != "LA6571-9" else "LA6568-5"}
    else:
        item[key] = 1 - item[key] if item[key] in (0, 1) else 0
    changed.pop("identifier")
    with pytest.raises(TargetError, match="signed note cannot change"):
        import_questionnaire_responses(fresh, changed, actor="test")


def _portal_response(answers, **extra):
    qr = portal_phq9(answers)
    qr["id"] = "qr-77"
    qr["identifier"] = {"system": "https://portal.example.org/responses", "value": "R-77"}
    qr.update(extra)
    return qr


def test_a_corrected_or_amended_response_replaces_the_earlier_one_and_keeps_it_in_history(fresh):  # noqa: F811
    (first,) = import_questionnaire_responses(fresh, _portal_response([1] * 9), actor="portal").measures
    (second,) = import_questionnaire_responses(fresh, _portal_response([2] * 9), actor="portal").measures
    assert second.measure.id == first.measure.id  # matched by the portal's identifier
    _, s = fresh.session(first.session_id)
    phq = [m for m in s.measures if m.instrument == "phq9" and "R-77" in (m.notes or "")]
    assert [m.items for m in phq] == [(2,) * 9]  # replaced, not a second PHQ-9
    assert "replaces responses 1,1,1,1,1,1,1,1,1" in phq[0].notes
    (third,) = import_questionnaire_responses(fresh, _portal_response([0] * 9, status="amended"), actor="portal").measures
    assert third.measure.id == first.measure.id
    _, s = fresh.session(first.session_id)
    (m,) = [m for m in s.measures if m.id == first.measure.id]
    assert m.items == (0,) * 9
    assert "replaces responses 2,2,2,2,2,2,2,2,2" in m.notes and "replaces responses 1,1,1,1,1,1,1,1,1" in m.notes
    rows = fresh.conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    assert rows >= 3  # each import is a write of the store, audited as the actor
    # matched by the response's id when it has no identifier
    qr = portal_phq9([1] * 9)
    qr["id"] = "qr-no-identifier"
    (a,) = import_questionnaire_responses(fresh, qr, actor="portal").measures
    qr2 = copy.deepcopy(qr)
    qr2["item"][0]["answer"][0]["valueInteger"] = 3
    (b,) = import_questionnaire_responses(fresh, qr2, actor="portal").measures
    assert a.measure.id == b.measure.id and b.measure.items[0] == 3


def test_an_amended_response_whose_time_moved_out_of_its_session_still_replaces_it(fresh):  # noqa: F811
    """R4 ``authored`` is when the answers were last changed: a patient who corrects a response
    that evening sends a time after the session. It replaces the measure it corrects, in the
    session it went to, instead of becoming a second (at-home) measure beside the wrong one."""
    first = _portal_response([1] * 9)  # 09:30, during cl-001-dose-03
    (a,) = import_questionnaire_responses(fresh, first, actor="portal").measures
    amended = _portal_response([2] * 9, status="amended", authored="2026-01-26T19:05:00-07:00")
    (b,) = import_questionnaire_responses(fresh, amended, actor="portal").measures
    assert (b.session_id, b.measure.id) == (a.session_id, a.measure.id)
    _, s = fresh.session(a.session_id)
    mine = [m for m in s.measures if "R-77" in (m.notes or "")]
    assert [(m.items, m.administered_at.isoformat()) for m in mine] == [((2,) * 9, "2026-01-26T19:05:00-07:00")]
    assert "replaces responses 1,1,1,1,1,1,1,1,1" in mine[0].notes
    course = fresh.course(fresh.session(a.session_id)[0].id)
    assert not [m for m in course.measures if "R-77" in (m.notes or "")]
    # a response known by its content only is not a correction of anything: a changed one is new
    loose = portal_phq9([0] * 9)
    loose.pop("id", None)
    import_questionnaire_responses(fresh, loose, actor="portal")
    moved = portal_phq9([3] * 9, authored="2026-01-26T10:00:00-07:00")
    moved.pop("id", None)
    import_questionnaire_responses(fresh, moved, actor="portal")
    _, s = fresh.session(a.session_id)
    assert {m.items for m in s.measures if m.instrument == "phq9"} >= {(0,) * 9, (3,) * 9}


PHQ9_CODES = ["44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5", "44253-3", "44260-8"]


def _loinc_questionnaire():
    """The shape of the LOINC-published PHQ-9 Questionnaire: numeric linkIds, codes on item.code."""
    return {
        "resourceType": "Questionnaire", "id": "44249-1", "url": "http://loinc.org/q/44249-1", "status": "active",
        "item": [{"linkId": "0", "type": "group", "item": [
            {"linkId": str(n), "type": "choice", "code": [{"system": "http://loinc.org", "code": code}]}
            for n, code in enumerate(PHQ9_CODES, 1)
        ]}],
    }


def _numeric_response():
    qr = portal_phq9([1, 2, 0, 1, 0, 0, 1, 0, 0])
    qr["questionnaire"] = "http://loinc.org/q/44249-1|2.72"
    qr["item"] = [{"linkId": "0", "item": [{"linkId": str(n), "answer": i["answer"]} for n, i in enumerate(qr["item"], 1)]}]
    return qr


def test_numeric_link_ids_are_read_through_the_questionnaire_sent_with_them(fresh):  # noqa: F811
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"resource": _loinc_questionnaire()}, {"resource": _numeric_response()}]}
    (m,) = import_questionnaire_responses(fresh, bundle, actor="portal").measures
    assert m.measure.items == (1, 2, 0, 1, 0, 0, 1, 0, 0)


def test_numeric_link_ids_through_a_contained_questionnaire(fresh):  # noqa: F811
    qr = _numeric_response()
    qr["contained"] = [_loinc_questionnaire()]
    qr["questionnaire"] = "#44249-1"
    (m,) = import_questionnaire_responses(fresh, qr, actor="portal").measures
    assert m.measure.items == (1, 2, 0, 1, 0, 0, 1, 0, 0)


def test_numeric_link_ids_without_their_questionnaire_say_what_is_missing(fresh):  # noqa: F811
    with pytest.raises(InvalidError) as exc:
        import_questionnaire_responses(fresh, _numeric_response(), actor="portal")
    p = exc.value.problems[0]
    assert p.path == "$.item[0].item[0].linkId"
    assert "unknown item '1' of PHQ-9" in p.message and "send its Questionnaire" in p.message


def test_a_response_during_a_session_still_open_goes_to_that_session(demo):
    """A session whose end is not recorded yet (charting under way) spans from its start to the
    end of its day, or to the next session's start: a PHQ-9 filled in on the tablet half an hour
    in is the session's, not an at-home measure of the course."""
    import datetime as dt

    from test_fhir_import import without_draft_measures

    from kapnotes.model import evolve
    from kapnotes.store import open_store

    doc = without_draft_measures(demo)
    course = doc.courses[0]
    k, s = next((k, s) for k, s in enumerate(course.sessions) if s.id == "cl-001-dose-03")
    assert s.status is NoteStatus.DRAFT and s.end is not None
    sessions = list(course.sessions)
    sessions[k] = evolve(s, end=None)
    doc = evolve(doc, courses=(evolve(course, sessions=tuple(sessions)), *doc.courses[1:]))
    with open_store(":memory:") as store:
        store.save(doc)
        during = portal_phq9([1] * 9, authored=(s.start.replace(minute=30)).isoformat())
        (m,) = import_questionnaire_responses(store, during, actor="portal").measures
        assert m.session_id == "cl-001-dose-03"
        _, back = store.session("cl-001-dose-03")
        assert [x.context for x in back.measures if x.id == m.measure.id] != ["home"]
        # the next day is not that session's: an at-home measure of the course
        next_day = portal_phq9([2] * 9, authored=(s.start + dt.timedelta(days=1)).replace(hour=7).isoformat())
        (h,) = import_questionnaire_responses(store, next_day, actor="portal").measures
        assert h.session_id is None and h.course_id == course.id


def _portal_bundle(patient, subject):
    qr = portal_phq9([1] * 9)
    qr["subject"] = subject
    return {"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:8d4c0e0a-6c1e-4f8a-9b7e-2f3a4b5c6d7e", "resource": patient},
        {"fullUrl": "urn:uuid:2a1b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "resource": qr},
    ]}


MRN = {"system": "urn:kapnotes:clinic-demo:mrn", "value": "DEMO-107919",
       "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]}}


def test_a_portal_bundle_with_its_own_patient_is_read_by_that_patients_mrn(fresh):  # noqa: F811
    """A portal's Bundle carries its copy of the patient, and the response refers to it by the
    entry's fullUrl or the portal's own id: the Patient is read (not imported) for its MRN."""
    patient = {"resourceType": "Patient", "id": "portal-77",
               "identifier": [{"system": "https://portal.example.org/users", "value": "u-77"}, MRN]}
    by_url = _portal_bundle(patient, {"reference": "urn:uuid:8d4c0e0a-6c1e-4f8a-9b7e-2f3a4b5c6d7e"})
    (m,) = import_questionnaire_responses(fresh, by_url, actor="portal").measures
    assert (m.client_id, m.session_id) == ("cl-001", "cl-001-dose-03")
    by_id = _portal_bundle(patient, {"reference": "Patient/portal-77"})
    by_id["entry"][1]["resource"]["item"][0]["answer"][0]["valueInteger"] = 2
    by_id["entry"][1]["resource"]["id"] = "qr-other"
    (m2,) = import_questionnaire_responses(fresh, by_id, actor="portal").measures
    assert m2.client_id == "cl-001"
    # a Patient with no single MRN: said so, by path; nothing written
    before = snapshot(fresh)
    vague = {"resourceType": "Patient", "identifier": [{"system": "a", "value": "1"}, {"system": "b", "value": "2"}]}
    with pytest.raises(InvalidError) as exc:
        import_questionnaire_responses(fresh, _portal_bundle(vague, {"reference": "urn:uuid:8d4c0e0a-6c1e-4f8a-9b7e-2f3a4b5c6d7e"}),
                                       actor="portal")
    (p,) = exc.value.problems
    assert p.path == "$.entry[1].resource.subject.reference"
    assert "the Patient sent with the response ($.entry[0].resource) has 2 identifier(s)" in p.message
    assert snapshot(fresh) == before
    # an MRN of no patient of the store: the usual message
    stranger = {"resourceType": "Patient", "identifier": [{**MRN, "value": "NOBODY-1"}]}
    with pytest.raises(TargetError, match="no patient with MRN 'NOBODY-1'"):
        import_questionnaire_responses(fresh, _portal_bundle(stranger, {"reference": "urn:uuid:8d4c0e0a-6c1e-4f8a-9b7e-2f3a4b5c6d7e"}),
                                       actor="portal")
    # a Patient no response refers to (Patient.ndjson given by mistake): refused, not ignored
    anonymous = {k: v for k, v in patient.items() if k != "id"}  # neither fullUrl nor id
    lone = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": anonymous}]}
    with pytest.raises(InvalidError, match="none refers to this one"):
        import_questionnaire_responses(fresh, lone, actor="portal")
