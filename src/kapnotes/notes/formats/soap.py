"""SOAP: Subjective / Objective / Assessment / Plan."""

from __future__ import annotations

from kapnotes.notes import blocks
from kapnotes.notes.formats.groups import (
    ASSESSMENT,
    COURSE_OF_DOSING,
    INTERVENTIONS,
    MEDICINE,
    PLAN,
    PREPARATION,
    PRESENTATION,
)
from kapnotes.notes.formats.spec import FormatSpec, SectionSpec, standard_sections

#: Fields this format does not show, and why (only the internal ones no note shows).
OMITTED: dict[str, str] = {**blocks.NOT_SHOWN}

SPEC = FormatSpec(
    name="soap",
    description="SOAP progress note: Subjective, Objective, Assessment, Plan",
    title="SOAP note: {kind} session",
    sections=standard_sections(
        SectionSpec(
            "subjective",
            "Subjective",
            ("presenting_concerns", "intention", "client_experience", "follow_through"),
        ),
        SectionSpec(
            "objective",
            "Objective",
            (*PRESENTATION, *PREPARATION, "measures", *MEDICINE, *COURSE_OF_DOSING,
             *INTERVENTIONS),
        ),
        SectionSpec("assessment", "Assessment", ("diagnosis", *ASSESSMENT)),
        SectionSpec("plan", "Plan", PLAN),
    ),
    omitted=OMITTED,
)

FORMAT = SPEC.note_format()
