"""``fast_unstructure`` gives exactly what the project converter gives: the same data (so the
same canonical JSON, content hashes and signatures) for every kind of record."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import attrs
from hypothesis import given
from hypothesis import strategies as st

from kapnotes.model import Document, UnknownIntervention, Vitals
from kapnotes.serialization import (
    canonical_bytes,
    canonical_text,
    converter,
    loads,
    reset_converter,
    to_data,
)
from kapnotes.serialization.fast_unstructure import fast_unstructure
from kapnotes.synthetic import build_document
from tests.plugins.test_extensions import harbor, with_extensions  # noqa: F401 - a fixture
from tests.record.test_roundtrip_property import SETTINGS, documents

FIXTURES = Path(__file__).parent / "fixtures"


def same(obj: object) -> None:
    want = converter().unstructure(obj)
    got = fast_unstructure(obj)
    assert got == want
    assert canonical_text(obj) == canonical_bytes(want).decode("utf-8")


def test_the_demo_clinic_with_notes_and_plugin_data() -> None:
    doc = build_document(clients=6, with_process_notes=True, plugin_data=True)
    same(doc)
    for course in doc.courses:
        for s in course.sessions:
            same(s)


def test_a_document_of_format_0_1() -> None:
    same(loads((FIXTURES / "demo-0.1-export.json").read_bytes()))


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
    doc = loads(json.dumps(data))
    kept = [iv for _, s in doc.iter_sessions() for iv in s.interventions
            if isinstance(iv, UnknownIntervention)]
    assert len(kept) == 1
    same(doc)


def test_a_whole_number_in_a_float_field_is_written_as_a_float(demo_doc: Document) -> None:
    s = next(s for _, s in demo_doc.iter_sessions() if s.dosing is not None)
    vitals = [e for e in s.dosing.monitoring if isinstance(e, Vitals)]
    assert vitals
    dosing = attrs.evolve(s.dosing, dose_mg=35)
    same(dosing)
    assert fast_unstructure(dosing)["dose_mg"] == 35.0
    assert isinstance(fast_unstructure(dosing)["dose_mg"], float)


def test_a_new_converter_gets_new_functions(demo_doc: Document) -> None:
    before = converter()
    same(demo_doc)
    reset_converter()
    try:
        assert converter() is not before
        same(demo_doc)
    finally:
        reset_converter()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)


@given(json_values)
def test_the_canonical_encoder_writes_what_json_dumps_writes(value: object) -> None:
    want = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)
    assert canonical_text(value if isinstance(value, (dict, list)) else [value]) == (
        want if isinstance(value, (dict, list)) else f"[{want}]"
    )
    assert canonical_bytes(value) == want.encode("utf-8")


@attrs.frozen
class _Inner:
    ratio: float = 1.0
    on: dt.date | None = None
    at: dt.datetime | None = None


@attrs.frozen
class _Odd:
    """Field types no model class has (a plugin's may): the converter's hooks serve them."""

    counts: dict[str, int]
    names: list[str]
    anything: Any
    inner: _Inner
    many: tuple[_Inner, ...] = ()
    maybe: tuple[int, ...] | None = None
    either: int | str = 0
    derived: tuple[str, ...] = attrs.field(
        default=attrs.Factory(lambda self: (self.names[0],) if self.names else (), takes_self=True)
    )


@given(st.builds(
    _Odd,
    counts=st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    names=st.lists(st.text(max_size=5), max_size=3),
    anything=json_values,
    inner=st.builds(_Inner, ratio=st.integers(-5, 5) | st.floats(allow_nan=False),
                    on=st.none() | st.dates(), at=st.none() | st.datetimes()),
    many=st.lists(st.builds(_Inner, ratio=st.integers(0, 3)), max_size=2).map(tuple),
    maybe=st.none() | st.lists(st.integers(), max_size=3).map(tuple),
    either=st.integers() | st.text(max_size=3),
))
def test_any_attrs_class_unstructures_as_the_converter_does(obj: _Odd) -> None:
    assert fast_unstructure(obj) == converter().unstructure(obj)
    assert repr(fast_unstructure(obj)) == repr(converter().unstructure(obj))  # 1 is not 1.0
