"""Tampering attempts by someone with write access to the SQLite file, as small SQL scripts.

Each attack is either refused by the store's own triggers (the script fails with ``kapnotes:``)
or, once the attacker has dropped the triggers, reported by ``kapnotes verify`` (exit 1) naming
the table, the row and what differs. See the threat model in docs/lifecycle.md.
"""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from kapnotes.cli import cli

from .conftest import COSIGNED, SIGNED


def run_verify(db, *args: str):
    return CliRunner().invoke(cli, ["verify", "--db", str(db), *args])


def drop_triggers(conn: sqlite3.Connection) -> None:
    """What an attacker does first: remove every guard kapnotes put in the file."""
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name NOT LIKE 'sessions_a_'")]
    for n in names:
        conn.execute(f"DROP TRIGGER [{n}]")


def test_the_untouched_store_verifies(db):
    r = run_verify(db)
    assert r.exit_code == 0, r.output
    assert r.output.startswith("ok: ")


# --- refused by the triggers, through every write path of SQLite -----------------------------

SESSION_COLS = "id, course_id, client_id, seq, kind, start_utc, start, [end], status, content_hash, narrative_text"
DOSE_X10 = "replace(doc, '\"dose_mg\":34.0', '\"dose_mg\":340.0')"

REFUSED = {
    "update a signed session's dose": f"UPDATE sessions SET doc = {DOSE_X10}, content_hash = sha256({DOSE_X10}) WHERE id = '{SIGNED}'",
    "INSERT OR REPLACE a signed session, dose x10, hash recomputed": (
        f"INSERT OR REPLACE INTO sessions ({SESSION_COLS}, doc) SELECT id, course_id, client_id, seq, kind, start_utc, start, [end], "
        f"status, sha256({DOSE_X10}), narrative_text, {DOSE_X10} FROM sessions WHERE id = '{SIGNED}'"
    ),
    "REPLACE INTO a signed session as a draft (unlocked)": (
        f"REPLACE INTO sessions ({SESSION_COLS}, doc) SELECT id, course_id, client_id, seq, kind, start_utc, start, [end], "
        f"'draft', content_hash, narrative_text, doc FROM sessions WHERE id = '{SIGNED}'"
    ),
    "REPLACE INTO a signed session by its rowid under another id": (
        f"REPLACE INTO sessions (rowid, {SESSION_COLS}, doc) SELECT rowid, 'x-new', course_id, client_id, seq, kind, start_utc, start, [end], "
        f"'draft', content_hash, narrative_text, doc FROM sessions WHERE id = '{SIGNED}'"
    ),
    "UPSERT a signed session back to draft": (
        f"INSERT INTO sessions ({SESSION_COLS}, doc) SELECT {SESSION_COLS}, doc FROM sessions WHERE id = '{SIGNED}' "
        "ON CONFLICT(id) DO UPDATE SET status = 'draft'"
    ),
    "UPDATE a signed session back to draft": f"UPDATE sessions SET status = 'draft' WHERE id = '{SIGNED}'",
    "UPDATE status signed -> amended without an amendment": f"UPDATE sessions SET status = 'amended' WHERE id = '{SIGNED}'",
    "UPDATE a draft to signed without a signature": "UPDATE sessions SET status = 'signed' WHERE id = 'cl-001-integ-01'",
    "INSERT a session already signed": (
        f"INSERT INTO sessions ({SESSION_COLS}, doc) SELECT 'x-forged', course_id, client_id, seq, kind, start_utc, start, [end], "
        f"'signed', content_hash, narrative_text, doc FROM sessions WHERE id = '{SIGNED}'"
    ),
    "DELETE a signed session": f"DELETE FROM sessions WHERE id = '{SIGNED}'",
    "INSERT OR REPLACE a signature with another signer": (
        "INSERT OR REPLACE INTO signatures SELECT session_id, seq, 'th-ortiz', role, signed_at, content_hash, "
        f"replace(doc, 'dr-ames', 'th-ortiz') FROM signatures WHERE session_id = '{SIGNED}' AND seq = 0"
    ),
    "UPDATE a signature's signer": f"UPDATE signatures SET clinician_id = 'th-ortiz' WHERE session_id = '{SIGNED}'",
    "DELETE a co-signature": f"DELETE FROM signatures WHERE session_id = '{COSIGNED}' AND seq = 1",
    "INSERT a signature out of sequence": (
        "INSERT INTO signatures SELECT session_id, 5, clinician_id, role, signed_at, content_hash, doc "
        f"FROM signatures WHERE session_id = '{SIGNED}'"
    ),
    "INSERT a signature of other content": (
        "INSERT INTO signatures SELECT session_id, 1, clinician_id, 'cosigner', signed_at, sha256('other'), doc "
        f"FROM signatures WHERE session_id = '{SIGNED}'"
    ),
    "REPLACE INTO an addendum with other text": (
        "REPLACE INTO addenda SELECT id, session_id, seq, kind, author_id, written_at, replace(doc, 'all well', 'no answer') "
        f"FROM addenda WHERE session_id = '{SIGNED}'"
    ),
    "DELETE an addendum": f"DELETE FROM addenda WHERE session_id = '{SIGNED}'",
    "INSERT an addendum to a draft": (
        "INSERT INTO addenda SELECT 'x-add', 'cl-001-integ-01', 0, kind, author_id, written_at, doc "
        f"FROM addenda WHERE session_id = '{SIGNED}'"
    ),
    "REPLACE INTO vitals of a signed session": (
        "REPLACE INTO vitals SELECT session_id, seq, at_utc, minutes_after_dose, 200, diastolic, heart_rate, spo2, "
        f"respiratory_rate FROM vitals WHERE session_id = '{SIGNED}' AND seq = 0"
    ),
    "UPSERT vitals of a signed session": (
        f"INSERT INTO vitals SELECT * FROM vitals WHERE session_id = '{SIGNED}' AND seq = 0 "
        "ON CONFLICT(session_id, seq) DO UPDATE SET systolic = 200"
    ),
    "DELETE vitals of a signed session": f"DELETE FROM vitals WHERE session_id = '{SIGNED}'",
    "REPLACE a signed session's measure by one of a draft": (
        "REPLACE INTO measures SELECT id, 'cl-001-integ-01', client_id, instrument, administered_at_utc, context, "
        f"respondent, 2, 'minimal', course_id FROM measures WHERE session_id = '{SIGNED}'"
    ),
    "UPDATE a signed session's measure total and band": (
        f"UPDATE measures SET total = 2, band = 'minimal' WHERE session_id = '{SIGNED}'"
    ),
    "move a measure of a draft into a signed session": (
        f"UPDATE measures SET session_id = '{SIGNED}' WHERE session_id = 'cl-001-dose-02'"
    ),
    "REPLACE INTO measure items of a signed session": (
        "REPLACE INTO measure_items SELECT measure_id, item, 0 FROM measure_items "
        f"WHERE measure_id IN (SELECT id FROM measures WHERE session_id = '{SIGNED}')"
    ),
    "REPLACE INTO interventions of a signed session": (
        "REPLACE INTO interventions SELECT session_id, seq, type, doc FROM interventions "
        f"WHERE session_id = '{SIGNED}'"
    ),
    "REPLACE INTO an audit row": "REPLACE INTO audit SELECT id, at, 'someone-else', action, patient, object, detail, prev_hash, hash FROM audit WHERE id = 3",
    "UPDATE an audit row": "UPDATE audit SET actor = 'someone-else' WHERE id = 3",
    "DELETE the audit log": "DELETE FROM audit",
    "INSERT an audit row out of the chain": (
        "INSERT INTO audit (id, at, actor, action, patient, object, detail, prev_hash, hash) "
        "SELECT id + 1, at, actor, action, patient, object, detail, sha256('x'), sha256('y') FROM audit ORDER BY id DESC LIMIT 1"
    ),
    "UPDATE a registered public key": "UPDATE public_keys SET public_key = 'AAAA' WHERE clinician_id = 'dr-ames'",
    "DELETE a registered public key": "DELETE FROM public_keys",
    "REPLACE INTO a public key, un-revoking it": (
        "REPLACE INTO public_keys SELECT key_id, clinician_id, algorithm, public_key, valid_from, valid_until, NULL "
        "FROM public_keys WHERE clinician_id = 'dr-ames'"
    ),
}


@pytest.mark.parametrize("sql", REFUSED.values(), ids=REFUSED.keys())
def test_the_store_refuses(attacker, db, sql):
    with pytest.raises(sqlite3.DatabaseError, match="kapnotes: "):
        attacker.execute(sql)
    assert run_verify(db).exit_code == 0  # and nothing changed


def test_the_guards_hold_with_recursive_triggers_on_as_well(attacker):
    attacker.execute("PRAGMA recursive_triggers = ON")
    with pytest.raises(sqlite3.DatabaseError, match="kapnotes: "):
        attacker.execute(REFUSED["INSERT OR REPLACE a signed session, dose x10, hash recomputed"])


def test_transform_drops_the_guards_verify_names_them_and_the_next_open_restores_them(db):
    from sqlite_utils import Database

    from kapnotes.store import open_store

    Database(str(db))["signatures"].transform(types={"signed_at": str})  # drops the triggers
    r = run_verify(db)
    assert r.exit_code == 1
    assert "schema: immutability trigger signatures_no_replace is missing (dropped)" in r.stderr
    open_store(db).close()  # a migration run (or any open) re-creates and checks them
    conn = sqlite3.connect(db)
    with pytest.raises(sqlite3.DatabaseError, match="kapnotes: signatures row"):
        conn.execute(REFUSED["INSERT OR REPLACE a signature with another signer"])
    conn.close()
    assert run_verify(db).exit_code == 0


# --- detected by verify, once the attacker has dropped the guards --------------------------------

DETECTED = {
    "a signed session rewritten, dose x10, every hash recomputed": (
        [
            f"UPDATE sessions SET doc = {DOSE_X10} WHERE id = '{SIGNED}'",
            f"UPDATE sessions SET content_hash = sha256(doc) WHERE id = '{SIGNED}'",
            f"UPDATE signatures SET content_hash = (SELECT content_hash FROM sessions WHERE id = '{SIGNED}'), "
            f"doc = json_set(doc, '$.content_hash', (SELECT content_hash FROM sessions WHERE id = '{SIGNED}')) WHERE session_id = '{SIGNED}'",
        ],
        [
            f"signatures row ({SIGNED}, 0): by dr-ames: Ed25519 signature does not verify",
            f"sessions row {SIGNED}: differs from what audit row",
            f"signatures row ({SIGNED}, 0): differs from what audit row",
        ],
    ),
    "a signed session put back to draft": (
        [f"UPDATE sessions SET status = 'draft' WHERE id = '{SIGNED}'"],
        [f"session {SIGNED}: marked draft but has 1 signature(s) and 1 addend(a) (unlocked)"],
    ),
    "a signature's signer changed": (
        [
            "UPDATE signatures SET clinician_id = 'th-ortiz', doc = replace(replace(doc, 'dr-ames', 'th-ortiz'), 'Dr. Lee Ames', 'Sam Ortiz') "
            f"WHERE session_id = '{SIGNED}'"
        ],
        [f"signatures row ({SIGNED}, 0): by th-ortiz: key ", f"signatures row ({SIGNED}, 0): differs from what audit row"],
    ),
    "a forged co-signature": (
        [
            "INSERT INTO signatures SELECT session_id, 1, 'th-ortiz', 'cosigner', signed_at, content_hash, "
            "replace(replace(replace(doc, 'dr-ames', 'th-ortiz'), 'Dr. Lee Ames', 'Sam Ortiz'), '\"author\"', '\"cosigner\"') "
            f"FROM signatures WHERE session_id = '{SIGNED}'"
        ],
        [f"signatures row ({SIGNED}, 1): not recorded in the audit log (forged?)", f"signatures row ({SIGNED}, 1): by th-ortiz: "],
    ),
    "a forged addendum with a self-computed hash, without a digital signature": (
        [
            "INSERT INTO addenda SELECT 'x-forged', session_id, 1, kind, author_id, written_at, "
            "json_remove(json_set(doc, '$.id', 'x-forged'), '$.signature.key_id', '$.signature.digital_signature') "
            f"FROM addenda WHERE session_id = '{SIGNED}'"
        ],
        [
            "addenda row x-forged: not recorded in the audit log (forged?)",
            f"addenda row x-forged of session {SIGNED}: no digital signature, though dr-ames had key",
        ],
    ),
    "status signed -> amended without an amendment": (
        [f"UPDATE sessions SET status = 'amended' WHERE id = '{SIGNED}'"],
        [f"session {SIGNED}: marked amended but has no amendment"],
    ),
    # well-formed JSON of the right types that breaks only a model invariant: verify decodes
    # every row with the invariants checked (kapnotes.store.bulk.decode_checked), not trusted
    "a signed session made to end before it starts, re-hashed": (
        [
            f"UPDATE sessions SET doc = json_set(doc, '$.end', '2000-01-01T00:00:00+00:00') WHERE id = '{SIGNED}'",
            f"UPDATE sessions SET content_hash = sha256(doc) WHERE id = '{SIGNED}'",
        ],
        [f"sessions row {SIGNED}: content unreadable ("],
    ),
    "a signed session's vitals changed": (
        [f"UPDATE vitals SET systolic = 118 WHERE session_id = '{SIGNED}' AND seq = 2"],
        [f"vitals row ({SIGNED}, 2): differs from its session's content (column 4: 118 instead of"],
    ),
    "a signed session's vitals row deleted": (
        [f"DELETE FROM vitals WHERE session_id = '{SIGNED}' AND seq = 2"],
        [f"vitals row ({SIGNED}, 2): missing (its session's content has it)"],
    ),
    "a measure's total and band changed (what outcomes read)": (
        [f"UPDATE measures SET total = 4, band = 'minimal' WHERE id = '{SIGNED}-phq9'"],
        [f"measures row ({SIGNED}-phq9): differs from its session's content (column 7: 4.0 instead of 16; column 8: 'minimal' instead of"],
    ),
    "a measure item changed": (
        [f"UPDATE measure_items SET value = 7 WHERE measure_id = '{SIGNED}-phq9' AND item = 1"],
        [f"measure_items row ({SIGNED}-phq9, 1): differs"],
    ),
    "an intervention row changed": (
        [f"UPDATE interventions SET type = 'other' WHERE session_id = '{SIGNED}' AND seq = 0"],
        [f"interventions row ({SIGNED}, 0): differs from its session's content"],
    ),
    "the start_utc column moved": (
        [f"UPDATE sessions SET start_utc = '2026-01-11T16:00:00.000000Z' WHERE id = '{SIGNED}'"],
        [f"sessions row {SIGNED}: column start_utc is '2026-01-11T16:00:00.000000Z', its content says"],
    ),
    "the narrative search index changed": (
        [f"UPDATE sessions SET narrative_text = 'nothing happened' WHERE id = '{SIGNED}'"],
        [f"sessions row {SIGNED}: column narrative_text is 'nothing happened'"],
    ),
    "the client's date of birth changed": (
        ["UPDATE clients SET doc = json_set(doc, '$.date_of_birth', '1990-01-01') WHERE id = 'cl-001'"],
        ["clients row cl-001: differs from what audit row"],
    ),
    "a consent removed from the course": (
        ["UPDATE courses SET doc = json_remove(doc, '$.consents[0]') WHERE client_id = 'cl-001'"],
        ["courses row course-cl-001: differs from what audit row"],
    ),
    "a clinician's credentials changed": (
        ["UPDATE clinicians SET doc = json_set(doc, '$.credentials', 'PhD') WHERE id = 'dr-ames'"],
        ["clinicians row dr-ames: differs from what audit row"],
    ),
    "a signed session deleted with all its rows": (
        [
            f"DELETE FROM measure_items WHERE measure_id IN (SELECT id FROM measures WHERE session_id = '{SIGNED}')",
            *[f"DELETE FROM {t} WHERE session_id = '{SIGNED}'" for t in ("measures", "vitals", "interventions", "signatures", "addenda", "psychotherapy_notes")],
            f"DELETE FROM sessions WHERE id = '{SIGNED}'",
        ],
        [
            f"sessions row {SIGNED}: missing, though audit row",
            f"signatures row ({SIGNED}, 0): missing, though audit row",
        ],
    ),
    "an addendum deleted": (
        [f"DELETE FROM addenda WHERE session_id = '{SIGNED}'"],
        ["addenda row {addendum}: missing, though audit row"],
    ),
    "an addendum moved to another signed note": (
        [f"UPDATE addenda SET session_id = '{COSIGNED}' WHERE session_id = '{SIGNED}'"],
        [f"addenda row {{addendum}}: on session '{COSIGNED}' at 0 as 'addendum', but audit row",
         f"recorded it on '{SIGNED}' at 0 as 'addendum' (moved behind kapnotes' back)"],
    ),
    "an addendum made an amendment": (
        [f"UPDATE addenda SET kind = 'amendment' WHERE session_id = '{SIGNED}'"],
        [f"addenda row {{addendum}}: on session '{SIGNED}' at 0 as 'amendment'"],
    ),
    "an addendum's author and time columns changed": (
        [f"UPDATE addenda SET author_id = 'th-ortiz', written_at = '2020-01-01T00:00:00Z' WHERE session_id = '{SIGNED}'"],
        ["addenda row {addendum}: author_id 'th-ortiz' is not its doc's", "addenda row {addendum}: written_at '2020-01-01T00:00:00Z'"],
    ),
    "an audit row's detail made unreadable": (
        ["UPDATE audit SET detail = '{not json' WHERE id = 5"],
        ["audit row 5: its object or detail is not what kapnotes writes (damaged)"],
    ),
    "a co-signature deleted": (
        [f"DELETE FROM signatures WHERE session_id = '{COSIGNED}' AND seq = 1"],
        [f"signatures row ({COSIGNED}, 1): missing, though audit row"],
    ),
    "the author's signature deleted under a co-signature": (
        [
            f"DELETE FROM signatures WHERE session_id = '{COSIGNED}' AND seq = 0",
            f"UPDATE signatures SET seq = 0 WHERE session_id = '{COSIGNED}'",
        ],
        [f"session {COSIGNED}: signature 0: the signature or addendum it follows is missing (removed)"],
    ),
    "signatures rebuilt without its keys and triggers": (
        [
            "CREATE TABLE sig2 AS SELECT * FROM signatures",
            "DROP TABLE signatures",
            "ALTER TABLE sig2 RENAME TO signatures",
        ],
        ["schema: table signatures differs from its definition (altered or rebuilt)"],
    ),
    "a key slipped into the registry": (
        [
            "INSERT INTO public_keys SELECT 'ed25519:00000000000000aa', 'dr-ames', algorithm, public_key, valid_from, NULL, NULL "
            "FROM public_keys WHERE clinician_id = 'th-kim'"
        ],
        ["public_keys row ed25519:00000000000000aa: not recorded in the audit log"],
    ),
    "the search index given other text": (
        ["INSERT INTO sessions_fts (rowid, narrative_text) VALUES (100000, 'forged')"],
        ["sessions_fts: the full-text index does not match the sessions' text"],
    ),
    "an audit row deleted from the middle": (
        ["DELETE FROM audit WHERE id = 10"],
        ["audit row 11: expected row 10 (a row was removed or inserted)"],
    ),
    "the whole audit log deleted": (
        ["DELETE FROM audit"],
        [f"sessions row {SIGNED}: not recorded in the audit log", f"signatures row ({SIGNED}, 0): not recorded in the audit log"],
    ),
}


@pytest.mark.parametrize(("script", "expected"), DETECTED.values(), ids=DETECTED.keys())
def test_verify_names_the_damage(attacker, db, script, expected):
    addendum = attacker.execute(f"SELECT id FROM addenda WHERE session_id = '{SIGNED}'").fetchone()[0]
    drop_triggers(attacker)
    for sql in script:
        attacker.execute(sql)
    r = run_verify(db)
    assert r.exit_code == 1, r.output
    assert "schema: immutability trigger sessions_signed_no_update is missing (dropped)" in r.stderr
    for line in expected:
        assert line.format(addendum=addendum) in r.stderr, r.stderr


def test_a_dropped_trigger_alone_is_reported_from_the_cli_and_not_re_created(attacker, db):
    attacker.execute("DROP TRIGGER sessions_signed_no_update")
    for _ in range(2):
        r = run_verify(db)
        assert r.exit_code == 1
        assert "schema: immutability trigger sessions_signed_no_update is missing (dropped)" in r.stderr


def test_an_empty_file_is_not_a_kapnotes_store_and_stays_empty(tmp_path):
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    r = run_verify(empty)
    assert r.exit_code == 1
    assert "is not a kapnotes store" in r.output
    assert empty.stat().st_size == 0


def test_a_truncated_database_is_not_a_kapnotes_store(db):
    with open(db, "r+b") as f:
        f.truncate(0)
    for suffix in ("-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    r = run_verify(db)
    assert r.exit_code == 1 and "is not a kapnotes store" in r.output
    assert db.stat().st_size == 0


def test_a_foreign_sqlite_file_is_not_a_kapnotes_store(tmp_path):
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    r = run_verify(other)
    assert r.exit_code == 1 and "is not a kapnotes store" in r.output


# --- what only an anchor detects -------------------------------------------------------------------


def head_of(db) -> str:
    r = CliRunner().invoke(cli, ["audit", "head", "--db", str(db)])
    assert r.exit_code == 0, r.output
    return r.output.strip()


def test_a_truncated_tail_is_caught_by_the_published_head(attacker, db):
    head = head_of(db)
    seq = int(head.split(":")[0])
    drop_triggers(attacker)
    attacker.execute(f"DELETE FROM audit WHERE id = {seq}")  # the last export row
    assert run_verify(db).exit_code == 1  # (the dropped triggers are reported too)
    r = run_verify(db, "--anchor", head)
    assert f"anchor {seq}: the audit chain ends at row {seq - 1} (truncated" in r.stderr


def test_a_rewritten_and_re_hashed_chain_is_caught_by_the_published_head(db):
    """The attacker changes who exported (row 3) and recomputes every later hash: the chain is
    consistent again, only a head published before the rewrite tells."""
    from kapnotes.store.audit import row_hash

    head = head_of(db)
    seq = int(head.split(":")[0])
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("DROP TRIGGER audit_no_update")
    rows = conn.execute("SELECT id, at, actor, action, patient, object, detail, prev_hash FROM audit ORDER BY id").fetchall()
    prev = rows[0][7]
    for row_id, at, actor, action, patient, obj, detail, _ in rows:
        if row_id == seq:
            actor = "someone-else"
        h = row_hash(prev, row_id, at, actor, action, patient, obj, detail)
        conn.execute("UPDATE audit SET actor = ?, prev_hash = ?, hash = ? WHERE id = ?", (actor, prev, h, row_id))
        prev = h
    conn.execute(
        "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'kapnotes: audit rows are append-only'); END"
    )
    conn.close()
    assert run_verify(db).exit_code == 0  # nothing inside the file contradicts it
    r = run_verify(db, "--anchor", head)
    assert r.exit_code == 1
    assert f"anchor {seq}: audit row {seq} hashes to" in r.stderr and "(the chain was rewritten)" in r.stderr


def test_the_chain_extends_every_earlier_head(db):
    from kapnotes.store import open_store

    first = head_of(db)
    s = open_store(db)
    s.record_export("json", ["cl-002"])
    s.close()
    r = run_verify(db, "--anchor", first, "--anchor", head_of(db))
    assert r.exit_code == 0, r.output


def test_a_malformed_anchor_is_a_usage_error(db):
    r = run_verify(db, "--anchor", "12:beef")
    assert r.exit_code == 2 and "expected an audit head like 42:<64 hex digits>" in r.output


# --- trusted keys --------------------------------------------------------------------------------------


def test_trusted_keys_catch_a_key_slipped_in_with_a_forged_audit_row(tmp_path, db, keys):
    """Even an attacker who appends a well-formed audit row registering their own key cannot
    pass verify with the keys the clinic exported beforehand."""
    from kapnotes.keys import new_private_key
    from kapnotes.lifecycle import sign
    from kapnotes.signatures import raw_public_key
    from kapnotes.store import open_store

    trusted = tmp_path / "keys.json"
    assert CliRunner().invoke(cli, ["keys", "export", "--out", str(trusted), "--db", str(db)]).exit_code == 0
    mallory = new_private_key()
    s = open_store(db)  # the attacker uses kapnotes itself: every audit row is well formed
    from .conftest import AT, SINCE

    s.register_public_key("th-ortiz", raw_public_key(mallory), valid_from=SINCE)
    sign(s, "cl-001-integ-01", "th-ortiz", at=AT, key=mallory)
    s.close()
    assert run_verify(db).exit_code == 0
    r = run_verify(db, "--keys", str(trusted))
    assert r.exit_code == 1
    assert "signatures row (cl-001-integ-01, 0): by th-ortiz: key ed25519:" in r.stderr
    assert "is not a registered key" in r.stderr
