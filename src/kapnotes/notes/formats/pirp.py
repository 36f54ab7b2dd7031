"""PIRP: Problem / Intervention / Response / Plan. The problems are the course's indications
and the presenting concerns."""

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
    name="pirp",
    description="PIRP progress note: Problem (indications, concerns), Intervention, Response, Plan",
    title="PIRP note: {kind} session",
    sections=standard_sections(
        SectionSpec(
            "problem", "Problem", ("course_problems", "presenting_concerns", "intention", "measures")
        ),
        SectionSpec("intervention", "Intervention", (*PREPARATION, *MEDICINE, *INTERVENTIONS)),
        SectionSpec(
            "response",
            "Response",
            (*PRESENTATION, "client_experience", *COURSE_OF_DOSING, "follow_through", *ASSESSMENT),
        ),
        SectionSpec("plan", "Plan", PLAN),
    ),
    omitted=OMITTED,
)

FORMAT = SPEC.note_format()
