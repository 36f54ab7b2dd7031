"""What the clinic outcomes summary needs of each course, kept in the store beside the record.

:func:`kapnotes.outcomes.clinic_summary` decodes every course; over a million sessions that takes
minutes. The summary's counts depend on few facts of each (course, instrument), none of which
depends on :class:`~kapnotes.outcomes.OutcomeParams` or on which instruments are installed:

* where the instrument was first used in the course (the order of the summary's rows);
* its first and last complete score (a non-null ``measures.total``: the store keeps a total only
  for a complete score), its last complete score before the first dosing session starts, and
  its first complete score in the ``baseline`` context: the candidates of every baseline rule
  but ``first-dose-day`` (:func:`kapnotes.outcomes.select_baseline`), and the latest score.
* At-home measures (format 1.3, the course's own ``measures`` rows) are scores of the course
  like a session's, after every session's at the same time: they count for where the
  instrument was first used (in a course that holds any, first use is in time order, as
  :func:`kapnotes.outcomes.course_outcomes` orders it: ``first_use`` is then the time before the
  position) and for the latest score, and are left out of the baseline
  candidates, as by default (``OutcomeParams.home_baseline`` False). A summary with
  ``home_baseline`` True goes course by course (:meth:`kapnotes.store.Store.clinic_summary`).

``outcome_points`` holds them, one row per course and instrument *as recorded* (``PHQ-9`` and
``phq9`` apart: the summary merges them by the instruments installed when it runs), and
``outcome_courses`` holds each course's client and primary indication. The writer refreshes the
rows of the courses a save touches (:func:`refresh_points`, :func:`refresh_courses`: cost in
proportion to the save, not to the store); ``kapnotes verify`` recomputes both tables
(:func:`check`); migration ``m005_outcome_facts`` fills them for an existing store.

A score is written as one sortable text: its UTC time (27 characters), its session's position
in the course (8 digits), the measure's rowid (12 digits; a session's measures are inserted in
their order) and then its total as SQLite's ``quote()`` writes it (exactly, to the last bit) —
so that ``min``/``max`` pick the first or last score in the order
:func:`kapnotes.outcomes.score_points` sorts them in, and carry its total along.

:func:`clinic_summary` computes the summary from these rows in SQL, grouping the courses by
(instrument, indication, baseline total, latest total); response and remission are then judged
once per distinct pair of totals by the very functions of :mod:`kapnotes.outcomes`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # kapnotes.outcomes (and the instrument catalog) load only for a summary
    from kapnotes.outcomes import ClinicSummary, InstrumentLookup, OutcomeParams

#: Length of a score's sort key (time, session position, rowid) before its total.
KEY_LENGTH = 27 + 8 + 12
_CHUNK = 500

_POINTS_SELECT = """
WITH s AS (SELECT id, course_id, seq, kind, start_utc FROM sessions {where}),
f AS (SELECT course_id, min(seq) AS seq, start_utc AS first_start FROM s
      WHERE kind = 'dosing' GROUP BY course_id),
p AS (SELECT s.course_id AS course_id, m.instrument AS instrument,
        printf('%08d%012d', s.seq, m.rowid) AS pos,
        m.administered_at_utc || printf('%08d%012d', s.seq, m.rowid) || quote(m.total) AS v,
        m.administered_at_utc AS at, m.context AS context, m.total AS total,
        f.first_start AS first_start
      FROM s JOIN measures m ON m.session_id = s.id LEFT JOIN f ON f.course_id = s.course_id
      UNION ALL
      SELECT m.course_id, m.instrument, printf('%08d%012d', {home_seq}, m.rowid),
        m.administered_at_utc || printf('%08d%012d', {home_seq}, m.rowid) || quote(m.total),
        m.administered_at_utc, m.context, m.total, f.first_start
      FROM measures m LEFT JOIN f ON f.course_id = m.course_id
      WHERE m.session_id IS NULL AND m.course_id IS NOT NULL {home_where}),
h AS (SELECT DISTINCT course_id FROM p WHERE pos >= '{home_seq}')
SELECT course_id, instrument,
  CASE WHEN course_id IN (SELECT course_id FROM h) THEN min(at || pos) ELSE min(pos) END
    AS first_use,
  min(CASE WHEN total IS NOT NULL AND context != 'home' THEN v END) AS intake,
  max(CASE WHEN total IS NOT NULL THEN v END) AS latest,
  max(CASE WHEN total IS NOT NULL AND context != 'home' AND at < first_start THEN v END)
    AS pre_dosing,
  min(CASE WHEN total IS NOT NULL AND context = 'baseline' THEN v END) AS marked
FROM p GROUP BY course_id, instrument
"""

POINTS_COLUMNS = "course_id, instrument, first_use, intake, latest, pre_dosing, marked"
COURSES_COLUMNS = "course_id, client_id, indication_code, indication_display"


#: The session position of an at-home measure in its sort key: after every session's, so that
#: at the same time a session's score comes first (:func:`kapnotes.outcomes.score_points`).
HOME_SEQ = 99_999_999


def points_select(course_ids: Sequence[str] | None = None) -> tuple[str, list[str]]:
    """The SELECT that computes ``outcome_points`` rows (of ``course_ids``, or of every course)."""
    if course_ids is None:
        return _POINTS_SELECT.format(where="", home_where="", home_seq=HOME_SEQ), []
    marks = ",".join("?" * len(course_ids))
    sql = _POINTS_SELECT.format(where=f"WHERE course_id IN ({marks})",
                                home_where=f"AND m.course_id IN ({marks})", home_seq=HOME_SEQ)
    return sql, [*course_ids, *course_ids]


def refresh_points(conn: sqlite3.Connection, course_ids: Iterable[str]) -> None:
    """Recompute the ``outcome_points`` rows of ``course_ids`` from their sessions and measures."""
    ids = sorted(set(course_ids))
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        marks = ",".join("?" * len(chunk))
        conn.execute(f"DELETE FROM outcome_points WHERE course_id IN ({marks})", chunk)
        sql, params = points_select(chunk)
        conn.execute(f"INSERT INTO outcome_points ({POINTS_COLUMNS}) {sql}", params)


def refresh_all_points(conn: sqlite3.Connection) -> None:
    """Recompute every ``outcome_points`` row (the migration that adds the table)."""
    conn.execute("DELETE FROM outcome_points")
    sql, params = points_select()
    conn.execute(f"INSERT INTO outcome_points ({POINTS_COLUMNS}) {sql}", params)


def primary_indication_of(course: dict[str, Any]) -> tuple[str | None, str | None]:
    """(code, display) of a course's primary indication, from its JSON: the one marked primary,
    else the first, else none (:func:`kapnotes.outcomes.primary_indication` on the model)."""
    indications = course.get("indications") or []
    chosen = next((i for i in indications if i.get("primary")), None)
    if chosen is None and indications:
        chosen = indications[0]
    if chosen is None:
        return None, None
    return chosen["code"], chosen.get("display")


def course_row(course_id: str, client_id: str, doc: str) -> tuple[Any, ...]:
    """The ``outcome_courses`` row of a course, from its stored JSON (``courses.doc``)."""
    return (course_id, client_id, *primary_indication_of(json.loads(doc)))


def refresh_courses(conn: sqlite3.Connection, rows: Iterable[tuple[str, str, str]]) -> None:
    """Write the ``outcome_courses`` rows of ``(course_id, client_id, doc)`` courses."""
    conn.executemany(
        f"INSERT INTO outcome_courses ({COURSES_COLUMNS}) VALUES (?,?,?,?) "
        "ON CONFLICT(course_id) DO UPDATE SET client_id = excluded.client_id, "
        "indication_code = excluded.indication_code, "
        "indication_display = excluded.indication_display",
        [course_row(*r) for r in rows],
    )


def refresh_all_courses(conn: sqlite3.Connection) -> None:
    """Recompute every ``outcome_courses`` row (the migration that adds the table)."""
    conn.execute("DELETE FROM outcome_courses")
    refresh_courses(conn, conn.execute("SELECT id, client_id, doc FROM courses").fetchall())


def check(conn: sqlite3.Connection) -> Iterator[str]:
    """Problems of ``outcome_points`` and ``outcome_courses`` against a recomputation."""
    sql, params = points_select()
    for label, query in (
        ("missing or wrong", f"SELECT * FROM ({sql}) EXCEPT SELECT {POINTS_COLUMNS} FROM outcome_points"),
        ("stale", f"SELECT {POINTS_COLUMNS} FROM outcome_points EXCEPT SELECT * FROM ({sql})"),
    ):
        for course_id, instrument, *_ in conn.execute(query, params).fetchmany(20):
            yield (
                f"outcome_points: the row of course {course_id} and instrument {instrument} is "
                f"{label} (the summary's facts differ from its measures)"
            )
    stored = {r[0]: tuple(r) for r in conn.execute(f"SELECT {COURSES_COLUMNS} FROM outcome_courses")}
    for course_id, client_id, doc in conn.execute("SELECT id, client_id, doc FROM courses"):
        want = course_row(course_id, client_id, doc)
        if stored.pop(course_id, None) != want:
            yield f"outcome_courses: the row of course {course_id} is missing or wrong"
    for course_id in sorted(stored):
        yield f"outcome_courses: course {course_id} has a row but is not in the store"


# --- the summary --------------------------------------------------------------------------------


def _names(
    conn: sqlite3.Connection, params: OutcomeParams, wanted: Sequence[str] | None,
    lookup: InstrumentLookup,
) -> tuple[list[tuple[str, str, int]], dict[str, Any]]:
    """(recorded name, instrument, introduces) rows, as :func:`kapnotes.outcomes.course_outcomes`
    reads them: a recorded name *introduces* the outcome instrument it looks up to (and names),
    and *counts for* every selected instrument that it names; plus the instruments by name."""
    recorded = [
        r[0]
        for r in conn.execute(
            "WITH RECURSIVE n(name) AS (SELECT min(instrument) FROM measures UNION ALL "
            "SELECT (SELECT min(instrument) FROM measures WHERE instrument > n.name) FROM n "
            "WHERE n.name IS NOT NULL) SELECT name FROM n WHERE name IS NOT NULL"
        )
    ]
    from kapnotes.outcomes import is_outcome_measure

    introduced: dict[str, Any] = {}
    intro_of: dict[str, str] = {}
    for name in recorded:
        inst = lookup(name)
        if inst is None or not inst.is_named(name) or not is_outcome_measure(inst, params):
            continue
        if wanted is not None and not any(inst.is_named(w) for w in wanted):
            continue
        introduced.setdefault(inst.name, inst)
        intro_of[name] = inst.name
    rows = [
        (name, inst_name, int(intro_of.get(name) == inst_name))
        for inst_name, inst in introduced.items()
        for name in recorded
        if inst.is_named(name)
    ]
    return rows, introduced


#: Per course and instrument, when recorded names must be merged (``PHQ-9`` and ``phq9`` in one
#: course) or count for an instrument they do not introduce.
_MERGED = """
WITH names(raw, inst, intro) AS (VALUES {values})
SELECT p.course_id AS course_id, n.inst AS inst,
  min(CASE WHEN n.intro THEN p.first_use END) AS first_use,
  min(p.intake) AS intake, max(p.latest) AS latest, max(p.pre_dosing) AS pre_dosing,
  min(p.marked) AS marked
FROM outcome_points p JOIN names n ON n.raw = p.instrument
GROUP BY p.course_id, n.inst HAVING first_use IS NOT NULL
"""

#: Per course and instrument, when each recorded name is its own instrument (the usual case).
_DIRECT = """
SELECT course_id, CASE instrument {cases} END AS inst, first_use, intake, latest, pre_dosing, marked
FROM outcome_points WHERE instrument IN ({marks})
"""

_SUMMARY = """
WITH pc AS MATERIALIZED ({per_course}),
e AS MATERIALIZED (
  SELECT course_id, inst, first_use, base,
    CASE WHEN latest IS NOT NULL AND base IS NOT NULL
      AND substr(latest, 1, 27) > substr(base, 1, 27) THEN latest END AS latest
  FROM (SELECT course_id, inst, first_use, latest, {baseline} AS base FROM pc))
SELECT 'order', inst, min(course_id), first_use, NULL FROM e GROUP BY inst
UNION ALL
SELECT 'group', e.inst, coalesce(c.indication_code, ''),
  coalesce(e.base, '') || char(9) || coalesce(e.latest, ''),
  count(*)
FROM e LEFT JOIN outcome_courses c ON c.course_id = e.course_id
GROUP BY 2, 3, substr(e.base, 48), substr(e.latest, 48)
UNION ALL
SELECT 'evaluable', NULL, NULL, NULL, count(DISTINCT course_id) FROM e WHERE latest IS NOT NULL
"""


def _per_course(names: Sequence[tuple[str, str, int]]) -> tuple[str, list[Any]]:
    """The SQL (and its parameters) of one row per course and selected instrument."""
    by_raw: dict[str, list[tuple[str, int]]] = {}
    for raw, inst, intro in names:
        by_raw.setdefault(raw, []).append((inst, intro))
    insts = [inst for _raw, inst, _intro in names]
    one_to_one = len(set(insts)) == len(insts) and all(
        len(v) == 1 and v[0][1] for v in by_raw.values()
    )
    if one_to_one:
        raws = list(by_raw)
        cases = " ".join("WHEN ? THEN ?" for _ in raws)
        args: list[Any] = [x for raw in raws for x in (raw, by_raw[raw][0][0])]
        return _DIRECT.format(cases=cases, marks=",".join("?" * len(raws))), [*args, *raws]
    values = ",".join("(?,?,?)" for _ in names)
    return _MERGED.format(values=values), [x for row in names for x in row]


#: The baseline of each rule, as :func:`kapnotes.outcomes.select_baseline` chooses it.
BASELINES = {
    "pre-first-dosing": "coalesce(pre_dosing, marked)",
    "intake": "coalesce(intake, pre_dosing, marked)",
}


def uncovered_baseline(rule: str) -> str:
    """The error of a baseline rule the stored facts do not cover."""
    return (
        f"the stored summary facts do not cover the {rule!r} baseline: "
        "use kapnotes.outcomes.clinic_summary(store.iter_courses(), params)"
    )


def _total(packed: str | None) -> float | None:
    return None if packed is None else float(packed[KEY_LENGTH:])


def clinic_summary(
    conn: sqlite3.Connection,
    params: OutcomeParams | None = None,
    *,
    instruments: Iterable[str] | None = None,
    lookup: InstrumentLookup | None = None,
) -> ClinicSummary:
    """The clinic summary of every course in the store, from ``outcome_points``: the same
    counts and rows as :func:`kapnotes.outcomes.clinic_summary` of the stored record (its
    ``courses`` left empty: the outcomes of each course need the courses decoded).

    The ``first-dose-day`` baseline needs each course's first dose time; ask
    :func:`kapnotes.outcomes.clinic_summary` for it (:class:`ValueError` here)."""
    from kapnotes.outcomes import DEFAULT_PARAMS, ClinicSummary, RateRow, default_lookup

    params = params or DEFAULT_PARAMS
    lookup = lookup or default_lookup
    if params.baseline not in BASELINES:
        raise ValueError(uncovered_baseline(params.baseline))
    wanted = list(instruments) if instruments is not None else None
    n_courses, n_clients = conn.execute(
        "SELECT count(*), count(DISTINCT client_id) FROM courses"
    ).fetchone()
    names, found = _names(conn, params, wanted, lookup)
    if not names:
        return ClinicSummary(n_clients, n_courses, 0, (), (), ())
    per_course, args = _per_course(names)
    sql = _SUMMARY.format(per_course=per_course, baseline=BASELINES[params.baseline])
    order_rows, groups, n_evaluable_courses = [], [], 0
    for kind, inst, a, b, n in conn.execute(sql, args):
        if kind == "order":
            order_rows.append((inst, a, b))
        elif kind == "group":
            base, _tab, latest = b.partition("\t")
            groups.append((inst, a, base or None, latest or None, n))
        else:
            n_evaluable_courses = n
    order = {
        inst: k for k, (inst, *_key) in enumerate(sorted(order_rows, key=lambda r: (r[1], r[2])))
    }
    displays = {
        code: display
        for code, _first, display in conn.execute(
            "SELECT coalesce(indication_code, ''), min(course_id), indication_display "
            "FROM outcome_courses GROUP BY 1"
        )
    }
    counts: dict[tuple[str, str], list[int]] = {}
    judged: dict[tuple[str, float, float], tuple[bool | None, bool | None]] = {}
    for inst_name, code, base, latest, n in groups:
        row = counts.setdefault((inst_name, code), [0] * 6)
        row[0] += n
        if latest is None:
            continue
        x1, x2 = _total(base), _total(latest)
        assert x1 is not None and x2 is not None
        key = (inst_name, x1, x2)
        if key not in judged:
            judged[key] = _judge(found[inst_name], params, x1, x2)
        response, remission = judged[key]
        row[1] += n
        if response is not None:
            row[2] += n
            row[3] += n if response else 0
        if remission is not None:
            row[4] += n
            row[5] += n if remission else 0

    def rate_row(inst_name: str, code: str | None, n: Sequence[int]) -> RateRow:
        return RateRow(
            instrument=inst_name,
            title=found[inst_name].title,
            indication=code,
            indication_display=displays.get(code) if code is not None else None,
            n_courses=n[0],
            n_evaluable=n[1],
            n_response_evaluable=n[2],
            n_response=n[3],
            n_remission_evaluable=n[4],
            n_remission=n[5],
        )

    totals: dict[str, list[int]] = {}
    for (inst_name, _code), n in counts.items():
        acc = totals.setdefault(inst_name, [0] * 6)
        for k in range(6):
            acc[k] += n[k]
    by_instrument = tuple(
        rate_row(name, None, totals[name]) for name in sorted(totals, key=order.__getitem__)
    )
    by_indication = tuple(
        rate_row(name, code or None, counts[(name, code)])
        for name, code in sorted(counts, key=lambda k: (k[1], order[k[0]]))
    )
    return ClinicSummary(
        n_clients=n_clients,
        n_courses=n_courses,
        n_evaluable_courses=n_evaluable_courses,
        by_instrument=by_instrument,
        by_indication=by_indication,
        courses=(),
    )


def _judge(
    instrument: Any, params: OutcomeParams, x1: float, x2: float
) -> tuple[bool | None, bool | None]:
    """Response and remission of an evaluable course with baseline ``x1`` and latest ``x2``,
    by the rules :func:`kapnotes.outcomes.instrument_outcome` applies."""
    from kapnotes.outcomes import meets_response

    response_rule = params.response_rule(instrument)
    remission_rule = params.remission_rule(instrument)
    judged = response_rule.baseline_at_least is None or x1 >= response_rule.baseline_at_least
    response = meets_response(x1, x2, response_rule.reduction) if judged else None
    remission = (
        remission_rule.met(x2)
        if remission_rule is not None and remission_rule.evaluable(x1) else None
    )
    return response, remission
