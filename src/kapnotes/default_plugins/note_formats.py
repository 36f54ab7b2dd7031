"""Built-in plugin: the note formats of :mod:`kapnotes.notes.formats` (SOAP, DAP, BIRP, GIRP,
PIRP, the KAP dosing record and the integration note).

Registered through the ``register_note_formats`` hook exactly like a third-party plugin.
"""

from __future__ import annotations

from collections.abc import Callable

from kapnotes.hookspecs import hookimpl
from kapnotes.notes.format import NoteFormat
from kapnotes.notes.formats import BUILTIN_FORMATS


@hookimpl
def register_note_formats(register: Callable[[NoteFormat], None]) -> None:
    """Register every built-in note format."""
    for f in BUILTIN_FORMATS:
        register(f)
