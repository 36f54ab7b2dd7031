"""The store's schema, as numbered migrations in the named set ``kapnotes``.

A migration that rebuilds a table (``table.transform()``) drops its triggers: :func:`apply`
re-creates and checks every trigger after each migration run (see
:mod:`kapnotes.store.triggers`), so no migration can leave signed content unprotected.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from kapnotes.store.triggers import ensure_triggers

migrations = Migrations("kapnotes")


@migrations()
def m001_initial(db: Database) -> None:
    db.table("clinic").create({"id": str, "name": str, "doc": str}, pk="id")
    db.table("clinicians").create({"id": str, "name": str, "credentials": str, "doc": str}, pk="id")
    db.table("clients").create(
        {
            "id": str,
            "mrn": str,
            "family_name": str,
            "given_name": str,
            "date_of_birth": str,
            "doc": str,
        },
        pk="id",
    )
    db.table("clients").create_index(["mrn"])
    db.table("courses").create(
        {"id": str, "client_id": str, "started_on": str, "status": str, "doc": str},
        pk="id",
        foreign_keys=[("client_id", "clients", "id")],
    )
    db.table("courses").create_index(["client_id", "started_on"])
    db.table("sessions").create(
        {
            "id": str,
            "course_id": str,
            "client_id": str,
            "seq": int,
            "kind": str,
            "start_utc": str,
            "start": str,
            "end": str,
            "status": str,
            "content_hash": str,
            "narrative_text": str,
            "doc": str,
        },
        pk="id",
        foreign_keys=[("course_id", "courses", "id"), ("client_id", "clients", "id")],
        not_null={"course_id", "client_id", "kind", "start_utc", "status", "content_hash", "doc"},
    )
    db.table("sessions").create_index(["client_id", "start_utc"])
    db.table("sessions").create_index(["course_id", "seq"])
    db.table("signatures").create(
        {
            "session_id": str,
            "seq": int,
            "clinician_id": str,
            "role": str,
            "signed_at": str,
            "content_hash": str,
            "doc": str,
        },
        pk=("session_id", "seq"),
        foreign_keys=[("session_id", "sessions", "id"), ("clinician_id", "clinicians", "id")],
        not_null={"clinician_id", "role", "signed_at", "content_hash", "doc"},
    )
    db.table("addenda").create(
        {
            "id": str,
            "session_id": str,
            "seq": int,
            "kind": str,
            "author_id": str,
            "written_at": str,
            "doc": str,
        },
        pk="id",
        foreign_keys=[("session_id", "sessions", "id")],
    )
    db.table("addenda").create_index(["session_id", "seq"], unique=True)
    db.table("measures").create(
        {
            "id": str,
            "session_id": str,
            "client_id": str,
            "instrument": str,
            "administered_at_utc": str,
            "context": str,
            "respondent": str,
            "total": float,
            "band": str,
        },
        pk="id",
        foreign_keys=[("session_id", "sessions", "id"), ("client_id", "clients", "id")],
    )
    db.table("measures").create_index(["instrument", "administered_at_utc"])
    db.table("measures").create_index(["client_id", "instrument", "administered_at_utc"])
    db.table("measures").create_index(["session_id"])
    db.table("measure_items").create(
        {"measure_id": str, "item": int, "value": int},
        pk=("measure_id", "item"),
        foreign_keys=[("measure_id", "measures", "id")],
    )
    db.table("vitals").create(
        {
            "session_id": str,
            "seq": int,
            "at_utc": str,
            "minutes_after_dose": float,
            "systolic": int,
            "diastolic": int,
            "heart_rate": int,
            "spo2": int,
            "respiratory_rate": int,
        },
        pk=("session_id", "seq"),
        foreign_keys=[("session_id", "sessions", "id")],
    )
    db.table("interventions").create(
        {"session_id": str, "seq": int, "type": str, "doc": str},
        pk=("session_id", "seq"),
        foreign_keys=[("session_id", "sessions", "id")],
    )
    db.table("interventions").create_index(["type"])
    db.table("psychotherapy_notes").create(
        {"id": str, "session_id": str, "author_id": str, "written_at": str, "doc": str},
        pk="id",
        foreign_keys=[("session_id", "sessions", "id"), ("author_id", "clinicians", "id")],
    )
    db.table("audit").create(
        {
            "id": int,
            "at": str,
            "actor": str,
            "action": str,
            "patient": str,
            "object": str,
            "detail": str,
            "prev_hash": str,
            "hash": str,
        },
        pk="id",
        not_null={"at", "actor", "action", "object", "prev_hash", "hash"},
    )
    db.table("audit").create_index(["patient", "at"])
    db.table("sessions").enable_fts(["narrative_text"], create_triggers=True, tokenize="porter")


@migrations()
def m002_public_keys(db: Database) -> None:
    """Clinicians' registered public signing keys (Ed25519), with their validity periods."""
    db.table("public_keys").create(
        {
            "key_id": str,
            "clinician_id": str,
            "algorithm": str,
            "public_key": str,
            "valid_from": str,
            "valid_until": str,
            "revoked_at": str,
        },
        pk="key_id",
        foreign_keys=[("clinician_id", "clinicians", "id")],
        not_null={"clinician_id", "algorithm", "public_key", "valid_from"},
    )
    db.table("public_keys").create_index(["clinician_id"])


@migrations()
def m003_billing_and_groups(db: Database) -> None:
    """Format 1.2: service lines of sessions (billing queries by code, date or clinician) and
    group session records."""
    db.table("service_lines").create(
        {
            "session_id": str,
            "seq": int,
            "code": str,
            "system": str,
            "units": int,
            "rendering_clinician_id": str,
            "doc": str,
        },
        pk=("session_id", "seq"),
        foreign_keys=[("session_id", "sessions", "id")],
    )
    db.table("service_lines").create_index(["code"])
    db.table("groups").create(
        {"id": str, "kind": str, "start_utc": str, "doc": str}, pk="id"
    )


@migrations()
def m004_course_measures(db: Database) -> None:
    """Format 1.3: at-home measures of a course (``course.measures``) get ``measures`` rows with
    ``course_id`` and no ``session_id``. A column added in place (no ``transform()``): the rows
    and triggers of the table stay as they are; a session's rows keep ``course_id`` NULL."""
    db.execute("ALTER TABLE measures ADD COLUMN course_id TEXT REFERENCES courses(id)")
    db.table("measures").create_index(["course_id"])


@migrations()
def m005_outcome_facts(db: Database) -> None:
    """What the clinic outcomes summary needs of each course and instrument, filled from the
    stored measures and courses (see :mod:`kapnotes.store.outcome_facts`)."""
    from kapnotes.store import outcome_facts

    db.table("outcome_courses").create(
        {"course_id": str, "client_id": str, "indication_code": str, "indication_display": str},
        pk="course_id",
        foreign_keys=[("course_id", "courses", "id"), ("client_id", "clients", "id")],
    )
    db.table("outcome_points").create(
        {
            "course_id": str,
            "instrument": str,
            "first_use": str,
            "intake": str,
            "latest": str,
            "pre_dosing": str,
            "marked": str,
        },
        pk=("course_id", "instrument"),
        foreign_keys=[("course_id", "courses", "id")],
        not_null={"first_use"},
    )
    db.table("outcome_points").create_index(["instrument"])
    outcome_facts.refresh_all_courses(db.conn)
    outcome_facts.refresh_all_points(db.conn)


@migrations()
def m006_home_outcome_facts(db: Database) -> None:
    """The outcome facts count at-home measures (format 1.3) too: the rows of the courses that
    hold any are computed again (see :mod:`kapnotes.store.outcome_facts`)."""
    from kapnotes.store import outcome_facts

    having = [r[0] for r in db.conn.execute(
        "SELECT DISTINCT course_id FROM measures WHERE course_id IS NOT NULL")]
    outcome_facts.refresh_points(db.conn, having)


@migrations()
def m007_measures_by_instrument_covering(db: Database) -> None:
    """One instrument's scores across clients over a time window
    (:meth:`~kapnotes.store.db.Store.instrument_scores` with ``since``/``until``) are read from
    the index alone: the index on ``(instrument, administered_at_utc)`` gets the columns the query
    returns, ``id`` first (its order), in place of the index m001 made. Without them SQLite looks
    up every row in the table: on a store of a million sessions, a week's 4,370 PHQ-9 rows took
    23.5 ms, 10.1 ms with this index (``benchmarks/bench_store.py``)."""
    db.execute("DROP INDEX IF EXISTS idx_measures_instrument_administered_at_utc")
    db.table("measures").create_index(
        ["instrument", "administered_at_utc", "id", "client_id", "session_id", "course_id",
         "context", "total", "band"],
        index_name="idx_measures_by_instrument",
    )


def apply(db: Database) -> None:
    """Bring ``db`` to the newest schema, then re-create and check the immutability triggers."""
    migrations.apply(db)
    ensure_triggers(db)
