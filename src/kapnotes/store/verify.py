"""``kapnotes verify``: is the store intact? Every finding names the table, the row and what differs.

What is checked, in this order (the schema first: the store is opened for verification without
re-creating anything, so a dropped trigger is still missing when it is looked at):

* the schema: every table, index and trigger a fresh store has, with the same SQL, and no other;
  the migrations applied; ``PRAGMA integrity_check``, ``foreign_key_check``, the full-text index;
* the audit chain, from its first row, and the published heads it must extend (``anchors``);
* every session: its content hash recomputed from its content; every row derived from it
  (the ``sessions`` columns, vitals, measures with their scores, items, interventions) derived
  again and compared; its status against its signatures and amendments;
* the facts the clinic outcomes summary reads (``outcome_points``, ``outcome_courses``),
  recomputed from the measures and courses (:mod:`kapnotes.store.outcome_facts`);
* every signature and addendum: the content it signs, its Ed25519 signature against the
  registered key (or the trusted ``keys`` given), the note's chain of signatures and addenda;
* every row against the audit log: each object's stored JSON hashes to what its last audited
  write recorded; each signature, addendum and registered key has the audit row that recorded
  it, and each such audit row still has its object.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from kapnotes.signatures import (
    PublicKey,
    SigningKeyError,
    addendum_subject,
    chain_problems,
    check_signature,
    session_subject,
)
from kapnotes.store import outcome_facts
from kapnotes.store.audit import Action, Head, check_anchor, verify_chain
from kapnotes.store.content import sha256_text
from kapnotes.store.db import Store
from kapnotes.store.rows import utc_key

if TYPE_CHECKING:  # pragma: no cover
    from kapnotes.model import Session


@attrs.frozen
class VerifyReport:
    """The outcome of :func:`verify`: ``problems`` is empty when everything checks out.

    ``unsigned`` counts signatures with no digital signature (made without a key: they are
    matched against the audit log only); with ``require_signatures`` each is a problem.
    """

    problems: tuple[str, ...]
    audit_rows: int
    sessions: int
    signed_sessions: int
    signatures: int
    addenda: int
    unsigned: int = 0
    head: Head | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(
    store: Store,
    *,
    anchors: Sequence[Head] = (),
    keys: Iterable[PublicKey] | None = None,
    require_signatures: bool = False,
) -> VerifyReport:
    """Check everything listed in this module's docstring; never writes to the store.

    :param anchors: earlier published chain heads (``kapnotes audit head``) the chain must extend.
    :param keys: trusted public keys to verify signatures with, instead of the store's own
        registry (which someone with the file could have extended).
    :param require_signatures: a signature without a digital signature is a problem.
    """
    conn = store.conn
    schema = list(_schema(conn))
    if any(p.startswith("schema: table ") and "missing" in p for p in schema):
        return _report(conn, schema)  # rows cannot be read against a broken schema
    problems = schema + list(_integrity(conn, store.read_only))
    chain = list(verify_chain(conn))
    problems += chain
    problems += [p for a in anchors if (p := check_anchor(conn, a)) is not None]
    if keys is None:
        try:
            keys = store.public_keys()
        except SigningKeyError as exc:
            problems.append(f"public_keys: {exc} (a key slipped in or altered)")
            keys = []
    registry = {k.key_id: k for k in keys}
    checker = _Checker(store, registry, require_signatures)
    problems += list(checker.sessions())
    problems += list(checker.course_measures())
    problems += list(outcome_facts.check(conn))
    problems += list(_audit_links(conn))
    return _report(conn, problems, checker.unsigned)


def _report(conn: sqlite3.Connection, problems: list[str], unsigned: int = 0) -> VerifyReport:
    from kapnotes.store.audit import head

    def count(table: str, where: str = "") -> int:
        try:
            return int(conn.execute(f"SELECT count(*) FROM [{table}] {where}").fetchone()[0])
        except sqlite3.DatabaseError:
            return 0

    try:
        current: Head | None = head(conn)
    except sqlite3.DatabaseError:
        current = None
    return VerifyReport(
        problems=tuple(problems),
        audit_rows=count("audit"),
        sessions=count("sessions"),
        signed_sessions=count("sessions", "WHERE status != 'draft'"),
        signatures=count("signatures"),
        addenda=count("addenda"),
        unsigned=unsigned,
        head=current,
    )


# --- schema and SQLite ---------------------------------------------------------------------------


def expected_schema() -> dict[tuple[str, str], str | None]:
    """(type, name) -> SQL of every table, index and trigger of a fresh store."""
    from sqlite_utils import Database

    from kapnotes.store import migrations

    db = Database(memory=True, execute_plugins=False)
    try:
        migrations.apply(db)
        return _master(db.conn)
    finally:
        db.close()


def _master(conn: sqlite3.Connection) -> dict[tuple[str, str], str | None]:
    return {
        (t, n): sql
        for t, n, sql in conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name != 'sqlite_sequence'"
        )
    }


def _schema(conn: sqlite3.Connection) -> Iterator[str]:
    from kapnotes.store import migrations

    expected = expected_schema()
    present = _master(conn)
    for (kind, name), sql in expected.items():
        if (kind, name) not in present:
            what = "immutability trigger" if kind == "trigger" else kind
            yield f"schema: {what} {name} is missing (dropped)"
        elif present[(kind, name)] != sql:
            yield f"schema: {kind} {name} differs from its definition (altered or rebuilt)"
    for kind, name in present.keys() - expected.keys():
        yield f"schema: unexpected {kind} {name} (not part of a kapnotes store)"
    if ("table", "_sqlite_migrations") in present:
        applied = {
            r[0]
            for r in conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = 'kapnotes'"
            )
        }
        wanted = {m.name for m in migrations.migrations._migrations}
        for name in sorted(wanted - applied):
            yield f"schema: migration {name} is not recorded as applied"


def _integrity(conn: sqlite3.Connection, read_only: bool) -> Iterator[str]:
    rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    if rows != ["ok"]:
        yield "integrity_check: " + "; ".join(rows[:5])
    for table, rowid, parent, _ in conn.execute("PRAGMA foreign_key_check").fetchmany(5):
        yield f"foreign_key_check: {table} row {rowid} refers to a missing {parent}"
    yield from _fts(conn, read_only)


def _fts(conn: sqlite3.Connection, read_only: bool) -> Iterator[str]:
    """FTS5 compares its index with the sessions' narrative_text, by a command written as an
    INSERT (rolled back: nothing changes). A store opened read-only is checked in a copy in
    memory."""
    if read_only:
        try:
            copy = type(conn)(":memory:")
            conn.backup(copy)
        except Exception:  # noqa: BLE001 - an encrypted store: SQLCipher does not copy it so
            yield (
                "sessions_fts: the full-text index of this store cannot be checked read-only "
                "(an encrypted store is not copied into memory); check it where it can be written"
            )
            return
        try:
            yield from _fts(copy, read_only=False)
        finally:
            copy.close()
        return
    conn.execute("SAVEPOINT kapnotes_verify")
    try:
        conn.execute("INSERT INTO sessions_fts(sessions_fts, rank) VALUES ('integrity-check', 1)")
    except sqlite3.DatabaseError as exc:
        yield f"sessions_fts: the full-text index does not match the sessions' text ({exc})"
    finally:
        conn.execute("ROLLBACK TO kapnotes_verify")
        conn.execute("RELEASE kapnotes_verify")


# --- sessions, their rows, signatures and addenda --------------------------------------------------


class _Checker:
    def __init__(
        self, store: Store, keys: dict[str, PublicKey], require_signatures: bool
    ) -> None:
        self.store = store
        self.conn = store.conn
        self.keys = keys
        self.require = require_signatures
        self.unsigned = 0

    def _rows(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.conn.execute(sql, params)]

    def sessions(self) -> Iterator[str]:
        from kapnotes.model import Session
        from kapnotes.store.bulk import decode_checked

        courses = dict(self.conn.execute("SELECT id, client_id FROM courses"))
        for row in self.conn.execute(
            "SELECT id, course_id, client_id, kind, start_utc, start, [end], status, "
            "content_hash, narrative_text, doc FROM sessions ORDER BY id"
        ).fetchall():
            sid, course_id, client_id, status, content_hash, doc = (
                row[0], row[1], row[2], row[7], row[8], row[10],
            )
            where = f"sessions row {sid}"
            actual = sha256_text(doc)
            if actual != content_hash:
                yield f"{where}: stored content does not match its content hash (content altered)"
            if courses.get(course_id) != client_id:
                yield f"{where}: client_id {client_id} is not the client of course {course_id}"
            try:
                session = decode_checked(json.loads(doc), Session, self.store.registry)
            except Exception as exc:  # noqa: BLE001 - report, don't crash
                yield f"{where}: content unreadable ({str(exc).splitlines()[0]})"
                continue
            yield from self._derived(session, row, client_id)
            yield from self._lifecycle(sid, status, actual)

    def _derived(self, s: Session, row: tuple[Any, ...], client_id: str) -> Iterator[str]:
        """Every row kapnotes derives from a session's content, derived again and compared."""
        from kapnotes.store.prepare import session_values
        from kapnotes.store.rows import measure_rows, vitals_rows
        from kapnotes.store.scores import Score, score_session

        columns = ("kind", "start_utc", "start", "end", "content_hash", "narrative_text")
        expected = session_values(s, row[8], row[10])[:-1]
        stored = (row[3], row[4], row[5], row[6], row[8], row[9])
        for col, want, have in zip(columns, expected, stored, strict=True):
            if col != "content_hash" and want != have:
                yield f"sessions row {s.id}: column {col} is {have!r}, its content says {want!r}"
        scores: dict[str, Score] = {}
        score_session(s, scores, registry=self.store.registry)
        want_measures, want_items = measure_rows(s, client_id, scores)
        pairs = [
            (
                "vitals",
                vitals_rows(s),
                "SELECT session_id, seq, at_utc, minutes_after_dose, systolic, diastolic, "
                "heart_rate, spo2, respiratory_rate FROM vitals WHERE session_id = ? ORDER BY seq",
                2,
            ),
            (
                "measures",
                want_measures,
                "SELECT id, session_id, client_id, instrument, administered_at_utc, context, "
                "respondent, total, band FROM measures WHERE session_id = ? ORDER BY id",
                1,
            ),
            (
                "measure_items",
                want_items,
                "SELECT i.measure_id, i.item, i.value FROM measure_items i JOIN measures m "
                "ON m.id = i.measure_id WHERE m.session_id = ? ORDER BY i.measure_id, i.item",
                2,
            ),
        ]
        for table, want_rows, sql, key_len in pairs:
            if table == "measures":
                want_rows = sorted(want_rows, key=lambda r: r[0])
            elif table == "measure_items":
                want_rows = sorted(want_rows, key=lambda r: (r[0], r[1]))
            yield from _compare(table, want_rows, self._rows(sql, (s.id,)), key_len)
        want_iv = self._rows(
            "SELECT s.id, j.key, json_extract(j.value, '$.type'), j.value "
            "FROM sessions s, json_each(s.doc, '$.interventions') j WHERE s.id = ? ORDER BY j.key",
            (s.id,),
        )
        have_iv = self._rows(
            "SELECT session_id, seq, type, doc FROM interventions WHERE session_id = ? ORDER BY seq",
            (s.id,),
        )
        yield from _compare("interventions", want_iv, have_iv, 2)
        from kapnotes.store.writer import SERVICE_LINES_SELECT

        want_sl = self._rows(SERVICE_LINES_SELECT + " ORDER BY j.key", (s.id,))
        have_sl = self._rows(
            "SELECT session_id, seq, code, system, units, rendering_clinician_id, doc "
            "FROM service_lines WHERE session_id = ? ORDER BY seq",
            (s.id,),
        )
        yield from _compare("service_lines", want_sl, have_sl, 2)

    def course_measures(self) -> Iterator[str]:
        """At-home measures (format 1.3): the rows without a session derived again from their
        courses' content (the course rows themselves are matched against the audit log)."""
        from kapnotes.model import TreatmentCourse
        from kapnotes.store.bulk import decode_checked
        from kapnotes.store.rows import course_measure_rows
        from kapnotes.store.scores import Score, score_measures

        want_m: list[tuple[Any, ...]] = []
        want_i: list[tuple[Any, ...]] = []
        for cid, doc in self.conn.execute(
            "SELECT id, doc FROM courses WHERE json_extract(doc, '$.measures') IS NOT NULL "
            "ORDER BY id"
        ).fetchall():
            try:
                course = decode_checked(json.loads(doc), TreatmentCourse, self.store.registry)
            except Exception as exc:  # noqa: BLE001 - report, don't crash
                yield f"courses row {cid}: content unreadable ({str(exc).splitlines()[0]})"
                continue
            scores: dict[str, Score] = {}
            score_measures(course.measures, scores, registry=self.store.registry)
            m_rows, i_rows = course_measure_rows(course, scores)
            want_m += m_rows
            want_i += i_rows
        have_m = self._rows(
            "SELECT id, session_id, client_id, instrument, administered_at_utc, context, "
            "respondent, total, band, course_id FROM measures WHERE session_id IS NULL "
            "ORDER BY id", (),
        )
        have_i = self._rows(
            "SELECT i.measure_id, i.item, i.value FROM measure_items i JOIN measures m "
            "ON m.id = i.measure_id WHERE m.session_id IS NULL ORDER BY i.measure_id, i.item", (),
        )
        yield from _compare("measures", sorted(want_m), have_m, 1, "course")
        yield from _compare("measure_items", sorted(want_i), have_i, 2, "course")

    def _lifecycle(self, sid: str, status: str, content_hash: str) -> Iterator[str]:
        from kapnotes.model import Addendum, Signature
        from kapnotes.serialization import structure
        from kapnotes.signatures import addendum_hash, signature_hash
        from kapnotes.store.content import addendum_content_hash

        where = f"session {sid}"
        items: list[tuple[str, str, Signature]] = []
        roles: list[str] = []
        for seq, col_hash, role, doc in self.conn.execute(
            "SELECT seq, content_hash, role, doc FROM signatures WHERE session_id = ? ORDER BY seq",
            (sid,),
        ).fetchall():
            label = f"signatures row ({sid}, {seq})"
            try:
                g = structure(json.loads(doc), Signature)
            except Exception as exc:  # noqa: BLE001
                yield f"{label}: unreadable ({str(exc).splitlines()[0]})"
                continue
            roles.append(g.role.value)
            if col_hash != content_hash or g.content_hash != content_hash or role != g.role.value:
                yield f"{where}: signature {seq} does not match the signed content (note altered)"
            yield from self._crypto(label, session_subject(sid), g)
            items.append((f"signature {seq}", signature_hash(g), g))
        kinds: list[str] = []
        for aid, kind, doc in self.conn.execute(
            "SELECT id, kind, doc FROM addenda WHERE session_id = ? ORDER BY seq", (sid,)
        ).fetchall():
            label = f"addenda row {aid} of session {sid}"
            try:
                a = structure(json.loads(doc), Addendum)
            except Exception as exc:  # noqa: BLE001
                yield f"{label}: unreadable ({str(exc).splitlines()[0]})"
                continue
            kinds.append(a.kind.value)
            if kind != a.kind.value:
                yield f"{label}: column kind is {kind!r}, its content says {a.kind.value!r}"
            if a.signature is None:
                yield f"addendum {aid} of session {sid}: not signed"
                continue
            if a.signature.content_hash != addendum_content_hash(a):
                yield f"addendum {aid} of session {sid}: signature does not match its text (addendum altered)"
            yield from self._crypto(label, addendum_subject(sid, aid), a.signature)
            items.append((f"addendum {aid}", addendum_hash(a), a.signature))
        yield from (f"{where}: {p}" for p in chain_problems(items))
        if status == "draft" and (roles or kinds):
            yield f"{where}: marked draft but has {len(roles)} signature(s) and {len(kinds)} addend(a) (unlocked)"
        if status != "draft" and "author" not in roles:
            yield f"{where}: marked {status} but has no author signature"
        if status == "amended" and "amendment" not in kinds:
            yield f"{where}: marked amended but has no amendment"
        if status not in ("draft", "signed", "amended"):
            yield f"{where}: unknown status {status!r}"

    def _crypto(self, label: str, subject: str, g: Any) -> Iterator[str]:
        if g.digital_signature is None:
            self.unsigned += 1
            held = [
                k for k in self.keys.values()
                if k.clinician_id == g.clinician_id and k.usable_at(g.signed_at) is None
            ]
            if held:
                yield f"{label}: no digital signature, though {g.clinician_id} had key {held[0].key_id} then"
            elif self.require:
                yield f"{label}: by {g.clinician_id}: has no digital signature"
            return
        reason = check_signature(subject, g, self.keys)
        if reason:
            yield f"{label}: by {g.clinician_id}: {reason}"


def _compare(
    table: str,
    want: list[tuple[Any, ...]],
    have: list[tuple[Any, ...]],
    key_len: int,
    owner: str = "session",
) -> Iterator[str]:
    """Rows derived again (``want``) against stored rows (``have``), by their key columns
    (``owner``: what the rows are derived from, a session or a course)."""
    w = {r[:key_len]: r for r in want}
    h = {r[:key_len]: r for r in have}
    for key in sorted(w.keys() | h.keys(), key=repr):
        label = f"{table} row ({', '.join(map(str, key))})"
        if key not in h:
            yield f"{label}: missing (its {owner}'s content has it)"
        elif key not in w:
            yield f"{label}: not in its {owner}'s content (added)"
        elif w[key] != h[key]:
            diffs = [f"{i}: {b!r} instead of {a!r}" for i, (a, b) in enumerate(zip(w[key], h[key], strict=True)) if a != b]
            yield f"{label}: differs from its {owner}'s content (column {'; column '.join(diffs)})"


# --- rows against the audit log --------------------------------------------------------------------

_OBJECT_TABLES = {
    "clinic": ("clinic", "id", "doc"),
    "clinician": ("clinicians", "id", "doc"),
    "client": ("clients", "id", "doc"),
    "course": ("courses", "id", "doc"),
    "session": ("sessions", "id", "doc"),
    "psychotherapy-note": ("psychotherapy_notes", "id", "doc"),
}


def _audit_links(conn: sqlite3.Connection) -> Iterator[str]:
    """Each row against the audit row that recorded it, and each audit row against its row."""
    last_write: dict[tuple[str, str], tuple[int, str | None]] = {}
    signs: dict[tuple[str, int], tuple[int, str]] = {}
    legacy_signs: dict[str, int] = {}
    addenda: dict[str, tuple[int, str]] = {}
    keys: dict[str, tuple[int, dict[str, Any]]] = {}
    revoked: dict[str, tuple[int, str | None]] = {}
    places: dict[str, tuple[int, tuple[Any, Any, Any]]] = {}  # addendum id -> (session, seq, kind)
    for row_id, action, obj, detail_text in conn.execute(
        "SELECT id, action, object, detail FROM audit ORDER BY id"
    ):
        try:
            detail = json.loads(detail_text) if detail_text else {}
        except (TypeError, ValueError):
            detail = None
        if not isinstance(detail, dict) or not isinstance(obj, str):
            yield f"audit row {row_id}: its object or detail is not what kapnotes writes (damaged)"
            continue
        kind, _, oid = obj.partition(":")
        if action in (Action.WRITE, Action.WRITE_PSYCHOTHERAPY_NOTE) and kind in _OBJECT_TABLES:
            last_write[(kind, oid)] = (row_id, detail.get("hash"))
        elif action == Action.SIGN:
            if "signature" in detail:
                signs[(oid, int(detail["seq"]))] = (row_id, detail["signature"])
            else:
                legacy_signs[oid] = legacy_signs.get(oid, 0) + 1
        elif action == Action.ADDENDUM and "hash" in detail:
            addenda[oid] = (row_id, detail["hash"])
            if {"session", "seq", "kind"} <= detail.keys():
                places[oid] = (row_id, (detail["session"], detail["seq"], detail["kind"]))
        elif action == Action.REGISTER_KEY:
            keys[oid] = (row_id, detail)
        elif action == Action.REVOKE_KEY:
            revoked[oid] = (row_id, detail.get("revoked_at"))

    for kind, (table, key, col) in _OBJECT_TABLES.items():
        yield from _rows_against_audit(
            f"{table} row {{}}".format,
            {r[0]: sha256_text(r[1]) for r in conn.execute(f"SELECT {key}, {col} FROM [{table}]")},
            {oid: rec for (k, oid), rec in last_write.items() if k == kind},
            unrecorded="written behind kapnotes' back",
            altered=" (altered behind kapnotes' back)",
        )

    stored_sigs = {
        (sid, seq): sha256_text(doc)
        for sid, seq, doc in conn.execute("SELECT session_id, seq, doc FROM signatures")
    }
    per_session: dict[str, int] = {}
    legacy: set[tuple[str, int]] = set()  # recorded by an older kapnotes, without the hash
    for sid, seq in sorted(stored_sigs):
        per_session[sid] = per_session.get(sid, 0) + 1
        if (sid, seq) not in signs and legacy_signs.get(sid, 0) >= per_session[sid]:
            legacy.add((sid, seq))
    yield from _rows_against_audit(
        lambda k: f"signatures row ({k[0]}, {k[1]})",
        {k: h for k, h in stored_sigs.items() if k not in legacy},
        signs,
        unrecorded="forged?",
    )

    yield from _rows_against_audit(
        lambda aid: f"addenda row {aid}",
        {aid: sha256_text(doc) for aid, doc in conn.execute("SELECT id, doc FROM addenda")},
        addenda,
        unrecorded="forged?",
    )

    # where an addendum is: its doc does not say which note it is on, so moving the row to
    # another session (or another place, or kind) leaves its hash as it was; the audit row says
    for aid, sid, seq, akind, author, written, doc in conn.execute(
        "SELECT id, session_id, seq, kind, author_id, written_at, doc FROM addenda ORDER BY id"
    ):
        recorded = places.get(aid)
        if recorded is not None and recorded[1] != (sid, seq, akind):
            yield (f"addenda row {aid}: on session {sid!r} at {seq} as {akind!r}, but audit row "
                   f"{recorded[0]} recorded it on {recorded[1][0]!r} at {recorded[1][1]} as "
                   f"{recorded[1][2]!r} (moved behind kapnotes' back)")
        yield from _addendum_columns(aid, author, written, doc)

    yield from _key_links(conn, keys, revoked)


def _addendum_columns(aid: str, author: Any, written: Any, doc: Any) -> Iterator[str]:
    """An addendum row's author and time columns (which readers sort and search by) against its
    doc, which the audit row's hash covers."""
    try:
        data = json.loads(doc)
    except (TypeError, ValueError):
        return  # an unreadable doc is reported by its hash
    if not isinstance(data, dict):
        return
    if data.get("author_id") != author:
        yield f"addenda row {aid}: author_id {author!r} is not its doc's {data.get('author_id')!r} (altered)"
    try:
        expected = utc_key(dt.datetime.fromisoformat(data["written_at"]))
    except (KeyError, TypeError, ValueError):
        return
    if expected != written:
        yield f"addenda row {aid}: written_at {written!r} is not its doc's {expected!r} (altered)"


def _rows_against_audit(
    name: Callable[[Any], str],
    stored: Mapping[Any, str],
    recorded: Mapping[Any, tuple[int, str | None]],
    *,
    unrecorded: str,
    altered: str = "",
) -> Iterator[str]:
    """Each stored row's hash against the audit row that recorded it, and each record against its row.

    ``stored`` maps a row's key to the hash of its content; ``recorded`` maps it to the audit
    row id and the hash that row recorded (``None``: recorded without a hash, by an older kapnotes).
    """
    for key, digest in sorted(stored.items()):
        rec = recorded.get(key)
        if rec is None:
            yield f"{name(key)}: not recorded in the audit log ({unrecorded})"
        elif rec[1] is not None and rec[1] != digest:
            yield f"{name(key)}: differs from what audit row {rec[0]} recorded{altered}"
    for key, (row_id, _) in sorted(recorded.items()):
        if key not in stored:
            yield f"{name(key)}: missing, though audit row {row_id} recorded it (deleted)"


def _key_links(
    conn: sqlite3.Connection,
    keys: dict[str, tuple[int, dict[str, Any]]],
    revoked: dict[str, tuple[int, str | None]],
) -> Iterator[str]:
    stored = {
        r[0]: r
        for r in conn.execute(
            "SELECT key_id, clinician_id, public_key, valid_from, valid_until, revoked_at "
            "FROM public_keys"
        )
    }
    for kid, (_, cid, pub, since, until, rev) in sorted(stored.items()):
        rec = keys.get(kid)
        if rec is None:
            yield f"public_keys row {kid}: not recorded in the audit log (a key slipped in?)"
            continue
        d = rec[1]
        if (d.get("clinician_id"), d.get("public_key"), d.get("valid_from"), d.get("valid_until")) != (
            cid, pub, since, until,
        ):
            yield f"public_keys row {kid}: differs from what audit row {rec[0]} recorded"
        want_rev = revoked.get(kid, (None, None))[1]
        if rev != want_rev:
            yield f"public_keys row {kid}: revoked_at is {rev!r}, the audit log says {want_rev!r}"
    for kid, (row_id, _) in sorted(keys.items()):
        if kid not in stored:
            yield f"public_keys row {kid}: missing, though audit row {row_id} registered it (deleted)"
