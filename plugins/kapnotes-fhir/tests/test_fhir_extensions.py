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


# --- read back by the importer --------------------------------------------------------------

@model
class Scorer:
    initials: str


@model
class HarborMeasure:
    room: str | None = None
    minutes: int | None = None
    calm: bool = False
    tags: tuple[str, ...] = ()
    scorer: Scorer | None = None


class HarborMeasures:
    @staticmethod
    @hookimpl
    def register_extensions(register):
        register(Extension("harbor_light", "measure", HarborMeasure, URL + "measure", "Harbor measure"))


VALUE = HarborMeasure(room="B2", minutes=12, calm=True, tags=("quiet", "after walk"),
                      scorer=Scorer(initials="SK"))


def _with_measure_extension():
    """The demo's first client, the measures of its draft sessions carrying a Harbor value."""
    from kapnotes.model import NoteStatus

    doc = build_document(clients=1)
    course = doc.courses[0]
    sessions = tuple(
        attrs.evolve(s, measures=tuple(attrs.evolve(m, extensions={"harbor_light": VALUE})
                                       for m in s.measures))
        if s.status is NoteStatus.DRAFT else s
        for s in course.sessions
    )
    return attrs.evolve(doc, courses=(attrs.evolve(course, sessions=sessions),))


def _responses(doc):
    bundle = json.loads(export_collection(client_view(doc, doc.clients[0].id), TEXT_ONLY))
    validate(bundle)
    return [e["resource"] for e in bundle["entry"]
            if e["resource"]["resourceType"] == "QuestionnaireResponse"]


def _draft_store(doc):
    """A store of ``doc`` with the measures of its draft sessions dropped (to import them)."""
    from kapnotes.model import NoteStatus
    from kapnotes.store import open_store

    store = open_store(":memory:")
    course = doc.courses[0]
    store.save(attrs.evolve(doc, courses=(attrs.evolve(course, sessions=tuple(
        attrs.evolve(s, measures=()) if s.status is NoteStatus.DRAFT else s
        for s in course.sessions)),)))
    return store


def test_imported_responses_carry_their_extension_values_back():
    from kapnotes_fhir.importer import import_questionnaire_responses

    from kapnotes.model import NoteStatus

    with registered_plugin(HarborMeasures(), "harbor_light"):
        doc = _with_measure_extension()
        drafts = {s.id for s in doc.courses[0].sessions if s.status is NoteStatus.DRAFT and s.measures}
        assert drafts
        responses = [r for r in _responses(doc)
                     if any(e.get("url") == URL + "measure" for e in r.get("extension", []))]
        assert responses
        ext = responses[0]["extension"][0]
        assert {"url": "tags", "valueString": "after walk"} in ext["extension"]
        assert {"url": "scorer", "extension": [{"url": "initials", "valueString": "SK"}]} in ext["extension"]
        store = _draft_store(doc)
        summary = import_questionnaire_responses(store, responses, actor="test:ext")
        assert summary.added == len(responses)
        for sid in drafts:
            _, back = store.session(sid)
            assert back.measures and all(m.extensions["harbor_light"] == VALUE for m in back.measures)
        again = import_questionnaire_responses(store, responses, actor="test:ext")
        assert (again.added, again.unchanged) == (0, len(responses))  # the same values: present

        changed = json.loads(json.dumps(responses[0]))
        sub = changed["extension"][0]["extension"]
        changed["extension"][0]["extension"] = [
            {"url": "room", "valueString": "C1"} if e["url"] == "room" else e for e in sub]
        fix = import_questionnaire_responses(store, [changed], actor="test:ext")
        assert fix.added == 1  # another value is a correction of the response
        assert fix.measures[0].measure.extensions["harbor_light"].room == "C1"
        store.close()


def test_extension_values_are_checked_with_their_json_paths():
    from kapnotes_fhir.importer import import_questionnaire_responses

    from kapnotes.errors import InvalidError

    with registered_plugin(HarborMeasures(), "harbor_light"):
        doc = _with_measure_extension()
        qr = next(r for r in _responses(doc) if r.get("extension"))
        bad = json.loads(json.dumps(qr))
        bad["extension"].insert(0, {"url": "https://other.example/ext", "valueString": "ignored"})
        bad["extension"][1]["extension"] += [
            {"url": "minutes", "valueString": "twelve"},
            {"url": "colour", "valueString": "blue"},
        ]
        store = _draft_store(doc)
        try:
            import_questionnaire_responses(store, bad, actor="test:ext")
        except InvalidError as exc:
            got = [(p.path, p.message) for p in exc.problems]
        else:
            raise AssertionError("accepted a malformed extension")
        assert ("$.extension[1].extension[7].url",
                "'colour' is not a field of this extension (its fields: room, minutes, calm, "
                "tags, scorer)") in got
        assert ("$.extension[1].extension",
                "the field 'minutes' is given 2 times; it takes one value") in got
        assert all(p.startswith("$.extension[1]") for p, _ in got)  # the other URL is ignored

        wrong = json.loads(json.dumps(qr))
        wrong["extension"][0]["extension"] = [
            {"url": "minutes", "valueString": "twelve"} if e["url"] == "minutes" else e
            for e in wrong["extension"][0]["extension"]]
        try:
            import_questionnaire_responses(store, wrong, actor="test:ext")
        except InvalidError as exc:
            got = [(p.path, p.message) for p in exc.problems]
        else:
            raise AssertionError("accepted a string for an integer field")
        assert len(got) == 1 and got[0][0] == "$.extension[0]", got
        assert got[0][1].startswith("Harbor measure: minutes: ") and "twelve" in got[0][1], got
        assert store.session(doc.courses[0].sessions[0].id)  # nothing written: still readable
        store.close()
