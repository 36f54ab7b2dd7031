"""Built-in plugin: exporters of the whole record (``kapnotes export --to json``)."""

from __future__ import annotations

from collections.abc import Callable

from kapnotes.exporting import ExportOptions, NoteExporter, RecordExporter, RecordView
from kapnotes.hookspecs import hookimpl


def _json_document(view: RecordView, options: ExportOptions) -> bytes:
    from kapnotes.serialization import dumps

    return (dumps(view.document()) + "\n").encode("utf-8")


JSON_DOCUMENT = RecordExporter(
    name="json",
    description="The record as a kapnotes JSON document (canonical form; see `kapnotes schema`).",
    media_type="application/json",
    extension="json",
    export=_json_document,
)


@hookimpl
def register_exporters(register: Callable[[NoteExporter | RecordExporter], None]) -> None:
    register(JSON_DOCUMENT)
