"""``fast_structure`` gives what the project converter gives for every course the store could
hold, and refuses whatever the converter refuses (random damage anywhere in a course)."""

from __future__ import annotations

import copy
import json
import pickle
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kapnotes.model import Document, TreatmentCourse, UnknownIntervention
from kapnotes.model._base import trusted_construction
from kapnotes.serialization import converter, loads, to_data
from kapnotes.serialization.fast_structure import fast_structure
from kapnotes.synthetic import build_document
from tests.plugins.test_extensions import harbor, with_extensions  # noqa: F401 - a fixture
from tests.record.test_roundtrip_property import SETTINGS, documents


def _copy(data: Any) -> Any:
    """A deep copy of JSON data (pickle: the same values, surrogates and NaN included, at C speed)."""
    return pickle.loads(pickle.dumps(data, pickle.HIGHEST_PROTOCOL))


def _both(data: Any) -> tuple[Any, Any]:
    """(the converter's course or its exception, the fast path's course or its exception)."""
    out = []
    for decode in (lambda d: converter().structure(d, TreatmentCourse), lambda d: fast_structure(d, TreatmentCourse)):
        try:
            with trusted_construction():
                out.append(decode(_copy(data)))
        except Exception as exc:  # noqa: BLE001 - compared below
            out.append(exc)
    return out[0], out[1]


def same(doc: Document) -> None:
    for course in to_data(doc)["courses"]:
        want, got = _both(course)
        assert isinstance(want, TreatmentCourse)
        assert got == want


def test_the_demo_clinic_with_plugin_data() -> None:
    same(build_document(clients=6, plugin_data=True))


@SETTINGS
@given(data=st.data())
def test_random_sessions_and_at_home_measures(demo_doc: Document, data: st.DataObject) -> None:
    same(data.draw(documents(demo_doc)))


def test_declared_and_undeclared_extensions(demo_doc: Document, harbor: str) -> None:  # noqa: F811
    data, _ = with_extensions(demo_doc, {"elsewhere": {"kept": [1, 2.5, "as read"]}})
    same(loads(json.dumps(data)))


def test_an_intervention_whose_plugin_is_gone_is_its_data(demo_doc: Document) -> None:
    data = copy.deepcopy(to_data(demo_doc))
    session = next(s for s in data["courses"][0]["sessions"] if s.get("interventions"))
    session["interventions"].append({"type": "music-set", "tracks": ["one", "two"], "minutes": 40})
    course = _both(data["courses"][0])
    assert isinstance(course[1], TreatmentCourse) and course[1] == course[0]
    assert any(isinstance(iv, UnknownIntervention) for s in course[1].sessions for iv in s.interventions)


# --- damage: whatever the converter refuses, the fast path refuses -------------------------------

#: Values put in place of a stored one: other JSON types, edge numbers, bad strings and tags.
ODD = [
    None, True, False, 0, 1, -1, 2**63, -(2**63) - 1, 1.5, 12.0, float("inf"), float("nan"), "", "x",
    "\ud800", "draft", "2026-03-02", "2026-03-02T09:30:00-07:00", "2026-03-02T09:30:00-07:99",
    "2026-03-02T09:30:00", [], [1], ["x"], {}, {"type": "vitals"}, {"type": "nonesuch"},
]
ODD_VALUES = st.sampled_from(ODD)


def _places(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``value`` (keys of objects, indices of arrays)."""
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _places(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _places(v, (*path, i))
    return out


def _damaged(course: dict[str, Any], where: tuple[Any, ...], how: str, odd: Any) -> dict[str, Any]:
    """``course`` damaged at ``where``: the containers on the way copied, the rest shared
    (``_both`` gives each decoder a copy of its own)."""
    *parent_path, last = where
    data = copy.copy(course)
    parent: Any = data
    for k in parent_path:
        parent[k] = copy.copy(parent[k])
        parent = parent[k]
    if how == "replace":
        parent[last] = odd
    elif how == "delete":
        del parent[last]
    elif isinstance(parent[last], dict):  # a key the class does not have
        parent[last] = {**parent[last], "surprise": odd}
    else:
        parent[last] = odd
    return data


@pytest.fixture(scope="module")
def course_data() -> dict[str, Any]:
    doc = build_document(clients=2, plugin_data=True)
    return max(to_data(doc)["courses"], key=lambda c: len(json.dumps(c)))


@SETTINGS
@given(data=st.data())
def test_damage_the_converter_refuses_is_refused(course_data: dict[str, Any], data: st.DataObject) -> None:
    where = data.draw(st.sampled_from(_places(course_data)[1:]))
    how = data.draw(st.sampled_from(["replace", "delete", "add"]))
    damaged = _damaged(course_data, where, how, data.draw(ODD_VALUES))
    want, got = _both(damaged)
    if isinstance(want, Exception):
        assert isinstance(got, Exception), f"accepted what the converter refuses at {where}"
    elif not isinstance(got, Exception):  # refusing what it accepts is allowed (the slow path reads it)
        assert got == want


def test_each_odd_value_at_each_session_field(course_data: dict[str, Any]) -> None:
    """Every top-level field of every session, every odd value: never accepted where refused.
    The course keeps only the four sessions damaged (each decoder reads the whole course)."""
    course = {**course_data, "sessions": course_data["sessions"][:4]}
    for k, session in enumerate(course["sessions"]):
        for key in session:
            for odd in ODD:
                want, got = _both(_damaged(course, ("sessions", k, key), "replace", odd))
                if isinstance(want, Exception):
                    assert isinstance(got, Exception), (key, odd)
                else:
                    assert got == want or isinstance(got, Exception)
