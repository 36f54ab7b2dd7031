"""The KAP integration-session note: the dosing session being integrated, the intention
revisited, themes and meaning, CBT work, commitments and follow-through, and the plan."""

from __future__ import annotations

from kapnotes.model import SessionKind
from kapnotes.notes import blocks
from kapnotes.notes.formats.groups import ASSESSMENT, PRESENTATION
from kapnotes.notes.formats.spec import FormatSpec, SectionSpec, standard_sections

#: Fields this format does not show, and why (only the internal ones no note shows).
OMITTED: dict[str, str] = {**blocks.NOT_SHOWN}

SPEC = FormatSpec(
    name="integration",
    description="KAP integration note: dosing session revisited, themes, CBT, commitments",
    title="KAP integration session note",
    sections=standard_sections(
        SectionSpec(
            "dosing_session", "Dosing session", ("linked_dosing",),
            empty="No dosing session to integrate was found in the course.",
        ),
        SectionSpec("intention", "Intention revisited", ("dosing_intention", "intention")),
        SectionSpec(
            "presentation",
            "Presentation",
            ("presenting_concerns", *PRESENTATION, "client_experience", "set_and_setting",
             "pre_screen"),
        ),
        SectionSpec("themes", "Themes, insights and meaning", ("integration",)),
        SectionSpec("cbt", "CBT work", ("cbt",)),
        SectionSpec(
            "commitments", "Commitments and follow-through", ("follow_through", "commitments")
        ),
        SectionSpec("other_interventions", "Other interventions", ("interventions",), empty=None),
        SectionSpec("clinic_fields", "Clinic fields", ("extensions",), empty=None),
        SectionSpec("assessment", "Assessment", ("diagnosis", *ASSESSMENT, "measures")),
        SectionSpec("plan", "Plan", ("plan",)),
    ),
    omitted=OMITTED,
    session_kinds=frozenset({SessionKind.INTEGRATION}),
)

FORMAT = SPEC.note_format()
