"""Superbills: the service lines of one session or of a client's date range, as a note (Word
and every other note exporter) and as CSV.

Each session contributes the lines it records (what the clinic decided to bill) or, when it
records none, the lines :func:`kapnotes.billing.engine.suggest` suggests; a line whose code's
rule rests on a source that is not verified (recorded or suggested) is marked ``UNVERIFIED``. The superbill ends with every code rule it
used, its source and status, so a reader sees which rest on unverified sources.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

import attrs

from kapnotes.billing.codes import CODES, EM_CODES
from kapnotes.billing.config import BillingConfig
from kapnotes.billing.engine import SuggestedLine, suggest
from kapnotes.billing.rules import CodeRule
from kapnotes.model.billing import ServiceLine
from kapnotes.model.course import TreatmentCourse
from kapnotes.model.people import Clinician
from kapnotes.model.session import Session
from kapnotes.notes import blocks
from kapnotes.notes.document import Block, Fields, Note, Paragraph, Section, Table
from kapnotes.notes.format import NoteContext, NoteFormat

__all__ = ["CSV_COLUMNS", "FORMAT", "SuperbillLine", "superbill_csv", "superbill_lines",
           "superbill_note"]

#: The extra key of a :class:`NoteContext` holding the superbill's date range ``(from, to)``.
RANGE_KEY = "superbill_range"

CSV_COLUMNS = (
    "session_id", "date", "client_id", "code", "system", "modifiers", "units",
    "place_of_service", "rendering_npi", "supervising_npi", "billing_npi", "diagnoses",
    "charge", "origin", "status", "verified", "rule", "reason",
)


@attrs.frozen
class SuperbillLine:
    """One line of a superbill: the service line, its session, and where it came from."""

    session: Session
    line: ServiceLine
    title: str
    origin: str  # "recorded" or "suggested"
    status: str
    verified: bool
    rule: str
    reason: str
    charge_cents: int | None


def _title(code: str) -> str:
    if code in CODES:
        return CODES[code].title
    if code in EM_CODES:
        return "Office or other outpatient E/M visit"
    return ""


def _charge(line: ServiceLine, config: BillingConfig) -> int | None:
    if line.charge_cents is not None:
        return line.charge_cents
    fee = config.fees_cents.get(line.code)
    return None if fee is None else fee * line.units


def superbill_lines(
    course: TreatmentCourse,
    start: dt.date,
    end: dt.date,
    *,
    rules: Iterable[CodeRule],
    config: BillingConfig | None = None,
    clinicians: dict[str, Clinician] | None = None,
    score: Any = None,
) -> tuple[tuple[SuperbillLine, ...], tuple[CodeRule, ...]]:
    """The lines of the course's sessions from ``start`` to ``end`` (inclusive), and the rules
    behind the suggested ones."""
    config = config or BillingConfig()
    rules = tuple(rules)
    out: list[SuperbillLine] = []
    used: dict[str, CodeRule] = {}
    from kapnotes.billing.engine import apply_config

    by_code: dict[str, CodeRule] = {}
    for active in apply_config(rules, config):
        if active.enabled:
            by_code.setdefault(active.code, active)
    for s in course.sessions:
        if not start <= s.start.date() <= end:
            continue
        if s.service_lines:
            for rec in s.service_lines:
                rule = by_code.get(rec.code)
                status = rule.verification if rule is not None else "recorded"
                ok = rule is None or status == "verified" or rec.code in config.accept_unverified
                if rule is not None:
                    used[rule.name] = rule
                out.append(SuperbillLine(s, rec, _title(rec.code), "recorded", status, ok,
                                         rule.name if rule else "", "recorded by the clinic",
                                         _charge(rec, config)))
            continue
        bill = suggest(s, rules=rules, course=course, config=config, score=score,
                       clinicians=clinicians)
        by_name = {r.name: r for r in bill.rules}
        for x in bill.lines:
            if x.rule in by_name:
                used[x.rule] = by_name[x.rule]
            out.append(_suggested(s, x, config))
    return tuple(out), tuple(used[k] for k in sorted(used))


def _suggested(s: Session, x: SuggestedLine, config: BillingConfig) -> SuperbillLine:
    return SuperbillLine(s, x.line, x.title, "suggested", x.status, x.verified, x.rule,
                         x.reason, _charge(x.line, config))


def _npi(clinicians: dict[str, Clinician], cid: str | None) -> str:
    c = clinicians.get(cid) if cid else None
    return c.npi or "" if c is not None else ""


def _money(cents: int | None) -> str:
    return "" if cents is None else f"${cents / 100:,.2f}"


def superbill_csv(lines: Iterable[SuperbillLine], client_id: str,
                  clinicians: dict[str, Clinician]) -> bytes:
    """The lines as RFC 4180 CSV (UTF-8). A cell that a spreadsheet would read as a formula
    (starting with ``= + - @``) is prefixed with ``'``."""
    out = io.StringIO(newline="")
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    for x in lines:
        ln = x.line
        w.writerow([_cell(v) for v in (
            x.session.id, x.session.start.date().isoformat(), client_id, ln.code,
            ln.system.value, " ".join(ln.modifiers), ln.units, ln.place_of_service or "",
            _npi(clinicians, ln.rendering_clinician_id),
            _npi(clinicians, ln.supervising_clinician_id),
            _npi(clinicians, ln.billing_clinician_id), " ".join(ln.diagnoses),
            "" if x.charge_cents is None else f"{x.charge_cents / 100:.2f}", x.origin,
            x.status, "yes" if x.verified else "no", x.rule, x.reason,
        )])
    return out.getvalue().encode("utf-8")


def _cell(v: object) -> str:
    text = str(v)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _range(ctx: NoteContext) -> tuple[dt.date, dt.date]:
    got = ctx.extra.get(RANGE_KEY)
    if got:
        return got[0], got[1]
    day = ctx.session.start.date()
    return day, day


def build(ctx: NoteContext) -> Note:
    """The superbill of ``ctx``'s session, or of its course over ``ctx.extra[RANGE_KEY]``."""
    from kapnotes.billing import _scorer, code_rules
    from kapnotes.notes.documents import frame
    from kapnotes.rules.config import ClinicConfig

    start, end = _range(ctx)
    course = ctx.course
    if course is None:
        course = TreatmentCourse(id="none", client_id="none", started_on=start,
                                 sessions=(ctx.session,))
    config: ClinicConfig = ctx.extra.get("config") or ClinicConfig.default()
    clinicians = dict(ctx.clinicians)
    lines, rules = superbill_lines(course, start, end, rules=code_rules(), config=config.billing,
                                   clinicians=clinicians, score=_scorer())
    return superbill_note(ctx, lines, rules, start, end, frame)


def superbill_note(ctx: NoteContext, lines: tuple[SuperbillLine, ...],
                   rules: tuple[CodeRule, ...], start: dt.date, end: dt.date,
                   frame: Any) -> Note:
    course = ctx.course
    clinicians = dict(ctx.clinicians)
    display = {i.code: i.display for i in course.indications} if course else {}
    dx = sorted({d for x in lines for d in x.line.diagnoses},
                key=lambda d: list(display).index(d) if d in display else 99)
    pointer = {d: "ABCDEFGHIJKL"[k] for k, d in enumerate(dx[:12])}
    clinic = ctx.clinic
    provider: list[tuple[str, str]] = []
    if clinic is not None:
        provider.append(("Practice", clinic.name))
        if clinic.npi:
            provider.append(("Practice NPI", clinic.npi))
    for cid in sorted({x.line.rendering_clinician_id for x in lines if x.line.rendering_clinician_id}):
        c = clinicians.get(cid)
        label = blocks.clinician_name(ctx, cid)
        provider.append(("Rendering clinician", label + (f", NPI {c.npi}" if c and c.npi else "")))
    client = ctx.client
    patient: list[tuple[str, str]] = []
    if client is not None:
        patient += [("Name", blocks.patient_banner(ctx).name),
                    ("Date of birth", blocks.format_value(client.date_of_birth))]
    rows = tuple(
        (
            x.session.start.date().isoformat(), x.line.place_of_service or "",
            x.line.code, " ".join(x.line.modifiers),
            x.title + ("" if x.verified else f" (UNVERIFIED: {x.status})"),
            "".join(pointer.get(d, "") for d in x.line.diagnoses), str(x.line.units),
            _money(x.charge_cents), _npi(clinicians, x.line.rendering_clinician_id),
        )
        for x in lines
    )
    total = sum(x.charge_cents or 0 for x in lines)
    body: list[Block] = []
    if rows:
        body.append(Table(("Date", "POS", "Code", "Modifiers", "Description", "Dx", "Units",
                           "Charge", "Rendering NPI"), rows, caption="Services"))
        body.append(Fields((("Total charges", _money(total)),)))
    else:
        body.append(Paragraph("No billable service in this period."))
    unverified = [x for x in lines if not x.verified]
    if unverified:
        body.append(Paragraph(
            "Codes marked UNVERIFIED rest on a source kapnotes could not verify: check them "
            "with the payer before submitting.", label="Check before billing"))
    rule_rows = tuple((r.code, r.name, r.verification, r.citation) for r in rules)
    sections = [
        Section("provider", "Provider", (Fields(tuple(provider)),) if provider else ()),
        Section("patient", "Patient", (Fields(tuple(patient)),) if patient else ()),
        Section("diagnoses", "Diagnoses (ICD-10-CM)", blocks.table(
            ("Pointer", "Code", "Diagnosis"),
            ((pointer[d], d, display.get(d, "")) for d in dx[:12]), "Diagnoses")),
        Section("services", "Services", tuple(body)),
        Section("sources", "Code rules and their sources", blocks.table(
            ("Code", "Rule", "Status", "Source"), rule_rows, "Code rules")),
    ]
    period = start.isoformat() if start == end else f"{start.isoformat()} to {end.isoformat()}"
    return frame(  # type: ignore[no-any-return]
        ctx, title="Superbill", fmt="superbill", sections=sections,
        subject=f"Superbill {period}",
        facts=(("Dates of service", period),
               ("Client", course.client_id if course else "")),
    )


FORMAT = NoteFormat(
    name="superbill",
    description="Superbill: provider, patient, diagnoses, service lines with charges, and the "
    "code rules with their sources",
    build=build,
)
