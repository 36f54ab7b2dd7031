"""``kapnotes verify``: is the store intact? Names the first row or note that fails."""

from __future__ import annotations

import json
from collections.abc import Iterator

import attrs

from kapnotes.store.audit import verify_chain
from kapnotes.store.content import sha256_text
from kapnotes.store.db import Store
from kapnotes.store.triggers import check_triggers


@attrs.frozen
class VerifyReport:
    """The outcome of :func:`verify`: ``problems`` is empty when everything checks out."""

    problems: tuple[str, ...]
    audit_rows: int
    sessions: int
    signed_sessions: int
    signatures: int
    addenda: int

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(store: Store) -> VerifyReport:
    """Check the audit chain, every signed note's content hash, every addendum's signature,
    the immutability triggers, ``PRAGMA integrity_check`` and ``PRAGMA foreign_key_check``."""
    conn = store.conn
    problems: list[str] = []
    for check in (_integrity, _foreign_keys, _triggers, _audit, _sessions, _addenda):
        problems += list(check(store))

    def count(sql: str) -> int:
        return int(conn.execute(sql).fetchone()[0])

    return VerifyReport(
        problems=tuple(problems),
        audit_rows=count("SELECT count(*) FROM audit"),
        sessions=count("SELECT count(*) FROM sessions"),
        signed_sessions=count("SELECT count(*) FROM sessions WHERE status != 'draft'"),
        signatures=count("SELECT count(*) FROM signatures"),
        addenda=count("SELECT count(*) FROM addenda"),
    )


def _integrity(store: Store) -> Iterator[str]:
    rows = [r[0] for r in store.conn.execute("PRAGMA integrity_check")]
    if rows != ["ok"]:
        yield "integrity_check: " + "; ".join(rows[:5])


def _foreign_keys(store: Store) -> Iterator[str]:
    for table, rowid, parent, _ in store.conn.execute("PRAGMA foreign_key_check").fetchmany(5):
        yield f"foreign_key_check: {table} row {rowid} refers to a missing {parent}"


def _triggers(store: Store) -> Iterator[str]:
    missing = check_triggers(store.db)
    if missing:
        yield f"immutability triggers missing or altered: {', '.join(missing)}"


def _audit(store: Store) -> Iterator[str]:
    yield from verify_chain(store.conn)


def _sessions(store: Store) -> Iterator[str]:
    """A session's stored content must hash to its content hash, and signatures must match it."""
    signatures: dict[str, list[tuple[int, str, str]]] = {}
    for sid, seq, col_hash, doc in store.conn.execute(
        "SELECT session_id, seq, content_hash, doc FROM signatures ORDER BY session_id, seq"
    ):
        signatures.setdefault(sid, []).append((seq, col_hash, json.loads(doc).get("content_hash")))
    for sid, status, content_hash, doc in store.conn.execute(
        "SELECT id, status, content_hash, doc FROM sessions ORDER BY id"
    ):
        actual = sha256_text(doc)
        if actual != content_hash:
            yield f"session {sid}: stored content does not match its content hash (content altered)"
            continue
        sigs = signatures.get(sid, [])
        if status != "draft" and not sigs:
            yield f"session {sid}: marked {status} but has no signature"
        for seq, col_hash, doc_hash in sigs:
            if col_hash != actual or doc_hash != actual:
                yield f"session {sid}: signature {seq} does not match the signed content (note altered)"


def _addenda(store: Store) -> Iterator[str]:
    from kapnotes.model import Addendum
    from kapnotes.serialization import structure
    from kapnotes.store.content import addendum_content_hash

    for aid, sid, doc in store.conn.execute(
        "SELECT id, session_id, doc FROM addenda ORDER BY session_id, seq"
    ):
        try:
            addendum = structure(json.loads(doc), Addendum)
        except Exception as exc:  # noqa: BLE001 - report, don't crash
            yield f"addendum {aid} of session {sid}: unreadable ({exc})"
            continue
        if addendum.signature is None:
            yield f"addendum {aid} of session {sid}: not signed"
        elif addendum.signature.content_hash != addendum_content_hash(addendum):
            yield f"addendum {aid} of session {sid}: signature does not match its text (addendum altered)"
