"""Format 1.2: clinician time spans, service lines and the group a session belongs to. Older
documents load unchanged: every session's canonical JSON (what a signature covers) and its
hash are byte-identical to the 1.0 document's own."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from kapnotes.errors import InvalidError, ModelError
from kapnotes.model import ClinicianTime, CodeSystem, ServiceLine, TimeActivity
from kapnotes.serialization import canonical_bytes, dumps, from_data, loads
from kapnotes.serialization.schema import json_schema
from kapnotes.store.content import session_content_data, session_content_json
from tests.billing.builders import document, session, span

FIXTURE = Path(__file__).parent / "fixtures" / "demo-0.1-export.json"
MST = dt.timezone(dt.timedelta(hours=-7))


def test_older_sessions_keep_their_canonical_json_and_hash() -> None:
    raw = json.loads(FIXTURE.read_text(encoding="utf-8"))
    doc = loads(FIXTURE.read_text(encoding="utf-8"))
    for course_raw, course in zip(raw["courses"], doc.courses, strict=True):
        for s_raw, s in zip(course_raw["sessions"], course.sessions, strict=True):
            want = canonical_bytes(session_content_data(s_raw)).decode("utf-8")
            assert session_content_json(s) == want, s.id


def test_the_billing_fields_round_trip() -> None:
    s = session(
        "s1", "follow-up", "09:00", "10:10",
        clinicians=[{"clinician_id": "dr-ames", "role": "prescriber"}],
        clinician_times=[span("dr-ames", "evaluation_management", "09:00", "09:25")],
        service_lines=[{"code": "G2083", "system": "HCPCS", "modifiers": ["25"],
                        "place_of_service": "11", "rendering_clinician_id": "dr-ames",
                        "diagnoses": ["F33.2"], "charge_cents": 45000}],
    )
    data = document(("cl-1", "Rowan", [s]))
    doc = from_data(data)
    got = doc.courses[0].sessions[0]
    assert got.clinician_times[0].activity is TimeActivity.EVALUATION_MANAGEMENT
    assert got.service_lines[0].system is CodeSystem.HCPCS
    again = json.loads(dumps(doc))
    assert again["courses"][0]["sessions"][0]["service_lines"] == s["service_lines"]
    assert again["courses"][0]["sessions"][0]["clinician_times"] == s["clinician_times"]


def test_bad_billing_fields_are_refused_with_their_paths() -> None:
    s = session(
        "s1", "follow-up", "09:00", "10:00",
        clinician_times=[span("nobody", "psychotherapy", "09:30", "09:10")],
        service_lines=[{"code": "9083"}, {"code": "90837", "diagnoses": ["F99.9"],
                                          "modifiers": ["XYZ"], "place_of_service": "1"}],
    )
    with pytest.raises(InvalidError) as err:
        from_data(document(("cl-1", "Rowan", [s])))
    got = {(p.path, p.message.split(",")[0]) for p in err.value.problems}
    p = "$.courses[0].sessions[0]"
    paths = {path for path, _ in got}
    assert f"{p}.clinician_times[0].end" in paths  # ends before it starts
    assert f"{p}.service_lines[0].code" in paths
    assert f"{p}.service_lines[1].modifiers[0]" in paths
    assert f"{p}.service_lines[1].place_of_service" in paths


def test_a_time_span_outside_its_session_is_refused() -> None:
    s = session("s1", "follow-up", "09:00", "10:00",
                clinician_times=[span("dr-ames", "psychotherapy", "08:00", "09:10"),
                                 span("dr-ames", "psychotherapy", "09:50", "10:20")])
    with pytest.raises(InvalidError) as err:
        from_data(document(("cl-1", "Rowan", [s])))
    paths = {p.path for p in err.value.problems}
    p = "$.courses[0].sessions[0]"
    assert paths == {f"{p}.clinician_times[0].start", f"{p}.clinician_times[1].end"}


def test_references_of_the_billing_fields_are_checked() -> None:
    s = session(
        "s1", "follow-up", "09:00", "10:00",
        clinician_times=[span("nobody", "psychotherapy", "09:10", "09:30")],
        service_lines=[{"code": "90837", "rendering_clinician_id": "x"}],
    )
    with pytest.raises(InvalidError) as err:
        from_data(document(("cl-1", "Rowan", [s])))
    paths = {p.path for p in err.value.problems}
    p = "$.courses[0].sessions[0]"
    assert f"{p}.clinician_times[0].clinician_id" in paths
    assert f"{p}.service_lines[0].rendering_clinician_id" in paths
    s = session("s1", "follow-up", "09:00", "10:00",
                service_lines=[{"code": "90837", "diagnoses": ["F33.2", "F99.9"]}])
    with pytest.raises(InvalidError) as err:
        from_data(document(("cl-1", "Rowan", [s])))
    assert [p.path for p in err.value.problems] == [f"{p}.service_lines[0].diagnoses[1]"]


def test_model_objects_check_themselves() -> None:
    with pytest.raises(ModelError):
        ServiceLine(code="G2083")  # CPT by default: a HCPCS code needs system HCPCS
    t = ClinicianTime(clinician_id="a", activity=TimeActivity.MONITORING,
                      start=dt.datetime(2026, 3, 2, 9, tzinfo=MST),
                      end=dt.datetime(2026, 3, 2, 10, 30, tzinfo=MST))
    assert t.minutes == 90


def test_the_schema_describes_the_billing_fields() -> None:
    text = json.dumps(json_schema())
    for key in ("clinician_times", "service_lines", "place_of_service", "group_id"):
        assert key in text
