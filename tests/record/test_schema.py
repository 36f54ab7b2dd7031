"""The published JSON Schema matches what the loader accepts."""

from __future__ import annotations

import json
from typing import ClassVar

import jsonschema
import pytest

from kapnotes.hookspecs import hookimpl
from kapnotes.model import Intervention
from kapnotes.model._base import field, model, non_blank
from kapnotes.serialization import dumps
from kapnotes.serialization.schema import json_schema


@pytest.fixture
def validator():
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def test_demo_record_validates(validator, demo_doc):
    errors = list(validator.iter_errors(json.loads(dumps(demo_doc))))
    assert errors == []


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["courses"][0]["sessions"][2]["dosing"].__setitem__("dose_mg", -5),
        lambda d: d["courses"][0]["sessions"][2]["dosing"].__setitem__("route", "rectal"),
        lambda d: d["clients"][0].__setitem__("extra", 1),
        lambda d: d["courses"][0]["sessions"][0].__setitem__("start", "2026-01-01T09:00:00"),
        lambda d: d["courses"][0]["sessions"][3]["interventions"][0].__setitem__("type", 7),
        lambda d: d.pop("format_version"),
        lambda d: d["courses"][0]["sessions"][0]["measures"][0]["items"].__setitem__(0, 101),
    ],
)
def test_schema_rejects_what_the_loader_rejects(validator, demo_doc, mutate):
    data = json.loads(dumps(demo_doc))
    mutate(data)
    assert list(validator.iter_errors(data))


def test_plugin_intervention_type_extends_schema_and_format(plugin, demo_doc):
    @model
    class ArtTherapy(Intervention):
        type: ClassVar[str] = "art_therapy"
        label: ClassVar[str] = "Art therapy"
        medium: str = field(check=non_blank)

    class P:
        @hookimpl
        def register_intervention_types(self, register):
            register(ArtTherapy)

    plugin(P(), "art")
    schema = json_schema()
    assert "ArtTherapy" in schema["$defs"]
    from kapnotes.serialization import loads

    data = json.loads(dumps(demo_doc))
    data["courses"][0]["sessions"][3]["interventions"].append({"type": "art_therapy", "medium": "clay"})
    doc = loads(json.dumps(data))
    iv = doc.courses[0].sessions[3].interventions[-1]
    assert isinstance(iv, ArtTherapy)
    assert iv.medium == "clay"
    assert json.loads(dumps(doc)) == data
