"""Safety rules on at-home measures, worked by hand at the boundaries.

The record (tests.athome.builders): sessions s-0303 (2026-03-03 09:00) and s-0310 (2026-03-10
09:00). An at-home measure is ruled on in the session that follows it: the one whose start is
the first at or after the measure's time, counting from the previous session's start. A measure
taken after the last session has started has no session yet: ``kapnotes check`` reports it on
the course (``KAP-RISK-006``, blocking, for a positive suicide item)."""

from __future__ import annotations

import pytest

from kapnotes.rules.engine import check_course, check_session, evaluate
from kapnotes.serialization import from_data
from tests.athome.builders import home_phq9, record

POSITIVE = [1, 1, 1, 1, 1, 1, 1, 1, 1]  # item 9 = 1: at the default threshold (>= 1)
NEGATIVE = [3, 3, 3, 3, 3, 3, 3, 3, 0]


def _codes(findings, prefix="KAP-RISK"):
    return sorted((f.code, f.session_id, f.path) for f in findings if f.code.startswith(prefix))


def test_a_positive_item_9_at_home_blocks_the_next_session_like_a_session_one() -> None:
    doc = from_data(record(home_phq9("h-1", "2026-03-09T21:00:00-07:00", POSITIVE)))
    path = "$.courses[0].measures[0].items[8]"
    assert _codes(evaluate(doc)) == [
        ("KAP-RISK-001", "s-0310", path),
        ("KAP-RISK-002", "s-0310", path),
    ]
    (f, _) = [f for f in evaluate(doc) if f.session_id == "s-0310"]
    assert f.blocking and "at home on 2026-03-09" in f.message and "no clinician" in f.message
    assert "PHQ-9 item 9 is 1" in f.message


def test_item_9_below_the_threshold_at_home_is_not_flagged() -> None:
    doc = from_data(record(home_phq9("h-1", "2026-03-09T21:00:00-07:00", NEGATIVE)))
    assert _codes(evaluate(doc)) == []


@pytest.mark.parametrize(
    ("when", "session"),
    [
        ("2026-03-03T09:00:00-07:00", "s-0303"),  # at the session's start: that session
        ("2026-03-03T09:00:01-07:00", "s-0310"),  # a second later: the next one
        ("2026-03-10T09:00:00-07:00", "s-0310"),
        ("2026-02-02T00:00:00-07:00", "s-0303"),  # the course's first day: the first session
    ],
)
def test_which_session_answers_for_an_at_home_measure(when: str, session: str) -> None:
    doc = from_data(record(home_phq9("h-1", when, POSITIVE)))
    assert {f.session_id for f in evaluate(doc) if f.code.startswith("KAP-RISK")} == {session}


def test_a_positive_item_9_after_the_last_session_is_reported_on_the_course() -> None:
    doc = from_data(record(home_phq9("h-1", "2026-03-10T09:00:01-07:00", POSITIVE)))
    (f,) = [f for f in evaluate(doc) if f.code.startswith("KAP-RISK")]
    assert (f.code, f.session_id, f.course_id) == ("KAP-RISK-006", None, "course-cl-1")
    assert f.blocking and f.path == "$.courses[0].measures[0].items[8]"
    assert "no session has followed" in f.message and "contact the client" in f.message
    assert "course course-cl-1" in str(f)
    # on the course alone, paths are under the course
    (g,) = [f for f in check_course(doc.courses[0]) if f.code.startswith("KAP-RISK")]
    assert g.path == "$.measures[0].items[8]"


def test_a_session_with_a_risk_assessment_and_safety_plan_clears_the_at_home_finding() -> None:
    from tests.billing.builders import session

    planned = session("s-0310", "follow-up", "09:00", "10:00",
                      risk={"suicidal_ideation": "passive", "level": "low", "safety_plan_reviewed": True})
    planned.update(start="2026-03-10T09:00:00-07:00", end="2026-03-10T10:00:00-07:00")
    data = record(home_phq9("h-1", "2026-03-09T21:00:00-07:00", POSITIVE))
    data["courses"][0]["sessions"][1] = planned
    doc = from_data(data)
    course = doc.courses[0]
    assert _codes(check_session(course.sessions[1], course=course)) == []


def test_an_unanswered_item_9_at_home_is_flagged_like_a_session_one() -> None:
    doc = from_data(record(home_phq9("h-1", "2026-03-09T21:00:00-07:00",
                                     [1, 1, 1, 1, 1, 1, 1, 1, None])))
    assert _codes(evaluate(doc)) == [
        ("KAP-RISK-005", "s-0310", "$.courses[0].measures[0].items[8]")]
    after = from_data(record(home_phq9("h-1", "2026-03-11T21:00:00-07:00",
                                       [1, 1, 1, 1, 1, 1, 1, 1, None])))
    (f,) = [f for f in evaluate(after) if f.code.startswith("KAP-RISK")]
    assert (f.code, f.session_id, f.course_id) == ("KAP-RISK-005", None, "course-cl-1")


def test_a_session_checked_alone_sees_its_at_home_measures_through_its_course() -> None:
    doc = from_data(record(home_phq9("h-1", "2026-03-09T21:00:00-07:00", POSITIVE)))
    course = doc.courses[0]
    got = check_session(course.sessions[1], course=course)
    assert [f.path for f in got if f.code == "KAP-RISK-001"] == ["$.measures[0].items[8]"]
    assert [f for f in check_session(course.sessions[0], course=course)
            if f.code.startswith("KAP-RISK")] == []


def test_signing_the_next_session_is_refused_while_an_at_home_item_9_is_unaddressed(store) -> None:
    from kapnotes.lifecycle import SigningRefused, sign

    data = record(home_phq9("h-1", "2026-03-09T21:00:00-07:00", POSITIVE))
    data["courses"][0]["sessions"][1]["clinicians"] = [{"clinician_id": "th-ortiz", "role": "therapist"}]
    store.save(from_data(data))
    with pytest.raises(SigningRefused) as err:
        sign(store, "s-0310", "th-ortiz")
    assert {f.code for f in err.value.findings} >= {"KAP-RISK-001", "KAP-RISK-002"}
