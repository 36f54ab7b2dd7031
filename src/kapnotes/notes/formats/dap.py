"""DAP: Data / Assessment / Plan."""

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
    name="dap",
    description="DAP progress note: Data, Assessment, Plan",
    title="DAP note: {kind} session",
    sections=standard_sections(
        SectionSpec(
            "data",
            "Data",
            ("presenting_concerns", "intention", "client_experience", "follow_through",
             *PRESENTATION, *PREPARATION, "measures", *MEDICINE, *COURSE_OF_DOSING,
             *INTERVENTIONS),
        ),
        SectionSpec("assessment", "Assessment", ("diagnosis", *ASSESSMENT)),
        SectionSpec("plan", "Plan", PLAN),
    ),
    omitted=OMITTED,
)

FORMAT = SPEC.note_format()
