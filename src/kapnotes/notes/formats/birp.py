"""BIRP: Behavior / Intervention / Response / Plan."""

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
    name="birp",
    description="BIRP progress note: Behavior, Intervention, Response, Plan",
    title="BIRP note: {kind} session",
    sections=standard_sections(
        SectionSpec(
            "behavior",
            "Behavior",
            ("presenting_concerns", "intention", *PRESENTATION, "measures", "follow_through"),
        ),
        SectionSpec("intervention", "Intervention", (*PREPARATION, *MEDICINE, *INTERVENTIONS)),
        SectionSpec("response", "Response", ("client_experience", *COURSE_OF_DOSING, *ASSESSMENT)),
        SectionSpec("plan", "Plan", PLAN),
    ),
    omitted=OMITTED,
)

FORMAT = SPEC.note_format()
