"""The demo holds at-home measures (``build_document(home_measures=True)``, as ``kapnotes demo``)."""

from __future__ import annotations

import datetime as dt

from kapnotes.model import MeasureContext, SessionKind
from kapnotes.outcomes import course_outcomes
from kapnotes.serialization import dumps, loads
from kapnotes.synthetic import build_document


def test_each_course_has_a_portal_phq9_and_gad7_the_evening_before_the_middle_dose() -> None:
    doc = build_document(home_measures=True)
    for course in doc.courses:
        dosings = [s for s in course.sessions if s.kind is SessionKind.DOSING]
        middle = dosings[1]  # 4 dosings: the 2nd ((4 + 1) // 2)
        assert [m.instrument for m in course.measures] == ["gad7", "phq9"]
        for m in course.measures:
            assert m.context is MeasureContext.HOME
            assert m.administered_at.date() == middle.start.date() - dt.timedelta(days=1)
            assert (m.administered_at.hour, m.administered_at.minute) == (20, 30)
        phq9 = next(m for m in course.measures if m.instrument == "phq9")
        assert phq9.items[8] == 0  # item 9: no safety finding made up by the demo
        # the middle dose's note shows them: they fall between the previous session and it
        assert [m for _, m in course.home_measures_for(middle.id)] == list(course.measures)


def test_the_home_measures_are_on_the_course_trajectory_and_round_trip() -> None:
    doc = build_document(home_measures=True)
    for course in doc.courses:
        scores = course_outcomes(course, instruments=["phq9"]).get("phq9").scores
        home = next(m for m in course.measures if m.instrument == "phq9")
        point = next(p for p in scores if p.measure_id == home.id)
        assert point.session_id is None and point.total == sum(home.items)
        before = [p for p in scores if p.administered_at < home.administered_at]
        # on the trajectory: no worse than the score before it, no better than the final one
        assert scores[-1].total <= point.total <= before[-1].total
    assert loads(dumps(doc)) == doc


def test_without_the_option_the_document_is_unchanged() -> None:
    plain = build_document()
    assert all(c.measures == () for c in plain.courses)
    with_home = build_document(home_measures=True)
    strip = [c.sessions for c in with_home.courses]
    assert strip == [c.sessions for c in plain.courses]  # the sessions' own draws are untouched
