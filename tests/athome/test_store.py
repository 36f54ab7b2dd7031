"""At-home measures in the store: saved with the course, rows with ``course_id`` and no
session, scored, counted, audited one by one, corrected but never removed, verified."""

from __future__ import annotations

import sqlite3

import pytest
from sqlite_utils import Database

from kapnotes.errors import ImmutableError
from kapnotes.model import evolve
from kapnotes.serialization import dumps, from_data
from kapnotes.store import open_store
from kapnotes.store.migrations import migrations
from kapnotes.store.triggers import ensure_triggers
from kapnotes.store.verify import verify
from tests.athome.builders import home_phq9, record

EVENING = "2026-03-02T20:15:00-07:00"
LATER = "2026-03-06T19:00:00-07:00"


def _doc(*home):
    return from_data(record(*home))


def test_at_home_measures_are_stored_scored_and_read_back(store) -> None:
    doc = _doc(home_phq9("h-1", EVENING, [2, 2, 2, 2, 2, 2, 1, 1, 1]),
               home_phq9("h-2", LATER, [1, 1, 1, None, 1, 1, 1, 1, 0]))
    store.save(doc)
    assert dumps(store.document()) == dumps(doc)
    rows = store.instrument_scores("phq9", client_id="cl-1")
    by_id = {r["id"]: r for r in rows}
    assert [r["id"] for r in rows] == ["h-1", "m-0303", "h-2"]  # in time order
    assert by_id["h-1"]["session_id"] is None and by_id["h-1"]["course_id"] == "course-cl-1"
    assert by_id["h-1"]["context"] == "home" and by_id["h-1"]["total"] == 15
    assert by_id["h-2"]["total"] is None  # partial: no total (PHQ-9 needs every item)
    assert by_id["m-0303"]["course_id"] is None
    assert store.counts()["measures"] == 3
    items = store.conn.execute(
        "SELECT count(*) FROM measure_items WHERE measure_id = 'h-2'").fetchone()[0]
    assert items == 8  # the skipped item has no row
    assert verify(store).ok


def test_each_at_home_measure_write_is_audited(store) -> None:
    store.save(_doc(home_phq9("h-1", EVENING, [1] * 9)))
    corrected = _doc(home_phq9("h-1", EVENING, [2] * 9))
    store.save(corrected)
    store.save(corrected)  # unchanged: no new row
    writes = [r for r in store.audit_log() if r["object"] == "measure:h-1"]
    assert len(writes) == 2 and all(r["patient"] == "cl-1" for r in writes)
    assert store.instrument_scores("phq9", client_id="cl-1")[0]["total"] == 18
    assert verify(store).ok


def test_a_stored_at_home_measure_cannot_be_removed(store) -> None:
    store.save(_doc(home_phq9("h-1", EVENING, [1] * 9), home_phq9("h-2", LATER, [1] * 9)))
    before = store.conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    with pytest.raises(ImmutableError, match=r"'h-2'.*cannot be removed"):
        store.save(_doc(home_phq9("h-1", EVENING, [1] * 9)))
    assert store.conn.execute("SELECT count(*) FROM audit").fetchone()[0] == before
    assert [m.id for m in store.course("course-cl-1").measures] == ["h-1", "h-2"]


def test_verify_finds_an_altered_at_home_row(store) -> None:
    store.save(_doc(home_phq9("h-1", EVENING, [1] * 9)))
    store.conn.execute("UPDATE measures SET total = 3 WHERE id = 'h-1'")
    store.conn.execute("UPDATE measure_items SET value = 0 WHERE measure_id = 'h-1' AND item = 1")
    problems = verify(store).problems
    assert any(p.startswith("measures row (h-1)") for p in problems), problems
    assert any(p.startswith("measure_items row (h-1, 1)") for p in problems), problems


def test_verify_finds_an_at_home_row_without_its_course(store) -> None:
    store.save(_doc())
    store.conn.execute(
        "INSERT INTO measures (id, client_id, course_id, instrument, administered_at_utc, "
        "context, respondent) VALUES ('h-x', 'cl-1', 'course-cl-1', 'phq9', "
        "'2026-03-03T03:15:00.000000Z', 'home', 'client')")
    assert any(p.startswith("measures row (h-x)") for p in verify(store).problems)


def test_an_existing_store_is_migrated(tmp_path) -> None:
    path = tmp_path / "old.db"
    db = Database(sqlite3.connect(path))
    migrations.apply(db, stop_before="m004_course_measures")  # a store of kapnotes 0.2 before 1.3
    ensure_triggers(db)
    assert "course_id" not in db["measures"].columns_dict
    db.conn.commit()
    db.conn.close()
    store = open_store(path)
    try:
        assert "course_id" in store.db["measures"].columns_dict
        store.save(_doc(home_phq9("h-1", EVENING, [1] * 9)))
        assert store.instrument_scores("phq9")[0]["course_id"] == "course-cl-1"
    finally:
        store.close()


def test_de_identified_export_shifts_and_pseudonymizes_at_home_measures() -> None:
    from kapnotes.privacy.deidentify import deidentify

    doc = _doc(home_phq9("h-1", EVENING, [1] * 9,
                         notes="Rowan answered on the portal, call 303-555-0199"))
    out = deidentify(doc, secret=b"k" * 32)
    (m,) = out["courses"][0]["measures"]
    assert m["id"] != "h-1" and m["administered_at"] != EVENING
    assert m["administered_at"][10:] == EVENING[10:]  # the time of day and offset are kept
    assert "303-555-0199" not in m["notes"] and "Rowan" not in m["notes"]
    assert m["items"] == [1] * 9 and m["context"] == "home"


def test_a_session_save_keeps_the_course_measures(store) -> None:
    doc = _doc(home_phq9("h-1", EVENING, [1] * 9))
    store.save(doc)
    course, s = store.session("s-0310")
    store.save(evolve(doc, courses=(evolve(course, sessions=tuple(
        evolve(x, intention="rest") if x.id == s.id else x for x in course.sessions)),)))
    assert [m.id for m in store.course("course-cl-1").measures] == ["h-1"]
    assert verify(store).ok


def test_an_at_home_measure_id_stored_for_another_record_is_refused_before_writing(store) -> None:
    from kapnotes.errors import InvalidError

    store.save(_doc(home_phq9("h-1", EVENING, [1] * 9)))
    other = from_data(record(home_phq9("m-0303", EVENING, [1] * 9), sessions=[]))
    other = evolve(other, courses=(evolve(other.courses[0], id="course-2"),))
    with pytest.raises(InvalidError) as err:
        store.save(other)
    (p,) = err.value.problems
    assert p.path == "$.courses[0].measures[0].id"
    assert "session 's-0303'" in p.message
    # and a session measure taking a stored at-home measure's id
    data = record(sessions=[{"id": "s-x", "kind": "follow-up", "start": "2026-03-20T09:00:00-07:00",
                             "end": "2026-03-20T10:00:00-07:00", "measures": [
                                 {"id": "h-1", "instrument": "phq9", "items": [0] * 9,
                                  "administered_at": "2026-03-20T09:05:00-07:00"}]}])
    data["courses"][0]["id"] = "course-3"
    with pytest.raises(InvalidError) as err:
        store.save(from_data(data))
    (p,) = err.value.problems
    assert p.path == "$.courses[0].sessions[0].measures[0].id"
    assert "at-home measure of course 'course-cl-1'" in p.message
