"""Built-in plugin: the note exporters (docx, markdown, text, json), and the record exporters.

Registered through the ``register_exporters`` hook exactly as a third-party plugin registers its
own. The export functions import their modules on first use, so that ``import kapnotes`` and
``kapnotes --help`` do not load python-docx.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from kapnotes.exporting import ExportOptions, NoteExporter, RecordExporter
from kapnotes.hookspecs import hookimpl

if TYPE_CHECKING:  # pragma: no cover
    from kapnotes.notes.document import Note

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _export_docx(note: Note, options: ExportOptions) -> bytes:
    from kapnotes.exporters import docx

    return docx.export(note, options)


def _export_markdown(note: Note, options: ExportOptions) -> bytes:
    from kapnotes.exporters import markdown

    return markdown.export(note, options)


def _export_text(note: Note, options: ExportOptions) -> bytes:
    from kapnotes.exporters import text

    return text.export(note, options)


def _export_json(note: Note, options: ExportOptions) -> bytes:
    from kapnotes.exporters import json

    return json.export(note, options)


NOTE_EXPORTERS: tuple[NoteExporter, ...] = (
    NoteExporter(
        name="docx",
        description="Word document: letterhead, client banner on every page, signatures, addenda.",
        media_type=DOCX_MEDIA_TYPE,
        extension="docx",
        export=_export_docx,
    ),
    NoteExporter(
        name="markdown",
        description="Markdown (CommonMark with GFM tables); text from the record is escaped.",
        media_type="text/markdown; charset=utf-8; variant=GFM",
        extension="md",
        export=_export_markdown,
    ),
    NoteExporter(
        name="text",
        description="Plain UTF-8 text with aligned fields and tables.",
        media_type="text/plain; charset=utf-8",
        extension="txt",
        export=_export_text,
    ),
    NoteExporter(
        name="json",
        description='The rendered note as JSON ("kapnotes_note_version": "1"); figures in base64.',
        media_type="application/json",
        extension="json",
        export=_export_json,
    ),
)


@hookimpl
def register_exporters(register: Callable[[NoteExporter | RecordExporter], None]) -> None:
    """Register the built-in note exporters (and record exporters, below)."""
    for exporter in NOTE_EXPORTERS:
        register(exporter)

    # --- Record exporters (JSON document, CSV, NDJSON, ...) -------------------------------------
    # The lead adds the built-in RecordExporter registrations here, e.g.:
    #     register(RecordExporter(name="document", ...))
    # --- end of record exporters ----------------------------------------------------------------
