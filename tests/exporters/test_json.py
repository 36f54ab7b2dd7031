"""The JSON exporter: a stable, versioned shape; deterministic bytes."""

from __future__ import annotations

import base64
import json

import attrs
import jsonschema
import pytest

from kapnotes.exporters.json import NOTE_JSON_SCHEMA, VERSION, export, to_json
from kapnotes.notes.document import Note

from .conftest import ODD_STRINGS
from .notes import empty_note, note_with_text, png


def load(note: Note) -> dict:
    return json.loads(export(note))


def test_version_and_top_level_shape(note: Note) -> None:
    doc = load(note)
    assert doc["kapnotes_note_version"] == VERSION == "1"
    assert list(doc) == [
        "kapnotes_note_version",
        "title",
        "format",
        "status",
        "author",
        "created",
        "subject",
        "confidentiality",
        "letterhead",
        "patient",
        "facts",
        "sections",
        "signatures",
        "addenda",
    ]
    assert doc["created"] == "2026-03-02T14:55:00+00:00"
    assert doc["patient"] == {
        "name": "Jordan Q. Testperson",
        "date_of_birth": "1984-07-19",
        "mrn": "SYN-004217",
    }
    assert doc["facts"][0] == {"label": "Date of service", "value": "2026-03-02"}


def test_blocks_are_tagged_and_figures_base64(note: Note) -> None:
    doc = load(note)
    types = [b["type"] for s in doc["sections"] for b in s["blocks"]]
    assert set(types) == {"paragraph", "bullet_list", "fields", "table", "figure", "signature"}
    figure = next(b for s in doc["sections"] for b in s["blocks"] if b["type"] == "figure")
    assert base64.b64decode(figure["image_base64"]) == png()
    assert figure["width_in"] == 4.0
    assert doc["addenda"][1]["signature"] is None
    assert doc["addenda"][1]["reason"] == "Transcription error in the lot number"


@pytest.mark.parametrize("which", ["note", "draft"])
def test_valid_against_the_published_schema(which: str, request: pytest.FixtureRequest) -> None:
    jsonschema.Draft202012Validator.check_schema(NOTE_JSON_SCHEMA)
    jsonschema.validate(load(request.getfixturevalue(which)), NOTE_JSON_SCHEMA)


def test_every_piece_of_text_is_there(note: Note) -> None:
    text = json.dumps(load(note), ensure_ascii=False)
    assert [
        t for t in note.iter_text() if json.dumps(t, ensure_ascii=False)[1:-1] not in text
    ] == []


def test_deterministic_bytes(note: Note) -> None:
    assert export(note) == export(attrs.evolve(note))
    assert export(note).endswith(b"}\n")


def test_text_is_kept_as_given_controls_included() -> None:
    doc = load(note_with_text("a\x00b\x1b\u2028"))
    assert doc["title"] == "a\x00b\x1b\u2028"


@pytest.mark.parametrize("text", ODD_STRINGS)
def test_odd_text_is_valid_json(text: str) -> None:
    doc = json.loads(export(note_with_text(text)).decode("utf-8"))
    jsonschema.validate(doc, NOTE_JSON_SCHEMA)
    assert to_json(note_with_text(text)) == doc


def test_a_minimal_note_with_empty_blocks() -> None:
    jsonschema.validate(load(empty_note()), NOTE_JSON_SCHEMA)
