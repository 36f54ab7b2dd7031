"""Format 1.3: at-home measure administrations on the course (``course.measures``)."""

from __future__ import annotations

import json

import pytest

from kapnotes.errors import InvalidError
from kapnotes.model import MeasureContext, Respondent
from kapnotes.serialization import dumps, from_data, loads
from kapnotes.serialization.schema import json_schema
from tests.athome.builders import home_phq9, record
from tests.billing.builders import phq9, session, t

EVENING = "2026-03-02T20:15:00-07:00"
P = "$.courses[0].measures"


def test_an_at_home_measure_loads_and_round_trips() -> None:
    doc = from_data(record(home_phq9("h-1", EVENING, [1, 1, 1, 1, 1, 1, 1, 1, 0])))
    (m,) = doc.courses[0].measures
    assert m.context is MeasureContext.HOME and m.respondent is Respondent.CLIENT
    again = loads(dumps(doc))
    assert again == doc
    out = json.loads(dumps(doc))["courses"][0]["measures"]
    assert out == [home_phq9("h-1", EVENING, [1, 1, 1, 1, 1, 1, 1, 1, 0])]


def test_course_measures_are_kept_in_time_order() -> None:
    late = home_phq9("h-a", "2026-03-08T19:00:00-07:00", [0] * 9)
    early = home_phq9("h-b", EVENING, [1] * 9)
    doc = from_data(record(late, early))
    assert [m.id for m in doc.courses[0].measures] == ["h-b", "h-a"]
    # the same record assembled in the other order gives the same bytes
    assert dumps(doc) == dumps(from_data(record(early, late)))


def test_a_course_measure_must_be_taken_at_home() -> None:
    m = home_phq9("h-1", EVENING, [1] * 9)
    m.pop("context")
    with pytest.raises(InvalidError) as err:
        from_data(record(m))
    (p,) = err.value.problems
    assert p.path == f"{P}[0].context"
    assert "'home'" in p.message


def test_home_is_refused_inside_a_session() -> None:
    s = session("s-0303", "follow-up", "09:00", "10:00",
                measures=[{**phq9("m-1", "2026-03-03", [1] * 9), "context": "home"}])
    with pytest.raises(InvalidError) as err:
        from_data(record(sessions=[s]))
    (p,) = err.value.problems
    assert p.path == "$.courses[0].sessions[0].measures[0].context"
    assert "course's measures" in p.message


def test_a_clinician_is_not_the_respondent_of_an_at_home_measure() -> None:
    with pytest.raises(InvalidError) as err:
        from_data(record(home_phq9("h-1", EVENING, [1] * 9, respondent="clinician")))
    assert [p.path for p in err.value.problems] == [f"{P}[0].respondent"]


@pytest.mark.parametrize(
    ("when", "fragment"),
    [
        ("2026-02-01T20:00:00-07:00", "before the course started on 2026-02-02"),
        ("2026-04-02T08:00:00-07:00", "after the course ended on 2026-04-01"),
    ],
)
def test_an_at_home_measure_outside_the_course_is_refused(when: str, fragment: str) -> None:
    with pytest.raises(InvalidError) as err:
        from_data(record(home_phq9("h-1", when, [1] * 9), ended_on="2026-04-01",
                         status="completed"))
    (p,) = err.value.problems
    assert p.path == f"{P}[0].administered_at"
    assert fragment in p.message


def test_the_course_span_boundaries_are_inside() -> None:
    first = home_phq9("h-1", "2026-02-02T06:00:00-07:00", [1] * 9)
    last = home_phq9("h-2", "2026-04-01T23:59:59-07:00", [1] * 9)
    doc = from_data(record(first, last, ended_on="2026-04-01", status="completed"))
    assert len(doc.courses[0].measures) == 2


def test_instrument_checks_apply_to_at_home_measures() -> None:
    with pytest.raises(InvalidError) as err:
        from_data(record(home_phq9("h-1", EVENING, [1] * 8),
                         home_phq9("h-2", "2026-03-04T20:00:00-07:00", [1, 1, 1, 1, 1, 1, 1, 1, 4])))
    paths = sorted(p.path for p in err.value.problems)
    assert paths[0].startswith(f"{P}[0]") and paths[-1].startswith(f"{P}[1].items")


def test_measure_ids_are_unique_across_session_and_course_measures() -> None:
    with pytest.raises(InvalidError) as err:
        from_data(record(home_phq9("m-0303", EVENING, [1] * 9)))
    (p,) = err.value.problems
    assert p.path == f"{P}[0].id"
    assert "$.courses[0].sessions[0].measures[0]" in p.message


def test_an_at_home_measure_names_a_known_clinician() -> None:
    with pytest.raises(InvalidError) as err:
        from_data(record(home_phq9("h-1", EVENING, [1] * 9, administered_by="nobody")))
    assert [p.path for p in err.value.problems] == [f"{P}[0].administered_by"]


def test_the_schema_describes_course_measures_and_home() -> None:
    schema = json.dumps(json_schema())
    assert '"home"' in schema
    course = json_schema()["$defs"]["TreatmentCourse"]["properties"]
    assert "measures" in course


def test_an_older_document_keeps_its_bytes() -> None:
    data = record()
    data["format_version"] = "1.2"
    doc = from_data(data)
    assert doc.courses[0].measures == ()
    assert "measures" not in json.loads(dumps(doc))["courses"][0]
    assert t("09:05", "2026-03-03") in dumps(doc)


def test_an_unknown_extension_namespace_on_an_at_home_measure_is_kept_and_reported() -> None:
    from kapnotes.serialization.unknown_types import unknown_extensions

    doc = from_data(record(home_phq9("h-1", EVENING, [1] * 9,
                                     extensions={"portal_x": {"device": "phone"}})))
    assert json.loads(dumps(doc))["courses"][0]["measures"][0]["extensions"] == {
        "portal_x": {"device": "phone"}}
    assert (f"{P}[0].extensions.portal_x", "portal_x") in unknown_extensions(doc)
