"""Topics of the dosing record: the medicine, boosters, adjuncts, the pre-screen and the
pre-dose checks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import Enum

from kapnotes.model import (
    Agent,
    DosingRecord,
)
from kapnotes.notes.document import (
    Block,
)
from kapnotes.notes.format import NoteContext
from kapnotes.notes.frame import clinician_name
from kapnotes.notes.wording import (
    MISSING,
    Blocks,
    Rows,
    attrs_rows,
    fields_block,
    format_clock,
    format_datetime,
    format_fixed,
    format_minutes,
    format_number,
    format_value,
    table,
)

__all__ = [
    "BASELINE_CHECKS",
    "CONSENT_CHECKS",
    "adjuncts_table",
    "boosters_table",
    "medicine_rows",
    "medicine_summary",
    "medicine_topic",
    "mg",
    "mg_per_kg",
    "minutes_after",
    "pre_screen_topic",
    "timeline_time",
]

# =============================================================================================
# The dosing record
# =============================================================================================


def _dosing(ctx: NoteContext) -> DosingRecord | None:
    return ctx.session.dosing


def mg(value: float) -> str:
    return f"{format_number(value)} mg"


def mg_per_kg(d: DosingRecord) -> str:
    """The initial dose per kg of body weight to 2 decimals (empty without a weight)."""
    return f"{format_fixed(d.mg_per_kg, 2)} mg/kg" if d.mg_per_kg is not None else ""


def medicine_summary(d: DosingRecord) -> str:
    """``Ketamine (racemic) 51 mg IM (0.75 mg/kg)``."""
    per_kg = (f" ({mg_per_kg(d)})"
              if d.body_weight_kg is not None and d.agent is not Agent.ESKETAMINE else "")
    return f"{format_value(d.agent)} {mg(d.dose_mg)} {format_value(d.route)}{per_kg}"


def minutes_after(d: DosingRecord, at: dt.datetime) -> str:
    """Whole minutes since the first administration (negative before it): ``40``, ``-10``."""
    return str(round(d.minutes_after_dose(at)))


def _same_day(d: DosingRecord, at: dt.datetime) -> bool:
    ref = d.administered_at
    return at.date() == ref.date() and at.utcoffset() == ref.utcoffset()


def timeline_time(d: DosingRecord, at: dt.datetime) -> str:
    """The time of day on the dose's day and offset; the full datetime otherwise."""
    return format_clock(at) if _same_day(d, at) else format_datetime(at)


def medicine_rows(d: DosingRecord) -> Rows:
    """Agent, route, dose, weight, mg/kg, time, lot, infusion and total dose with boosters."""
    rows = [
        ("Agent", format_value(d.agent)),
        ("Route", format_value(d.route)),
        ("Dose", mg(d.dose_mg)),
        ("Body weight", f"{format_number(d.body_weight_kg)} kg" if d.body_weight_kg else ""),
        # esketamine is dosed in fixed mg, never by weight: no mg/kg row
        ("Dose per body weight", mg_per_kg(d) if d.agent is not Agent.ESKETAMINE else ""),
        ("Time given", format_datetime(d.administered_at)),
        ("Lot number", d.lot_number or ""),
        ("Infusion duration", format_minutes(d.infusion_minutes) if d.infusion_minutes else ""),
    ]
    if d.boosters:
        rows.append(("Total dose incl. boosters", mg(d.total_dose_mg)))
    return rows


def boosters_table(d: DosingRecord) -> Blocks:
    rows = (
        (
            format_datetime(b.at),
            minutes_after(d, b.at),
            mg(b.dose_mg),
            format_value(b.route) or MISSING,
            b.lot_number or MISSING,
            b.reason or "",
        )
        for b in d.boosters
    )
    return table(("Time", "Min", "Dose", "Route", "Lot", "Reason"), rows, "Boosters")


def _adjunct_dose(dose: float | None, unit: str | None) -> str:
    if dose is None:
        return unit or MISSING
    return f"{format_number(dose)} {unit}" if unit else format_number(dose)


def adjuncts_table(d: DosingRecord) -> Blocks:
    rows = (
        (
            a.name,
            _adjunct_dose(a.dose, a.unit),
            format_value(a.route) or MISSING,
            format_datetime(a.at) if a.at else MISSING,
            a.reason or "",
        )
        for a in d.adjuncts
    )
    columns = ("Medication", "Dose", "Route", "Time", "Reason")
    return table(columns, rows, "Adjunct medications")


def medicine_topic(ctx: NoteContext) -> Blocks:
    """The medicine given: Fields, then the boosters and adjuncts tables."""
    d = _dosing(ctx)
    if d is None:
        return ()
    who = [
        (label, clinician_name(ctx, cid))
        for label, cid in (
            ("Ordered by", d.ordering_clinician_id),
            ("Administered by", d.administering_clinician_id),
            ("Monitored by", d.monitoring_clinician_id),
        )
        if cid
    ]
    return (*fields_block([*medicine_rows(d), *who]), *boosters_table(d), *adjuncts_table(d))


def _yes_no_unknown(answer: Enum) -> str:
    return format_value(answer)


def pre_screen_topic(ctx: NoteContext) -> Blocks:
    """The medical pre-screen: allergies, contraindications, medications, prior antidepressant
    trials, pregnancy test, height and BMI."""
    p = ctx.session.pre_screen
    if p is None:
        return ()
    out: list[Block] = []
    rows: Rows = []
    if p.no_known_allergies:
        rows.append(("Allergies", "No known allergies"))
    if p.pregnancy_test is not None:
        rows.append(("Pregnancy test", format_value(p.pregnancy_test)))
    if p.height_cm is not None:
        rows.append(("Height", f"{format_number(p.height_cm)} cm"))
        weight = ctx.session.dosing.body_weight_kg if ctx.session.dosing is not None else None
        bmi = p.bmi(weight)
        if bmi is not None:
            rows.append(("BMI", format_number(bmi)))
    if p.medications is not None and not p.medications:
        rows.append(("Medications", "None taken (reviewed)"))
    out += fields_block(rows)
    if p.allergies:
        out += table(("Substance", "Reaction", "Severity"),
                     ((a.substance, a.reaction or "", format_value(a.severity))
                      for a in p.allergies), "Allergies")
    screen = p.contraindications
    if screen is not None:
        by = clinician_name(ctx, screen.screened_by) if screen.screened_by else MISSING
        on = format_value(screen.screened_on) if screen.screened_on else MISSING
        out += table(("Condition", "Answer", "Notes"),
                     ((a.condition.label, _yes_no_unknown(a.answer), a.notes or "")
                      for a in screen.answers),
                     f"Contraindication screen (screened by {by}, {on})")
    if p.medications:
        out += table(("Medication", "Dose", "Classes"),
                     ((m.name, m.dose or "", format_value(m.classes)) for m in p.medications),
                     "Current medications")
    if p.antidepressant_trials:
        out += table(("Agent", "Dose", "Weeks", "Adequate", "Outcome"),
                     ((t.agent, t.dose or "", format_value(t.weeks), format_value(t.adequate),
                       format_value(t.outcome)) for t in p.antidepressant_trials),
                     "Prior antidepressant trials")
    return tuple(out)


def _preparation_topic(names: tuple[str, ...]) -> Callable[[NoteContext], Blocks]:
    def build(ctx: NoteContext) -> Blocks:
        d = _dosing(ctx)
        if d is None or d.preparation is None:
            return ()
        return fields_block(attrs_rows(d.preparation, only=names))

    return build


CONSENT_CHECKS = ("consent_reviewed", "consent_to_touch")
BASELINE_CHECKS = (
    "fasting_hours",
    "medications_reviewed",
    "si_screen",
    "pregnancy_test",
    "go_decision",
    "notes",
)


