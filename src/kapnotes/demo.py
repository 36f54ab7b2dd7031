"""``kapnotes demo``: a synthetic clinic in an embedded SQLite database, with its notes."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from kapnotes.store import Store, open_store
from kapnotes.synthetic import build_document

if TYPE_CHECKING:  # pragma: no cover
    from kapnotes.rules.config import ClinicConfig


def build_demo(
    out_dir: Path, *, clients: int = 4, config: ClinicConfig | None = None
) -> Iterator[str]:
    """Write the demo into ``out_dir``; yields one line per step for the CLI to show.

    ``out_dir/kapnotes.db`` (recreated), ``record.json``, ``notes/CLIENT/*.docx`` (every session
    in the default format for its kind), ``progress/CLIENT-progress.docx`` (a progress note with
    outcome charts per client), ``charts/CLIENT-INSTRUMENT.png`` and ``billing/``: the first
    client's superbill for the whole course (Word and CSV), medical-necessity summary and
    treatment plan.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    db_path = out_dir / "kapnotes.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    for sub in ("notes", "progress", "charts", "billing"):
        shutil.rmtree(out_dir / sub, ignore_errors=True)
    doc = build_document(clients=clients, with_process_notes=True, plugin_data=True,
                         home_measures=True)
    store = open_store(db_path)
    try:
        summary = store.save(doc)
        yield (
            f"database: {db_path} ({summary.clients} clients, {summary.sessions_written} sessions, "
            f"{summary.psychotherapy_notes} psychotherapy notes kept apart)"
        )
        from kapnotes.serialization import dumps

        record = out_dir / "record.json"
        record.write_text(dumps(store.document(), indent=2) + "\n", encoding="utf-8")
        yield f"record:   {record} (kapnotes document {doc.format_version}, without psychotherapy notes)"
        yield from _notes(store, out_dir, config)
        yield from _progress(store, out_dir)
        yield from _billing(store, out_dir)
        yield from _checks(store)
    finally:
        store.close()


def _notes(store: Store, out_dir: Path, config: ClinicConfig | None = None) -> Iterator[str]:
    from kapnotes.batch import render_all

    notes_dir = out_dir / "notes"
    count = sum(1 for _ in render_all(store, notes_dir, to="docx", config=config))
    yield f"notes:    {notes_dir}/ ({count} Word notes, one per session)"


def _progress(store: Store, out_dir: Path) -> Iterator[str]:
    from kapnotes.batch import render_stored
    from kapnotes.charts import draw_trajectory
    from kapnotes.outcomes import course_outcomes

    progress_dir, charts_dir = out_dir / "progress", out_dir / "charts"
    progress_dir.mkdir(parents=True)
    charts_dir.mkdir(parents=True)
    notes = charts = 0
    for client_id in store.client_ids():
        for course in store.courses_of(client_id):
            last = course.sessions[-1]
            path = progress_dir / f"{client_id}-progress.docx"
            path.write_bytes(render_stored(store, last.id, format="progress", to="docx"))
            notes += 1
            for outcome in course_outcomes(course).outcomes:
                png = draw_trajectory(course, outcome.instrument, format="png")
                (charts_dir / f"{client_id}-{outcome.instrument}.png").write_bytes(png)
                charts += 1
    yield f"progress: {progress_dir}/ ({notes} progress notes with outcome charts); {charts_dir}/ ({charts} charts)"


def _billing(store: Store, out_dir: Path) -> Iterator[str]:
    from kapnotes.billing import _scorer, code_rules
    from kapnotes.billing.superbill import RANGE_KEY, superbill_csv, superbill_lines
    from kapnotes.rendering import context_for, export_note, run_format
    from kapnotes.rules.config import ClinicConfig

    billing_dir = out_dir / "billing"
    billing_dir.mkdir(parents=True)
    client_id = store.client_ids()[0]
    course = store.courses_of(client_id)[0]
    doc = store.document(client_ids=[client_id])
    first, last = course.sessions[0], course.sessions[-1]
    start, end = first.start.date(), last.start.date()
    config = ClinicConfig.default()
    ctx = context_for(last, course=course, document=doc,
                      extra={RANGE_KEY: (start, end), "config": config})
    (billing_dir / f"{client_id}-superbill.docx").write_bytes(
        export_note(run_format("superbill", ctx), to="docx", subject=last.id))
    clinicians = {c.id: c for c in doc.clinicians}
    lines, _rules = superbill_lines(course, start, end, rules=code_rules(), config=config.billing,
                                    clinicians=clinicians, score=_scorer())
    (billing_dir / f"{client_id}-superbill.csv").write_bytes(
        superbill_csv(lines, client_id, clinicians))
    dosing = [s for s in course.sessions if s.dosing is not None]
    at = dosing[-1] if dosing else last
    for fmt, name in (("medical-necessity", "medical-necessity"), ("treatment-plan", "treatment-plan")):
        c = context_for(at if fmt == "medical-necessity" else last, course=course, document=doc)
        (billing_dir / f"{client_id}-{name}.docx").write_bytes(
            export_note(run_format(fmt, c), to="docx", subject=at.id))
    yield (f"billing:  {billing_dir}/ ({client_id}: superbill .docx and .csv with {len(lines)} "
           f"lines, medical-necessity summary, treatment plan)")


def _checks(store: Store) -> Iterator[str]:
    from kapnotes.rules.engine import blocking, evaluate

    findings = evaluate(store.document())
    yield (
        f"checks:   {len(findings)} safety finding(s), {len(blocking(findings))} blocking "
        "(see: kapnotes check --db DB)"
    )
