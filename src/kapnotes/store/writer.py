"""Writing a document into the store, inside one transaction, in batches.

New sessions are inserted as drafts, their rows (vitals, measures, interventions) added, and only
then given their recorded status, so the immutability triggers protect signed content from the
first commit on. Every change is recorded in the audit chain in the same transaction.
"""

from __future__ import annotations

import contextlib
import gc
import json
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

import attrs

from kapnotes.errors import ImmutableError, StoreError
from kapnotes.model import Document, NoteStatus, Session, Signature, TreatmentCourse
from kapnotes.serialization import canonical_text
from kapnotes.store import audit, outcome_facts
from kapnotes.store.audit import Action, Entry
from kapnotes.store.content import sha256_text
from kapnotes.store.prepare import Feed, Prepared, SessionRows
from kapnotes.store.rows import course_measure_rows, course_without_sessions, utc_key


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for a save, then resumed as it was.

    A save allocates millions of small objects (rows, dicts, strings) while the document it
    writes, millions more, is alive, and each full collection walks all of them: from 4 to
    28 us a session in measured saves of 4,000 to 60,000 sessions, as full collections fell.
    Nothing a save makes needs the collector: its objects are freed by reference counting,
    and any cycle is collected at the next collection after the save.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def to_json(obj: Any) -> str:
    """The canonical JSON of a model object or of its unstructured data, as stored."""
    return canonical_text(obj)


@attrs.frozen
class SaveSummary:
    """What a save did."""

    clients: int
    courses: int
    sessions_written: int
    sessions_unchanged: int
    signatures_added: int
    addenda_added: int
    psychotherapy_notes: int


class Writer:
    """Writes one document inside an open transaction; records everything in the audit log."""

    def __init__(self, conn: sqlite3.Connection, feed: Feed, actor: str) -> None:
        self.conn = conn
        self.feed = feed
        self.actor = actor
        self.entries: list[Entry] = []
        #: Courses whose at-home measures this save rewrites.
        self.home_touched: set[str] = set()

    def save(self, doc: Document) -> SaveSummary:
        self._clinic_and_clinicians(doc)
        self._groups(doc)
        self._clients(doc)
        home = self._stored_home_measures(doc.courses)
        self._courses(doc.courses)
        self._course_measures(doc.courses, home)
        written, unchanged, sigs, addenda = self._sessions(doc.courses)
        self._psychotherapy_notes(doc)
        audit.append(self.conn, self.actor, self.entries)
        return SaveSummary(
            clients=len(doc.clients),
            courses=len(doc.courses),
            sessions_written=written,
            sessions_unchanged=unchanged,
            signatures_added=sigs,
            addenda_added=addenda,
            psychotherapy_notes=len(doc.psychotherapy_notes),
        )

    # --- helpers -------------------------------------------------------------------------------

    def _existing(self, sql: str, ids: Sequence[str]) -> dict[str, tuple[Any, ...]]:
        """Rows keyed by their first column for ``ids``, in chunks under SQLite's variable limit."""
        out: dict[str, tuple[Any, ...]] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.conn.execute(sql.format(marks=marks), chunk):
                out[row[0]] = row
        return out

    def _upsert_changed(
        self,
        table: str,
        rows: list[tuple[Any, ...]],
        columns: Sequence[str],
        patient_col: int | None,
    ) -> list[tuple[Any, ...]]:
        """Insert or update rows whose ``doc`` (last column) changed, auditing each; returns them."""
        existing = self._existing(
            f"SELECT id, doc FROM [{table}] WHERE id IN ({{marks}})", [r[0] for r in rows]
        )
        changed = [r for r in rows if existing.get(r[0], (None, None))[1] != r[-1]]
        cols = ", ".join(columns)
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
        self.conn.executemany(
            f"INSERT INTO [{table}] ({cols}) VALUES ({','.join('?' * len(columns))}) "
            f"ON CONFLICT(id) DO UPDATE SET {updates}",
            changed,
        )
        kind = table.rstrip("s")
        for r in changed:
            patient = r[patient_col] if patient_col is not None else None
            self.entries.append(
                Entry(Action.WRITE, f"{kind}:{r[0]}", patient, {"hash": sha256_text(r[-1])})
            )
        return changed

    # --- people and courses ----------------------------------------------------------------------

    def _clinic_and_clinicians(self, doc: Document) -> None:
        if doc.clinic is not None:
            self._upsert_changed(
                "clinic",
                [(doc.clinic.id, doc.clinic.name, to_json(doc.clinic))],
                ("id", "name", "doc"),
                None,
            )
        self._upsert_changed(
            "clinicians",
            [(k.id, k.name, k.credentials, to_json(k)) for k in doc.clinicians],
            ("id", "name", "credentials", "doc"),
            None,
        )

    def _groups(self, doc: Document) -> None:
        self._upsert_changed(
            "groups",
            [(g.id, g.kind.value, utc_key(g.start), to_json(g)) for g in doc.groups],
            ("id", "kind", "start_utc", "doc"),
            None,
        )

    def _clients(self, doc: Document) -> None:
        self._upsert_changed(
            "clients",
            [
                (k.id, k.mrn, k.name.family, k.name.given, k.date_of_birth.isoformat(), to_json(k))
                for k in doc.clients
            ],
            ("id", "mrn", "family_name", "given_name", "date_of_birth", "doc"),
            0,
        )

    def _courses(self, courses: Sequence[TreatmentCourse]) -> None:
        owners = self._existing(
            "SELECT id, client_id FROM courses WHERE id IN ({marks})", [k.id for k in courses]
        )
        for course in courses:
            row = owners.get(course.id)
            if row is not None and row[1] != course.client_id:
                raise StoreError(
                    f"course {course.id!r} belongs to client {row[1]!r} in the store, not {course.client_id!r}"
                )
        changed = self._upsert_changed(
            "courses",
            [
                (
                    k.id,
                    k.client_id,
                    k.started_on.isoformat(),
                    k.status.value,
                    to_json(course_without_sessions(k)),
                )
                for k in courses
            ],
            ("id", "client_id", "started_on", "status", "doc"),
            1,
        )
        outcome_facts.refresh_courses(self.conn, [(r[0], r[1], r[-1]) for r in changed])

    # --- at-home measures of courses (format 1.3) ----------------------------------------------

    def _stored_home_measures(
        self, courses: Sequence[TreatmentCourse]
    ) -> dict[str, dict[str, str]]:
        """The stored at-home measures (canonical JSON by id) of the courses of ``courses`` that
        have any, or bring any: read before the courses are written."""
        ids = [k.id for k in courses]
        having = set(self._existing(
            "SELECT DISTINCT course_id FROM measures WHERE course_id IN ({marks})", ids
        ))
        having |= {k.id for k in courses if k.measures}
        rows = self._existing(
            "SELECT id, json_extract(doc, '$.measures') FROM courses WHERE id IN ({marks})",
            sorted(having),
        )
        out: dict[str, dict[str, str]] = {cid: {} for cid in having}
        for cid, (_, text) in rows.items():
            for m in json.loads(text) if text else []:
                out[cid][m["id"]] = to_json(m)
        return out

    def _course_measures(
        self, courses: Sequence[TreatmentCourse], stored: dict[str, dict[str, str]]
    ) -> None:
        """Rows of the at-home measures of each course whose measures changed, and an audit row
        (``measure:<id>``, the hash of its JSON) for each one added or corrected.

        At-home measures are under no signature. They are kept append-only with history: one
        may be corrected (the same id with new answers, audited; the FHIR importer also keeps
        the earlier answers in its notes) but a save that would drop a stored one is refused.
        """
        rows: list[tuple[Any, ...]] = []
        items: list[tuple[Any, ...]] = []
        rewrite: list[tuple[str]] = []
        for course in courses:
            before = stored.get(course.id)
            if before is None:
                continue
            now = {m.id: to_json(m) for m in course.measures}
            gone = sorted(set(before) - set(now))
            if gone:
                raise ImmutableError(
                    f"course {course.id!r}: at-home measure {gone[0]!r} is stored and cannot be "
                    "removed (correct it by saving it again with the same id)"
                )
            changed = [mid for mid, text in now.items() if before.get(mid) != text]
            if not changed:
                continue
            for mid in changed:
                self.entries.append(Entry(
                    Action.WRITE, f"measure:{mid}", course.client_id,
                    {"course": course.id, "hash": sha256_text(now[mid])},
                ))
            rewrite.append((course.id,))
            m_rows, i_rows = course_measure_rows(course, self.feed.home_scores())
            rows += m_rows
            items += i_rows
        self.home_touched = {cid for (cid,) in rewrite}  # their outcome facts are refreshed
        if not rewrite:
            return
        c = self.conn
        c.executemany(
            "DELETE FROM measure_items WHERE measure_id IN "
            "(SELECT id FROM measures WHERE course_id = ? AND session_id IS NULL)",
            rewrite,
        )
        c.executemany("DELETE FROM measures WHERE course_id = ? AND session_id IS NULL", rewrite)
        c.executemany(
            "INSERT INTO measures (id, session_id, client_id, instrument, administered_at_utc, "
            "context, respondent, total, band, course_id) VALUES (?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
        c.executemany("INSERT INTO measure_items (measure_id, item, value) VALUES (?,?,?)", items)

    # --- sessions ------------------------------------------------------------------------------

    def _sessions(self, courses: Sequence[TreatmentCourse]) -> tuple[int, int, int, int]:
        """Insert new sessions, replace changed drafts, refuse changes to signed ones: chunk by
        chunk (whole courses, :func:`kapnotes.store.prepare.chunk_bounds`), each prepared by
        the feed. Every table gets its rows in the document's order, whatever the chunks."""
        # courses whose measures or session order change
        touched: set[str] = set(self.home_touched)
        writes: list[Entry] = []
        signs: list[Entry] = []
        added: list[Entry] = []
        totals = [0, 0, 0, 0]
        for chunk in self.feed.chunks():
            counts = self._chunk(courses[chunk.start : chunk.end], chunk.sessions, touched,
                                 writes, signs, added)
            totals = [a + b for a, b in zip(totals, counts, strict=True)]
        outcome_facts.refresh_points(self.conn, touched)
        # the audit rows in the order of a save of the whole document at once
        self.entries += writes + signs + added
        return totals[0], totals[1], totals[2], totals[3]

    def _chunk(
        self,
        courses: Sequence[TreatmentCourse],
        prepared: list[list[Prepared]],
        touched: set[str],
        writes: list[Entry],
        signs: list[Entry],
        added: list[Entry],
    ) -> tuple[int, int, int, int]:
        existing = self._existing(
            "SELECT id, course_id, status, content_hash, doc, seq FROM sessions WHERE id IN ({marks})",
            [s.id for k in courses for s in k.sessions],
        )
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        reseq: list[tuple[int, str]] = []
        statuses: list[tuple[str, str]] = []
        signatures: list[tuple[str, Session, Prepared]] = []
        addenda: list[tuple[str, str, Prepared]] = []
        children = _Children()
        rows_of = self.feed.rows_of
        for course, course_prepared in zip(courses, prepared, strict=True):
            for seq, (s, p) in enumerate(zip(course.sessions, course_prepared, strict=True)):
                doc, content_hash, values = p.doc, p.content_hash, p.values
                row = existing.get(s.id)
                if row is not None and _same_content(s, course.id, row, doc):
                    reseq.append((seq, s.id))
                    if row[5] != seq:
                        touched.add(course.id)
                elif row is None:
                    inserts.append((s.id, course.id, course.client_id, seq, *values))
                    touched.add(course.id)
                    children.add(rows_of(course, s, p))
                    writes.append(_write_entry(s.id, course.client_id, content_hash))
                else:
                    updates.append((seq, *values, s.id))
                    touched.add(course.id)
                    children.add(rows_of(course, s, p))
                    writes.append(_write_entry(s.id, course.client_id, content_hash))
                if _status_changes(row, s):
                    statuses.append((s.status.value, s.id))
                signatures.append((course.client_id, s, p))
                if p.addenda:
                    addenda.append((course.client_id, s.id, p))
        c = self.conn
        if updates:
            children.delete(c, [u[-1] for u in updates])
        c.executemany(
            "INSERT INTO sessions (id, course_id, client_id, seq, kind, start_utc, start, [end], "
            "status, content_hash, narrative_text, doc) VALUES (?,?,?,?,?,?,?,?,'draft',?,?,?)",
            inserts,
        )
        c.executemany(
            "UPDATE sessions SET seq = ?, kind = ?, start_utc = ?, start = ?, [end] = ?, "
            "content_hash = ?, narrative_text = ?, doc = ? WHERE id = ?",
            updates,
        )
        c.executemany(
            "UPDATE sessions SET seq = ? WHERE id = ? AND seq != ?", [(q, i, q) for q, i in reseq]
        )
        children.write(c)
        sigs = self._signatures(signatures, signs)
        # Signed first (the amendment needs a signed note), amended once the amendment is in.
        c.executemany(
            "UPDATE sessions SET status = 'signed' WHERE id = ? AND status = 'draft'",
            [(i,) for _, i in statuses],
        )
        n_added = self._addenda(addenda, added)
        c.executemany(
            "UPDATE sessions SET status = ? WHERE id = ?",
            [(v, i) for v, i in statuses if v != NoteStatus.SIGNED.value],
        )
        return len(inserts) + len(updates), len(reseq), sigs, n_added

    def _signatures(
        self, per_session: list[tuple[str, Session, Prepared]], entries: list[Entry]
    ) -> int:
        """Append new signatures; stored ones must come first and be unchanged (append-only).
        Each session comes with its signatures' canonical JSON (prepared with the session)."""
        wanted = [s.id for _, s, _ in per_session]
        stored: dict[str, list[str]] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for sid, doc in self.conn.execute(
                f"SELECT session_id, doc FROM signatures WHERE session_id IN ({marks}) ORDER BY session_id, seq",
                chunk,
            ):
                stored.setdefault(sid, []).append(doc)
        rows = []
        for client_id, s, p in per_session:
            have = stored.get(s.id, [])
            docs = p.signatures
            if docs[: len(have)] != have:
                raise ImmutableError(
                    f"session {s.id!r}: its stored signatures cannot be changed or removed"
                )
            content_hash = p.content_hash
            for seq in range(len(have), len(docs)):
                g = s.signatures[seq]
                if g.content_hash != content_hash:
                    raise ImmutableError(
                        f"session {s.id!r}: signature {seq} records content hash {g.content_hash[:12]}..., "
                        f"but the session's content hashes to {content_hash[:12]}..."
                    )
                rows.append(
                    (
                        s.id,
                        seq,
                        g.clinician_id,
                        g.role.value,
                        utc_key(g.signed_at),
                        g.content_hash,
                        docs[seq],
                    )
                )
                # the stored JSON is the signature's canonical JSON: its hash is signature_hash(g)
                entries.append(sign_entry(s.id, client_id, seq, g, sha256_text(docs[seq])))
        self.conn.executemany(
            "INSERT INTO signatures (session_id, seq, clinician_id, role, signed_at, content_hash, doc) "
            "VALUES (?,?,?,?,?,?,?)",
            rows,
        )
        return len(rows)

    def _addenda(self, per_session: list[tuple[str, str, Prepared]], entries: list[Entry]) -> int:
        """Append addenda not yet stored; stored ones must be unchanged (append-only)."""
        wanted = [sid for _, sid, _ in per_session]
        stored: dict[str, dict[str, str]] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for sid, aid, doc in self.conn.execute(
                f"SELECT session_id, id, doc FROM addenda WHERE session_id IN ({marks})", chunk
            ):
                stored.setdefault(sid, {})[aid] = doc
        rows = []
        for client_id, sid, p in per_session:
            have = stored.get(sid, {})
            seq = len(have)
            for aid, kind, author_id, written_at, doc in p.addenda:
                if aid in have:
                    if have[aid] != doc:
                        raise ImmutableError(
                            f"addendum {aid!r} of session {sid!r} cannot change"
                        )
                    continue
                rows.append((aid, sid, seq, kind, author_id, written_at, doc))
                entries.append(addendum_entry(sid, client_id, seq, aid, kind, sha256_text(doc)))
                seq += 1
        self.conn.executemany(
            "INSERT INTO addenda (id, session_id, seq, kind, author_id, written_at, doc) VALUES (?,?,?,?,?,?,?)",
            rows,
        )
        return len(rows)

    def _psychotherapy_notes(self, doc: Document) -> None:
        if not doc.psychotherapy_notes:
            return
        owner = {s.id: c.client_id for c in doc.courses for s in c.sessions}
        rows = [
            (n.id, n.session_id, n.author_id, utc_key(n.written_at), to_json(n))
            for n in doc.psychotherapy_notes
        ]
        existing = self._existing(
            "SELECT id, doc FROM psychotherapy_notes WHERE id IN ({marks})", [r[0] for r in rows]
        )
        changed = [r for r in rows if existing.get(r[0], (None, None))[1] != r[-1]]
        self.conn.executemany(
            "INSERT INTO psychotherapy_notes (id, session_id, author_id, written_at, doc) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET doc = excluded.doc, session_id = excluded.session_id, "
            "author_id = excluded.author_id, written_at = excluded.written_at",
            changed,
        )
        for r in changed:
            self.entries.append(
                Entry(
                    Action.WRITE_PSYCHOTHERAPY_NOTE,
                    f"psychotherapy-note:{r[0]}",
                    owner.get(r[1]),
                    {"hash": sha256_text(r[-1])},
                )
            )


def _write_entry(session_id: str, client_id: str, content_hash: str) -> Entry:
    return Entry(Action.WRITE, f"session:{session_id}", client_id, {"hash": content_hash})


def sign_entry(
    session_id: str, client_id: str, seq: int, g: Signature, hash_: str | None = None
) -> Entry:
    """The audit row of a signature: it names what was signed and the signature's own hash
    (``hash_``: :func:`kapnotes.signatures.signature_hash` of ``g``, when already known)."""
    if hash_ is None:
        from kapnotes.signatures import signature_hash

        hash_ = signature_hash(g)
    return Entry(
        Action.SIGN,
        f"session:{session_id}",
        client_id,
        {
            "role": g.role.value,
            "clinician": g.clinician_id,
            "seq": seq,
            "content_hash": g.content_hash,
            "signature": hash_,
        },
    )


def addendum_entry(
    session_id: str, client_id: str, seq: int, addendum_id: str, kind: str, doc_hash: str
) -> Entry:
    """The audit row of an addendum: its session, position, kind and hash."""
    return Entry(
        Action.ADDENDUM,
        f"addendum:{addendum_id}",
        client_id,
        {"session": session_id, "seq": seq, "kind": kind, "hash": doc_hash},
    )


def _status_changes(row: tuple[Any, ...] | None, s: Session) -> bool:
    """Whether to record ``s.status``: draft to signed or amended, signed to amended; never back."""
    if s.status is NoteStatus.DRAFT:
        return False
    stored = NoteStatus.DRAFT.value if row is None else row[2]
    return stored == NoteStatus.DRAFT.value or (
        stored == NoteStatus.SIGNED.value and s.status is NoteStatus.AMENDED
    )


def _same_content(s: Session, course_id: str, row: tuple[Any, ...], doc: str) -> bool:
    """Whether a stored session has the incoming content; raises if signed content would change."""
    _, stored_course, status, _, stored_doc, _ = row
    if stored_course != course_id:
        raise StoreError(f"session {s.id!r} belongs to course {stored_course!r} in the store")
    if status != NoteStatus.DRAFT.value:
        if stored_doc != doc or s.status is NoteStatus.DRAFT:
            raise ImmutableError(
                f"session {s.id!r} is signed; its content cannot change (write an addendum instead)"
            )
        return True
    return bool(stored_doc == doc)


#: Each service line's row, taken from its session's stored JSON by SQLite (defaults: CPT, 1 unit):
#: the definition verify checks the rows against (the save builds the same rows in Python).
SERVICE_LINES_SELECT = (
    "SELECT s.id, j.key, json_extract(j.value, '$.code'), "
    "coalesce(json_extract(j.value, '$.system'), 'CPT'), "
    "coalesce(json_extract(j.value, '$.units'), 1), "
    "json_extract(j.value, '$.rendering_clinician_id'), j.value "
    "FROM sessions s, json_each(s.doc, '$.service_lines') j WHERE s.id = ?"
)


class _Children:
    """Rows of the tables that hang off sessions, gathered for one executemany each."""

    def __init__(self) -> None:
        self.vitals: list[tuple[Any, ...]] = []
        self.interventions: list[tuple[Any, ...]] = []
        self.service_lines: list[tuple[Any, ...]] = []
        self.measures: list[tuple[Any, ...]] = []
        self.items: list[tuple[Any, ...]] = []

    def add(self, rows: SessionRows) -> None:
        """The rows under one session."""
        self.vitals += rows.vitals
        self.interventions += rows.interventions
        self.service_lines += rows.service_lines
        self.measures += rows.measures
        self.items += rows.items

    @staticmethod
    def delete(c: sqlite3.Connection, session_ids: list[str]) -> None:
        rows = [(sid,) for sid in session_ids]
        c.executemany(
            "DELETE FROM measure_items WHERE measure_id IN (SELECT id FROM measures WHERE session_id = ?)",
            rows,
        )
        for table in ("measures", "vitals", "interventions", "service_lines"):
            c.executemany(f"DELETE FROM [{table}] WHERE session_id = ?", rows)

    def write(self, c: sqlite3.Connection) -> None:
        c.executemany(
            "INSERT INTO vitals (session_id, seq, at_utc, minutes_after_dose, systolic, diastolic, "
            "heart_rate, spo2, respiratory_rate) VALUES (?,?,?,?,?,?,?,?,?)",
            self.vitals,
        )
        # Each intervention's and service line's JSON is its part of the session's JSON: what
        # json_each takes from the stored JSON (verify recomputes them so).
        c.executemany(
            "INSERT INTO interventions (session_id, seq, type, doc) VALUES (?,?,?,?)",
            self.interventions,
        )
        c.executemany(
            "INSERT INTO service_lines (session_id, seq, code, system, units, "
            "rendering_clinician_id, doc) VALUES (?,?,?,?,?,?,?)",
            self.service_lines,
        )
        c.executemany(
            "INSERT INTO measures (id, session_id, client_id, instrument, administered_at_utc, "
            "context, respondent, total, band) VALUES (?,?,?,?,?,?,?,?,?)",
            self.measures,
        )
        c.executemany(
            "INSERT INTO measure_items (measure_id, item, value) VALUES (?,?,?)", self.items
        )
