"""JSON exporter: a :class:`~kapnotes.notes.document.Note` as a stable, documented JSON object.

This is the *rendered note* (what a reader sees), for systems that lay notes out themselves; the
clinical record itself has its own interchange format (the JSON document).

Shape (version ``"1"``; :data:`NOTE_JSON_SCHEMA` is its JSON Schema)::

    {
      "kapnotes_note_version": "1",
      "title": str, "format": str, "status": "draft" | "signed" | "amended",
      "author": str, "created": datetime | null, "subject": str | null,
      "confidentiality": str,
      "letterhead": {"clinic_name": str, "lines": [str]},
      "patient": {"name": str, "date_of_birth": date | null, "mrn": str | null},
      "facts": [{"label": str, "value": str}],
      "sections": [{"key": str, "heading": str, "blocks": [block]}],
      "signatures": [signature],
      "addenda": [{"kind": "addendum" | "amendment", "author": str, "credentials": str,
                   "written_at": datetime, "reason": str | null, "text": str,
                   "signature": signature | null}]
    }

    block is one of (tagged by "type"):
      {"type": "paragraph", "label": str | null, "text": str}
      {"type": "bullet_list", "items": [str]}
      {"type": "fields", "items": [{"label": str, "value": str}]}
      {"type": "table", "columns": [str], "rows": [[str]], "caption": str | null}
      {"type": "figure", "media_type": "image/png", "caption": str, "width_in": number,
       "image_base64": str}
      {"type": "signature", ...signature}
    signature: {"signer": str, "credentials": str, "role": str, "signed_at": datetime | null,
                "content_hash": str | null, "statement": str | null}

* Datetimes are ISO 8601 (``2026-03-02T14:55:00+00:00``), with the offset the note had (none
  for a naive time); dates are ``YYYY-MM-DD``.
* Text is kept as given: JSON escapes control characters. Only surrogate code points, which
  UTF-8 cannot carry, are repaired (:func:`kapnotes.notes.sanitize.scalar_values`).
* Keys are in the order above; arrays keep the note's order; figures are standard base64.
* Bytes: UTF-8, two-space indent, one trailing newline, the same for the same Note. A new key may
  be added within version ``"1"``; removing or changing one makes version ``"2"``.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

from kapnotes.exporters import ExportError
from kapnotes.exporting import ExportOptions
from kapnotes.notes.document import (
    Addendum,
    Block,
    BulletList,
    Fields,
    Figure,
    Note,
    Paragraph,
    SignatureBlock,
    Table,
)
from kapnotes.notes.sanitize import scalar_values

__all__ = ["MEDIA_TYPE", "NOTE_JSON_SCHEMA", "VERSION", "export", "to_json"]

MEDIA_TYPE = "application/json"
VERSION = "1"


def export(note: Note, options: ExportOptions | None = None) -> bytes:
    """The note as JSON (UTF-8 bytes). ``options`` are not used."""
    text = json.dumps(to_json(note), ensure_ascii=False, indent=2, allow_nan=False)
    return (text + "\n").encode("utf-8")


def to_json(note: Note) -> dict[str, Any]:
    """The note as JSON-compatible Python objects (the shape documented in this module)."""
    return {
        "kapnotes_note_version": VERSION,
        "title": _s(note.title),
        "format": _s(note.format),
        "status": note.status,
        "author": _s(note.author),
        "created": _datetime(note.created),
        "subject": _opt(note.subject),
        "confidentiality": _s(note.confidentiality),
        "letterhead": {
            "clinic_name": _s(note.letterhead.clinic_name),
            "lines": [_s(line) for line in note.letterhead.lines],
        },
        "patient": {
            "name": _s(note.patient.name),
            "date_of_birth": (
                note.patient.date_of_birth.isoformat() if note.patient.date_of_birth else None
            ),
            "mrn": _opt(note.patient.mrn),
        },
        "facts": _pairs(note.facts),
        "sections": [
            {"key": _s(s.key), "heading": _s(s.heading), "blocks": [_block(b) for b in s.blocks]}
            for s in note.sections
        ],
        "signatures": [_signature(s) for s in note.signatures],
        "addenda": [_addendum(a) for a in note.addenda],
    }


def _s(text: str) -> str:
    return scalar_values(text)


def _opt(text: str | None) -> str | None:
    return None if text is None else scalar_values(text)


def _datetime(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _pairs(items: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    return [{"label": _s(label), "value": _s(value)} for label, value in items]


def _block(block: Block) -> dict[str, Any]:
    if isinstance(block, Paragraph):
        return {"type": "paragraph", "label": _opt(block.label), "text": _s(block.text)}
    if isinstance(block, BulletList):
        return {"type": "bullet_list", "items": [_s(i) for i in block.items]}
    if isinstance(block, Fields):
        return {"type": "fields", "items": _pairs(block.items)}
    if isinstance(block, Table):
        return {
            "type": "table",
            "columns": [_s(c) for c in block.columns],
            "rows": [[_s(c) for c in row] for row in block.rows],
            "caption": _opt(block.caption),
        }
    if isinstance(block, Figure):
        return {
            "type": "figure",
            "media_type": block.media_type,
            "caption": _s(block.caption),
            "width_in": block.width_in,
            "image_base64": base64.b64encode(block.image).decode("ascii"),
        }
    if isinstance(block, SignatureBlock):
        return {"type": "signature", **_signature(block)}
    raise ExportError(f"the JSON exporter cannot show a {type(block).__name__} block")


def _signature(sig: SignatureBlock) -> dict[str, Any]:
    return {
        "signer": _s(sig.signer),
        "credentials": _s(sig.credentials),
        "role": _s(sig.role),
        "signed_at": _datetime(sig.signed_at),
        "content_hash": _opt(sig.content_hash),
        "statement": _opt(sig.statement),
    }


def _addendum(a: Addendum) -> dict[str, Any]:
    return {
        "kind": a.kind,
        "author": _s(a.author),
        "credentials": _s(a.credentials),
        "written_at": a.written_at.isoformat(),
        "reason": _opt(a.reason),
        "text": _s(a.text),
        "signature": None if a.signature is None else _signature(a.signature),
    }


# --- JSON Schema ---------------------------------------------------------------------------------

_STR = {"type": "string"}
_OPT_STR = {"type": ["string", "null"]}
_DATETIME = {"type": "string", "format": "date-time"}
_OPT_DATETIME = {"type": ["string", "null"], "format": "date-time"}
_STRINGS = {"type": "array", "items": _STR}


def _obj(properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
        **extra,
    }


_PAIRS = {"type": "array", "items": _obj({"label": _STR, "value": _STR})}
_SIGNATURE_PROPS = {
    "signer": _STR,
    "credentials": _STR,
    "role": _STR,
    "signed_at": _OPT_DATETIME,
    "content_hash": _OPT_STR,
    "statement": _OPT_STR,
}

NOTE_JSON_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://kapnotes.example/schemas/note-1.json",
    "title": "kapnotes rendered note, version 1",
    **_obj(
        {
            "kapnotes_note_version": {"const": VERSION},
            "title": _STR,
            "format": _STR,
            "status": {"enum": ["draft", "signed", "amended"]},
            "author": _STR,
            "created": _OPT_DATETIME,
            "subject": _OPT_STR,
            "confidentiality": _STR,
            "letterhead": _obj({"clinic_name": _STR, "lines": _STRINGS}),
            "patient": _obj(
                {
                    "name": _STR,
                    "date_of_birth": {"type": ["string", "null"], "format": "date"},
                    "mrn": _OPT_STR,
                }
            ),
            "facts": _PAIRS,
            "sections": {
                "type": "array",
                "items": _obj(
                    {
                        "key": _STR,
                        "heading": _STR,
                        "blocks": {"type": "array", "items": {"$ref": "#/$defs/block"}},
                    }
                ),
            },
            "signatures": {"type": "array", "items": {"$ref": "#/$defs/signature"}},
            "addenda": {
                "type": "array",
                "items": _obj(
                    {
                        "kind": {"enum": ["addendum", "amendment"]},
                        "author": _STR,
                        "credentials": _STR,
                        "written_at": _DATETIME,
                        "reason": _OPT_STR,
                        "text": _STR,
                        "signature": {"oneOf": [{"type": "null"}, {"$ref": "#/$defs/signature"}]},
                    }
                ),
            },
        }
    ),
    "$defs": {
        "signature": _obj(_SIGNATURE_PROPS),
        "block": {
            "oneOf": [
                _obj({"type": {"const": "paragraph"}, "label": _OPT_STR, "text": _STR}),
                _obj({"type": {"const": "bullet_list"}, "items": _STRINGS}),
                _obj({"type": {"const": "fields"}, "items": _PAIRS}),
                _obj(
                    {
                        "type": {"const": "table"},
                        "columns": _STRINGS,
                        "rows": {"type": "array", "items": _STRINGS},
                        "caption": _OPT_STR,
                    }
                ),
                _obj(
                    {
                        "type": {"const": "figure"},
                        "media_type": {"const": "image/png"},
                        "caption": _STR,
                        "width_in": {"type": "number"},
                        "image_base64": {"type": "string", "contentEncoding": "base64"},
                    }
                ),
                _obj({"type": {"const": "signature"}, **_SIGNATURE_PROPS}),
            ]
        },
    },
}
"""JSON Schema (draft 2020-12) of what :func:`export` writes."""
