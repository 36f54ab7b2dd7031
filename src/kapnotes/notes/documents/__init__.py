"""Documents about a course or a client built through the note pipeline (so every exporter
writes them): the treatment plan, the medical-necessity summary and the superbill.

They are note formats like SOAP, registered by :mod:`kapnotes.default_plugins.plans` and
:mod:`kapnotes.default_plugins.billing`, built from a session's context: the session gives
the date ("as of") and the course and client around it.
"""

from __future__ import annotations

from kapnotes.notes import blocks
from kapnotes.notes.document import Note, Section
from kapnotes.notes.format import NoteContext

__all__ = ["frame"]


def frame(ctx: NoteContext, *, title: str, fmt: str, sections: list[Section], subject: str,
          facts: tuple[tuple[str, str], ...] | None = None) -> Note:
    """A note with the record's letterhead, patient banner and ``sections`` (empty ones left
    out). It carries no session signatures: these documents are not the session's note."""
    kept = tuple(s for s in sections if s.blocks)
    return Note(
        title=title,
        format=fmt,
        letterhead=blocks.letterhead(ctx),
        patient=blocks.patient_banner(ctx),
        facts=facts if facts is not None else (
            ("Date", blocks.format_date(ctx.session.start.date())),
        ),
        sections=kept,
        status="signed",
        author=blocks.note_author(ctx),
        created=ctx.generated_at,
        subject=subject,
    )
