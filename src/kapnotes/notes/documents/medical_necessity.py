"""The ``medical-necessity`` note format: the summary a payer's prior authorization asks for,
as of the session's date.

Diagnosis (the course's indications); treatment-resistance evidence (the prior antidepressant
trials recorded in the pre-screens: agent, dose, duration, whether adequate, outcome, and how
many were adequate); the current medications; baseline severity and the measures over time
with the response so far (:mod:`kapnotes.outcomes`); the latest C-SSRS screen; and the plan
(the treatment plan's objectives with their progress, and its planned interventions). It
states what the record holds; whether it meets a payer's criteria is the payer's decision.
"""

from __future__ import annotations

from typing import Any

from kapnotes.model.prescreen import AntidepressantTrial, Medication
from kapnotes.notes import blocks
from kapnotes.notes.document import Block, Fields, Note, Paragraph, Section, Table
from kapnotes.notes.documents import frame
from kapnotes.notes.documents.treatment_plan import progress_blocks
from kapnotes.notes.format import NoteContext, NoteFormat

__all__ = ["FORMAT"]

_CSSRS = ("cssrs-screener", "cssrs-since-last-visit")


def _until(ctx: NoteContext) -> list[Any]:
    course = ctx.course
    if course is None:
        return [ctx.session]
    day = ctx.session.start
    return [s for s in course.sessions if s.start <= day]


def _trials(sessions: list[Any]) -> list[AntidepressantTrial]:
    seen: dict[tuple[str, str | None], AntidepressantTrial] = {}
    for s in sessions:
        if s.pre_screen is not None:
            for t in s.pre_screen.antidepressant_trials:
                seen[(t.agent.lower(), t.dose)] = t  # the latest record of a trial wins
    return list(seen.values())


def _medications(sessions: list[Any]) -> tuple[Medication, ...] | None:
    for s in reversed(sessions):
        if s.pre_screen is not None and s.pre_screen.medications is not None:
            meds: tuple[Medication, ...] = s.pre_screen.medications
            return meds
    return None


def _outcomes(ctx: NoteContext, sessions: list[Any]) -> tuple[Block, ...]:
    from kapnotes.outcomes import course_outcomes

    course = ctx.course
    if course is None:
        return ()
    import attrs

    found = course_outcomes(attrs.evolve(course, sessions=tuple(sessions)))  # type: ignore[misc]
    rows = []
    for o in found.outcomes:
        if not o.n_scores:
            continue
        rows.append((
            o.title,
            "" if o.baseline is None else f"{o.baseline.value:g} ({o.baseline.band or ''}, "
            f"{o.baseline.administered_at.date()})",
            "" if o.latest is None else f"{o.latest.value:g} ({o.latest.band or ''}, "
            f"{o.latest.administered_at.date()})",
            "" if o.percent_change is None else f"{o.percent_change:+.0f} %",
            {True: "yes", False: "no", None: ""}[o.response],
            {True: "yes", False: "no", None: ""}[o.remission],
            str(o.n_scores),
        ))
    if not rows:
        return ()
    return (Table(("Measure", "Baseline", "Latest", "Change", "Response", "Remission", "Scores"),
                  tuple(rows), caption="Severity and response"),)


def _cssrs(ctx: NoteContext, sessions: list[Any]) -> tuple[Block, ...]:
    from kapnotes.registry import resolve
    from kapnotes.scoring import canonical_name, score

    instruments = resolve(None).instruments  # notes read the default registry
    for s in reversed(sessions):
        for m in reversed(s.measures):
            name = canonical_name(m.instrument, instruments)
            if name in _CSSRS and name in instruments:
                try:
                    r = score(name, m.items)
                except Exception:  # noqa: BLE001 - an incomplete screen is shown as such
                    return (Paragraph(f"{m.administered_at.date()}: incomplete", label="C-SSRS"),)
                band = getattr(r, "band", None) or ""
                return (Paragraph(f"{m.administered_at.date()}: {instruments.get(name).title}"
                                  f" {band}".rstrip(), label="Latest C-SSRS"),)
    return (Paragraph("No C-SSRS screen in the record.", label="C-SSRS"),)


def build(ctx: NoteContext) -> Note:
    sessions = _until(ctx)
    course = ctx.course
    dx = tuple(
        (i.code, i.display + (" (primary)" if i.primary else ""))
        for i in sorted(course.indications, key=lambda i: not i.primary)
    ) if course else ()
    trials = _trials(sessions)
    adequate = sum(1 for t in trials if t.adequate)
    trial_rows = tuple(
        (t.agent, t.dose or "", "" if t.weeks is None else f"{t.weeks:g} weeks",
         {True: "yes", False: "no", None: "not stated"}[t.adequate],
         blocks.format_value(t.outcome) if t.outcome else "")
        for t in trials
    )
    resistance: list[Block] = []
    if trial_rows:
        resistance.append(Table(("Agent", "Dose", "Duration", "Adequate", "Outcome"), trial_rows,
                                caption="Prior antidepressant trials"))
    resistance.append(Paragraph(f"{adequate} adequate trial(s) of {len(trials)} recorded.",
                                label="Adequate trials"))
    meds = _medications(sessions)
    med_blocks: tuple[Block, ...] = (
        (Paragraph("Not reviewed."),) if meds is None else
        (Paragraph("None taken."),) if not meds else
        (Table(("Medication", "Dose"), tuple((m.name, m.dose or "") for m in meds),
               caption="Current medications"),)
    )
    plan = course.treatment_plan if course else None
    plan_blocks: list[Block] = list(progress_blocks(ctx))
    if plan is not None and plan.interventions:
        plan_blocks.append(Table(("Intervention", "Frequency"),
                                 tuple((x.description, x.frequency) for x in plan.interventions),
                                 caption="Planned interventions"))
    if not plan_blocks and ctx.session.plan is not None:
        plan_blocks.append(Paragraph("; ".join(ctx.session.plan.next_steps) or "—", label="Plan"))
    dosing = [s for s in sessions if s.dosing is not None]
    sections = [
        Section("diagnosis", "Diagnosis", (Fields(dx),) if dx else ()),
        Section("resistance", "Treatment-resistance evidence", tuple(resistance)),
        Section("medications", "Current medications", med_blocks),
        Section("severity", "Baseline severity, measures and response", _outcomes(ctx, sessions)),
        Section("suicide", "Suicide risk screen", _cssrs(ctx, sessions)),
        Section("treatment", "Treatment so far", (Fields((
            ("Sessions", str(len(sessions))),
            ("Dosing sessions", str(len(dosing))),
            ("Course started", blocks.format_date(course.started_on) if course else ""),
        )),)),
        Section("plan", "Plan", tuple(plan_blocks)),
    ]
    day = blocks.format_date(ctx.session.start.date())
    return frame(ctx, title="Medical necessity summary", fmt="medical-necessity",
                 sections=sections, subject=f"Medical necessity summary as of {day}",
                 facts=(("As of", day), ("Course", course.id if course else "")))


FORMAT = NoteFormat(
    name="medical-necessity",
    description="Medical necessity summary for prior authorization: diagnosis, prior trials, "
    "medications, baseline severity and response, C-SSRS, plan",
    build=build,
)
