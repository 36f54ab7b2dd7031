"""Topic groups that several formats place together (names of :data:`kapnotes.notes.blocks.TOPICS`)."""

from __future__ import annotations

#: The preparation of a session: set and setting, consent, the medical pre-screen and pre-dose
#: checks.
PREPARATION = ("set_and_setting", "consent_checks", "pre_screen", "baseline_checks")
#: The medicine given (Fields, boosters, adjuncts).
MEDICINE = ("medicine",)
#: What followed the dose: the monitoring timeline and discharge.
COURSE_OF_DOSING = ("monitoring", "discharge")
#: Every intervention: the others, CBT reframing (a table) and integration work; then the
#: clinic's own extension fields of the session (plugins' ``register_extensions``).
INTERVENTIONS = ("interventions", "cbt", "integration", "extensions")
#: How the client presented and what they reported.
PRESENTATION = ("mental_status", "observations")
#: The clinician's assessment: narrative and risk.
ASSESSMENT = ("assessment", "risk")
#: The plan, the commitments (homework) made in the session and, when the course has a
#: treatment plan, the progress toward its objectives.
PLAN = ("plan", "commitments", "plan_progress")
