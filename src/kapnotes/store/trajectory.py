"""One client's outcomes read from the store without decoding the client's courses.

:func:`kapnotes.outcomes.course_outcomes` needs a decoded course, and decoding one (its sessions'
notes, dosing records, vitals, interventions ...) costs far more than the outcomes computed from
it. The outcomes read little of a course (:class:`kapnotes.outcomes.CourseMeasures`): its
measures with their sessions' id and kind, when its first dosing session starts, when its first
dose is given and its primary indication. :func:`client_course_measures` reads exactly these:

* from ``courses``: each course's id, its ``indications`` and its at-home ``measures`` (format
  1.3), taken out of the stored JSON by SQLite (``json_extract``);
* from ``sessions``, in course order (``seq``): each session's id, kind, ``start`` (as recorded,
  with its UTC offset), its ``measures`` out of its JSON, and for a dosing session the dose's
  ``administered_at``.

Each piece is decoded by the project's converter, as a whole course would be, so the result of
:func:`kapnotes.outcomes.outcomes_of` is the very :class:`~kapnotes.outcomes.CourseOutcomes` of
the decoded course (equal by ``==``; the rules stay in :mod:`kapnotes.outcomes`). A course the
store already holds decoded (its read cache) is taken from there; an SQLite without JSON
functions gets every course decoded.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from kapnotes.model import Indication, MeasureAdministration, SessionKind, TreatmentCourse
from kapnotes.model.measures import in_time_order
from kapnotes.registry import Registry
from kapnotes.serialization import structure

if TYPE_CHECKING:
    from kapnotes.outcomes import CourseMeasures

_COURSES = (
    "SELECT id, client_id, json_extract(doc, '$.indications'), json_extract(doc, '$.measures') "
    "FROM courses WHERE client_id = ? ORDER BY started_on, id"
)
_SESSIONS = (
    "SELECT course_id, id, kind, start, json_extract(doc, '$.measures'), "
    "CASE WHEN kind = ? THEN json_extract(doc, '$.dosing.administered_at') END "
    "FROM sessions WHERE course_id IN ({marks}) ORDER BY course_id, seq"
)


def client_course_measures(
    conn: sqlite3.Connection,
    client_id: str,
    *,
    registry: Registry | None = None,
    decoded: Callable[[str], TreatmentCourse | None] = lambda _id: None,
    decode: Callable[[str], TreatmentCourse],
) -> list[CourseMeasures]:
    """The :class:`~kapnotes.outcomes.CourseMeasures` of each of the client's courses, in the
    order of ``Store.courses_of`` (start date, then id).

    :param decoded: a course already decoded (the store's cache), or None.
    :param decode: decodes a course (used where the store's SQLite has no JSON functions).
    """
    from kapnotes.outcomes import course_measures

    try:
        courses = conn.execute(_COURSES, (client_id,)).fetchall()
    except sqlite3.OperationalError as exc:  # an SQLite built without JSON functions
        if "json_extract" not in str(exc):
            raise
        ids = conn.execute(
            "SELECT id FROM courses WHERE client_id = ? ORDER BY started_on, id", (client_id,)
        ).fetchall()
        return [course_measures(decoded(r[0]) or decode(r[0])) for r in ids]
    if not courses:
        return []
    ids = [r[0] for r in courses]
    sessions: dict[str, list[tuple[Any, ...]]] = {i: [] for i in ids}
    for k in range(0, len(ids), 500):
        chunk = ids[k : k + 500]
        sql = _SESSIONS.format(marks=",".join("?" * len(chunk)))
        for row in conn.execute(sql, (SessionKind.DOSING.value, *chunk)):
            sessions[row[0]].append(row)
    out = []
    for course_id, client, indications, home in courses:
        cached = decoded(course_id)
        if cached is not None:
            out.append(course_measures(cached))
        else:
            out.append(_measures_of(course_id, client, indications, home, sessions[course_id],
                                    registry))
    return out


def _measures_of(
    course_id: str, client_id: str, indications: str | None, home: str | None,
    sessions: Sequence[tuple[Any, ...]], registry: Registry | None,
) -> CourseMeasures:
    from kapnotes.outcomes import Administration, CourseMeasures, primary_of

    administrations: list[Administration] = []
    first_start = dose_at = None
    for _course, session_id, kind_value, start, measures, dosed in sessions:
        kind = SessionKind(kind_value)
        if kind is SessionKind.DOSING and first_start is None:
            first_start = structure(start, dt.datetime)
            dose_at = structure(dosed, dt.datetime) if dosed is not None else first_start
        administrations += [
            Administration(m, session_id, kind) for m in _decoded_measures(measures, registry)
        ]
    administrations += [
        Administration(m) for m in in_time_order(list(_decoded_measures(home, registry)))
    ]
    found = structure(json.loads(indications), tuple[Indication, ...]) if indications else ()
    return CourseMeasures(
        course_id=course_id,
        client_id=client_id,
        primary_indication=primary_of(found),
        first_dosing_start=first_start,
        first_dose_at=dose_at,
        administrations=tuple(administrations),
    )


def _decoded_measures(
    text: str | None, registry: Registry | None
) -> tuple[MeasureAdministration, ...]:
    if not text:
        return ()
    return structure(json.loads(text), tuple[MeasureAdministration, ...], registry=registry)
