"""Exporters: what turns a :class:`~kapnotes.notes.document.Note` (or a whole record) into bytes.

Two kinds, both registered through the ``register_exporters`` hook:

* :class:`NoteExporter` — one note to one file (docx, markdown, text, json). Any note format
  reaches any note exporter: N formats x M exporters, written N + M times.
* :class:`RecordExporter` — a whole record (courses, sessions, scores) to a file or a directory
  (JSON document, CSV, FHIR, NDJSON). The core hands it a record *without* psychotherapy notes
  unless the caller passed an explicit authorization; an exporter never sees them otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:  # pragma: no cover
    from kapnotes.notes.document import Note


@attrs.frozen
class ExportOptions:
    """Options an exporter may honour. ``template``: a clinic's .docx template (docx only)."""

    template: Path | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class NoteExporter:
    """Turns a Note into bytes.

    :ivar name: registry name (``docx``), used by ``--to``.
    :ivar description: one line for ``kapnotes formats``.
    :ivar media_type: IANA media type of the output.
    :ivar extension: file extension without the dot.
    :ivar export: ``export(note, options) -> bytes``.
    """

    name: str
    description: str
    media_type: str
    extension: str
    export: Callable[[Note, ExportOptions], bytes] = attrs.field(repr=False)


@attrs.frozen
class RecordExporter:
    """Turns a whole record into bytes, or into files in a directory.

    :ivar export: ``export(document, options) -> bytes`` for a single file, or, when
        ``writes_directory`` is true, ``export(document, options, directory) -> list[Path]``.
    """

    name: str
    description: str
    media_type: str
    extension: str
    export: Callable[..., Any] = attrs.field(repr=False)
    writes_directory: bool = False


Exporter = NoteExporter | RecordExporter
