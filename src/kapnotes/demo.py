"""``kapnotes demo``: a synthetic clinic in an embedded SQLite database, with its notes."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

from kapnotes.store import open_store
from kapnotes.synthetic import build_document


def build_demo(out_dir: Path, *, clients: int = 4) -> Iterator[str]:
    """Write the demo into ``out_dir``; yields one line per step for the CLI to show."""
    out_dir.mkdir(parents=True, exist_ok=True)
    db_path = out_dir / "kapnotes.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    doc = build_document(clients=clients, with_process_notes=True)
    store = open_store(db_path)
    try:
        summary = store.save(doc)
        yield (
            f"database: {db_path} ({summary.clients} clients, "
            f"{summary.sessions_written} sessions, {summary.psychotherapy_notes} psychotherapy notes kept apart)"
        )
        from kapnotes.serialization import dumps

        record = out_dir / "record.json"
        record.write_text(dumps(store.document(), indent=2) + "\n", encoding="utf-8")
        yield f"record:   {record} (kapnotes document {doc.format_version}, without psychotherapy notes)"
        yield from _notes(store, out_dir)
    finally:
        store.close()


def _notes(store: object, out_dir: Path) -> Iterator[str]:
    notes_dir = out_dir / "notes"
    if notes_dir.exists():
        shutil.rmtree(notes_dir)
    from kapnotes.batch import render_all

    count = 0
    for _ in render_all(store, notes_dir, to="docx"):  # type: ignore[arg-type]
        count += 1
    yield f"notes:    {notes_dir}/ ({count} Word notes)"
