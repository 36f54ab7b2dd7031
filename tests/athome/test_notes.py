"""Notes show the at-home scores since the previous session, labelled as at home with their
date; course summaries mark at-home scores."""

from __future__ import annotations

import pytest

from kapnotes.rendering import render
from kapnotes.serialization import from_data
from tests.athome.builders import home_phq9, record


def _doc():
    return from_data(record(
        home_phq9("h-before-first", "2026-03-01T19:00:00-07:00", [3] * 9),
        home_phq9("h-eve", "2026-03-09T20:30:00-07:00", [1, 1, 1, 1, 1, 1, 1, 1, 0]),
        home_phq9("h-after", "2026-03-12T20:30:00-07:00", [0] * 9),
    ))


@pytest.mark.parametrize("fmt", ["soap", "dap", "birp"])
def test_the_next_sessions_note_shows_the_at_home_scores_since_the_previous_session(fmt) -> None:
    doc = _doc()
    course = doc.courses[0]
    text = render(course.session("s-0310"), course=course, document=doc, format=fmt,
                  to="markdown").decode("utf-8")
    assert "At-home measures since the previous session" in text
    assert "2026-03-09" in text and "20:30" in text  # its date and time
    assert "| 8 |" in text or " 8 " in text  # its total
    assert "2026-03-01" not in text  # before the previous session: in that session's note
    assert "2026-03-12" not in text  # after this session
    first = render(course.session("s-0303"), course=course, document=doc, format=fmt,
                   to="markdown").decode("utf-8")
    assert "At-home measures since the previous session" in first and "2026-03-01" in first


def test_a_note_without_at_home_scores_has_no_such_table() -> None:
    doc = from_data(record())
    course = doc.courses[0]
    text = render(course.session("s-0310"), course=course, document=doc, format="soap",
                  to="markdown").decode("utf-8")
    assert "At-home" not in text


def test_the_progress_note_marks_an_at_home_latest_score() -> None:
    data = record(home_phq9("h-eve", "2026-03-09T20:30:00-07:00", [1, 1, 1, 1, 1, 1, 1, 1, 0]))
    data["courses"][0]["sessions"][0]["measures"][0]["context"] = "baseline"
    doc = from_data(data)
    course = doc.courses[0]
    text = render(course.session("s-0310"), course=course, document=doc, format="progress",
                  to="markdown").decode("utf-8")
    assert "(2026-03-09, at home)" in text


def test_an_at_home_measures_extension_fields_are_shown_with_it() -> None:
    doc = from_data(record(home_phq9("h-eve", "2026-03-09T20:30:00-07:00", [0] * 9,
                                     extensions={"portal_x": {"device": "phone"}})))
    course = doc.courses[0]
    text = render(course.session("s-0310"), course=course, document=doc, format="soap",
                  to="markdown").decode("utf-8")
    assert "PHQ-9 at home" in text and "phone" in text
