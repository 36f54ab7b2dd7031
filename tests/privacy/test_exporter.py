"""The ``deidentified-json`` record exporter, psychotherapy notes, plugin data, the header."""

from __future__ import annotations

import json
from typing import ClassVar

import pytest

import kapnotes
from kapnotes.errors import InvalidError, KapnotesError
from kapnotes.exporting import Authorization, ExportOptions, RecordView, export_record
from kapnotes.hookspecs import hookimpl
from kapnotes.model import Intervention, evolve, field, model, non_blank
from kapnotes.plugins import registry
from kapnotes.privacy import METHOD, OUTPUT_FORMAT, deidentify
from kapnotes.synthetic import build_document
from tests.privacy.helpers import SECRET

NAME = "deidentified-json"


def _export(doc, **extra) -> bytes:
    return export_record(RecordView.of_document(doc), NAME, options=ExportOptions(extra=extra))


def test_the_exporter_is_a_builtin_plugin():
    entry = registry().record_exporters.entry(NAME)
    assert entry.plugin == "kapnotes.default_plugins.deidentified"
    assert entry.value.media_type == "application/json"


def test_a_missing_secret_is_a_clear_error(small_doc):
    with pytest.raises(KapnotesError, match=r"needs a secret key.*--secret-file"):
        _export(small_doc)


def test_a_wrong_kind_of_secret_is_a_clear_error(small_doc):
    with pytest.raises(KapnotesError, match="must be bytes or str"):
        _export(small_doc, secret=12345)


def test_output_is_canonical_utf8_json_and_deterministic(small_doc):
    a = _export(small_doc, secret=SECRET)
    assert a == _export(small_doc, secret=SECRET)
    assert a.endswith(b"\n")
    data = json.loads(a.decode("utf-8"))
    assert (
        a
        == (
            json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
        ).encode()
    )
    assert data == deidentify(RecordView.of_document(small_doc).document(), secret=SECRET)


def test_a_str_secret_and_a_key_file_with_a_newline_give_the_same_output(small_doc):
    from_file = SECRET + b"\n"
    assert _export(small_doc, secret=SECRET.decode()) == _export(small_doc, secret=from_file)


def test_options_reach_deidentify(small_doc):
    data = json.loads(_export(small_doc, secret=SECRET, dates="year", keep_clinicians=True))
    assert data["deidentification"]["dates"]["policy"] == "year"
    assert data["courses"][0]["started_on"] == "2026"
    assert data["deidentification"]["clinicians"] == "kept"


def test_the_header_says_it_must_be_reviewed(small_doc):
    header = deidentify(small_doc, secret=SECRET)["deidentification"]
    assert header["method"] == METHOD == "HIPAA Safe Harbor, 45 CFR 164.514(b)(2)"
    assert header["review_required"] is True
    assert "to be reviewed by a person before release" in header["status"]
    assert "Assisted redaction" in header["notice"]
    assert header["kapnotes_version"] == kapnotes.__version__
    assert header["dates"] == {
        "policy": "shift",
        "max_shift_days": 365,
        "description": header["dates"]["description"],
    }
    assert set(header["counts"]) == {"removed", "replaced", "redacted", "excluded"}


def test_the_output_is_not_mistaken_for_a_record(small_doc):
    data = _export(small_doc, secret=SECRET)
    assert json.loads(data)["format"] == OUTPUT_FORMAT
    with pytest.raises(InvalidError, match="kapnotes-deidentified"):
        kapnotes.loads(data)


def test_psychotherapy_notes_are_never_exported(small_doc):
    assert small_doc.psychotherapy_notes
    authorization = Authorization(reference="AUTH-1", purpose="research", granted_by="client")
    view = RecordView.of_document(small_doc, authorization)
    assert view.psychotherapy_notes
    out = export_record(view, NAME, options=ExportOptions(extra={"secret": SECRET}))
    data = json.loads(out)
    assert "psychotherapy_notes" not in data
    assert b"countertransference" not in out
    assert data["deidentification"]["counts"]["excluded"]["psychotherapy_notes"] == len(
        small_doc.psychotherapy_notes
    )


# --- a plugin's intervention type is de-identified like the built-in ones ---------------------------


@model
class SoundBath(Intervention):
    """A clinic's own intervention type, with free text and an identifier of its own."""

    type: ClassVar[str] = "test_sound_bath"
    label: ClassVar[str] = "Sound bath (test)"

    script: str = field(check=non_blank)
    reflections: tuple[str, ...] = ()
    facilitator: str | None = field(default=None, identifier=True)


class SoundBathPlugin:
    @hookimpl
    def register_intervention_types(self, register):
        register(SoundBath)


def test_a_plugins_intervention_type_is_walked_and_redacted(plugin):
    plugin(SoundBathPlugin(), "test-sound-bath")
    doc = build_document(clients=1)
    client = doc.clients[0]
    course = doc.courses[0]
    s = course.sessions[0]
    bath = SoundBath(
        script=f"{client.name.given} listened; called back on 07/04/2031 from {client.phone}.",
        reflections=(f"Felt safe with {client.name.given} {client.name.family}'s sister.",),
        facilitator="Odalys Brennick",
        minutes=20,
    )
    s = evolve(s, interventions=(*s.interventions, bath))
    doc = evolve(doc, courses=(evolve(course, sessions=(s, *course.sessions[1:])),))
    kapnotes.loads(kapnotes.dumps(doc))  # a valid document with the plugin registered
    out = deidentify(doc, secret=SECRET)
    (mine,) = [
        i
        for i in out["courses"][0]["sessions"][0]["interventions"]
        if i["type"] == "test_sound_bath"
    ]
    assert mine == {
        "type": "test_sound_bath",
        "minutes": 20,
        "script": "[NAME] listened; called back on [DATE] from [PHONE].",
        "reflections": ["Felt safe with [NAME] sister."],
    }
    assert out["deidentification"]["counts"]["removed"]["SoundBath.facilitator"] == 1
