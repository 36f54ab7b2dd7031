"""The audit log: every write, signing, export and psychotherapy-note read; tampering detected."""

from __future__ import annotations

import json

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from kapnotes.cli import cli
from kapnotes.lifecycle import add_addendum, sign
from kapnotes.store.verify import verify


def actions(store):
    return [(r["actor"], r["action"], r["patient"], r["object"]) for r in store.audit_log()]


def test_writes_signing_and_addenda_are_audited_with_their_actor(demo_store, demo_doc):
    rows = actions(demo_store)
    sessions = sum(len(c.sessions) for c in demo_doc.courses)
    assert sum(1 for a in rows if a[1] == "write" and a[3].startswith("session:")) == sessions
    assert all(a[0] == "importer" for a in rows)
    assert ("importer", "write", "cl-001", "client:cl-001") in rows
    before = len(rows)
    demo_store.save(demo_doc)  # nothing changed: nothing to audit
    assert len(actions(demo_store)) == before
    sign(demo_store, "cl-001-dose-01", "dr-ames")
    add_addendum(demo_store, "cl-001-dose-01", "dr-ames", "Late entry.")
    tail = actions(demo_store)[before:]
    assert [(a[0], a[1], a[2]) for a in tail] == [("dr-ames", "sign", "cl-001"), ("dr-ames", "addendum", "cl-001")]


def test_exports_are_audited_per_client(tmp_path, demo_doc):
    from kapnotes.store import open_store

    db = tmp_path / "k.db"
    open_store(db).save(demo_doc)
    r = CliRunner().invoke(cli, ["export", "--client", "cl-003", "--actor", "analyst-1", "--db", str(db)])
    assert r.exit_code == 0, r.output
    s = open_store(db)
    try:
        last = s.audit_log()[-1]
        assert (last["actor"], last["action"], last["patient"], last["object"]) == (
            "analyst-1", "export", "cl-003", "export:json",
        )
    finally:
        s.close()


def test_verify_passes_on_the_demo_and_names_the_first_altered_audit_row(demo_store):
    sign(demo_store, "cl-001-dose-01", "dr-ames")
    assert verify(demo_store).ok
    c = demo_store.conn
    c.execute("DROP TRIGGER audit_no_update")  # what someone with the file could do
    c.execute("UPDATE audit SET actor = substr(actor, 1, length(actor) - 1) || 'X' WHERE id = 7")
    report = verify(demo_store)
    assert not report.ok
    assert "audit row 7: content does not match its hash (row altered)" in report.problems
    assert "schema: immutability trigger audit_no_update is missing (dropped)" in report.problems


def test_verify_detects_a_removed_audit_row(demo_store):
    c = demo_store.conn
    c.execute("DROP TRIGGER audit_no_delete")
    c.execute("DELETE FROM audit WHERE id = 3")
    assert "audit row 4: expected row 3 (a row was removed or inserted)" in verify(demo_store).problems


def test_verify_detects_one_changed_byte_of_a_signed_note(demo_store):
    sign(demo_store, "cl-001-dose-01", "dr-ames")
    c = demo_store.conn
    c.execute("DROP TRIGGER sessions_signed_no_update")
    c.execute("UPDATE sessions SET doc = replace(doc, '\"dose_mg\":34.0', '\"dose_mg\":84.0') WHERE id = 'cl-001-dose-01'")
    problems = verify(demo_store).problems
    assert "sessions row cl-001-dose-01: stored content does not match its content hash (content altered)" in problems


def test_verify_detects_a_re_hashed_forgery(demo_store):
    """Even with the content hash column recomputed, the signature's own hash no longer matches."""
    import hashlib

    sign(demo_store, "cl-001-dose-01", "dr-ames")
    c = demo_store.conn
    c.execute("DROP TRIGGER sessions_signed_no_update")
    doc = c.execute("SELECT doc FROM sessions WHERE id = 'cl-001-dose-01'").fetchone()[0].replace("34.0", "84.0")
    c.execute("UPDATE sessions SET doc = ?, content_hash = ? WHERE id = 'cl-001-dose-01'",
              (doc, hashlib.sha256(doc.encode()).hexdigest()))
    assert "session cl-001-dose-01: signature 0 does not match the signed content (note altered)" in verify(demo_store).problems


def test_verify_detects_an_altered_addendum(demo_store):
    sign(demo_store, "cl-001-dose-01", "dr-ames")
    a = add_addendum(demo_store, "cl-001-dose-01", "dr-ames", "Late entry: all well.")
    c = demo_store.conn
    c.execute("DROP TRIGGER addenda_no_update")
    c.execute("UPDATE addenda SET doc = replace(doc, 'all well', 'all bad')")
    assert f"addendum {a.id} of session cl-001-dose-01: signature does not match its text (addendum altered)" in verify(demo_store).problems


def test_cli_verify_fails_naming_the_row(tmp_path, demo_doc):
    from kapnotes.store import open_store

    db = tmp_path / "k.db"
    s = open_store(db)
    s.save(demo_doc)
    s.conn.execute("DROP TRIGGER audit_no_update")
    s.conn.execute("UPDATE audit SET object = 'session:forged' WHERE id = 2")
    s.conn.commit()
    s.close()
    r = CliRunner().invoke(cli, ["verify", "--db", str(db)])
    assert r.exit_code == 1
    assert "audit row 2: content does not match its hash" in r.stderr
    # Opening re-creates the dropped trigger, but the altered row stays detectable.
    r2 = CliRunner().invoke(cli, ["verify", "--db", str(db)])
    assert r2.exit_code == 1
    assert "audit_no_update is missing" in r2.stderr  # verify never re-creates it


def test_a_failed_export_writes_no_audit_row(tmp_path, demo_doc):
    from kapnotes.store import open_store

    db = tmp_path / "k.db"
    s = open_store(db)
    s.save(demo_doc)
    before = len(s.audit_log())
    s.close()
    (tmp_path / "a-file").write_text("not a folder")
    unwritable = tmp_path / "a-file" / "out.json"  # a path under a file: cannot be written
    r = CliRunner().invoke(cli, ["export", "--client", "cl-003", "-o", str(unwritable), "--db", str(db)])
    assert r.exit_code != 0
    s = open_store(db)
    try:
        assert len(s.audit_log()) == before
    finally:
        s.close()


_values = st.none() | st.booleans() | st.integers() | st.text() | st.floats()


@given(st.dictionaries(st.text(), _values | st.lists(_values, max_size=3), max_size=5),
       st.lists(st.none() | st.text() | st.integers(), min_size=8, max_size=8))
def test_audit_json_is_what_json_dumps_writes(detail: dict, row: list) -> None:
    from kapnotes.store.audit import _detail_json, _row_json

    assert _detail_json(detail) == json.dumps(detail, sort_keys=True, ensure_ascii=False)
    assert _row_json(row) == json.dumps(row, ensure_ascii=False, separators=(",", ":"))
