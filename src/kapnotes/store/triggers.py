"""Triggers that make signed content immutable and the audit log append-only, in SQLite itself.

A raw ``UPDATE`` or ``DELETE`` on signed content fails with ``kapnotes: ...``. sqlite-utils'
``table.transform()`` drops triggers, so :func:`ensure_triggers` runs after every migration run
(and every open): it re-creates any missing trigger and checks that each one is in place.
"""

from __future__ import annotations

from sqlite_utils import Database

from kapnotes.errors import StoreError


def _child_guard(table: str, session_expr_new: str, session_expr_old: str) -> dict[str, str]:
    status = "(SELECT status FROM sessions WHERE id = {e})"
    return {
        f"{table}_signed_no_insert": (
            f"CREATE TRIGGER {table}_signed_no_insert BEFORE INSERT ON {table} "
            f"WHEN {status.format(e=session_expr_new)} != 'draft' "
            f"BEGIN SELECT RAISE(ABORT, 'kapnotes: {table} of a signed session cannot change'); END"
        ),
        f"{table}_signed_no_update": (
            f"CREATE TRIGGER {table}_signed_no_update BEFORE UPDATE ON {table} "
            f"WHEN {status.format(e=session_expr_old)} != 'draft' "
            f"BEGIN SELECT RAISE(ABORT, 'kapnotes: {table} of a signed session cannot change'); END"
        ),
        f"{table}_signed_no_delete": (
            f"CREATE TRIGGER {table}_signed_no_delete BEFORE DELETE ON {table} "
            f"WHEN {status.format(e=session_expr_old)} != 'draft' "
            f"BEGIN SELECT RAISE(ABORT, 'kapnotes: {table} of a signed session cannot change'); END"
        ),
    }


def _append_only(table: str) -> dict[str, str]:
    return {
        f"{table}_no_update": (
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, 'kapnotes: {table} rows are append-only'); END"
        ),
        f"{table}_no_delete": (
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, 'kapnotes: {table} rows are append-only'); END"
        ),
    }


def expected_triggers() -> dict[str, str]:
    """Every trigger the store relies on, by name, with its SQL."""
    out = {
        # A signed session may change only its status (signed -> amended) and its position.
        "sessions_signed_no_update": (
            "CREATE TRIGGER sessions_signed_no_update BEFORE UPDATE ON sessions "
            "WHEN OLD.status != 'draft' AND ("
            "NEW.doc IS NOT OLD.doc OR NEW.content_hash IS NOT OLD.content_hash "
            "OR NEW.id IS NOT OLD.id OR NEW.course_id IS NOT OLD.course_id "
            "OR NEW.client_id IS NOT OLD.client_id OR NEW.kind IS NOT OLD.kind "
            "OR NEW.start_utc IS NOT OLD.start_utc OR NEW.start IS NOT OLD.start "
            "OR NEW.[end] IS NOT OLD.[end] OR NEW.narrative_text IS NOT OLD.narrative_text "
            "OR NEW.status NOT IN ('signed', 'amended')) "
            "BEGIN SELECT RAISE(ABORT, 'kapnotes: session is signed; its content cannot change'); END"
        ),
        "sessions_signed_no_delete": (
            "CREATE TRIGGER sessions_signed_no_delete BEFORE DELETE ON sessions "
            "WHEN OLD.status != 'draft' "
            "BEGIN SELECT RAISE(ABORT, 'kapnotes: session is signed; it cannot be deleted'); END"
        ),
    }
    for table in ("vitals", "interventions", "measures"):
        out.update(_child_guard(table, "NEW.session_id", "OLD.session_id"))
    out.update(
        _child_guard(
            "measure_items",
            "(SELECT session_id FROM measures WHERE id = NEW.measure_id)",
            "(SELECT session_id FROM measures WHERE id = OLD.measure_id)",
        )
    )
    for table in ("signatures", "addenda", "audit"):
        out.update(_append_only(table))
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
