"""Service lines in the store: a row per line (queried by code), taken from the session's
stored JSON, immutable once the session is signed, and re-checked by verify."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from kapnotes.lifecycle import sign
from kapnotes.serialization import from_data
from kapnotes.store import open_store
from kapnotes.store.verify import verify
from tests.billing.builders import document, session, span


def _doc():
    s = session(
        "s1", "integration", "09:00", "10:00",
        clinicians=[{"clinician_id": "th-ortiz", "role": "therapist"}],
        clinician_times=[span("th-ortiz", "psychotherapy", "09:00", "09:53")],
        service_lines=[{"code": "90837", "rendering_clinician_id": "th-ortiz",
                        "diagnoses": ["F33.2"]},
                       {"code": "G2083", "system": "HCPCS", "units": 2}],
    )
    return from_data(document(("cl-1", "Rowan", [s])))


def test_lines_are_rows_immutable_once_signed_and_verified(tmp_path):
    path = tmp_path / "c.db"
    store = open_store(path, actor="test")
    store.save(_doc())
    rows = store.conn.execute(
        "SELECT session_id, seq, code, system, units, rendering_clinician_id FROM service_lines "
        "ORDER BY seq"
    ).fetchall()
    assert [tuple(r) for r in rows] == [("s1", 0, "90837", "CPT", 1, "th-ortiz"),
                                        ("s1", 1, "G2083", "HCPCS", 2, None)]
    sign(store, "s1", "th-ortiz", at=dt.datetime(2026, 3, 2, 18, tzinfo=dt.timezone.utc))
    with pytest.raises(sqlite3.DatabaseError, match="signed"):
        store.conn.execute("UPDATE service_lines SET units = 3 WHERE seq = 1")
    assert verify(store).ok, verify(store).problems
    store.close()
    conn = sqlite3.connect(path)
    for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'service_lines%'"
    ).fetchall():
        conn.execute(f"DROP TRIGGER [{name}]")
    conn.execute("UPDATE service_lines SET units = 3 WHERE seq = 1")
    conn.commit()
    conn.close()
    store = open_store(path, actor="test")
    problems = "\n".join(verify(store).problems)
    store.close()
    assert "service_lines row (s1, 1): differs from its session's content" in problems
