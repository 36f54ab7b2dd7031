"""The billing topic of a note: the clinicians' recorded times (what time-based codes rest on),
the service lines and the group session the client's session belongs to (format 1.2).

Every value is shown with :func:`kapnotes.notes.blocks.display_value`, the one way a field of
the record appears in a note.
"""

from __future__ import annotations

from kapnotes.notes import blocks
from kapnotes.notes.document import Block, Paragraph
from kapnotes.notes.format import NoteContext

__all__ = ["PATHS", "billing_topic"]

#: The session fields the topic documents.
PATHS = ("clinician_times", "service_lines", "group_id")


def _v(ctx: NoteContext, path: str, value: object) -> str:
    return "" if value is None or value == () else blocks.display_value(ctx, path, value)


def billing_topic(ctx: NoteContext) -> tuple[Block, ...]:
    s = ctx.session
    out: list[Block] = []
    out += blocks.table(
        ("Clinician", "Activity", "Start", "End", "Minutes", "Notes"),
        (
            (
                _v(ctx, "clinician_times.clinician_id", t.clinician_id),
                _v(ctx, "clinician_times.activity", t.activity),
                _v(ctx, "clinician_times.start", t.start),
                _v(ctx, "clinician_times.end", t.end),
                blocks.format_number(round(t.minutes, 1)),
                _v(ctx, "clinician_times.notes", t.notes),
            )
            for t in s.clinician_times
        ),
        "Clinician time",
    )
    p = "service_lines."
    out += blocks.table(
        ("Code", "System", "Modifiers", "Units", "Place of service", "Rendering", "Supervising",
         "Billing", "Diagnoses", "Charge"),
        (
            (
                x.code,
                _v(ctx, p + "system", x.system),
                _v(ctx, p + "modifiers", x.modifiers),
                _v(ctx, p + "units", x.units),
                _v(ctx, p + "place_of_service", x.place_of_service),
                _v(ctx, p + "rendering_clinician_id", x.rendering_clinician_id),
                _v(ctx, p + "supervising_clinician_id", x.supervising_clinician_id),
                _v(ctx, p + "billing_clinician_id", x.billing_clinician_id),
                _v(ctx, p + "diagnoses", x.diagnoses),
                _v(ctx, p + "charge_cents", x.charge_cents),
            )
            for x in s.service_lines
        ),
        "Service lines",
    )
    if s.group_id:
        out.append(Paragraph(s.group_id, label="Group session"))
    return tuple(out)
