"""The audit log: append-only rows chained by SHA-256, so that any alteration is detectable.

Each row records when, who (actor), what (action), whose record (patient) and which object, and
holds the previous row's hash; its own hash covers all of that. Triggers forbid ``UPDATE`` and
``DELETE`` (HIPAA 164.312(b); ONC 170.315(d)(2): entries cannot be changed, and alteration must
be detectable). :func:`verify_chain` recomputes the chain and names the first row that fails.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import attrs

GENESIS = "0" * 64


class Action:
    """The actions the audit log records."""

    WRITE = "write"
    SIGN = "sign"
    ADDENDUM = "addendum"
    EXPORT = "export"
    READ_PSYCHOTHERAPY_NOTE = "read-psychotherapy-note"
    WRITE_PSYCHOTHERAPY_NOTE = "write-psychotherapy-note"
    RENDER = "render"
    REGISTER_KEY = "register-key"
    REVOKE_KEY = "revoke-key"


@attrs.frozen
class Entry:
    """One thing to record."""

    action: str
    object: str
    patient: str | None = None
    detail: dict[str, Any] | None = None


def now_utc() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


def row_hash(
    prev: str,
    row_id: int,
    at: str,
    actor: str,
    action: str,
    patient: str | None,
    obj: str,
    detail: str | None,
) -> str:
    payload = _row_json([prev, row_id, at, actor, action, patient, obj, detail])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _encoder(**options: Any) -> Callable[[Any], str]:
    """``json.dumps(value, **options)`` for a list or dict, its C encoder made once (making
    it costs more than encoding one row). No circular check: audit values are trees."""
    from json import encoder as std

    python = json.JSONEncoder(**options)
    make = getattr(std, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython has it
        return python.encode
    one = make(None, python.default, std.encode_basestring, None, python.key_separator,
               python.item_separator, python.sort_keys, python.skipkeys, python.allow_nan)
    return lambda value: "".join(one(value, 0))


#: ``json.dumps(..., ensure_ascii=False, separators=(",", ":"))``: what a row hashes.
_row_json = _encoder(ensure_ascii=False, separators=(",", ":"))
#: ``json.dumps(..., sort_keys=True, ensure_ascii=False)``: a row's ``detail``.
_detail_json = _encoder(sort_keys=True, ensure_ascii=False)


def append(
    conn: sqlite3.Connection, actor: str, entries: Iterable[Entry], *, at: str | None = None
) -> int:
    """Append entries to the chain; must run inside the caller's write transaction."""
    last = conn.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    next_id, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    when = at or now_utc()
    rows = []
    for e in entries:
        detail = _detail_json(e.detail) if e.detail else None
        h = row_hash(prev, next_id, when, actor, e.action, e.patient, e.object, detail)
        rows.append((next_id, when, actor, e.action, e.patient, e.object, detail, prev, h))
        prev, next_id = h, next_id + 1
    conn.executemany(
        "INSERT INTO audit (id, at, actor, action, patient, object, detail, prev_hash, hash) "
        "VALUES (?,?,?,?,?,?,?,?,?)",
        rows,
    )
    return len(rows)


@attrs.frozen
class Head:
    """A point of the chain: row number and hash (``SEQ:HASH`` as text, e.g. to publish)."""

    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> Head:
        seq, sep, h = text.strip().partition(":")
        if not sep or not seq.isdigit() or len(h) != 64 or any(c not in "0123456789abcdef" for c in h):
            raise ValueError(f"expected an audit head like 42:<64 hex digits>, got {text!r}")
        return cls(int(seq), h)


def head(conn: sqlite3.Connection) -> Head:
    """The newest row (``0:`` + the genesis hash for an empty chain)."""
    row = conn.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    return Head(row[0], row[1]) if row else Head(0, GENESIS)


def check_anchor(conn: sqlite3.Connection, anchor: Head) -> str | None:
    """Why the chain does not extend ``anchor`` (None when it does). Run after verify_chain."""
    if anchor.seq == 0:
        return None if anchor.hash == GENESIS else "anchor 0 must be the genesis hash"
    row = conn.execute("SELECT hash FROM audit WHERE id = ?", (anchor.seq,)).fetchone()
    if row is None:
        last = head(conn).seq
        return (
            f"anchor {anchor.seq}: the audit chain ends at row {last} "
            "(truncated: rows published in that head are gone)"
        )
    if row[0] != anchor.hash:
        return (
            f"anchor {anchor.seq}: audit row {anchor.seq} hashes to {row[0][:12]}..., the published "
            f"head says {anchor.hash[:12]}... (the chain was rewritten)"
        )
    return None


def verify_chain(conn: sqlite3.Connection) -> Iterator[str]:
    """Problems with the chain, first one first (an altered, inserted or removed row)."""
    prev, expected_id = GENESIS, 1
    cur = conn.execute(
        "SELECT id, at, actor, action, patient, object, detail, prev_hash, hash FROM audit ORDER BY id"
    )
    for row_id, at, actor, action, patient, obj, detail, prev_hash, h in cur:
        if row_id != expected_id:
            yield f"audit row {row_id}: expected row {expected_id} (a row was removed or inserted)"
            return
        if prev_hash != prev:
            yield f"audit row {row_id}: previous hash does not match row {row_id - 1} (chain broken)"
            return
        if row_hash(prev, row_id, at, actor, action, patient, obj, detail) != h:
            yield f"audit row {row_id}: content does not match its hash (row altered)"
            return
        prev, expected_id = h, expected_id + 1
