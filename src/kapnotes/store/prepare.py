"""What a save writes for each session, worked out from the document alone (no I/O here).

:class:`kapnotes.store.writer.Writer` writes a document's sessions chunk by chunk
(:func:`chunk_bounds`: whole courses, in the document's order). What each session's rows hold
depends only on the session, its course and the scores of its measures, so it is prepared
apart from the SQL, by a *feed*: :class:`LocalFeed` prepares each chunk in this process when the
writer asks for it; :class:`kapnotes.store.save_helper.HelperFeed` prepares them in a forked
helper process while this one writes the chunks before. Both give the same :class:`Prepared`
values, so a save writes the same bytes either way (``tests/record/test_save_pin.py`` runs
both).

A feed also says what must be raised before a writer's own error (:meth:`Feed.verdict`): the
document's scoring problems are refused before anything else, as
:func:`kapnotes.store.scores.score_document` refuses them before a save without a helper
begins.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple, Protocol

from kapnotes.model import Document, Session, TreatmentCourse
from kapnotes.serialization import canonical_text
from kapnotes.serialization.fast_unstructure import fast_unstructure
from kapnotes.store.content import session_content_data, sha256_text
from kapnotes.store.rows import (
    intervention_rows,
    measure_rows,
    narrative_text,
    service_line_rows,
    utc_key,
    vitals_rows,
)
from kapnotes.store.scores import Score

#: A chunk holds whole courses, at least this many sessions (its last course may take it over),
#: except the first, which is :data:`FIRST_CHUNK_SESSIONS`: a helper's first chunk is ready
#: soon, and the writer is not kept waiting for it.
CHUNK_SESSIONS = 256
FIRST_CHUNK_SESSIONS = 16


class SessionRows(NamedTuple):
    """The rows of the tables under one session."""

    vitals: list[tuple[Any, ...]]
    interventions: list[tuple[Any, ...]]
    service_lines: list[tuple[Any, ...]]
    measures: list[tuple[Any, ...]]
    items: list[tuple[Any, ...]]


class Prepared(NamedTuple):
    """One session as the save writes it.

    ``values``: the ``sessions`` columns after the ids and order (:func:`session_values`);
    ``signatures``: each signature's canonical JSON, in order; ``addenda``: (id, kind, author,
    written at as a UTC key, canonical JSON) of each addendum, in order; ``rows``: the rows
    under the session, or None when they are worked out only if the session is written
    (:meth:`rows_of`), from ``data`` (the session unstructured) and the scores.
    """

    doc: str
    content_hash: str
    values: tuple[Any, ...]
    signatures: list[str]
    addenda: list[tuple[str, str, str, str, str]]
    rows: SessionRows | None
    data: dict[str, Any] | None


class Chunk(NamedTuple):
    """The courses ``doc.courses[start:end]`` and each one's prepared sessions, in order."""

    start: int
    end: int
    sessions: list[list[Prepared]]


class Feed(Protocol):
    """Where a writer gets the prepared chunks of a document, and what precedes its errors."""

    def home_scores(self) -> dict[str, Score]:
        """(total, band) of the courses' at-home measures (format 1.3), by measure id."""

    def chunks(self) -> Iterator[Chunk]:
        """The document's chunks (:func:`chunk_bounds`), in order."""

    def rows_of(self, course: TreatmentCourse, s: Session, p: Prepared) -> SessionRows:
        """The rows under ``s`` (prepared, or worked out now)."""

    def verdict(self) -> BaseException | None:
        """What a save must raise before any error of the writer's, and before it commits
        (the document's scoring problems, a failure of the preparation); None if nothing."""


def chunk_bounds(courses: Sequence[TreatmentCourse]) -> list[tuple[int, int]]:
    """``(start, end)`` of each chunk of ``courses``: whole courses, in order (see
    :data:`CHUNK_SESSIONS`)."""
    bounds: list[tuple[int, int]] = []
    start, held, wanted = 0, 0, FIRST_CHUNK_SESSIONS
    for i, course in enumerate(courses):
        held += len(course.sessions)
        if held >= wanted:
            bounds.append((start, i + 1))
            start, held, wanted = i + 1, 0, CHUNK_SESSIONS
    if start < len(courses):
        bounds.append((start, len(courses)))
    return bounds


def session_values(
    s: Session, content_hash: str, doc: str, data: dict[str, Any] | None = None
) -> tuple[Any, ...]:
    """The ``sessions`` columns after the ids and order (``data``: ``s`` unstructured, whose
    ``start`` and ``end`` are already the texts stored)."""
    if data is None:
        start, end = s.start.isoformat(), s.end.isoformat() if s.end else None
    else:
        start, end = data["start"], data.get("end")
    return (
        s.kind.value,
        utc_key(s.start),
        start,
        end,
        content_hash,
        narrative_text(s),
        doc,
    )


def session_rows(
    s: Session, client_id: str, data: dict[str, Any], scores: dict[str, Score]
) -> SessionRows:
    """The rows under ``s`` (``data``: its unstructured form, as stored)."""
    measures, items = measure_rows(s, client_id, scores)
    return SessionRows(
        vitals_rows(s),
        intervention_rows(s.id, data, canonical_text) if s.interventions else [],
        service_line_rows(s.id, data, canonical_text) if s.service_lines else [],
        measures,
        items,
    )


def prepare_session(
    s: Session, client_id: str, scores: dict[str, Score] | None
) -> Prepared:
    """``s`` as the save writes it; with its rows when ``scores`` are given, else with its
    data, for :meth:`Feed.rows_of` to work them out if ``s`` is written."""
    data = fast_unstructure(s)
    doc = canonical_text(session_content_data(data))
    content_hash = sha256_text(doc)
    signatures = [canonical_text(g) for g in data.get("signatures") or ()]
    addenda = [
        (a["id"], a["kind"], a["author_id"], _utc_text(a["written_at"]), canonical_text(a))
        for a in data.get("addenda") or ()
    ]
    values = session_values(s, content_hash, doc, data)
    if scores is None:
        return Prepared(doc, content_hash, values, signatures, addenda, None, data)
    return Prepared(
        doc, content_hash, values, signatures, addenda,
        session_rows(s, client_id, data, scores), None,
    )


def _utc_text(iso: str) -> str:
    import datetime as dt

    return utc_key(dt.datetime.fromisoformat(iso))


class LocalFeed:
    """Chunks prepared in this process as the writer asks for them, with the scores of
    :func:`~kapnotes.store.scores.score_document` (whose problems were raised before the save
    began: the verdict is always clear)."""

    def __init__(self, doc: Document, scores: dict[str, Score]) -> None:
        self.doc = doc
        self.scores = scores

    def home_scores(self) -> dict[str, Score]:
        return self.scores

    def chunks(self) -> Iterator[Chunk]:
        courses = self.doc.courses
        for start, end in chunk_bounds(courses):
            yield Chunk(start, end, [
                [prepare_session(s, k.client_id, None) for s in k.sessions]
                for k in courses[start:end]
            ])

    def rows_of(self, course: TreatmentCourse, s: Session, p: Prepared) -> SessionRows:
        if p.rows is not None:
            return p.rows
        assert p.data is not None
        return session_rows(s, course.client_id, p.data, self.scores)

    def verdict(self) -> BaseException | None:
        return None
