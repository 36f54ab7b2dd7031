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
    outcome charts per client) and ``charts/CLIENT-INSTRUMENT.png``.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    db_path = out_dir / "kapnotes.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    for sub in ("notes", "progress", "charts"):
        shutil.rmtree(out_dir / sub, ignore_errors=True)
    doc = build_document(clients=clients, with_process_notes=True, plugin_data=True)
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


def _checks(store: Store) -> Iterator[str]:
    from kapnotes.rules.engine import blocking, evaluate

    findings = evaluate(store.document())
    yield (
        f"checks:   {len(findings)} safety finding(s), {len(blocking(findings))} blocking "
        "(see: kapnotes check --db DB)"
    )
