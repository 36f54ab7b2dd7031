"""Extension fields: a plugin adds typed, namespaced fields to model objects.

Validated as strictly as core fields (paths, all errors at once), in the JSON Schema, stored and
round-tripped byte-identically, covered by the content hash, shown in notes, de-identified, and
kept opaque (with a warning; refused by ``--strict-extensions``) when their plugin is absent.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import kapnotes.plugins as plugins
from kapnotes import hookimpl
from kapnotes.cli.app import cli
from kapnotes.errors import InvalidError
from kapnotes.model import Document
from kapnotes.model._base import field, in_range, model, non_blank
from kapnotes.model.extensions import Extension, Extensions, UnknownExtension
from kapnotes.notes.renderers import Renderer
from kapnotes.serialization import content_hash, dumps, loads, to_data
from kapnotes.store import open_store, session_content_hash
from kapnotes.testing import registered_plugin

SESSION = "cl-001-dose-01"


@model
class HarborSession:
    """Harbor Light's session fields (synthetic)."""

    sitter: str | None = field(default=None, check=non_blank, identifier=True,
                               label="Sitter")
    research_id: str | None = field(default=None, label="Research ID")


@model
class HarborDose:
    """Harbor Light's dosing-record fields (synthetic)."""

    rems_enrolment: str | None = field(default=None, label="REMS enrolment")
    minutes_lying_down: int | None = field(default=None, check=in_range(0, 600),
                                           label="Minutes lying down")


SESSION_EXT = Extension("harbor_light", "session", HarborSession,
                        "https://harborlight.example/fhir/StructureDefinition/session",
                        "Harbor Light session")
DOSE_EXT = Extension("harbor_light", "dosing", HarborDose,
                     "https://harborlight.example/fhir/StructureDefinition/dosing",
                     "Harbor Light dosing")


class HarborPlugin:
    @hookimpl
    def register_extensions(self, register: Callable[[Any], None]) -> None:
        register(SESSION_EXT)
        register(DOSE_EXT)


@pytest.fixture
def harbor():
    with registered_plugin(HarborPlugin(), "harbor_light") as name:
        yield name


def with_extensions(doc: Document, extra: dict[str, Any] | None = None) -> tuple[dict, str]:
    """The record with Harbor Light values on one dosing session and its dosing record."""
    data = copy.deepcopy(to_data(doc))
    for c, course in enumerate(data["courses"]):
        for s, session in enumerate(course["sessions"]):
            if session["id"] == SESSION:
                session["extensions"] = {
                    "harbor_light": {"sitter": "Sam Sitter (synthetic)", "research_id": "R-17"},
                    **(extra or {}),
                }
                session["dosing"]["extensions"] = {
                    "harbor_light": {"rems_enrolment": "REMS-0042", "minutes_lying_down": 35}
                }
                return data, f"$.courses[{c}].sessions[{s}]"
    raise AssertionError(SESSION)


def _session(doc: Document):  # type: ignore[no-untyped-def]
    return next(s for _c, s in doc.iter_sessions() if s.id == SESSION)


def test_declared_extensions_load_as_their_classes_and_round_trip(demo_doc, harbor) -> None:
    data, _ = with_extensions(demo_doc)
    doc = loads(json.dumps(data))
    s = _session(doc)
    assert s.extensions["harbor_light"] == HarborSession(sitter="Sam Sitter (synthetic)",
                                                         research_id="R-17")
    assert s.dosing.extensions["harbor_light"].minutes_lying_down == 35
    text = dumps(doc)
    assert dumps(loads(text)) == text
    assert json.loads(text)["courses"][0]["sessions"][2]["extensions"] == data["courses"][0][
        "sessions"][2]["extensions"]


def test_every_problem_in_a_declared_namespace_has_its_path(demo_doc, harbor) -> None:
    data, path = with_extensions(demo_doc)
    session = data["courses"][0]["sessions"][2]
    session["extensions"]["harbor_light"]["sittr"] = "typo"
    session["dosing"]["extensions"]["harbor_light"]["minutes_lying_down"] = 900
    data["courses"][0]["sessions"][0]["modality"] = "telepathy"  # and a core problem elsewhere
    with pytest.raises(InvalidError) as exc:
        loads(json.dumps(data))
    assert sorted(p.path for p in exc.value.problems) == sorted([
        f"{path}.extensions.harbor_light.sittr",
        f"{path}.dosing.extensions.harbor_light.minutes_lying_down",
        "$.courses[0].sessions[0].modality",
    ])
    assert "unknown key 'sittr'" in str(exc.value)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [("not an object", "expected an object"), ({"Bad-NS": {}}, "invalid extension namespace")],
)
def test_malformed_extensions_are_refused(demo_doc, harbor, value, fragment) -> None:
    data, path = with_extensions(demo_doc)
    data["courses"][0]["sessions"][2]["dosing"]["extensions"] = value
    with pytest.raises(InvalidError, match=fragment) as exc:
        loads(json.dumps(data))
    assert exc.value.problems[0].path.startswith(f"{path}.dosing.extensions")


def test_an_undeclared_namespace_is_kept_byte_identically(demo_doc, harbor) -> None:
    other = {"county_form": {"form": "B-7", "answers": [1, 2, {"x": None}]}}
    data, _ = with_extensions(demo_doc, other)
    doc = loads(json.dumps(data))
    kept = _session(doc).extensions["county_form"]
    assert isinstance(kept, UnknownExtension) and kept.data == other["county_form"]
    text = dumps(doc)
    assert dumps(loads(text)) == text
    # without the plugin, its namespace is opaque too, and the bytes do not change
    plugins.unregister_plugin(harbor)
    again = loads(text)
    assert _session(again).extensions.unknown == ("county_form", "harbor_light")
    assert dumps(again) == text and content_hash(again) == content_hash(doc)


def test_the_content_hash_covers_extensions(demo_doc, harbor) -> None:
    data, _ = with_extensions(demo_doc)
    before = session_content_hash(_session(loads(json.dumps(data))))
    data["courses"][0]["sessions"][2]["extensions"]["harbor_light"]["research_id"] = "R-18"
    assert session_content_hash(_session(loads(json.dumps(data)))) != before
    plain = session_content_hash(_session(demo_doc))
    assert plain != before


def test_the_store_round_trips_extensions_and_sign_verify(demo_doc, harbor, tmp_path: Path) -> None:
    data, _ = with_extensions(demo_doc, {"county_form": {"form": "B-7"}})
    record, db = tmp_path / "r.json", tmp_path / "k.db"
    text = dumps(loads(json.dumps(data)))
    record.write_text(text, encoding="utf-8")
    run = CliRunner()
    assert run.invoke(cli, ["import", str(record), "--db", str(db)]).exit_code == 0
    store = open_store(db)
    try:
        stored = _session(store.document())
        assert stored.extensions == _session(loads(text)).extensions
        assert stored.dosing.extensions == _session(loads(text)).dosing.extensions
    finally:
        store.close()
    r = run.invoke(cli, ["sign", SESSION, "--clinician", "dr-ames", "--db", str(db)])
    assert r.exit_code == 0, r.output
    r = run.invoke(cli, ["verify", "--db", str(db)])
    assert r.exit_code == 0, r.output
    exported = run.invoke(cli, ["export", "--to", "json", "--db", str(db)]).stdout
    again = tmp_path / "again.db"
    Path(tmp_path / "e.json").write_text(exported, encoding="utf-8")
    r = run.invoke(cli, ["import", str(tmp_path / "e.json"), "--trust-signatures",
                         "--db", str(again)])
    assert r.exit_code == 0, r.output
    assert run.invoke(cli, ["export", "--to", "json", "--db", str(again)]).stdout == exported


def test_check_warns_of_an_undeclared_namespace_and_strict_import_refuses(
    demo_doc, harbor, tmp_path: Path
) -> None:
    data, path = with_extensions(demo_doc, {"county_form": {"form": "B-7"}})
    record = tmp_path / "r.json"
    record.write_text(json.dumps(data), encoding="utf-8")
    run = CliRunner()
    r = run.invoke(cli, ["check", str(record)])
    assert f"{path}.extensions.county_form: extension namespace 'county_form'" in r.stderr
    assert "likely one named 'county_form'" in r.stderr
    assert "harbor_light" not in r.stderr  # declared: no warning
    db = tmp_path / "k.db"
    r = run.invoke(cli, ["import", str(record), "--strict-extensions", "--db", str(db)])
    assert r.exit_code == 1
    assert f"{path}.extensions.county_form" in r.stderr and "not declared" in r.stderr
    assert not db.exists() or open_store(db).document().courses == ()
    assert run.invoke(cli, ["import", str(record), "--db", str(db)]).exit_code == 0


def test_the_json_schema_has_the_declared_extensions(demo_doc, harbor) -> None:
    import jsonschema

    from kapnotes.serialization.schema import json_schema

    schema = json_schema()
    assert "HarborSession" in schema["$defs"] and "HarborDose" in schema["$defs"]
    validator = jsonschema.Draft202012Validator(schema)
    data, _ = with_extensions(demo_doc, {"county_form": {"form": "B-7"}})
    assert list(validator.iter_errors(data)) == []
    data["courses"][0]["sessions"][2]["extensions"]["harbor_light"]["sittr"] = "x"
    assert list(validator.iter_errors(data)) != []


def test_notes_show_extensions_with_their_labels_and_a_renderer(demo_doc, harbor) -> None:
    from kapnotes.rendering import render

    data, _ = with_extensions(demo_doc)
    doc = loads(json.dumps(data))
    s = _session(doc)
    text = render(s, document=doc, format="kap-dosing", to="text").decode()
    assert "Harbor Light session" in text and "Sam Sitter (synthetic)" in text
    assert "Minutes lying down" in text and "35" in text and "REMS-0042" in text

    class DoseRenderer:
        @hookimpl
        def register_renderers(self, register: Callable[[Any], None]) -> None:
            from kapnotes.notes.blocks import fields_block

            register(Renderer.for_extension(DOSE_EXT, lambda ctx, v: fields_block(
                [("Lying down", f"{v.minutes_lying_down} min (Harbor SOP)")])))

    with registered_plugin(DoseRenderer(), "harbor_renderer"):
        text = render(s, document=doc, format="soap", to="text").decode()
    assert "35 min (Harbor SOP)" in text and "Minutes lying down" not in text
    assert "Sam Sitter (synthetic)" in text  # the session's extension: default rendering


def test_de_identification_removes_identifier_fields_of_extensions(demo_doc, harbor) -> None:
    from kapnotes.privacy import deidentify

    data, _ = with_extensions(demo_doc, {"county_form": {"seen_on": "2026-01-12", "who": "x"}})
    out = deidentify(loads(json.dumps(data)), secret=b"k" * 32)
    s = next(s for c in out["courses"] for s in c["sessions"] if "extensions" in s)
    assert "sitter" not in s["extensions"]["harbor_light"]  # identifier=True: removed
    assert "Sam Sitter" not in json.dumps(out)
    assert s["extensions"]["county_form"]["seen_on"] != "2026-01-12"


def test_python_objects_take_extensions_and_refuse_non_attrs_values() -> None:
    from kapnotes.errors import ModelError

    assert Extensions({"harbor_light": HarborSession(research_id="R-1")})["harbor_light"]
    with pytest.raises(ModelError, match="expected an instance of an extension's fields class"):
        Extensions({"harbor_light": {"research_id": "R-1"}})
    with pytest.raises(ModelError, match="invalid extension namespace"):
        Extensions({"Harbor": HarborSession()})


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("Bad", "session", HarborSession, "https://x.example/e", "X"), "namespace"),
        (("ok", "sessions", HarborSession, "https://x.example/e", "X"), "host"),
        (("ok", "session", dict, "https://x.example/e", "X"), "attrs class"),
        (("ok", "session", HarborSession, "not a url", "X"), "url"),
    ],
)
def test_an_extension_declaration_is_checked(args: tuple, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Extension(*args)


def test_a_wrong_registration_is_skipped_with_a_warning() -> None:
    class Wrong:
        @hookimpl
        def register_extensions(self, register: Callable[[Any], None]) -> None:
            register({"namespace": "x"})

    with pytest.warns(plugins.PluginLoadWarning, match="expected an instance of"), \
            registered_plugin(Wrong(), "wrong_ext"):
        assert len(plugins.registry().extensions) == 0


def test_a_plugin_intervention_uses_its_field_labels_without_a_renderer(demo_doc) -> None:
    from typing import ClassVar

    from kapnotes.model import Intervention
    from kapnotes.notes import blocks
    from kapnotes.notes.format import NoteContext

    @model
    class Tapping(Intervention):
        type: ClassVar[str] = "tapping-test"
        label: ClassVar[str] = "Tapping"

        points: int = field(default=0, label="Tapping points")
        pace: str | None = field(default=None)

    s = _session(demo_doc)
    text = "\n".join(b.items[1][0] + " " + b.items[1][1] for b in
                     blocks.render_intervention(NoteContext(session=s), Tapping(points=4)))
    assert "Tapping points 4" in text


@model
class Enrolment:
    research_id: str | None = None


class EveryHost:
    @hookimpl
    def register_extensions(self, register: Callable[[Any], None]) -> None:
        for host in ("client", "clinician", "course", "measure", "monitoring.vitals"):
            register(Extension("study", host, Enrolment, f"https://x.example/{host}", "Study"))


def test_every_host_round_trips_through_the_store(demo_doc) -> None:
    data = copy.deepcopy(to_data(demo_doc))
    value = {"study": {"research_id": "R-1"}}
    data["clients"][0]["extensions"] = value
    data["clinicians"][0]["extensions"] = value
    data["courses"][0]["extensions"] = value
    s = next(s for s in data["courses"][0]["sessions"] if s.get("dosing") and s.get("measures"))
    s["measures"][0]["extensions"] = value
    vitals = next(e for e in s["dosing"]["monitoring"] if e["type"] == "vitals")
    vitals["extensions"] = value
    with registered_plugin(EveryHost(), "study"):
        doc = loads(json.dumps(data))
        assert doc.clients[0].extensions["study"] == Enrolment(research_id="R-1")
        store = open_store(":memory:")
        try:
            store.save(doc)
            assert dumps(store.document()) == dumps(doc)
        finally:
            store.close()
        data["clients"][0]["extensions"]["study"]["researchid"] = "x"
        with pytest.raises(InvalidError, match=r"\$\.clients\[0\]\.extensions\.study\.researchid"):
            loads(json.dumps(data))
