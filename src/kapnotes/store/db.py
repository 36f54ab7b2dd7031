"""The SQLite store: relational tables for what is queried, the canonical record for what is kept.

Every session is stored as its canonical JSON (lossless) plus rows that make it queryable
(vitals, measures and their items, interventions, full-text narrative). Psychotherapy notes live
in their own table and are never joined into a session. Writes run in ``BEGIN IMMEDIATE``
transactions: a save that fails validation or fails half-way leaves the store as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
from sqlite_utils import Database

from kapnotes.errors import ImmutableError, NotFoundError, StoreError
from kapnotes.model import (
    Client,
    Clinic,
    Clinician,
    Document,
    NoteStatus,
    PsychotherapyNote,
    Session,
    TreatmentCourse,
)
from kapnotes.serialization import canonical_bytes, structure, unstructure
from kapnotes.store import migrations
from kapnotes.store.rows import course_without_sessions, narrative_text, utc_key, vitals_rows
from kapnotes.store.scores import Score, score_document

if TYPE_CHECKING:  # pragma: no cover
    from kapnotes.notes.format import NoteContext

DEFAULT_DB = "kapnotes.db"
DB_ENV = "KAPNOTES_DB"
BUSY_TIMEOUT_MS = 10_000


def default_path() -> Path:
    """``$KAPNOTES_DB`` if set, else ``./kapnotes.db``."""
    return Path(os.environ.get(DB_ENV) or DEFAULT_DB)


#: What a signature does not cover: the lifecycle fields of a session.
LIFECYCLE_KEYS = frozenset({"status", "signatures", "addenda"})


def content_hash_from_data(data: dict[str, Any]) -> str:
    """SHA-256 of a session's canonical JSON without its lifecycle fields (what is signed)."""
    content = {k: v for k, v in data.items() if k not in LIFECYCLE_KEYS}
    return hashlib.sha256(canonical_bytes(content)).hexdigest()


def session_content_hash(s: Session) -> str:
    """The hash a signature of ``s`` records; unchanged by signing and by addenda."""
    return content_hash_from_data(unstructure(s))


@attrs.frozen
class SaveSummary:
    """What a save did."""

    clients: int
    courses: int
    sessions_written: int
    sessions_unchanged: int
    addenda_added: int
    psychotherapy_notes: int


@attrs.frozen
class SearchHit:
    session_id: str
    client_id: str
    kind: str
    start: str
    snippet: str


def _json(obj: Any) -> str:
    return canonical_bytes(obj).decode("utf-8")


class Store:
    """A kapnotes SQLite database. Open it with :func:`open_store`."""

    def __init__(self, db: Database, path: Path | None) -> None:
        self.db = db
        self.path = path
        self.conn: sqlite3.Connection = db.conn
        self._cache: dict[tuple[str, str], Any] = {}
        self._cache_version: int | None = None

    def _cached(self, kind: str, key: str, load: Callable[[], Any]) -> Any:
        """Memoised reads (courses, clinic, clinicians) for batch work.

        Valid while nothing has written: ``PRAGMA data_version`` changes when another
        connection commits, and this connection's own saves clear the cache.
        """
        version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self._cache_version or len(self._cache) > 256:
            self._cache.clear()
            self._cache_version = version
        if (kind, key) not in self._cache:
            self._cache[(kind, key)] = load()
        return self._cache[(kind, key)]

    # --- connection and transactions ---------------------------------------------------------

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A ``BEGIN IMMEDIATE`` transaction: all or nothing."""
        if self.conn.in_transaction:
            raise StoreError("a write is already in progress on this connection")
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    # --- writing -------------------------------------------------------------------------------

    def save(self, doc: Document) -> SaveSummary:
        """Insert or update everything in ``doc``, in one transaction.

        Draft sessions are replaced. A signed session may be saved again unchanged; its new
        addenda are appended. Changing a signed session's content is refused.
        """
        scores = score_document(doc)  # validates measures against their instruments
        self._cache.clear()
        try:
            with self.write() as conn:
                return _Writer(conn, scores).save(doc)
        finally:
            self._cache.clear()

    # --- reading -------------------------------------------------------------------------------

    def document(
        self,
        *,
        client_ids: Sequence[str] | None = None,
        include_psychotherapy_notes: bool = False,
    ) -> Document:
        """The stored record as a :class:`Document` (without psychotherapy notes by default).

        Psychotherapy notes are only included on explicit request; the privacy layer decides
        who may ask (see :mod:`kapnotes.privacy`).
        """
        conn = self.conn
        clinic_row = conn.execute("SELECT doc FROM clinic LIMIT 1").fetchone()
        clinic = structure(json.loads(clinic_row[0]), Clinic) if clinic_row else None
        clinicians = tuple(
            structure(json.loads(r[0]), Clinician)
            for r in conn.execute("SELECT doc FROM clinicians ORDER BY id")
        )
        where, params = "", tuple[str, ...]()
        if client_ids is not None:
            marks = ",".join("?" * len(client_ids))
            where, params = f" WHERE id IN ({marks})", tuple(client_ids)
        clients = tuple(
            structure(json.loads(r[0]), Client)
            for r in conn.execute(f"SELECT doc FROM clients{where} ORDER BY id", params)
        )
        wanted = {c.id for c in clients}
        courses = tuple(
            self._course_from_row(r[0], r[1])
            for r in conn.execute("SELECT id, doc, client_id FROM courses ORDER BY id")
            if r[2] in wanted
        )
        notes: tuple[PsychotherapyNote, ...] = ()
        if include_psychotherapy_notes:
            sessions = {s.id for c in courses for s in c.sessions}
            notes = tuple(
                n
                for n in (
                    structure(json.loads(r[0]), PsychotherapyNote)
                    for r in conn.execute("SELECT doc FROM psychotherapy_notes ORDER BY id")
                )
                if n.session_id in sessions
            )
        return Document(
            clinic=clinic,
            clinicians=clinicians,
            clients=clients,
            courses=courses,
            psychotherapy_notes=notes,
        )

    def _course_from_row(self, course_id: str, doc: str) -> TreatmentCourse:
        base = json.loads(doc)
        base["sessions"] = [
            self._session_data(r[0], r[1])
            for r in self.conn.execute(
                "SELECT id, doc FROM sessions WHERE course_id = ? ORDER BY seq", (course_id,)
            )
        ]
        return structure(base, TreatmentCourse)

    def _session_data(self, session_id: str, doc: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(doc)
        addenda = [
            json.loads(r[0])
            for r in self.conn.execute(
                "SELECT doc FROM addenda WHERE session_id = ? ORDER BY seq", (session_id,)
            )
        ]
        if addenda:
            data["addenda"] = addenda
        return data

    def session(self, session_id: str) -> tuple[TreatmentCourse, Session]:
        """A session with its course (the course carries all its sessions, for context)."""
        row = self.conn.execute(
            "SELECT course_id FROM sessions WHERE id = ?", (session_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no session {session_id!r} in {self.path or 'the store'}")
        course = self.course(row[0])
        return course, course.session(session_id)

    def course(self, course_id: str) -> TreatmentCourse:
        """A course with all its sessions (memoised until the store changes)."""

        def load() -> TreatmentCourse:
            row = self.conn.execute("SELECT doc FROM courses WHERE id = ?", (course_id,)).fetchone()
            if row is None:
                raise NotFoundError(f"no course {course_id!r}")
            return self._course_from_row(course_id, row[0])

        return self._cached("course", course_id, load)  # type: ignore[no-any-return]

    def note_context(self, session_id: str, **extra: Any) -> NoteContext:
        """Everything a note format needs for one stored session (never its psychotherapy notes)."""
        from kapnotes.notes.format import NoteContext

        course, session = self.session(session_id)
        return NoteContext(
            session=session,
            course=course,
            client=self.client(course.client_id),
            clinic=self.clinic(),
            clinicians=self.clinicians(),
            extra=extra,
        )

    def client(self, client_id: str) -> Client:
        row = self.conn.execute("SELECT doc FROM clients WHERE id = ?", (client_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no client {client_id!r}")
        return structure(json.loads(row[0]), Client)

    def clinic(self) -> Clinic | None:
        def load() -> Clinic | None:
            row = self.conn.execute("SELECT doc FROM clinic LIMIT 1").fetchone()
            return structure(json.loads(row[0]), Clinic) if row else None

        return self._cached("clinic", "", load)  # type: ignore[no-any-return]

    def clinicians(self) -> dict[str, Clinician]:
        def load() -> dict[str, Clinician]:
            rows = self.conn.execute("SELECT doc FROM clinicians")
            return {c.id: c for c in (structure(json.loads(r[0]), Clinician) for r in rows)}

        return dict(self._cached("clinicians", "", load))

    def client_ids(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT id FROM clients ORDER BY id")]

    def courses_of(self, client_id: str) -> list[TreatmentCourse]:
        return [
            self._course_from_row(r[0], r[1])
            for r in self.conn.execute(
                "SELECT id, doc FROM courses WHERE client_id = ? ORDER BY started_on, id",
                (client_id,),
            )
        ]

    def client_sessions(self, client_id: str) -> list[Session]:
        """A client's sessions in time order (by index on client and start)."""
        rows = self.conn.execute(
            "SELECT id, doc FROM sessions WHERE client_id = ? ORDER BY start_utc, id", (client_id,)
        ).fetchall()
        return [structure(self._session_data(r[0], r[1]), Session) for r in rows]

    def session_ids(self, client_id: str | None = None) -> list[str]:
        if client_id is None:
            q = self.conn.execute("SELECT id FROM sessions ORDER BY client_id, start_utc, id")
        else:
            q = self.conn.execute(
                "SELECT id FROM sessions WHERE client_id = ? ORDER BY start_utc, id", (client_id,)
            )
        return [r[0] for r in q]

    def instrument_scores(
        self,
        instrument: str,
        *,
        client_id: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> list[dict[str, Any]]:
        """Administrations of one instrument, by time, with total and band (by index).

        ``client_id`` narrows to one client; ``since``/``until`` (UTC keys as stored, e.g.
        ``2026-02-01T00:00:00.000000Z``) to a time window, ``until`` excluded.
        """
        where, params = ["instrument = ?"], [instrument]
        if client_id is not None:
            where.append("client_id = ?")
            params.append(client_id)
        if since is not None:
            where.append("administered_at_utc >= ?")
            params.append(since)
        if until is not None:
            where.append("administered_at_utc < ?")
            params.append(until)
        cur = self.conn.execute(
            "SELECT id, client_id, session_id, administered_at_utc, context, total, band "
            f"FROM measures WHERE {' AND '.join(where)} ORDER BY administered_at_utc, id",
            params,
        )
        cols = [c[0] for c in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur]

    def search(self, text: str, *, limit: int = 50) -> list[SearchHit]:
        """Full-text search over session narratives (SQLite FTS5, porter stemming)."""
        query = _fts_query(text)
        if not query:
            return []
        rows = self.conn.execute(
            "SELECT s.id, s.client_id, s.kind, s.start, "
            "snippet(sessions_fts, 0, '[', ']', '…', 12) "
            "FROM sessions_fts JOIN sessions s ON s.rowid = sessions_fts.rowid "
            "WHERE sessions_fts MATCH ? ORDER BY rank LIMIT ?",
            (query, limit),
        ).fetchall()
        return [SearchHit(*r) for r in rows]

    def counts(self) -> dict[str, int]:
        tables = (
            "clients",
            "courses",
            "sessions",
            "measures",
            "vitals",
            "interventions",
            "addenda",
        )
        return {t: self.conn.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0] for t in tables}


def _fts_query(text: str) -> str:
    """Quote each word so user text is never parsed as FTS syntax."""
    words = [w for w in text.split() if w]
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


class _Writer:
    """Writes a document inside an open transaction, in batches (one statement per table)."""

    def __init__(self, conn: sqlite3.Connection, scores: dict[str, Score]) -> None:
        self.conn = conn
        self.scores = scores

    def save(self, doc: Document) -> SaveSummary:
        self._people(doc)
        self._courses(doc.courses)
        written, unchanged, addenda = self._sessions(doc.courses)
        self.conn.executemany(
            "INSERT INTO psychotherapy_notes (id, session_id, author_id, written_at, doc) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET doc = excluded.doc, "
            "session_id = excluded.session_id, author_id = excluded.author_id, "
            "written_at = excluded.written_at",
            [
                (n.id, n.session_id, n.author_id, utc_key(n.written_at), _json(n))
                for n in doc.psychotherapy_notes
            ],
        )
        return SaveSummary(
            clients=len(doc.clients),
            courses=len(doc.courses),
            sessions_written=written,
            sessions_unchanged=unchanged,
            addenda_added=addenda,
            psychotherapy_notes=len(doc.psychotherapy_notes),
        )

    def _people(self, doc: Document) -> None:
        c = self.conn
        if doc.clinic is not None:
            c.execute(
                "INSERT INTO clinic (id, name, doc) VALUES (?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET name = excluded.name, doc = excluded.doc",
                (doc.clinic.id, doc.clinic.name, _json(doc.clinic)),
            )
        c.executemany(
            "INSERT INTO clinicians (id, name, credentials, doc) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET name = excluded.name, credentials = excluded.credentials, "
            "doc = excluded.doc",
            [(k.id, k.name, k.credentials, _json(k)) for k in doc.clinicians],
        )
        c.executemany(
            "INSERT INTO clients (id, mrn, family_name, given_name, date_of_birth, doc) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET mrn = excluded.mrn, "
            "family_name = excluded.family_name, given_name = excluded.given_name, "
            "date_of_birth = excluded.date_of_birth, doc = excluded.doc",
            [
                (k.id, k.mrn, k.name.family, k.name.given, k.date_of_birth.isoformat(), _json(k))
                for k in doc.clients
            ],
        )

    def _existing(self, sql: str, ids: Sequence[str]) -> dict[str, tuple[Any, ...]]:
        """Rows (keyed by their first column) for ``ids``, in chunks under SQLite's variable limit."""
        out: dict[str, tuple[Any, ...]] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.conn.execute(sql.format(marks=marks), chunk):
                out[row[0]] = row
        return out

    def _courses(self, courses: Sequence[TreatmentCourse]) -> None:
        owners = self._existing(
            "SELECT id, client_id FROM courses WHERE id IN ({marks})", [k.id for k in courses]
        )
        for course in courses:
            row = owners.get(course.id)
            if row is not None and row[1] != course.client_id:
                raise StoreError(
                    f"course {course.id!r} belongs to client {row[1]!r} in the store, "
                    f"not {course.client_id!r}"
                )
        self.conn.executemany(
            "INSERT INTO courses (id, client_id, started_on, status, doc) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET started_on = excluded.started_on, "
            "status = excluded.status, doc = excluded.doc",
            [
                (
                    k.id,
                    k.client_id,
                    k.started_on.isoformat(),
                    k.status.value,
                    _json(course_without_sessions(k)),
                )
                for k in courses
            ],
        )

    def _sessions(self, courses: Sequence[TreatmentCourse]) -> tuple[int, int, int]:
        """Insert new sessions, replace changed drafts, refuse changes to signed ones."""
        ids = [s.id for k in courses for s in k.sessions]
        existing = self._existing(
            "SELECT id, course_id, status, content_hash, doc FROM sessions WHERE id IN ({marks})",
            ids,
        )
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        reseq: list[tuple[int, str]] = []
        children = _Children(self.scores)
        addenda: list[tuple[str, list[dict[str, Any]]]] = []
        for course in courses:
            for seq, s in enumerate(course.sessions):
                data = unstructure(s)
                addenda.append((s.id, data.pop("addenda", [])))
                doc = _json(data)
                # A draft's canonical JSON is exactly what a signature covers: hash it directly.
                drafty = "status" not in data and "signatures" not in data
                content_hash = (
                    hashlib.sha256(doc.encode("utf-8")).hexdigest()
                    if drafty
                    else content_hash_from_data(data)
                )
                row = existing.get(s.id)
                values = _session_values(s, content_hash, doc)
                if row is None:
                    inserts.append((s.id, course.id, course.client_id, seq, *values))
                elif _unchanged(s.id, course.id, row, content_hash, doc):
                    reseq.append((seq, s.id))
                    continue
                else:
                    updates.append((seq, *values, s.id))
                children.add(course, s)
        c = self.conn
        if updates:
            children.delete(c, [u[-1] for u in updates])
        c.executemany(
            "INSERT INTO sessions (id, course_id, client_id, seq, kind, start_utc, start, [end], "
            "status, content_hash, narrative_text, doc) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            inserts,
        )
        c.executemany(
            "UPDATE sessions SET seq = ?, kind = ?, start_utc = ?, start = ?, [end] = ?, "
            "status = ?, content_hash = ?, narrative_text = ?, doc = ? WHERE id = ?",
            updates,
        )
        c.executemany(
            "UPDATE sessions SET seq = ? WHERE id = ? AND seq != ?", [(q, i, q) for q, i in reseq]
        )
        children.write(c)
        added = self._addenda(addenda)
        return len(inserts) + len(updates), len(reseq), added

    def _addenda(self, per_session: list[tuple[str, list[dict[str, Any]]]]) -> int:
        """Append addenda not yet stored; stored ones must be unchanged (append-only)."""
        wanted = [sid for sid, items in per_session if items]
        if not wanted:
            return 0
        stored: dict[str, dict[str, str]] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for sid, aid, doc in self.conn.execute(
                f"SELECT session_id, id, doc FROM addenda WHERE session_id IN ({marks})", chunk
            ):
                stored.setdefault(sid, {})[aid] = doc
        rows = []
        for sid, items in per_session:
            have = stored.get(sid, {})
            seq = len(have)
            for a in items:
                doc = _json(a)
                if a["id"] in have:
                    if have[a["id"]] != doc:
                        raise ImmutableError(
                            f"addendum {a['id']!r} of session {sid!r} cannot change"
                        )
                    continue
                rows.append(
                    (a["id"], sid, seq, a["kind"], a["author_id"], _utc_text(a["written_at"]), doc)
                )
                seq += 1
        self.conn.executemany(
            "INSERT INTO addenda (id, session_id, seq, kind, author_id, written_at, doc) "
            "VALUES (?,?,?,?,?,?,?)",
            rows,
        )
        return len(rows)


def _utc_text(iso: str) -> str:
    import datetime as dt

    return utc_key(dt.datetime.fromisoformat(iso))


def _session_values(s: Session, content_hash: str, doc: str) -> tuple[Any, ...]:
    return (
        s.kind.value,
        utc_key(s.start),
        s.start.isoformat(),
        s.end.isoformat() if s.end else None,
        s.status.value,
        content_hash,
        narrative_text(s),
        doc,
    )


def _unchanged(sid: str, course_id: str, row: tuple[Any, ...], content_hash: str, doc: str) -> bool:
    """Whether a stored session equals the incoming one; raises if a signed one would change."""
    _, stored_course, status, stored_hash, stored_doc = row
    if stored_course != course_id:
        raise StoreError(f"session {sid!r} belongs to course {stored_course!r} in the store")
    if status != NoteStatus.DRAFT.value:
        if stored_hash != content_hash or not _same_signatures(stored_doc, doc):
            raise ImmutableError(
                f"session {sid!r} is signed; its content cannot change (write an addendum instead)"
            )
        return True
    return bool(stored_doc == doc)


class _Children:
    """Rows of the tables that hang off sessions, gathered for one executemany each."""

    def __init__(self, scores: dict[str, Score]) -> None:
        self.scores = scores
        self.vitals: list[tuple[Any, ...]] = []
        self.interventions: list[tuple[Any, ...]] = []
        self.measures: list[tuple[Any, ...]] = []
        self.items: list[tuple[Any, ...]] = []

    def add(self, course: TreatmentCourse, s: Session) -> None:
        self.vitals += vitals_rows(s)
        if s.interventions:
            self.interventions.append((s.id,))
        for m in s.measures:
            total, band = self.scores[m.id]
            self.measures.append(
                (
                    m.id,
                    s.id,
                    course.client_id,
                    m.instrument,
                    utc_key(m.administered_at),
                    m.context.value,
                    m.respondent.value,
                    total,
                    band,
                )
            )
            self.items += [(m.id, n, v) for n, v in enumerate(m.items, start=1) if v is not None]

    @staticmethod
    def delete(c: sqlite3.Connection, session_ids: list[str]) -> None:
        rows = [(sid,) for sid in session_ids]
        c.executemany(
            "DELETE FROM measure_items WHERE measure_id IN (SELECT id FROM measures WHERE session_id = ?)",
            rows,
        )
        for table in ("measures", "vitals", "interventions"):
            c.executemany(f"DELETE FROM [{table}] WHERE session_id = ?", rows)

    def write(self, c: sqlite3.Connection) -> None:
        c.executemany(
            "INSERT INTO vitals (session_id, seq, at_utc, minutes_after_dose, systolic, diastolic, "
            "heart_rate, spo2, respiratory_rate) VALUES (?,?,?,?,?,?,?,?,?)",
            self.vitals,
        )
        # Each intervention's JSON is taken from its session's stored JSON by SQLite itself.
        c.executemany(
            "INSERT INTO interventions (session_id, seq, type, doc) "
            "SELECT s.id, j.key, json_extract(j.value, '$.type'), j.value "
            "FROM sessions s, json_each(s.doc, '$.interventions') j WHERE s.id = ?",
            self.interventions,
        )
        c.executemany(
            "INSERT INTO measures (id, session_id, client_id, instrument, administered_at_utc, "
            "context, respondent, total, band) VALUES (?,?,?,?,?,?,?,?,?)",
            self.measures,
        )
        c.executemany(
            "INSERT INTO measure_items (measure_id, item, value) VALUES (?,?,?)", self.items
        )


def _same_signatures(stored_doc: str, new_doc: str) -> bool:
    return bool(json.loads(stored_doc).get("signatures") == json.loads(new_doc).get("signatures"))


def open_store(path: str | Path | None = None, *, create: bool = True) -> Store:
    """Open (and create or migrate) a kapnotes database; ``None`` means :func:`default_path`.

    ``":memory:"`` opens a private in-memory store (tests, scripts).
    """
    memory = path == ":memory:"
    p = None if memory else Path(path) if path is not None else default_path()
    if p is not None and not create and not p.exists():
        raise StoreError(f"no kapnotes database at {p}")
    try:
        conn = sqlite3.connect(":memory:" if p is None else str(p), timeout=BUSY_TIMEOUT_MS / 1000)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        if p is not None:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        db = Database(conn, execute_plugins=False)
        _migrate(db)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot open {p or ':memory:'} as a kapnotes database: {exc}") from None
    return Store(db, p)


def _migrate(db: Database) -> None:
    if migrations.migrations.pending(db):
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            pending = migrations.migrations.pending(db)
            if pending:
                migrations.apply(db)
            db.conn.execute("COMMIT")
        except BaseException:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            raise
