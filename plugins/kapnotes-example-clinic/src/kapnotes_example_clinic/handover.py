"""A note format: the one-page handover a clinic writes after a dosing session.

It is built only from kapnotes' public building blocks (``kapnotes.notes.blocks``) and the
format-neutral ``Note``, so it renders to Word, Markdown, text, JSON, and the HTML exporter of
this plugin, without any exporter code of its own.
"""

from __future__ import annotations

from kapnotes.model import SessionKind
from kapnotes.notes import blocks
from kapnotes.notes.document import Fields, Note, Paragraph, Section
from kapnotes.notes.format import NoteContext, NoteFormat


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
    return Note(
        title="Dosing-day handover",
        format="handover",
        letterhead=blocks.letterhead(ctx),
        patient=blocks.patient_banner(ctx),
        facts=blocks.session_facts(ctx),
        sections=tuple(sections),
        signatures=blocks.signature_blocks(ctx),
        addenda=blocks.note_addenda(ctx),
        status=s.status.value,
        author=blocks.note_author(ctx),
        created=s.end or s.start,
        subject=f"Handover {s.start.date().isoformat()}",
    )


HANDOVER = NoteFormat(
    name="handover",
    description="One-page handover from the dosing team to the integration therapist.",
    build=build,
    session_kinds=frozenset({SessionKind.DOSING}),
)
