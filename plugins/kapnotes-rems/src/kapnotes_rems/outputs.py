"""The filled form as a note (Word, Markdown, text, JSON through kapnotes' own exporters), as
a section of the dosing note, and as CSV (one row per esketamine session) for a record."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from kapnotes.exporting import ExportOptions, RecordExporter, RecordView
from kapnotes.model import SessionKind
from kapnotes.notes import blocks
from kapnotes.notes.document import Fields, Note, Paragraph, Section, Table
from kapnotes.notes.format import NoteContext, NoteFormat
from kapnotes.rules.config import ClinicConfig
from kapnotes_rems.context import filled_forms, form_for, form_input, is_esketamine
from kapnotes_rems.fill import DERIVATIONS, FilledForm, fill
from kapnotes_rems.forms import V2021_11
from kapnotes_rems.settings import RemsSettings
from kapnotes_rems.submission import submission_of

__all__ = ["form_blocks", "form_csv", "monitoring_form_format", "record_csv_exporter"]

Settings = Callable[[], tuple[ClinicConfig, RemsSettings]]


def _filled(ctx: NoteContext, settings: Settings) -> FilledForm | None:
    config, rems = settings()
    # A note shows values, not paths: the session is addressed on its own ("$").
    inp = form_input(
        ctx.session, "$", config=config, course=ctx.course, course_path="$",
        clinic=ctx.clinic, clients=[ctx.client] if ctx.client is not None else [],
        clinicians=list(ctx.clinicians.values()),
    )
    form = form_for(inp, rems)
    return None if form is None else fill(form, inp)


def form_blocks(filled: FilledForm, *, submitted: str | None = None) -> tuple[Any, ...]:
    """The form as note blocks: a status line, then one table per section of the form."""
    missing = [v.field.label for v in filled.missing]
    status = (
        "Complete" if not missing else f"Incomplete: {len(missing)} required field(s) missing"
    )
    out: list[Any] = [
        Fields((
            ("Form", f"{filled.form.title} (form {filled.form.version})"),
            ("Status", status),
            ("Submit by", filled.due_on.strftime("%m/%d/%Y")),
            ("Submitted", submitted or "not recorded"),
        ))
    ]
    for heading, fields in filled.form.sections():
        rows = []
        for f in fields:
            v = filled.value(f.key)
            shown = v.value if v.value is not None else ("MISSING" if f.required else "")
            rows.append((f.label, shown, v.detail))
        out.append(Table(("Field", "Entry", "From the record"), tuple(rows), caption=heading))
    if missing:
        out.append(Paragraph("; ".join(missing), label="To complete"))
    out.append(Paragraph(
        " ".join(f"{filled.form.field(k).label}: {how}." for k, how in DERIVATIONS.items()
                 if k in filled.form.keys),
        label="How the record answers",
    ))
    return tuple(out)


def _submitted(ctx: NoteContext) -> str | None:
    sub = submission_of(ctx.session)
    return None if sub is None else f"{sub.on.strftime('%m/%d/%Y')}, confirmation {sub.confirmation}"


def monitoring_form_format(settings: Settings) -> NoteFormat:
    """The note format ``rems-monitoring-form``: the filled form for one esketamine session."""

    def build(ctx: NoteContext) -> Note:
        s = ctx.session
        if not is_esketamine(s):
            body: tuple[Any, ...] = (Paragraph("Not an esketamine session: no REMS form."),)
        else:
            filled = _filled(ctx, settings)
            body = (form_blocks(filled, submitted=_submitted(ctx)) if filled is not None
                    else (Paragraph("No version of the form is in force on this date."),))
        return Note(
            title="SPRAVATO® REMS Patient Monitoring Form",
            format="rems-monitoring-form",
            letterhead=blocks.letterhead(ctx),
            patient=blocks.patient_banner(ctx),
            facts=blocks.session_facts(ctx),
            sections=(Section(key="rems-form", heading="Patient Monitoring Form", blocks=body),),
            signatures=blocks.signature_blocks(ctx),
            addenda=blocks.note_addenda(ctx),
            status=s.status.value,
            author=blocks.note_author(ctx),
            created=s.end or s.start,
            subject=f"REMS Patient Monitoring Form {s.start.date().isoformat()}",
        )

    return NoteFormat(
        name="rems-monitoring-form",
        description="The SPRAVATO REMS Patient Monitoring Form of an esketamine session.",
        build=build,
        session_kinds=frozenset({SessionKind.DOSING}),
    )


def dosing_note_section(settings: Settings) -> Callable[[Any, Any], tuple[Any, ...]]:
    """Renderer of the ``rems`` session extension: the form's summary inside every note."""

    def render(ctx: Any, _answers: Any) -> tuple[Any, ...]:
        if not is_esketamine(ctx.session):
            return ()
        filled = _filled(ctx, settings)
        if filled is None:
            return ()
        return form_blocks(filled, submitted=_submitted(ctx))

    return render


COLUMNS_FIRST = ("session_id", "client_id", "form_version", "complete", "due_on", "submitted_on",
                 "confirmation")


def form_csv(rows: list[tuple[str, FilledForm | None, Any]]) -> bytes:
    """CSV of filled forms: the fixed columns, then every field key of every version used."""
    keys: list[str] = []
    for _cid, filled, _sub in rows:
        for k in (filled.form.keys if filled is not None else V2021_11.keys):
            if k not in keys:
                keys.append(k)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow([*COLUMNS_FIRST, *keys])
    for client_id, filled, sub in rows:
        if filled is None:
            continue
        values = {v.field.key: v.value or "" for v in filled.values}
        w.writerow([
            filled.session_id, client_id, filled.form.version,
            "yes" if filled.complete else "no", filled.due_on.isoformat(),
            sub.on.isoformat() if sub is not None else "", sub.confirmation if sub else "",
            *[values.get(k, "") for k in keys],
        ])
    return out.getvalue().encode("utf-8")


def record_csv_exporter(settings: Settings) -> RecordExporter:
    """The record exporter ``rems-csv``: one row per esketamine session of the view."""

    def export(view: RecordView, _options: ExportOptions) -> bytes:
        config, rems = settings()
        rows = [
            (course.client_id, filled, submission_of(session))
            for course, session, filled in filled_forms(
                courses=view.iter_courses(), config=config, settings=rems, clinic=view.clinic,
                clients=view.clients, clinicians=view.clinicians,
            )
        ]
        return form_csv(rows)

    return RecordExporter(
        name="rems-csv",
        description="SPRAVATO REMS Patient Monitoring Forms as CSV, one row per esketamine session.",
        media_type="text/csv",
        extension="csv",
        export=export,
    )
