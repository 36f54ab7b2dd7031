"""Triggers that make signed content immutable and the audit log append-only, in SQLite itself.

A raw ``UPDATE``, ``DELETE``, ``INSERT OR REPLACE``, ``REPLACE INTO`` or UPSERT on signed content
fails with ``kapnotes: ...``. ``REPLACE`` deletes the conflicting row *without* firing delete
triggers (unless ``PRAGMA recursive_triggers`` is on, which is a setting of the attacker's own
connection, not of the file), so every protected table also has a ``BEFORE INSERT`` guard that
refuses an insert whose key or rowid would replace a protected row. The guards on
``signatures``, ``addenda`` and ``audit`` also check what SQL can check of a new row: the next
sequence number, the session's content hash, the previous audit hash.

sqlite-utils' ``table.transform()`` drops triggers, so :func:`ensure_triggers` runs after every
migration run (and every open): it re-creates any missing trigger and checks that each one is in
place. ``kapnotes verify`` opens the store without it, so that dropped triggers are reported
before anything re-creates them.
"""

from __future__ import annotations

from sqlite_utils import Database

from kapnotes.errors import StoreError

_STATUS = "(SELECT status FROM sessions WHERE id = {e})"


def _abort(message: str) -> str:
    return f"BEGIN SELECT RAISE(ABORT, 'kapnotes: {message}'); END"


def _child_guard(table: str, session_of: str, key_match: str) -> dict[str, str]:
    """Guards of a table whose rows belong to a session (``session_of`` maps a row alias to it).

    ``key_match`` is a condition on ``t`` (an existing row) that a new row would replace.
    """
    new, old = session_of.format(r="NEW"), session_of.format(r="OLD")
    replaced = (
        f"EXISTS (SELECT 1 FROM {table} t WHERE ({key_match} OR t.rowid = NEW.rowid) "
        f"AND {_STATUS.format(e=session_of.format(r='t'))} != 'draft')"
    )
    msg = _abort(f"{table} of a signed session cannot change")
    return {
        f"{table}_signed_no_insert": (
            f"CREATE TRIGGER {table}_signed_no_insert BEFORE INSERT ON {table} "
            f"WHEN {_STATUS.format(e=new)} != 'draft' OR {replaced} {msg}"
        ),
        f"{table}_signed_no_update": (
            f"CREATE TRIGGER {table}_signed_no_update BEFORE UPDATE ON {table} "
            f"WHEN {_STATUS.format(e=old)} != 'draft' OR {_STATUS.format(e=new)} != 'draft' {msg}"
        ),
        f"{table}_signed_no_delete": (
            f"CREATE TRIGGER {table}_signed_no_delete BEFORE DELETE ON {table} "
            f"WHEN {_STATUS.format(e=old)} != 'draft' {msg}"
        ),
    }


def _append_only(table: str, key_match: str, insert_checks: str | None = None) -> dict[str, str]:
    """No update, no delete, and no insert that would replace a row (or break ``insert_checks``)."""
    replaced = f"EXISTS (SELECT 1 FROM {table} t WHERE {key_match} OR t.rowid = NEW.rowid)"
    out = {
        f"{table}_no_replace": (
            f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
            f"WHEN {replaced} {_abort(f'{table} rows are append-only')}"
        ),
        f"{table}_no_update": (
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"{_abort(f'{table} rows are append-only')}"
        ),
        f"{table}_no_delete": (
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"{_abort(f'{table} rows are append-only')}"
        ),
    }
    if insert_checks:
        out[f"{table}_insert_check"] = (
            f"CREATE TRIGGER {table}_insert_check BEFORE INSERT ON {table} "
            f"WHEN {insert_checks} {_abort(f'{table} row out of sequence or not matching its session')}"
        )
    return out


def expected_triggers() -> dict[str, str]:
    """Every trigger the store relies on, by name, with its SQL."""
    out = {
        # A session is inserted as a draft; it becomes signed only by an UPDATE (guarded below).
        "sessions_insert_draft_only": (
            "CREATE TRIGGER sessions_insert_draft_only BEFORE INSERT ON sessions "
            "WHEN NEW.status != 'draft' OR EXISTS (SELECT 1 FROM sessions t "
            "WHERE (t.id = NEW.id OR t.rowid = NEW.rowid) AND t.status != 'draft') "
            + _abort("a session is inserted as a draft; a signed session cannot be replaced")
        ),
        # A signed session may change only its status (signed -> amended) and its position.
        "sessions_signed_no_update": (
            "CREATE TRIGGER sessions_signed_no_update BEFORE UPDATE ON sessions "
            "WHEN OLD.status != 'draft' AND ("
            "NEW.doc IS NOT OLD.doc OR NEW.content_hash IS NOT OLD.content_hash "
            "OR NEW.id IS NOT OLD.id OR NEW.rowid IS NOT OLD.rowid "
            "OR NEW.course_id IS NOT OLD.course_id "
            "OR NEW.client_id IS NOT OLD.client_id OR NEW.kind IS NOT OLD.kind "
            "OR NEW.start_utc IS NOT OLD.start_utc OR NEW.start IS NOT OLD.start "
            "OR NEW.[end] IS NOT OLD.[end] OR NEW.narrative_text IS NOT OLD.narrative_text "
            "OR NEW.status NOT IN ('signed', 'amended') "
            "OR (OLD.status = 'amended' AND NEW.status != 'amended')) "
            + _abort("session is signed; its content cannot change")
        ),
        # Draft -> signed needs an author's signature; -> amended needs an amendment.
        "sessions_status_needs_signature": (
            "CREATE TRIGGER sessions_status_needs_signature BEFORE UPDATE OF status ON sessions "
            "WHEN NEW.status != 'draft' AND NEW.status IS NOT OLD.status AND ("
            "NEW.status NOT IN ('signed', 'amended') "
            "OR NOT EXISTS (SELECT 1 FROM signatures g WHERE g.session_id = NEW.id "
            "AND g.role = 'author') "
            "OR (NEW.status = 'amended' AND NOT EXISTS (SELECT 1 FROM addenda a "
            "WHERE a.session_id = NEW.id AND a.kind = 'amendment'))) "
            + _abort("a note is signed only with a signature, amended only with an amendment")
        ),
        "sessions_signed_no_delete": (
            "CREATE TRIGGER sessions_signed_no_delete BEFORE DELETE ON sessions "
            "WHEN OLD.status != 'draft' "
            + _abort("session is signed; it cannot be deleted")
        ),
    }
    for table in ("vitals", "interventions", "service_lines"):
        out.update(
            _child_guard(table, "{r}.session_id", "(t.session_id = NEW.session_id AND t.seq = NEW.seq)")
        )
    out.update(_child_guard("measures", "{r}.session_id", "t.id = NEW.id"))
    out.update(
        _child_guard(
            "measure_items",
            "(SELECT session_id FROM measures WHERE id = {r}.measure_id)",
            "(t.measure_id = NEW.measure_id AND t.item = NEW.item)",
        )
    )
    out.update(
        _append_only(
            "signatures",
            "(t.session_id = NEW.session_id AND t.seq = NEW.seq)",
            "NEW.seq IS NOT (SELECT count(*) FROM signatures WHERE session_id = NEW.session_id) "
            "OR NEW.content_hash IS NOT (SELECT content_hash FROM sessions WHERE id = NEW.session_id)",
        )
    )
    out.update(
        _append_only(
            "addenda",
            "t.id = NEW.id OR (t.session_id = NEW.session_id AND t.seq = NEW.seq)",
            "NEW.seq IS NOT (SELECT count(*) FROM addenda WHERE session_id = NEW.session_id) "
            "OR (SELECT status FROM sessions WHERE id = NEW.session_id) IS NOT 'signed' "
            "AND (SELECT status FROM sessions WHERE id = NEW.session_id) IS NOT 'amended'",
        )
    )
    out.update(
        _append_only(
            "audit",
            "t.id = NEW.id",
            "NEW.id IS NOT (SELECT coalesce(max(id), 0) + 1 FROM audit) "
            "OR NEW.prev_hash IS NOT coalesce((SELECT hash FROM audit ORDER BY id DESC LIMIT 1), "
            "'0000000000000000000000000000000000000000000000000000000000000000')",
        )
    )
    out.update(_append_only("public_keys", "t.key_id = NEW.key_id"))
    # A key is revoked (or its validity ended) by setting that once; nothing else changes.
    del out["public_keys_no_update"]
    out["public_keys_revoke_only"] = (
        "CREATE TRIGGER public_keys_revoke_only BEFORE UPDATE ON public_keys "
        "WHEN NEW.key_id IS NOT OLD.key_id OR NEW.rowid IS NOT OLD.rowid "
        "OR NEW.clinician_id IS NOT OLD.clinician_id "
        "OR NEW.algorithm IS NOT OLD.algorithm OR NEW.public_key IS NOT OLD.public_key "
        "OR NEW.valid_from IS NOT OLD.valid_from "
        "OR (OLD.revoked_at IS NOT NULL AND NEW.revoked_at IS NOT OLD.revoked_at) "
        "OR (OLD.valid_until IS NOT NULL AND NEW.valid_until IS NOT OLD.valid_until) "
        + _abort("a public key can only be revoked or given an end of validity, once")
    )
    return out


def ensure_triggers(db: Database) -> list[str]:
    """(Re-)create every missing trigger, then check them all; returns the names re-created."""
    expected = expected_triggers()
    present = dict(db.conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
    created = []
    for name, sql in expected.items():
        if present.get(name) != sql:
            db.conn.execute(f"DROP TRIGGER IF EXISTS [{name}]")
            db.conn.execute(sql)
            created.append(name)
    missing = check_triggers(db)
    if missing:  # pragma: no cover - would mean SQLite refused our own SQL
        raise StoreError(f"immutability triggers missing after migration: {', '.join(missing)}")
    return created


def check_triggers(db: Database) -> list[str]:
    """Names of expected triggers that are missing or altered (empty when all is well)."""
    present = dict(db.conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
    return [name for name, sql in expected_triggers().items() if present.get(name) != sql]
