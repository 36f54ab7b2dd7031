"""Views: the course (consents, goals, problems, the linked dosing session) and what plugins
add (safety findings, figures)."""

from __future__ import annotations

from typing import Any

from kapnotes.model import (
    ConsentKind,
    IntegrationWork,
    NoteStatus,
    Session,
)
from kapnotes.notes.document import (
    Figure,
    Paragraph,
)
from kapnotes.notes.format import NoteContext
from kapnotes.notes.topics.dosing import medicine_summary, mg
from kapnotes.notes.topics.measures import instrument, instrument_title, measure_score
from kapnotes.notes.wording import (
    LIST_SEP,
    MISSING,
    Blocks,
    fields_block,
    format_date,
    format_value,
    paragraph,
    table,
)

__all__ = [
    "blocking_findings",
    "consents_view",
    "dosing_intention_view",
    "figures_view",
    "findings_view",
    "goals_view",
    "linked_dosing_session",
    "linked_dosing_view",
    "linked_session_label",
    "problems_view",
]

# =============================================================================================
# Views: the course and what plugins add
# =============================================================================================


def linked_dosing_session(ctx: NoteContext) -> Session | None:
    """The dosing session this session integrates: the one its integration work names, else
    the last dosing session of the course before this one."""
    course = ctx.course
    if course is None:
        return None
    named = [w.dosing_session_id for w in ctx.session.interventions
             if isinstance(w, IntegrationWork) and w.dosing_session_id]
    by_id = {s.id: s for s in course.dosing_sessions}
    for sid in named:
        if sid in by_id:
            return by_id[sid]
    earlier = [s for s in course.dosing_sessions if s.start < ctx.session.start]
    return earlier[-1] if earlier else None


def linked_session_label(ctx: NoteContext, session_id: str) -> str:
    """``ses-1 (2026-01-12; Ketamine (racemic) 51 mg IM (0.75 mg/kg))``, or the id alone."""
    course = ctx.course
    found = next((s for s in course.sessions if s.id == session_id), None) if course else None
    if found is None:
        return session_id
    summary = [format_date(found.start.date())]
    if found.dosing is not None:
        summary.append(medicine_summary(found.dosing))
    return f"{session_id} ({LIST_SEP.join(summary)})"


def linked_dosing_view(ctx: NoteContext) -> Blocks:
    """Summary of the dosing session being integrated: date, medicine, dose, experience."""
    s = linked_dosing_session(ctx)
    if s is None:
        return ()
    rows = [("Session", s.id), ("Date", format_date(s.start.date()))]
    if s.dosing is not None:
        rows += [("Medicine", medicine_summary(s.dosing))]
        if s.dosing.boosters:
            rows += [("Total dose incl. boosters", mg(s.dosing.total_dose_mg))]
    experience = s.narrative.client_experience if s.narrative is not None else None
    rows += [("Client experience (dosing session)", experience or "")]
    return fields_block(rows)


def dosing_intention_view(ctx: NoteContext) -> Blocks:
    """The intention set for the dosing session being integrated."""
    s = linked_dosing_session(ctx)
    return paragraph(s.intention if s is not None else None, "Intention for the dosing session")


def _consent_status(ctx: NoteContext, c: Any) -> str:
    if not c.given:
        return "refused"
    return "in force" if c.in_force_on(ctx.session.start.date()) else "not in force"


def consents_view(ctx: NoteContext) -> Blocks:
    """The consents on file in the course and whether each is in force on the session date."""
    course = ctx.course
    if course is None:
        return ()
    rows = tuple(
        (
            format_value(c.kind) + (f": {c.description}" if c.description else ""),
            _consent_status(ctx, c),
            format_date(c.obtained_on),
            format_value(c.expires_on) or MISSING,
            format_value(c.withdrawn_on) or MISSING,
            c.scope or "",
            c.document_ref or "",
        )
        for c in course.consents
    )
    columns = ("Consent", "On session date", "Obtained", "Expires", "Withdrawn", "Scope", "Document")
    blocks = table(columns, rows, "Consents on file")
    if course.consent(ConsentKind.KAP_INFORMED_CONSENT, ctx.session.start.date()) is None:
        blocks += (Paragraph("No KAP informed consent in force on the session date.", "Consent"),)
    return blocks


def goals_view(ctx: NoteContext) -> Blocks:
    """The course's treatment goals, with this session's score on a goal's instrument."""
    course = ctx.course
    if course is None:
        return ()
    rows = (
        (
            g.description,
            instrument_title(g.instrument) if g.instrument else MISSING,
            format_value(g.target_score) or MISSING,
            format_value(g.target_date) or MISSING,
            _session_total(ctx, g.instrument),
        )
        for g in course.goals
    )
    columns = ("Goal", "Measure", "Target score", "Target date", "This session")
    return table(columns, rows, "Treatment goals")


def _session_total(ctx: NoteContext, name: str | None) -> str:
    if name is None:
        return MISSING
    inst = instrument(name)
    found = [m for m in ctx.session.measures
             if (inst.is_named(m.instrument) if inst is not None else m.instrument == name)]
    return measure_score(found[-1]).total if found else MISSING


def problems_view(ctx: NoteContext) -> Blocks:
    """The course's indications (ICD-10-CM), primary first."""
    course = ctx.course
    if course is None:
        return ()
    ordered = sorted(course.indications, key=lambda i: not i.primary)
    rows = ((i.code, i.display, "primary" if i.primary else "") for i in ordered)
    return table(("ICD-10-CM", "Problem", "Primary"), rows, "Indications")


def blocking_findings(ctx: NoteContext) -> tuple[str, ...]:
    """On a draft, ``CODE: message`` of each blocking finding in ``ctx.extra["findings"]``."""
    if ctx.session.status is not NoteStatus.DRAFT:
        return ()
    found = ctx.extra.get("findings") or ()
    return tuple(
        f"{getattr(f, 'code', '')}: {getattr(f, 'message', '')}"
        for f in found
        if getattr(getattr(f, "severity", None), "value", getattr(f, "severity", None))
        == "blocking"
    )


def findings_view(ctx: NoteContext) -> Blocks:
    """Safety findings a plugin put in ``ctx.extra["findings"]`` (severity, code, message, path)."""
    found = ctx.extra.get("findings") or ()
    rows = (
        (
            format_value(getattr(f, "severity", "")),
            str(getattr(f, "code", "") or ""),
            str(getattr(f, "message", "") or ""),
            str(getattr(f, "path", "") or ""),
        )
        for f in found
    )
    return table(("Severity", "Code", "Finding", "Where"), rows, "Findings of the safety rules")


def figures_view(ctx: NoteContext) -> Blocks:
    """Figures a plugin put in ``ctx.extra["figures"]`` (outcome charts, ...)."""
    figures = tuple(ctx.extra.get("figures") or ())
    for f in figures:
        if not isinstance(f, Figure):
            raise TypeError(f"ctx.extra['figures'] holds {f!r}; expected kapnotes Figure blocks")
    return figures


