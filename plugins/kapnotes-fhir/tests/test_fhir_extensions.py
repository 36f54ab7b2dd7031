"""kapnotes extension fields are exported as FHIR extensions under their plugin's URL."""

from __future__ import annotations

import json

import attrs
from kapnotes_fhir.bundles import export_collection

from conftest import client_view, validate
from kapnotes import hookimpl
from kapnotes.exporting import ExportOptions
from kapnotes.model._base import model
from kapnotes.model.extensions import Extension, UnknownExtension
from kapnotes.synthetic import build_document
from kapnotes.testing import registered_plugin

TEXT_ONLY = ExportOptions(extra={"note_content": "text"})
URL = "https://harborlight.example/fhir/StructureDefinition/"


@model
class HarborSession:
    sitter: str | None = None
    lying_down: bool = False


@model
class HarborDose:
    minutes_lying_down: int | None = None


class Harbor:
    @staticmethod
    @hookimpl
    def register_extensions(register):
        register(Extension("harbor_light", "session", HarborSession, URL + "session", "Harbor"))
        register(Extension("harbor_light", "dosing", HarborDose, URL + "dosing", "Harbor dose"))
        register(Extension("harbor_light", "monitoring.vitals", HarborDose, URL + "vitals",
                           "Harbor vitals"))


def _doc():
    doc = build_document(clients=1)
    course = doc.courses[0]
    sessions = list(course.sessions)
    k, s = next((k, s) for k, s in enumerate(sessions) if s.dosing is not None)
    sessions[k] = attrs.evolve(
        s,
        extensions={"harbor_light": HarborSession(sitter="Sam (synthetic)", lying_down=True),
                    "county_form": UnknownExtension("county_form", '{"form":"B-7"}')},
        dosing=attrs.evolve(
            s.dosing, extensions={"harbor_light": HarborDose(minutes_lying_down=35)},
            monitoring=tuple(
                attrs.evolve(e, extensions={"harbor_light": HarborDose(minutes_lying_down=5)})
                if e.type == "vitals" and k == 0 else e
                for k, e in enumerate(s.dosing.monitoring)),
        ),
    )
    return attrs.evolve(doc, courses=(attrs.evolve(course, sessions=tuple(sessions)),)), s.id


def test_extensions_are_fhir_extensions_with_the_declared_url():
    with registered_plugin(Harbor(), "harbor_light"):
        doc, _sid = _doc()
        bundle = json.loads(export_collection(client_view(doc, "cl-001"), TEXT_ONLY))
    validate(bundle)
    res = [e["resource"] for e in bundle["entry"]]
    with_ext = [r for r in res if "extension" in r]
    encounter = next(r for r in with_ext if r["resourceType"] == "Encounter")
    assert encounter["extension"] == [{"url": URL + "session", "extension": [
        {"url": "sitter", "valueString": "Sam (synthetic)"},
        {"url": "lying_down", "valueBoolean": True},
    ]}]
    dose = next(r for r in with_ext if r["resourceType"] == "MedicationAdministration")
    assert dose["extension"] == [{"url": URL + "dosing", "extension": [
        {"url": "minutes_lying_down", "valueInteger": 35}]}]
    vitals = [r for r in with_ext if r["resourceType"] == "Observation"]
    assert vitals and all(r["extension"][0]["url"] == URL + "vitals" for r in vitals)
    assert len(with_ext) == 2 + len(vitals)  # the undeclared namespace has no URL: not exported
