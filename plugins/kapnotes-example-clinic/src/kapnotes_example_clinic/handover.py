"""A note format: the one-page handover a clinic writes after a dosing session.

It is built only from kapnotes' public building blocks (``kapnotes.notes.blocks``) and the
one note frame (``kapnotes.notes.frame.note_frame``), so it renders to Word, Markdown, text, JSON, and the HTML exporter of
this plugin, without any exporter code of its own.
"""

from __future__ import annotations

from kapnotes.model import SessionKind
from kapnotes.notes import blocks
from kapnotes.notes.document import Fields, Note, Paragraph, Section
from kapnotes.notes.format import NoteContext, NoteFormat
from kapnotes.notes.frame import note_frame


def build(ctx: NoteContext) -> Note:
    s = ctx.session
    d = s.dosing
    medicine: list[tuple[str, str]] = []
    if d is not None:
        medicine = [
            ("Medicine", blocks.medicine_summary(d)),
            ("Given at", blocks.format_datetime(d.administered_at)),
            ("Discharge", blocks.format_datetime(d.discharge.at) if d.discharge else "not recorded"),
            ("Escort", (d.discharge.escort or "none") if d.discharge else "not recorded"),
        ]
    experience = s.narrative.client_experience if s.narrative else None
    sections = [
        Section(key="medicine", heading="Medicine and discharge", blocks=(Fields(tuple(medicine)),))
        if medicine
        else Section(key="medicine", heading="Medicine and discharge", blocks=(Paragraph("No dosing recorded."),)),
        Section(
            key="handover",
            heading="For the integration therapist",
            blocks=(
                Paragraph(s.intention or "No intention recorded.", label="Intention"),
                Paragraph(experience or "Not recorded.", label="Client experience"),
                Paragraph("; ".join(s.plan.next_steps) if s.plan else "No plan recorded.", label="Next steps"),
            ),
        ),
    ]
    return note_frame(
        ctx, title="Dosing-day handover", format="handover", sections=sections,
        subject=f"Handover {s.start.date().isoformat()}", created=s.end or s.start,
    )


HANDOVER = NoteFormat(
    name="handover",
    description="One-page handover from the dosing team to the integration therapist.",
    build=build,
    session_kinds=frozenset({SessionKind.DOSING}),
)
