"""Ids a document would take from another stored record.

Measure and addendum ids key their tables across the whole store, so an id already stored for
another session cannot be given to a new one. :func:`stored_id_clashes` finds every such id
before anything is written, each named by its JSON path in the document and by the stored
record it clashes with (its session, client and what it is).

A draft's measures are rewritten when the draft is saved again, so a measure id stored for a
session the same document carries again (without it) is free to move; addenda are append-only,
so an addendum id is free only for the session that holds it. A course's at-home measures
(format 1.3) share the measure ids: one is free only for its own course.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

from kapnotes.errors import Problem
from kapnotes.model import Document

_STORED = {
    "measure": (
        "SELECT m.id, m.session_id, m.client_id, m.instrument || ', administered ' || "
        "m.administered_at_utc, m.course_id FROM measures m WHERE m.id IN ({marks})"
    ),
    "addendum": (
        "SELECT a.id, a.session_id, s.client_id, a.kind || ', written ' || a.written_at, NULL "
        "FROM addenda a JOIN sessions s ON s.id = a.session_id WHERE a.id IN ({marks})"
    ),
}


def stored_id_clashes(conn: sqlite3.Connection, doc: Document, *, store: str) -> list[Problem]:
    """Problems for measure and addendum ids of ``doc`` stored for another session.

    :param store: how to name the store in messages (its file).
    """
    carried = {s.id for course in doc.courses for s in course.sessions}
    wanted: dict[str, list[tuple[str, str, str]]] = {"measure": [], "addendum": []}
    for path, what, item_id, owner_id in _ids(doc):
        wanted[what].append((path, item_id, owner_id))
    out: list[Problem] = []
    for what, items in wanted.items():
        stored = _stored(conn, _STORED[what], [i for _, i, _ in items])
        for path, item_id, owner_id in items:
            row = stored.get(item_id)
            if row is None:
                continue
            _, session, client, summary, course = row
            if (session if session is not None else f"course:{course}") == owner_id:
                continue
            if what == "measure" and session in carried:
                continue  # that draft is rewritten by this save, without the measure
            where = (f"session {session!r}" if session is not None
                     else f"an at-home measure of course {course!r}")
            out.append(
                Problem(
                    path,
                    f"{what} id {item_id!r} is already stored in {store} for {where} of client "
                    f"{client!r} ({summary}); give this {what} an id of its own",
                )
            )
    return out


def _ids(doc: Document) -> Iterator[tuple[str, str, str, str]]:
    """(JSON path, kind, id, owner) of every measure and addendum of ``doc``: the owner is the
    session id, or ``course:<id>`` for a course's at-home measure (format 1.3)."""
    for i, course in enumerate(doc.courses):
        for k, m in enumerate(course.measures):
            yield f"$.courses[{i}].measures[{k}].id", "measure", m.id, f"course:{course.id}"
        for j, s in enumerate(course.sessions):
            sp = f"$.courses[{i}].sessions[{j}]"
            for k, m in enumerate(s.measures):
                yield f"{sp}.measures[{k}].id", "measure", m.id, s.id
            for k, a in enumerate(s.addenda):
                yield f"{sp}.addenda[{k}].id", "addendum", a.id, s.id


def _stored(conn: sqlite3.Connection, sql: str, ids: Sequence[str]) -> dict[str, tuple[Any, ...]]:
    out: dict[str, tuple[Any, ...]] = {}
    for n in range(0, len(ids), 500):
        chunk = list(ids[n : n + 500])
        marks = ",".join("?" * len(chunk))
        for row in conn.execute(sql.format(marks=marks), chunk):
            out[row[0]] = row
    return out
