"""A measure or addendum id already stored for another session: the import names the JSON path
in the new document and the stored record it clashes with, and writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import attrs
import pytest

from kapnotes.cli import cli
from kapnotes.errors import InvalidError
from kapnotes.model import Document
from kapnotes.serialization import dumps
from kapnotes.store import open_store, session_content_hash
from kapnotes.synthetic import build_document


@pytest.fixture
def stored(tmp_path: Path) -> tuple[Document, Path]:
    doc = build_document(clients=1, dosings=1)
    db = tmp_path / "k.db"
    with open_store(db) as store:
        store.save(doc)
    return doc, db


def _snapshot(db: Path) -> dict[str, int]:
    with open_store(db, create=False) as store:
        return store.counts()


def _renamed_draft(doc: Document) -> Document:
    """The unsigned dosing session moved to a new course under a new id, its measure ids kept
    (stored for the old id, which this document no longer carries)."""
    course = doc.courses[0]
    dose = next(s for s in course.sessions if s.id == "cl-001-dose-01")
    kept = attrs.evolve(course, sessions=tuple(s for s in course.sessions if s is not dose))
    copy = attrs.evolve(dose, id="cl-001-dose-01-copy")
    return attrs.evolve(
        doc, courses=(kept, attrs.evolve(course, id="course-cl-001-b", sessions=(copy,)))
    )


def test_a_measure_id_stored_for_another_session_is_refused_with_both_places(stored):
    doc, db = stored
    before = _snapshot(db)
    new = _renamed_draft(doc)
    with open_store(db) as store, pytest.raises(InvalidError) as err:
        store.save(new)
    problems = err.value.problems
    assert [p.path for p in problems] == [
        "$.courses[1].sessions[0].measures[0].id",
        "$.courses[1].sessions[0].measures[1].id",
    ]
    first = problems[0].message
    assert "'cl-001-dose-01-phq9'" in first
    assert "session 'cl-001-dose-01'" in first and "client 'cl-001'" in first
    assert "phq9" in first
    assert _snapshot(db) == before


def test_the_same_session_saved_again_is_no_clash(stored):
    doc, db = stored
    with open_store(db) as store:
        summary = store.save(doc)
    assert summary.sessions_written == 0


def test_a_draft_whose_measure_moves_to_a_new_session_in_the_same_document_is_no_clash(stored):
    doc, db = stored
    course = doc.courses[0]
    dose = next(s for s in course.sessions if s.id == "cl-001-dose-01")
    moved = attrs.evolve(dose, id="cl-001-dose-01-copy")
    emptied = attrs.evolve(dose, measures=())
    sessions = tuple(emptied if s.id == dose.id else s for s in course.sessions)
    new = attrs.evolve(
        doc,
        courses=(
            attrs.evolve(course, sessions=sessions),
            attrs.evolve(course, id="course-cl-001-b", sessions=(moved,)),
        ),
    )
    with open_store(db) as store:
        store.save(new)
        rows = dict(store.conn.execute("SELECT id, session_id FROM measures").fetchall())
    assert rows["cl-001-dose-01-phq9"] == "cl-001-dose-01-copy"


def test_an_addendum_id_stored_for_another_session_is_refused(stored):
    doc, db = stored
    before = _snapshot(db)
    course = doc.courses[0]
    intake = next(s for s in course.sessions if s.addenda)
    copy = attrs.evolve(intake, id="cl-001-intake-copy", measures=())
    copy = attrs.evolve(
        copy,
        signatures=tuple(
            attrs.evolve(g, content_hash=session_content_hash(copy)) for g in copy.signatures
        ),
    )
    kept = attrs.evolve(course, sessions=tuple(s for s in course.sessions if s is not intake))
    new = attrs.evolve(
        doc, courses=(kept, attrs.evolve(course, id="course-cl-001-b", sessions=(copy,)))
    )
    with open_store(db) as store, pytest.raises(InvalidError) as err:
        store.save(new)
    (problem,) = err.value.problems
    assert problem.path == "$.courses[1].sessions[0].addenda[0].id"
    assert f"addendum id {intake.addenda[0].id!r}" in problem.message
    assert f"session {intake.id!r}" in problem.message and "client 'cl-001'" in problem.message
    assert _snapshot(db) == before


def test_cli_import_names_the_file_the_path_and_the_stored_record(stored, tmp_path):
    from click.testing import CliRunner

    doc, db = stored
    before = _snapshot(db)
    data = json.loads(dumps(doc))
    sessions = data["courses"][0]["sessions"]
    dose = next(s for s in sessions if s["id"] == "cl-001-dose-01")
    sessions.remove(dose)
    dose["id"] = "cl-001-dose-01-copy"
    copy_course = dict(data["courses"][0], id="course-cl-001-b", sessions=[dose])
    data["courses"] = [data["courses"][0], copy_course]
    src = tmp_path / "second.json"
    src.write_text(json.dumps(data), encoding="utf-8")
    r = CliRunner().invoke(cli, ["import", str(src), "--db", str(db)])
    assert r.exit_code == 1 and isinstance(r.exception, SystemExit), r.output
    assert "Traceback" not in r.output and "IntegrityError" not in r.output
    assert f"error: {src}: 2 problems" in r.output
    assert "$.courses[1].sessions[0].measures[0].id: measure id 'cl-001-dose-01-phq9'" in r.output
    assert "session 'cl-001-dose-01'" in r.output and str(db) in r.output
    assert _snapshot(db) == before
