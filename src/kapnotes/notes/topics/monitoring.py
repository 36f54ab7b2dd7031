"""The monitoring timeline, adverse events, pre-dose vitals, the diagnosis and discharge."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import attrs

from kapnotes.model import (
    AdverseEvent,
    CheckIn,
    Dissociation,
    DosingRecord,
    Observation,
    Sedation,
    Vitals,
)
from kapnotes.notes.document import (
    Fields,
    Paragraph,
    Table,
)
from kapnotes.notes.format import NoteContext
from kapnotes.notes.frame import _person
from kapnotes.notes.topics.dosing import (
    _adjunct_dose,
    _dosing,
    medicine_summary,
    mg,
    minutes_after,
    timeline_time,
)
from kapnotes.notes.wording import (
    Blocks,
    attrs_rows,
    fields_block,
    format_datetime,
    format_minutes,
    format_value,
    lines,
    table,
)

__all__ = [
    "TIMELINE_COLUMNS",
    "adverse_event_text",
    "adverse_events_view",
    "baseline_vitals_view",
    "diagnosis_view",
    "discharge_topic",
    "monitoring_topic",
    "timeline_rows",
    "timeline_table",
    "vitals_summary",
]

# --- the monitoring timeline -------------------------------------------------------------------

TIMELINE_COLUMNS: tuple[str, ...] = (
    "Min",
    "Time",
    "BP (mmHg)",
    "HR (/min)",
    "SpO2 (%)",
    "RR (/min)",
    "MOAA/S",
    "CADSS",
    "Events / notes",
)


@attrs.define
class _Row:
    """One moment of the timeline: what was measured and what happened."""

    at: dt.datetime
    vitals: Vitals | None = None
    moaas: int | None = None
    cadss: str | None = None
    events: list[str] = attrs.Factory(list)

    def takes(self, entry: object) -> bool:
        """Whether ``entry`` fits in this row (same moment, its slot still free)."""
        if isinstance(entry, Vitals):
            return self.vitals is None
        if isinstance(entry, Sedation):
            return self.moaas is None
        if isinstance(entry, Dissociation):
            return self.cadss is None
        return True

    def put(self, entry: object) -> None:
        if isinstance(entry, Vitals):
            self.vitals = entry
        elif isinstance(entry, Sedation):
            self.moaas = entry.score
        elif isinstance(entry, Dissociation):
            scale = f" ({format_value(entry.scale)})" if entry.scale is not None else ""
            self.cadss = f"{entry.total}{scale}"
        else:
            self.events.append(str(entry))


def adverse_event_text(e: AdverseEvent) -> str:
    """``Adverse event: nausea (Mild); action: ...; resolved 2026-01-12 10:20 -07:00``."""
    parts = [f"Adverse event: {e.event} ({format_value(e.severity)})"]
    if e.action:
        parts.append(f"action: {e.action}")
    if e.resolved_at is not None:
        parts.append(f"resolved {format_datetime(e.resolved_at)}")
    return "; ".join(parts)


def _medication_events(d: DosingRecord) -> Iterator[tuple[dt.datetime, str]]:
    infusion = f", infused over {format_minutes(d.infusion_minutes)}" if d.infusion_minutes else ""
    yield d.administered_at, f"Dose given: {medicine_summary(d)}{infusion}"
    for b in d.boosters:
        route = f" {format_value(b.route)}" if b.route else ""
        reason = f" ({b.reason})" if b.reason else ""
        yield b.at, f"Booster: {mg(b.dose_mg)}{route}{reason}"
    for a in d.adjuncts:
        if a.at is not None:
            route = f" {format_value(a.route)}" if a.route else ""
            yield a.at, f"Adjunct: {a.name} {_adjunct_dose(a.dose, a.unit)}{route}"
    if d.discharge is not None:
        met = "criteria met" if d.discharge.criteria_met else "criteria NOT met"
        yield d.discharge.at, f"Discharge ({met})"


def _timeline_entries(d: DosingRecord) -> list[tuple[dt.datetime, object]]:
    """Monitoring entries and medication events in time order (entries first at equal times)."""
    out: list[tuple[dt.datetime, object]] = []
    for e in d.monitoring:
        if isinstance(e, AdverseEvent):
            out.append((e.at, adverse_event_text(e)))
        elif isinstance(e, Observation):
            out.append((e.at, f"Observation: {e.text}"))
        elif isinstance(e, CheckIn):
            notes = f"; {e.notes}" if e.notes else ""
            out.append((e.at, f"Chaperone check-in ({e.by}): {format_value(e.status)}{notes}"))
        else:
            out.append((e.at, e))
    out += list(_medication_events(d))
    return sorted(out, key=lambda pair: pair[0])


def timeline_rows(d: DosingRecord) -> list[_Row]:
    """One row per moment; entries at the same moment share a row while their slots are free."""
    rows: list[_Row] = []
    for at, entry in _timeline_entries(d):
        row = next((r for r in reversed(rows) if r.at == at and r.takes(entry)), None)
        if row is None:
            row = _Row(at)
            rows.append(row)
        row.put(entry)
    return rows


def _vitals_cells(v: Vitals | None) -> tuple[str, str, str, str]:
    if v is None:
        return ("", "", "", "")
    bp = f"{v.systolic}/{v.diastolic}" if v.systolic is not None else ""
    return (bp, format_value(v.heart_rate), format_value(v.spo2), format_value(v.respiratory_rate))


def timeline_table(d: DosingRecord) -> Table:
    """The monitoring timeline as ONE table; Min = minutes since the first administration."""
    body = tuple(
        (
            minutes_after(d, r.at),
            timeline_time(d, r.at),
            *_vitals_cells(r.vitals),
            format_value(r.moaas),
            format_value(r.cadss),
            lines(r.events),
        )
        for r in timeline_rows(d)
    )
    caption = (
        f"Monitoring timeline. Min = minutes since the first administration at "
        f"{format_datetime(d.administered_at)} (negative = before the dose); times are on that "
        f"day and UTC offset unless dated. MOAA/S 0–5 (5 = responds readily); CADSS total 0–92."
    )
    return Table(TIMELINE_COLUMNS, body, caption=caption)


def monitoring_topic(ctx: NoteContext) -> Blocks:
    d = _dosing(ctx)
    if d is None or not (d.monitoring or d.boosters or d.discharge):
        return ()
    return (timeline_table(d),)


def adverse_events_view(ctx: NoteContext) -> Blocks:
    """The adverse events of the timeline, one row each (a view: the timeline shows them too)."""
    d = _dosing(ctx)
    if d is None:
        return ()
    rows = (
        (
            minutes_after(d, e.at),
            timeline_time(d, e.at),
            e.event,
            format_value(e.severity),
            e.action or "",
            format_datetime(e.resolved_at) if e.resolved_at else "not recorded",
        )
        for e in d.monitoring
        if isinstance(e, AdverseEvent)
    )
    columns = ("Min", "Time", "Event", "Severity", "Action", "Resolved")
    found = table(columns, rows, "Adverse events")
    if found or not d.adjuncts:
        return found
    given = "; ".join(
        f"{a.name} {_adjunct_dose(a.dose, a.unit)}" + (f" ({a.reason})" if a.reason else "")
        for a in d.adjuncts
    )
    return (Paragraph(f"No adverse events recorded. Adjunct medication given: {given}."),)


def diagnosis_view(ctx: NoteContext) -> Blocks:
    """``Diagnosis: F33.2 Major depressive disorder, ...``: the course's indications, primary
    first (a view of the course)."""
    course = ctx.course
    if course is None or not course.indications:
        return ()
    ordered = sorted(course.indications, key=lambda i: not i.primary)
    text = "; ".join(f"{i.code} {i.display}" for i in ordered)
    return (Paragraph(f"Diagnosis: {text}"),)


def vitals_summary(v: Vitals) -> str:
    """``BP 120/78 mmHg, HR 70/min, SpO2 98%, RR 14/min``."""
    parts = []
    if v.systolic is not None:
        parts.append(f"BP {v.systolic}/{v.diastolic} mmHg")
    if v.heart_rate is not None:
        parts.append(f"HR {v.heart_rate}/min")
    if v.spo2 is not None:
        parts.append(f"SpO2 {v.spo2}%")
    if v.respiratory_rate is not None:
        parts.append(f"RR {v.respiratory_rate}/min")
    return ", ".join(parts)


def baseline_vitals_view(ctx: NoteContext) -> Blocks:
    """The last vital signs taken before the dose, else those taken at the dose (a view of the
    timeline)."""
    d = _dosing(ctx)
    if d is None:
        return ()
    before = [v for v in d.vitals() if v.at < d.administered_at]
    before = before or [v for v in d.vitals() if v.at == d.administered_at]
    if not before:
        return (Fields((("Pre-dose vitals", "none recorded before the dose"),)),)
    v = before[-1]
    when = f"{timeline_time(d, v.at)}, {minutes_after(d, v.at)} min"
    return (Fields((("Pre-dose vitals", f"{vitals_summary(v)} ({when})"),)),)


def discharge_topic(ctx: NoteContext) -> Blocks:
    """Discharge: when, criteria, escort and transport."""
    d = _dosing(ctx)
    if d is None or d.discharge is None:
        return ()
    dis = d.discharge
    rows = [
        *attrs_rows(dis, only=("at",)),
        ("Observed after the dose", format_minutes(d.minutes_after_dose(dis.at))),
        *attrs_rows(dis, only=("criteria_met", "criteria")),
        ("Escort", _person(dis.escort, dis.escort_relationship) if dis.escort
                   else dis.escort_relationship or ""),
        *attrs_rows(dis, only=("transport", "notes")),
    ]
    return fields_block(rows)


