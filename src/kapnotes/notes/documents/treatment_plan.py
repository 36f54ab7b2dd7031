"""The ``treatment-plan`` note format: the course's plan and where each objective stands on the
session's date (progress computed from the course's scores)."""

from __future__ import annotations

from kapnotes.errors import KapnotesError
from kapnotes.model.treatment_plan import PlanSigner
from kapnotes.notes import blocks
from kapnotes.notes.document import Block, BulletList, Fields, Paragraph, Section, Table
from kapnotes.notes.documents import frame
from kapnotes.notes.format import NoteContext, NoteFormat
from kapnotes.treatment_plan import objective_text, plan_progress

__all__ = ["FORMAT", "progress_blocks"]


def progress_blocks(ctx: NoteContext) -> tuple[Block, ...]:
    """A table of each objective with its baseline, latest score and status on the session's
    date (nothing without a plan)."""
    course = ctx.course
    if course is None or course.treatment_plan is None:
        return ()
    rows = tuple(
        (
            p.goal_id,
            objective_text(p.objective, p.title),
            "" if p.baseline is None else f"{p.baseline:g} ({p.baseline_on})",
            "" if p.latest is None else f"{p.latest:g} ({p.latest_on})",
            p.status,
        )
        for p in plan_progress(course, as_of=ctx.session.start.date())
    )
    if not rows:
        return ()
    return (Table(("Goal", "Objective", "Baseline", "Latest", "Status"), rows,
                  caption="Treatment plan objectives"),)


def build(ctx: NoteContext) -> object:
    course = ctx.course
    plan = course.treatment_plan if course is not None else None
    if course is None or plan is None:
        raise KapnotesError(
            f"session {ctx.session.id!r}: its course has no treatment plan "
            f"(course.treatment_plan, format 1.2)"
        )
    display = {i.code: i.display for i in course.indications}
    as_of = ctx.session.start.date()
    goals: list[Block] = []
    for g in plan.goals:
        goals.append(Paragraph(g.description, label=f"Goal {g.id}"))
        if g.objectives:
            goals.append(BulletList(tuple(f"{o.id}: {o.description}" for o in g.objectives)))
    sigs = tuple(
        ("Clinician" if s.signer is PlanSigner.CLINICIAN else "Client",
         (blocks.clinician_name(ctx, s.clinician_id) + ", " if s.clinician_id else "")
         + blocks.format_date(s.signed_on))
        for s in plan.signatures
    )
    overdue = as_of > plan.next_review_on and not any(
        d >= plan.next_review_on for d in plan.reviewed_on
    )
    review = (
        ("Written", blocks.format_date(plan.written_on)),
        ("Next review", blocks.format_date(plan.next_review_on)
         + (" (OVERDUE)" if overdue else "")),
        ("Reviewed", "; ".join(blocks.format_date(d) for d in plan.reviewed_on) or "not yet"),
    )
    sections = [
        Section("problems", "Problems", blocks.table(
            ("ICD-10-CM", "Problem"), ((c, display.get(c, "")) for c in plan.problems),
            "Problems")),
        Section("goals", "Goals and objectives", tuple(goals)),
        Section("progress", f"Progress as of {blocks.format_date(as_of)}", progress_blocks(ctx)),
        Section("interventions", "Planned interventions", blocks.table(
            ("Intervention", "Frequency", "By"),
            ((x.description, x.frequency,
              blocks.clinician_name(ctx, x.clinician_id) if x.clinician_id else "")
             for x in plan.interventions),
            "Planned interventions")),
        Section("review", "Review", (Fields(review),)),
        Section("signatures", "Signatures", (Fields(sigs),) if sigs else
                (Paragraph("Not signed."),)),
        Section("notes", "Notes", (Paragraph(plan.notes),) if plan.notes else ()),
    ]
    return frame(ctx, title="Treatment plan", fmt="treatment-plan", sections=sections,
                 subject=f"Treatment plan {course.id} as of {blocks.format_date(as_of)}")


FORMAT = NoteFormat(
    name="treatment-plan",
    description="Treatment plan: problems, goals, objectives with progress, interventions, "
    "review, signatures",
    build=build,  # type: ignore[arg-type]
)
