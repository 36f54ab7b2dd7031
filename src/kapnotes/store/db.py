"""The SQLite store: relational tables for what is queried, the canonical record for what is kept.

Every session is stored as the canonical JSON of its content (lossless, and exactly what a
signature covers: its SHA-256 is the ``content_hash``), with its lifecycle in tables of their own
(status; ``signatures`` and ``addenda``, append-only) and rows that make it queryable (vitals,
measures and their items, interventions, full-text narrative). Psychotherapy notes live in their
own table and are never joined into a session; reading them is audited.

Writes run in ``BEGIN IMMEDIATE`` transactions: a save that fails validation or fails half-way
leaves the store as it was. Each write names an actor and is recorded in the hash-chained audit
log (:mod:`kapnotes.store.audit`) in the same transaction. Triggers make signed content
immutable in SQLite itself (:mod:`kapnotes.store.triggers`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import attrs
from sqlite_utils import Database

from kapnotes.errors import InvalidError, NotFoundError, Problem, StoreError
from kapnotes.model import (
    Addendum,
    Client,
    Clinic,
    Clinician,
    Document,
    GroupSession,
    NoteStatus,
    PsychotherapyNote,
    Session,
    SessionKind,
    Signature,
    TreatmentCourse,
)
from kapnotes.registry import Registry
from kapnotes.serialization import structure, unstructure
from kapnotes.signatures import PublicKey, SigningKeyError, addendum_hash, key_id_of
from kapnotes.store import audit, migrations
from kapnotes.store.audit import Action, Entry
from kapnotes.store.clashes import stored_id_clashes
from kapnotes.store.connect import ReadOnlyStoreError
from kapnotes.store.content import session_content_hash
from kapnotes.store.prepare import Feed, LocalFeed
from kapnotes.store.rows import utc_key
from kapnotes.store.scores import score_document
from kapnotes.store.writer import (
    SaveSummary,
    Writer,
    addendum_entry,
    collection_paused,
    sign_entry,
    to_json,
)

if TYPE_CHECKING:  # pragma: no cover
    from kapnotes.exporting import Authorization
    from kapnotes.notes.format import NoteContext
    from kapnotes.outcomes import ClinicSummary, CourseOutcomes, InstrumentLookup, OutcomeParams

DEFAULT_DB = "kapnotes.db"
DB_ENV = "KAPNOTES_DB"
ACTOR_ENV = "KAPNOTES_ACTOR"
BUSY_TIMEOUT_MS = 30_000

__all__ = [
    "ReadOnlyStoreError",
    "SaveSummary",
    "SearchHit",
    "Store",
    "default_path",
    "open_store",
    "session_content_hash",
]


def default_path() -> Path:
    """``$KAPNOTES_DB`` if set, else ``./kapnotes.db``."""
    return Path(os.environ.get(DB_ENV) or DEFAULT_DB)


def default_actor() -> str:
    """Who writes when the caller names nobody: ``$KAPNOTES_ACTOR``, else ``os:<login name>``."""
    if os.environ.get(ACTOR_ENV):
        return os.environ[ACTOR_ENV]
    try:
        return f"os:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no login name (containers): still name the process
        return f"os:uid-{os.getuid()}" if hasattr(os, "getuid") else "os:unknown"


@attrs.frozen
class SearchHit:
    session_id: str
    client_id: str
    kind: str
    start: str
    snippet: str


class Store:
    """A kapnotes SQLite database. Open it with :func:`open_store`.

    :ivar registry: the plugins' registry its records are read, scored and checked with (None:
        the default registry, see :mod:`kapnotes.registry`).
    """

    def __init__(
        self,
        db: Database,
        path: Path | None,
        actor: str,
        *,
        registry: Registry | None = None,
        read_only: str | None = None,
    ) -> None:
        self.db = db
        self.path = path
        self.actor = actor
        self.registry = registry
        #: Why the store was opened read-only (``None``: it is writable); see :attr:`read_only`.
        self.read_only_reason = read_only
        self.conn: sqlite3.Connection = db.conn
        self._cache: dict[tuple[str, str], Any] = {}
        self._cache_version: int | None = None

    def _cached(self, kind: str, key: str, load: Callable[[], Any]) -> Any:
        """Memoised reads (courses, clinic, clinicians) for batch work.

        Valid while nothing has written: ``PRAGMA data_version`` changes when another
        connection commits, and this connection's own writes clear the cache.
        """
        version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self._cache_version or len(self._cache) > 256:
            self._cache.clear()
            self._cache_version = version
        if (kind, key) not in self._cache:
            self._cache[(kind, key)] = load()
        return self._cache[(kind, key)]

    # --- connection and transactions ---------------------------------------------------------

    @property
    def read_only(self) -> bool:
        """Whether the store was opened read-only (``open_store(read_only=...)``): every write,
        the audit rows of renders and exports included, raises :class:`ReadOnlyStoreError`."""
        return self.read_only_reason is not None

    def check_writable(self, purpose: str = "write to it") -> None:
        """Raise :class:`ReadOnlyStoreError` ("... is read-only (why): cannot <purpose>") when
        the store was opened read-only; call it before work whose end must be recorded here."""
        if self.read_only_reason is not None:
            raise ReadOnlyStoreError(
                f"{self._name()} is read-only ({self.read_only_reason}): cannot {purpose}"
            )

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
        self.check_writable()
        self._cache.clear()
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")
        finally:
            self._cache.clear()

    # --- writing -------------------------------------------------------------------------------

    def save(
        self, doc: Document, *, actor: str | None = None, helper: bool | None = None
    ) -> SaveSummary:
        """Insert or update everything in ``doc``, in one transaction, audited as ``actor``.

        Draft sessions are replaced. A signed session may be saved again unchanged; its new
        signatures (a co-signature) and addenda are appended. Changing a signed session's
        content, or its stored signatures or addenda, is refused.
        Measures are scored against their instruments first: every problem is raised at once
        (:class:`InvalidError`, with its JSON path) and nothing is written.
        A measure or addendum id already stored for another session is refused
        (:class:`InvalidError`, see :meth:`id_clashes`) and nothing is written.

        ``helper``: whether the sessions' rows are prepared by a forked helper process while
        this one writes (:mod:`kapnotes.store.save_helper`; the same rows, on a second core).
        None (the default): for a document of at least
        :data:`~kapnotes.store.save_helper.MIN_SESSIONS` sessions, on two CPUs, with the
        memory for it (the helper may copy about this process's memory again), where a
        helper is available (Linux, no other thread running); True: whenever available;
        False: never.
        """
        from kapnotes.store.save_helper import HelperFeed, wants_helper  # only a save needs it

        with collection_paused():  # builds rows by the million: see collection_paused
            if wants_helper(doc, helper):
                with HelperFeed(doc, self.registry) as feed:
                    return self._save(doc, feed, actor)
            scores = score_document(doc, registry=self.registry)  # validates measures against their instruments
            return self._save(doc, LocalFeed(doc, scores), actor)

    def _save(self, doc: Document, feed: Feed, actor: str | None) -> SaveSummary:
        """The save's transaction; the feed's verdict is raised before any error of its own
        and before it commits (:meth:`kapnotes.store.prepare.Feed.verdict`)."""
        try:
            with self.write() as conn:
                clashes = stored_id_clashes(conn, doc, store=self._name())
                if clashes:
                    raise InvalidError(clashes)
                summary = Writer(conn, feed, actor or self.actor).save(doc)
                refused = feed.verdict()
                if refused is not None:
                    raise refused
                return summary
        except Exception as exc:
            refused = feed.verdict()
            if refused is not None and refused is not exc:
                raise refused from None
            raise

    def id_clashes(self, doc: Document) -> list[Problem]:
        """Measure and addendum ids of ``doc`` already stored for another session, each a
        :class:`Problem` with its JSON path in ``doc`` naming the stored record (a check
        before :meth:`save`, which makes it again inside its transaction)."""
        return stored_id_clashes(self.conn, doc, store=self._name())

    def _name(self) -> str:
        return str(self.path) if self.path is not None else "the in-memory store"

    def append_signature(
        self, session_id: str, signature: Signature, status: NoteStatus, *, actor: str | None = None
    ) -> None:
        """Record a signature of a stored session (see :func:`kapnotes.lifecycle.sign`)."""
        with self.write() as conn:
            row = conn.execute(
                "SELECT client_id, content_hash, status FROM sessions WHERE id = ?", (session_id,)
            ).fetchone()
            if row is None:
                raise NotFoundError(f"no session {session_id!r}")
            client_id, content_hash, stored = row
            if signature.content_hash != content_hash:
                raise StoreError(f"signature of {session_id!r} does not match the stored content")
            seq = conn.execute(
                "SELECT count(*) FROM signatures WHERE session_id = ?", (session_id,)
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO signatures (session_id, seq, clinician_id, role, signed_at, content_hash, doc) "
                "VALUES (?,?,?,?,?,?,?)",
                (
                    session_id,
                    seq,
                    signature.clinician_id,
                    signature.role.value,
                    utc_key(signature.signed_at),
                    signature.content_hash,
                    to_json(unstructure(signature)),
                ),
            )
            if stored == NoteStatus.DRAFT.value:
                conn.execute(
                    "UPDATE sessions SET status = ? WHERE id = ?", (status.value, session_id)
                )
            audit.append(conn, actor or self.actor, [sign_entry(session_id, client_id, seq, signature)])

    def append_addendum(
        self, session_id: str, addendum: Addendum, *, actor: str | None = None
    ) -> None:
        """Record an addendum or amendment of a signed session (append-only)."""
        with self.write() as conn:
            row = conn.execute(
                "SELECT client_id, status FROM sessions WHERE id = ?", (session_id,)
            ).fetchone()
            if row is None:
                raise NotFoundError(f"no session {session_id!r}")
            client_id, stored = row
            if stored == NoteStatus.DRAFT.value:
                raise StoreError(
                    f"session {session_id!r} is a draft: edit it; addenda are for signed notes"
                )
            seq = conn.execute(
                "SELECT count(*) FROM addenda WHERE session_id = ?", (session_id,)
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO addenda (id, session_id, seq, kind, author_id, written_at, doc) VALUES (?,?,?,?,?,?,?)",
                (
                    addendum.id,
                    session_id,
                    seq,
                    addendum.kind.value,
                    addendum.author_id,
                    utc_key(addendum.written_at),
                    to_json(unstructure(addendum)),
                ),
            )
            if addendum.kind.value == "amendment" and stored == NoteStatus.SIGNED.value:
                conn.execute("UPDATE sessions SET status = 'amended' WHERE id = ?", (session_id,))
            entry = addendum_entry(
                session_id,
                client_id,
                seq,
                addendum.id,
                addendum.kind.value,
                addendum_hash(addendum),
            )
            audit.append(conn, actor or self.actor, [entry])

    def record_export(
        self,
        exporter: str,
        client_ids: Sequence[str],
        *,
        actor: str | None = None,
        psychotherapy_notes: int = 0,
    ) -> None:
        """Audit an export: one row per client whose record left the store."""
        detail = {"exporter": exporter, "psychotherapy_notes": psychotherapy_notes}
        with self.write() as conn:
            audit.append(
                conn,
                actor or self.actor,
                [Entry(Action.EXPORT, f"export:{exporter}", c, detail) for c in client_ids],
            )

    def record_renders(
        self,
        session_ids: Sequence[str],
        *,
        to: str,
        format: str | None = None,
        actor: str | None = None,
    ) -> None:
        """Audit notes rendered from the store: one row per session whose note left it.

        Called by the library once the note was produced (and, for files, written).
        """
        if not session_ids:
            return
        clients: dict[str, str] = {}
        ids = list(session_ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for sid, client_id in self.db.execute(
                f"SELECT id, client_id FROM sessions WHERE id IN ({marks})", chunk
            ):
                clients[sid] = client_id
        detail = {"to": to, "format": format or "default"}
        with self.write() as conn:
            audit.append(
                conn,
                actor or self.actor,
                [Entry(Action.RENDER, f"session:{sid}", clients.get(sid), detail) for sid in ids],
            )

    # --- signing keys --------------------------------------------------------------------------

    def register_public_key(
        self,
        clinician_id: str,
        raw_public_key: bytes,
        *,
        valid_from: dt.datetime,
        valid_until: dt.datetime | None = None,
        actor: str | None = None,
    ) -> PublicKey:
        """Register a clinician's Ed25519 public key (audited with the key itself)."""
        import base64

        if len(raw_public_key) != 32:
            raise SigningKeyError("an Ed25519 public key is 32 bytes")
        key = PublicKey(
            key_id=key_id_of(raw_public_key),
            clinician_id=clinician_id,
            public_key=base64.b64encode(raw_public_key).decode("ascii"),
            valid_from=valid_from,
            valid_until=valid_until,
        )
        with self.write() as conn:
            if conn.execute("SELECT 1 FROM clinicians WHERE id = ?", (clinician_id,)).fetchone() is None:
                raise NotFoundError(f"no clinician {clinician_id!r}")
            if conn.execute(
                "SELECT 1 FROM public_keys WHERE key_id = ?", (key.key_id,)
            ).fetchone():
                raise SigningKeyError(f"key {key.key_id} is already registered")
            conn.execute(
                "INSERT INTO public_keys (key_id, clinician_id, algorithm, public_key, valid_from, "
                "valid_until, revoked_at) VALUES (?,?,?,?,?,?,NULL)",
                (
                    key.key_id,
                    clinician_id,
                    key.algorithm,
                    key.public_key,
                    valid_from.isoformat(),
                    valid_until.isoformat() if valid_until else None,
                ),
            )
            audit.append(
                conn,
                actor or self.actor,
                [Entry(Action.REGISTER_KEY, f"key:{key.key_id}", None, key.to_data())],
            )
        return key

    def revoke_public_key(
        self, key_id: str, *, at: dt.datetime, actor: str | None = None
    ) -> PublicKey:
        """Revoke a key from ``at`` on: signatures it made at or after ``at`` no longer verify."""
        with self.write() as conn:
            row = conn.execute(
                "SELECT revoked_at FROM public_keys WHERE key_id = ?", (key_id,)
            ).fetchone()
            if row is None:
                raise NotFoundError(f"no registered key {key_id!r}")
            if row[0] is not None:
                raise SigningKeyError(f"key {key_id} was already revoked at {row[0]}")
            conn.execute(
                "UPDATE public_keys SET revoked_at = ? WHERE key_id = ?", (at.isoformat(), key_id)
            )
            audit.append(
                conn,
                actor or self.actor,
                [Entry(Action.REVOKE_KEY, f"key:{key_id}", None, {"revoked_at": at.isoformat()})],
            )
        return next(k for k in self.public_keys() if k.key_id == key_id)

    def public_keys(self, clinician_id: str | None = None) -> list[PublicKey]:
        """Registered public keys (all, or one clinician's), oldest first."""
        sql = (
            "SELECT key_id, clinician_id, public_key, valid_from, valid_until, revoked_at, "
            "algorithm FROM public_keys"
        )
        params: list[Any] = []
        if clinician_id is not None:
            sql += " WHERE clinician_id = ?"
            params.append(clinician_id)
        out = []
        for kid, cid, pub, since, until, revoked, alg in self.conn.execute(
            sql + " ORDER BY valid_from, key_id", params
        ):
            out.append(
                PublicKey.from_data(
                    {
                        "key_id": kid,
                        "clinician_id": cid,
                        "public_key": pub,
                        "valid_from": since,
                        "valid_until": until,
                        "revoked_at": revoked,
                        "algorithm": alg,
                    },
                    f"public_keys row {kid}",
                )
            )
        return out

    def audit_head(self) -> audit.Head:
        """The newest audit row's number and hash: publish it, then ``verify --anchor`` it."""
        return audit.head(self.conn)

    # --- reading -------------------------------------------------------------------------------

    def document(self, *, client_ids: Sequence[str] | None = None) -> Document:
        """The stored record as a :class:`Document`, never with psychotherapy notes.

        Psychotherapy notes are read only through :meth:`psychotherapy_notes`, with an
        authorization, and every read is audited.
        """
        clients = self.clients(client_ids)
        courses = tuple(self.iter_courses([c.id for c in clients]))
        return Document(
            clinic=self.clinic(),
            clinicians=tuple(self.clinicians().values()),
            clients=clients,
            courses=courses,
            groups=self.groups({s.group_id for c in courses for s in c.sessions if s.group_id}),
        )

    def group_ids(self, client_ids: Sequence[str]) -> set[str]:
        """The group sessions the sessions of ``client_ids`` belong to."""
        out: set[str] = set()
        for i in range(0, len(client_ids), 500):
            chunk = list(client_ids[i : i + 500])
            marks = ",".join("?" * len(chunk))
            out |= {
                r[0]
                for r in self.conn.execute(
                    "SELECT DISTINCT json_extract(doc, '$.group_id') FROM sessions "
                    f"WHERE client_id IN ({marks}) AND json_extract(doc, '$.group_id') IS NOT NULL",
                    chunk,
                )
            }
        return out

    def groups(self, group_ids: Iterable[str] | None = None) -> tuple[GroupSession, ...]:
        """Group session records (all, or those of ``group_ids``), by id."""
        rows = self.conn.execute("SELECT id, doc FROM groups ORDER BY id").fetchall()
        wanted = None if group_ids is None else set(group_ids)
        return tuple(
            structure(json.loads(doc), GroupSession)
            for gid, doc in rows
            if wanted is None or gid in wanted
        )

    def clients(self, client_ids: Sequence[str] | None = None) -> tuple[Client, ...]:
        """Clients (all, or those of ``client_ids``; unknown ids are left out), by id."""
        if client_ids is None:
            rows = self.conn.execute("SELECT doc FROM clients ORDER BY id").fetchall()
        else:
            rows = []
            for i in range(0, len(client_ids), 500):
                chunk = list(client_ids[i : i + 500])
                marks = ",".join("?" * len(chunk))
                rows += self.conn.execute(
                    f"SELECT doc FROM clients WHERE id IN ({marks})", chunk
                ).fetchall()
        return tuple(
            sorted((structure(json.loads(r[0]), Client) for r in rows), key=lambda c: c.id)
        )

    def iter_courses(self, client_ids: Sequence[str] | None = None) -> Iterator[TreatmentCourse]:
        """Courses with their sessions, one at a time, by id (memory stays flat)."""
        if client_ids is None:
            rows = self.conn.execute("SELECT id FROM courses ORDER BY id").fetchall()
        else:  # by the index on client: a few clients' courses in a big store are found at once
            wanted = sorted(set(client_ids))
            rows = []
            for i in range(0, len(wanted), 500):
                chunk = wanted[i : i + 500]
                rows += self.conn.execute(
                    f"SELECT id FROM courses WHERE client_id IN ({','.join('?' * len(chunk))})",
                    chunk,
                ).fetchall()
            rows.sort()
        ids = [r[0] for r in rows]
        for course_id in ids:
            row = self.conn.execute("SELECT doc FROM courses WHERE id = ?", (course_id,)).fetchone()
            yield self._course_from_row(course_id, row[0])

    def psychotherapy_notes(
        self,
        client_ids: Sequence[str],
        *,
        authorization: Authorization | None,
        actor: str | None = None,
    ) -> tuple[PsychotherapyNote, ...]:
        """Psychotherapy notes of these clients; needs an authorization; every note read is audited."""
        from kapnotes.exporting import AuthorizationError

        if authorization is None:
            raise AuthorizationError("reading psychotherapy notes needs an explicit authorization")
        self.check_writable(
            "record the reading of psychotherapy notes in its audit log (they are never read "
            "unaudited)"
        )
        found: list[tuple[str, PsychotherapyNote]] = []
        for i in range(0, len(client_ids), 500):
            chunk = list(client_ids[i : i + 500])
            marks = ",".join("?" * len(chunk))
            for client_id, doc in self.conn.execute(
                "SELECT s.client_id, p.doc FROM psychotherapy_notes p JOIN sessions s ON s.id = p.session_id "
                f"WHERE s.client_id IN ({marks}) ORDER BY p.id",
                chunk,
            ):
                found.append((client_id, structure(json.loads(doc), PsychotherapyNote)))
        if found:
            detail = {"authorization": authorization.reference, "purpose": authorization.purpose}
            with self.write() as conn:
                audit.append(
                    conn,
                    actor or self.actor,
                    [
                        Entry(
                            Action.READ_PSYCHOTHERAPY_NOTE, f"psychotherapy-note:{n.id}", c, detail
                        )
                        for c, n in found
                    ],
                )
        return tuple(n for _, n in found)

    def _course_from_row(self, course_id: str, doc: str) -> TreatmentCourse:
        base = json.loads(doc)
        rows = self.conn.execute(
            "SELECT id, status, doc FROM sessions WHERE course_id = ? ORDER BY seq", (course_id,)
        ).fetchall()
        base["sessions"] = self._sessions_data(rows)
        return structure(base, TreatmentCourse, registry=self.registry)

    def _sessions_data(self, rows: Sequence[tuple[str, str, str]]) -> list[dict[str, Any]]:
        """Session data from stored content plus status, signatures and addenda."""
        ids = [r[0] for r in rows]
        lifecycle: dict[str, dict[str, list[Any]]] = {
            sid: {"signatures": [], "addenda": []} for sid in ids
        }
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for table in ("signatures", "addenda"):
                for sid, d in self.conn.execute(
                    f"SELECT session_id, doc FROM {table} WHERE session_id IN ({marks}) ORDER BY session_id, seq",
                    chunk,
                ):
                    lifecycle[sid][table].append(json.loads(d))
        out = []
        for sid, status, doc in rows:
            data: dict[str, Any] = json.loads(doc)
            if status != NoteStatus.DRAFT.value:
                data["status"] = status
            for key, values in lifecycle[sid].items():
                if values:
                    data[key] = values
            out.append(data)
        return out

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

    def course_note_contexts(self, course_id: str, session_ids: Sequence[str]) -> list[NoteContext]:
        """The :meth:`note_context` of several sessions of one course, the course, its client,
        the clinic and the clinicians read and decoded once (for batches)."""
        from kapnotes.notes.format import NoteContext

        course = self.course(course_id)
        sessions = {s.id: s for s in course.sessions}
        missing = [sid for sid in session_ids if sid not in sessions]
        if missing:
            raise NotFoundError(f"no session {missing[0]!r} in course {course_id!r}")
        client, clinic, clinicians = self.client(course.client_id), self.clinic(), self.clinicians()
        return [
            NoteContext(session=sessions[sid], course=course, client=client, clinic=clinic,
                        clinicians=clinicians)
            for sid in session_ids
        ]

    def session_courses(self, client_id: str | None = None) -> dict[str, str]:
        """The course id of every session (or of one client's), by session id."""
        if client_id is None:
            return dict(self.conn.execute("SELECT id, course_id FROM sessions"))
        return dict(
            self.conn.execute("SELECT id, course_id FROM sessions WHERE client_id = ?", (client_id,))
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
            rows = self.conn.execute("SELECT doc FROM clinicians ORDER BY id")
            return {c.id: c for c in (structure(json.loads(r[0]), Clinician) for r in rows)}

        return dict(self._cached("clinicians", "", load))

    def client_ids(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT id FROM clients ORDER BY id")]

    def courses_of(self, client_id: str) -> list[TreatmentCourse]:
        ids = self.conn.execute(
            "SELECT id FROM courses WHERE client_id = ? ORDER BY started_on, id", (client_id,)
        ).fetchall()
        return [self.course(r[0]) for r in ids]

    def client_outcomes(
        self,
        client_id: str,
        params: OutcomeParams | None = None,
        *,
        instruments: Iterable[str] | None = None,
        lookup: InstrumentLookup | None = None,
    ) -> list[CourseOutcomes]:
        """``kapnotes.outcomes.course_outcomes`` of each of the client's courses, in
        :meth:`courses_of` order (the same objects), read without decoding the courses: only
        their measures, sessions' kind and start, first dose and indications
        (:mod:`kapnotes.store.trajectory`). Raises :class:`NotFoundError` for an unknown client."""
        from kapnotes.outcomes import DEFAULT_PARAMS, default_lookup, outcomes_of
        from kapnotes.store.trajectory import client_course_measures

        if self.conn.execute("SELECT 1 FROM clients WHERE id = ?", (client_id,)).fetchone() is None:
            raise NotFoundError(f"no client {client_id!r} in {self.path or 'the store'}")
        version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        cached = self._cache if version == self._cache_version else {}
        found = client_course_measures(
            self.conn, client_id, registry=self.registry,
            decoded=lambda course_id: cached.get(("course", course_id)),
            decode=self.course,
        )
        wanted = list(instruments) if instruments is not None else None
        return [
            outcomes_of(c, params or DEFAULT_PARAMS, instruments=wanted,
                        lookup=lookup or default_lookup)
            for c in found
        ]

    def client_sessions(self, client_id: str) -> list[Session]:
        """A client's sessions in time order (by index on client and start)."""
        rows = self.conn.execute(
            "SELECT id, status, doc FROM sessions WHERE client_id = ? ORDER BY start_utc, id",
            (client_id,),
        ).fetchall()
        return [structure(d, Session, registry=self.registry) for d in self._sessions_data(rows)]

    def session_kinds(self, client_id: str | None = None) -> list[tuple[str, SessionKind]]:
        """``(id, kind)`` of every session (or one client's), in :meth:`session_ids` order."""
        if client_id is None:
            q = self.conn.execute("SELECT id, kind FROM sessions ORDER BY client_id, start_utc, id")
        else:
            q = self.conn.execute(
                "SELECT id, kind FROM sessions WHERE client_id = ? ORDER BY start_utc, id",
                (client_id,),
            )
        return [(r[0], SessionKind(r[1])) for r in q]

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

        At-home measures (format 1.3) are included: ``context`` ``home``, ``session_id`` None
        and their ``course_id`` (None for a session's measure).

        ``client_id`` narrows to one client; ``since``/``until`` (UTC keys as stored, e.g.
        ``2026-02-01T00:00:00.000000Z``) to a time window, ``until`` excluded.
        """
        sql, params = instrument_scores_query(
            instrument, client_id=client_id, since=since, until=until)
        cur = self.conn.execute(sql, params)
        cols = tuple(c[0] for c in cur.description)  # a row has exactly these
        return [dict(zip(cols, r, strict=False)) for r in cur.fetchall()]

    def clinic_summary(
        self,
        params: OutcomeParams | None = None,
        *,
        instruments: Iterable[str] | None = None,
        lookup: InstrumentLookup | None = None,
    ) -> ClinicSummary:
        """The clinic outcomes summary of every stored course, from the facts the store keeps
        for it (:mod:`kapnotes.store.outcome_facts`) without decoding a course: the same counts
        and rows as ``kapnotes.outcomes.clinic_summary(store.iter_courses(), ...)``, with
        ``courses`` empty. ``params.baseline`` ``first-dose-day`` is not covered (ValueError).

        The stored facts leave at-home scores (format 1.3) out of the baseline, as the default
        ``OutcomeParams.home_baseline`` False does; with ``home_baseline`` True, a store that holds
        any is summarised course by course, with the same result, slower."""
        from kapnotes.store import outcome_facts

        home = params is not None and params.home_baseline and self.conn.execute(
            "SELECT 1 FROM measures WHERE course_id IS NOT NULL LIMIT 1"
        ).fetchone() is not None
        if home:
            import attrs

            from kapnotes.outcomes import clinic_summary as by_course
            from kapnotes.outcomes import default_lookup

            assert params is not None
            if params.baseline not in outcome_facts.BASELINES:
                raise ValueError(outcome_facts.uncovered_baseline(params.baseline))
            found = by_course(
                self.iter_courses(), params, instruments=instruments,
                lookup=lookup or default_lookup,
            )
            return attrs.evolve(found, courses=())
        return outcome_facts.clinic_summary(
            self.conn, params, instruments=instruments, lookup=lookup
        )

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

    def audit_log(
        self, *, patient: str | None = None, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """Audit rows, oldest first (all, or one patient's)."""
        sql = "SELECT id, at, actor, action, patient, object, detail FROM audit"
        params: list[Any] = []
        if patient is not None:
            sql += " WHERE patient = ?"
            params.append(patient)
        sql += " ORDER BY id"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        cur = self.conn.execute(sql, params)
        cols = [c[0] for c in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur]

    def counts(self) -> dict[str, int]:
        tables = (
            "clients",
            "courses",
            "sessions",
            "measures",
            "vitals",
            "interventions",
            "signatures",
            "addenda",
            "audit",
        )
        return {t: self.conn.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0] for t in tables}


def _fts_query(text: str) -> str:
    """Quote each word so user text is never parsed as FTS syntax."""
    words = [w for w in text.split() if w]
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


def instrument_scores_query(
    instrument: str,
    *,
    client_id: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> tuple[str, list[str]]:
    """The SQL and parameters of :meth:`Store.instrument_scores`: by time, then id (the order of
    the covering index ``idx_measures_by_instrument``, so a window across clients is read from
    the index alone). One client's go through the index on (client, instrument, time): the
    unary ``+`` keeps the covering index out of SQLite's choice, which would otherwise read every
    score of the instrument for one client (a query that names no index also works on a store
    whose index was dropped: ``verify`` reports that, the query is only slower)."""
    where = ["+instrument = ?" if client_id is not None else "instrument = ?"]
    params = [instrument]
    for clause, value in (
        ("client_id = ?", client_id),
        ("administered_at_utc >= ?", since),
        ("administered_at_utc < ?", until),
    ):
        if value is not None:
            where.append(clause)
            params.append(value)
    sql = (
        "SELECT id, client_id, session_id, course_id, administered_at_utc, context, total, band "
        f"FROM measures WHERE {' AND '.join(where)} ORDER BY administered_at_utc, id"
    )
    return sql, params


def open_store(
    path: str | Path | None = None,
    *,
    create: bool = True,
    key: str | bytes | None = None,
    actor: str | None = None,
    migrate: bool = True,
    registry: Registry | None = None,
    read_only: bool | Literal["auto"] = False,
) -> Store:
    """Open (and create or migrate) a kapnotes database; ``None`` means :func:`default_path`.

    :param path: a file, or ``":memory:"`` for a private in-memory store (tests, scripts).
    :param create: create the file if missing (else :class:`StoreError`).
    :param key: open an encrypted database (SQLCipher; install ``kapnotes[encryption]``).
    :param actor: who writes (recorded in the audit log) unless a write names another;
        default ``$KAPNOTES_ACTOR`` or ``os:<login name>``.
    :param migrate: ``False`` opens an existing store as it is, for inspection (``verify``):
        no schema is created, no migration applied, no trigger re-created; a missing, empty or
        foreign file is :class:`StoreError` "not a kapnotes store".
    :param registry: the plugins' registry the store reads, scores and checks records with
        (None: the default registry, see :mod:`kapnotes.registry`).
    :param read_only: ``True`` opens an existing store that is never written (every write
        raises :class:`ReadOnlyStoreError`; a store that needs a migration is refused unless
        ``migrate`` is false); ``"auto"`` does so only when the store cannot be written (a
        read-only file system, file or folder; see :attr:`Store.read_only_reason`);
        ``False`` (the default) refuses such a store with :class:`ReadOnlyStoreError` naming
        the file and why.
    """
    memory = path == ":memory:"
    p = None if memory else Path(path) if path is not None else default_path()
    if p is not None and not create and not p.exists():
        raise StoreError(f"no kapnotes database at {p}")
    from kapnotes.store.connect import check_store_file, connect, enable_wal, unwritable

    if p is not None:
        check_store_file(p, allow_empty=create and migrate and read_only is False)
    reason = unwritable(p) if p is not None else None
    if read_only is True:
        reason = reason or "opened read-only"
    elif read_only is False and reason is not None:
        raise ReadOnlyStoreError(f"cannot write to {p}: {reason}")
    if reason is not None:
        assert p is not None
        if not p.exists():
            raise StoreError(f"no kapnotes database at {p}")
        return _open_read_only(
            p, key=key, actor=actor, migrate=migrate, reason=reason, registry=registry
        )
    if not migrate and (p is None or not p.is_file() or p.stat().st_size == 0):
        raise StoreError(f"{p or ':memory:'} is not a kapnotes store (missing or empty)")
    # Nothing is written (not even the journal mode) until the file is known to be ours.
    conn = connect(p, key=key, timeout_ms=BUSY_TIMEOUT_MS, wal=False)
    try:
        db = Database(conn, execute_plugins=False)
        _check_kapnotes(db, p, migrate)
        if p is not None and migrate:
            enable_wal(conn, BUSY_TIMEOUT_MS)
        if migrate:
            _migrate(db)
    except _database_errors() as exc:
        conn.close()
        raise StoreError(f"cannot open {p or ':memory:'} as a kapnotes database: {exc}") from None
    except BaseException:
        conn.close()
        raise
    return Store(db, p, actor or default_actor(), registry=registry)


def _open_read_only(
    p: Path,
    *,
    key: str | bytes | None,
    actor: str | None,
    migrate: bool,
    reason: str,
    registry: Registry | None = None,
) -> Store:
    """A store SQLite never writes: no schema, migration, trigger or journal mode touched."""
    from kapnotes.store.connect import connect

    if p.stat().st_size == 0:
        raise StoreError(f"{p} is not a kapnotes store: the file is empty")
    conn = connect(p, key=key, timeout_ms=BUSY_TIMEOUT_MS, read_only=True)
    try:
        db = Database(conn, execute_plugins=False)
        _check_kapnotes(db, p, migrate=False)
        if migrate and migrations.migrations.pending(db):
            raise ReadOnlyStoreError(
                f"{p} was written by an older kapnotes and needs a migration, but {reason}: "
                "open it once where it can be written"
            )
    except _database_errors() as exc:
        conn.close()
        raise StoreError(f"cannot open {p} as a kapnotes database: {exc}") from None
    except BaseException:
        conn.close()
        raise
    return Store(db, p, actor or default_actor(), registry=registry, read_only=reason)


def _check_kapnotes(db: Database, p: Path | None, migrate: bool) -> None:
    """Refuse another program's database (and, for inspection, one without our schema)."""
    if _is_kapnotes(db):
        return
    if not migrate:
        raise StoreError(f"{p} is not a kapnotes store (no kapnotes schema in it)")
    foreign = [t for t in db.table_names() if not t.startswith("sqlite_")]
    if foreign:
        raise StoreError(
            f"{p} is not a kapnotes store: it is another SQLite database (tables "
            f"{', '.join(sorted(foreign)[:5])}); kapnotes does not write into it"
        )


def _database_errors() -> tuple[type[BaseException], ...]:
    """SQLite's database errors, and SQLCipher's when it is installed (its own classes)."""
    try:
        from sqlcipher3 import dbapi2 as sqlcipher  # type: ignore[import-not-found, import-untyped, unused-ignore]
    except ImportError:
        return (sqlite3.DatabaseError,)
    return (sqlite3.DatabaseError, sqlcipher.DatabaseError)


def _is_kapnotes(db: Database) -> bool:
    """Whether ``db`` holds a kapnotes schema (its migrations were applied)."""
    if "_sqlite_migrations" not in db.table_names():
        return False
    row = db.conn.execute(
        "SELECT count(*) FROM _sqlite_migrations WHERE migration_set = 'kapnotes'"
    ).fetchone()
    return bool(row[0])


def _migrate(db: Database) -> None:
    """Apply pending migrations (one writer at a time), then make sure the triggers are in place."""
    from kapnotes.store.triggers import check_triggers

    if not migrations.migrations.pending(db) and not check_triggers(db):
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        migrations.apply(db)
        db.conn.execute("COMMIT")
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
