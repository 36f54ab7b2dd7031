"""Portal import cases: LHC-Forms' decimal total, partial responses stated and flagged by check,
the portal's identifier kept, identical responses of signed sessions already present."""

from __future__ import annotations

import copy

import pytest
from kapnotes_fhir.importer import IMPORTED_NOTE, TargetError, import_questionnaire_responses
from test_fhir_import import exported, fresh, portal_phq9, session_of, snapshot  # noqa: F401  (fixtures)

from kapnotes.errors import InvalidError
from kapnotes.model import MeasureContext, NoteStatus
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
    # a response known by its content only (no identifier, no id) has no earlier version: with
    # other answers and a time after the session it is a new, at-home measure; the first stays
    loose = portal_phq9([0] * 9)
    assert "id" not in loose and "identifier" not in loose
    (c,) = import_questionnaire_responses(fresh, loose, actor="portal").measures
    (d,) = import_questionnaire_responses(fresh, portal_phq9([3] * 9, authored="2026-01-26T19:05:00-07:00"),
                                          actor="portal").measures
    assert c.session_id == a.session_id and (d.session_id, d.course_id) == (None, course.id)
    _, s = fresh.session(a.session_id)
    assert (0,) * 9 in {m.items for m in s.measures}


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


def _with_open_end(demo, session_id, **changes):
    from test_fhir_import import without_draft_measures

    from kapnotes.model import evolve

    doc = without_draft_measures(demo)
    course = doc.courses[0]
    sessions = [evolve(s, end=None, **changes) if s.id == session_id else s for s in course.sessions]
    return evolve(doc, courses=(evolve(course, sessions=tuple(sessions)), *doc.courses[1:]))


def _placed(doc, authored):
    """Where a PHQ-9 authored at ``authored`` goes: (session id, course id of an at-home one)."""
    from kapnotes.store import open_store

    with open_store(":memory:") as store:
        store.save(doc)
        (m,) = import_questionnaire_responses(store, portal_phq9([1] * 9, authored=authored.isoformat()),
                                              actor="portal").measures
        if m.session_id is not None:
            _, s = store.session(m.session_id)
            assert [x.context for x in s.measures if x.id == m.measure.id] != [MeasureContext.HOME]
            assert m.measure.id in {x.id for x in s.measures}
        else:
            assert m.measure.id in {x.id for x in store.course(m.course_id).measures}
        return m.session_id, m.course_id


def test_a_response_during_a_draft_session_still_open_goes_to_that_session(demo):
    """A draft whose end is not recorded yet (charting under way) spans its first four hours
    (``OPEN_SESSION_SPAN``), ending before the next session starts: a PHQ-9 filled in on the
    tablet half an hour in is the session's, not an at-home measure of the course."""
    import datetime as dt

    from kapnotes_fhir.importer import OPEN_SESSION_SPAN

    s = next(s for s in demo.courses[0].sessions if s.id == "cl-001-dose-03")
    assert s.status is NoteStatus.DRAFT and s.end is not None and dt.timedelta(hours=4) == OPEN_SESSION_SPAN
    doc = _with_open_end(demo, s.id)
    assert _placed(doc, s.start + dt.timedelta(minutes=30)) == ("cl-001-dose-03", None)
    assert _placed(doc, s.start + dt.timedelta(hours=3, minutes=59)) == ("cl-001-dose-03", None)
    # four hours on, or the next day, it is no longer that session's: an at-home measure
    assert _placed(doc, s.start + dt.timedelta(hours=4)) == (None, "course-cl-001")
    assert _placed(doc, s.start + dt.timedelta(days=1)) == (None, "course-cl-001")


def test_an_open_span_ends_where_the_next_session_starts_and_a_signed_one_spans_its_start_only():
    """``_spans`` at its boundaries (sessions reduced to what it reads: start, end, status)."""
    import datetime as dt
    from types import SimpleNamespace

    from kapnotes_fhir.importer import _spans

    t0 = dt.datetime(2026, 1, 26, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=-7)))
    open_draft = SimpleNamespace(start=t0, end=None, status=NoteStatus.DRAFT)
    nxt = SimpleNamespace(start=t0 + dt.timedelta(hours=1, minutes=30), end=t0 + dt.timedelta(hours=2),
                          status=NoteStatus.DRAFT)
    sessions = [open_draft, nxt]
    assert _spans(open_draft, sessions, t0) and _spans(open_draft, sessions, nxt.start - dt.timedelta(seconds=1))
    assert not _spans(open_draft, sessions, nxt.start)  # the next session's own start is its
    assert _spans(nxt, sessions, nxt.start)
    assert not _spans(open_draft, sessions, t0 - dt.timedelta(seconds=1))
    alone = [open_draft]
    assert _spans(open_draft, alone, t0 + dt.timedelta(hours=3, minutes=59, seconds=59))
    assert not _spans(open_draft, alone, t0 + dt.timedelta(hours=4))
    signed = SimpleNamespace(start=t0, end=None, status=NoteStatus.SIGNED)  # over: nothing later is its
    assert _spans(signed, [signed], t0) and not _spans(signed, [signed], t0 + dt.timedelta(minutes=5))


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
    assert "the Patient sent with the response ($.entry[0].resource) has 0 MRN(s)" in p.message
    assert snapshot(fresh) == before
    # an identifier that is not typed as an MRN (a portal account number) is never taken for one,
    # even when its value is some patient's MRN
    account = {"resourceType": "Patient", "identifier": [{"system": "https://portal.example.org/users",
                                                          "value": "DEMO-107919"}]}
    with pytest.raises(InvalidError, match="has 0 MRN"):
        import_questionnaire_responses(fresh, _portal_bundle(account, {"reference": "urn:uuid:8d4c0e0a-6c1e-4f8a-9b7e-2f3a4b5c6d7e"}),
                                       actor="portal")
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


def test_a_sent_patient_is_looked_up_in_its_own_bundle_only(fresh, demo):  # noqa: F811
    """Portals reuse ids (``Patient/1``): two Bundles each with their own Patient/1 put each
    response with its own patient; two Patients with the same id in one Bundle are refused."""
    other = next(c for c in demo.clients if c.id == "cl-002")

    def bundle(mrn, items, rid):
        patient = {"resourceType": "Patient", "id": "1", "identifier": [{**MRN, "value": mrn}]}
        b = _portal_bundle(patient, {"reference": "Patient/1"})
        qr = b["entry"][1]["resource"]
        qr["id"] = rid
        qr["item"][0]["answer"][0]["valueInteger"] = items
        qr.pop("authored")
        return b

    a, b = bundle("DEMO-107919", 1, "qr-a"), bundle(other.mrn, 2, "qr-b")
    b["entry"][1]["resource"]["authored"] = next(
        s for c in demo.courses if c.client_id == "cl-002" for s in c.sessions if s.status is NoteStatus.DRAFT
    ).start.isoformat()
    a["entry"][1]["resource"]["authored"] = "2026-01-26T09:30:00-07:00"
    got = import_questionnaire_responses(fresh, [a, b], actor="portal").measures
    assert [(m.client_id, m.measure.items[0]) for m in got] == [("cl-001", 1), ("cl-002", 2)]
    twice = copy.deepcopy(a)
    twice["entry"].append({"resource": {"resourceType": "Patient", "id": "1", "identifier": [{**MRN, "value": other.mrn}]}})
    with pytest.raises(InvalidError, match=r"another Patient sent with it \(\$\.entry\[0\]\.resource\) is also 'Patient/1'"):
        import_questionnaire_responses(fresh, twice, actor="portal")


def test_a_malformed_author_type_is_not_a_crash(fresh):  # noqa: F811
    qr = portal_phq9([1] * 9, author={"reference": "Practitioner/dr-ames", "type": ["Practitioner"]})
    (m,) = import_questionnaire_responses(fresh, qr, actor="portal").measures  # the reference says who
    assert m.measure.respondent.value == "clinician"

