"""The KAP dosing-session record, for dosing sessions.

Session information is the note's facts table (date, time, duration, modality, location,
clinicians with roles, people present), shown at the top of every note.
"""

from __future__ import annotations

from kapnotes.model import SessionKind
from kapnotes.notes import blocks
from kapnotes.notes.formats.groups import INTERVENTIONS, PLAN
from kapnotes.notes.formats.spec import FormatSpec, SectionSpec, standard_sections

#: Fields this format does not show, and why (only the internal ones no note shows).
OMITTED: dict[str, str] = {**blocks.NOT_SHOWN}

SPEC = FormatSpec(
    name="kap-dosing",
    description="KAP dosing-session record: consent, baseline, medicine, monitoring, discharge",
    title="KAP dosing session record",
    sections=standard_sections(
        SectionSpec(
            "consent",
            "Consent and preparation",
            ("intention", "set_and_setting", "consent_checks", "consents_on_file"),
        ),
        SectionSpec(
            "baseline",
            "Baseline",
            ("presenting_concerns", "baseline_vitals", "mental_status", "pre_screen",
             "baseline_checks", "measures", "risk"),
        ),
        SectionSpec("medicine", "Medicine", ("medicine",)),
        SectionSpec("monitoring", "Monitoring timeline", ("monitoring",)),
        SectionSpec(
            "adverse_events", "Adverse events", ("adverse_events",),
            empty="No adverse events recorded.",
        ),
        SectionSpec("experience", "Client experience", ("client_experience", "observations")),
        SectionSpec("interventions", "Interventions", (*INTERVENTIONS, "follow_through")),
        SectionSpec("discharge", "Discharge readiness and escort", ("discharge",)),
        SectionSpec("assessment", "Assessment", ("diagnosis", "assessment")),
        SectionSpec("plan", "Integration plan", PLAN),
    ),
    omitted=OMITTED,
    session_kinds=frozenset({SessionKind.DOSING}),
)

FORMAT = SPEC.note_format()
