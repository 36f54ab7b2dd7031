"""GIRP: Goal / Intervention / Response / Plan. The goals are the course's treatment goals."""

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
    name="girp",
    description="GIRP progress note: Goal (from the course), Intervention, Response, Plan",
    title="GIRP note: {kind} session",
    sections=standard_sections(
        SectionSpec("goal", "Goal", ("course_goals", "intention", "presenting_concerns")),
        SectionSpec("intervention", "Intervention", (*PREPARATION, *MEDICINE, *INTERVENTIONS)),
        SectionSpec(
            "response",
            "Response",
            (*PRESENTATION, "client_experience", "measures", *COURSE_OF_DOSING, "follow_through",
             *ASSESSMENT),
        ),
        SectionSpec("plan", "Plan", PLAN),
    ),
    omitted=OMITTED,
)

FORMAT = SPEC.note_format()
