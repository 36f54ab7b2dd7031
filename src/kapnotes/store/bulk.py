"""Reading many courses fast: ordered batches of rows, and a decoder that trusts the store
(and, for ``kapnotes verify``, :func:`decode_checked`, the same decoder trusting nothing).

:func:`iter_courses` is what :meth:`kapnotes.exporting.RecordView.of_store` streams, so every
record exporter of a store (FHIR NDJSON first) reads through it. It gives exactly what
:meth:`Store.iter_courses <kapnotes.store.db.Store.iter_courses>` gives — the same courses, in
the same order (by id), equal object for object — with two differences in how:

* **Batches.** Rows are read ``batch`` courses at a time, their sessions, signatures and addenda
  in one ordered query each, instead of four queries per course. Memory holds one batch.
* **No re-validation.** A stored course was validated when it was written (signed content is
  then immutable, see ``store/triggers.py``), so it is decoded with every key, type and tag
  checked as on import — by :func:`kapnotes.serialization.fast_structure.fast_structure` (the
  project converter's checks compiled into one function per class), else by the converter —
  but the model's invariants are not run again
  (:func:`kapnotes.model._base.trusted_construction`). Any row this fast path cannot decode
  is decoded again by the validating path (:func:`kapnotes.serialization.structure`), so a
  damaged database gets the clear error it always got, with its JSON path. Rows changed behind
  the store's back in ways that only an invariant would notice are what ``kapnotes verify``
  finds (it recomputes every derived row and checks every hash and signature).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from kapnotes.model import TreatmentCourse
from kapnotes.model._base import trusted_construction
from kapnotes.serialization import structure
from kapnotes.serialization.converter import converter
from kapnotes.serialization.fast_structure import fast_structure

if TYPE_CHECKING:  # pragma: no cover
    from kapnotes.registry import Registry
    from kapnotes.store.db import Store

T = TypeVar("T")

#: Courses read per batch (about 11 sessions each in the synthetic clinic): larger batches
#: measured no faster and hold more memory (200: +19 MB peak RSS at 1,100 sessions).
BATCH = 16


def course_ids(store: Store, client_ids: Sequence[str] | None = None) -> list[str]:
    """The ids of the courses of ``client_ids`` (all: None), in id order."""
    wanted = None if client_ids is None else set(client_ids)
    return [
        r[0]
        for r in store.conn.execute("SELECT id, client_id FROM courses ORDER BY id")
        if wanted is None or r[1] in wanted
    ]


def iter_courses(
    store: Store, client_ids: Sequence[str] | None = None, *, batch: int = BATCH
) -> Iterator[TreatmentCourse]:
    """Courses with their sessions, one at a time, by id, read ``batch`` courses at a time."""
    ids = course_ids(store, client_ids)
    for i in range(0, len(ids), batch):
        yield from read_courses(store, ids[i : i + batch])


def read_courses(store: Store, ids: Sequence[str]) -> Iterator[TreatmentCourse]:
    """The courses ``ids``, in that order, read together and decoded as :func:`iter_courses`
    does (a parallel export reads its share of the courses so, a batch at a time)."""
    for data in _batch_data(store, list(ids)):
        yield decode_course(data, store)


def _batch_data(store: Store, ids: list[str]) -> list[dict[str, Any]]:
    """The plain data of courses ``ids`` (in that order), sessions included."""
    marks = ",".join("?" * len(ids))
    docs = dict(store.conn.execute(f"SELECT id, doc FROM courses WHERE id IN ({marks})", ids).fetchall())
    by_course: dict[str, list[tuple[str, str, str]]] = {cid: [] for cid in ids}
    for course_id, sid, status, doc in store.conn.execute(
        f"SELECT course_id, id, status, doc FROM sessions WHERE course_id IN ({marks}) ORDER BY course_id, seq",
        ids,
    ):
        by_course[course_id].append((sid, status, doc))
    rows = [r for cid in ids for r in by_course[cid]]
    sessions = iter(store._sessions_data(rows))  # the store's one way to assemble sessions
    out = []
    for cid in ids:
        base = json.loads(docs[cid])
        base["sessions"] = [next(sessions) for _ in by_course[cid]]
        out.append(base)
    return out


def decode_course(data: dict[str, Any], store: Store) -> TreatmentCourse:
    """A stored course's data as a :class:`TreatmentCourse`: fast, else validated (see above)."""
    if store.registry is None:
        with trusted_construction():
            course = _compiled(data, TreatmentCourse)
        if course is not None:
            return course
    try:
        with trusted_construction():
            course = converter(store.registry).structure(data, TreatmentCourse)
        if isinstance(course, TreatmentCourse):
            return course
    except Exception:  # noqa: BLE001 - decoded again below, with every problem named
        pass
    return structure(data, TreatmentCourse, registry=store.registry)


def decode_checked(data: Any, cls: type[T], registry: Registry | None = None) -> T:
    """Stored data as ``cls`` with **everything** checked, the model's invariants included, as
    :func:`kapnotes.serialization.structure` checks it, only faster: what ``kapnotes verify``
    decodes each row with (it trusts nothing it reads).

    The compiled decoder first (it refuses whatever the converter refuses, and the invariants
    run as each object is made, since this is not :func:`trusted_construction`); whatever it
    refuses, or any plugin registry's data, goes through the validating path, which accepts the
    same rows and names the JSON path of what it refuses.
    """
    if registry is None:
        value = _compiled(data, cls)
        if value is not None:
            return value
    return structure(data, cls, registry=registry)


def _compiled(data: Any, cls: type[T]) -> T | None:
    """``data`` as ``cls`` by the compiled decoder (written for the default registry's
    converter), or None where it refuses: the caller's slower path then says what is wrong."""
    try:
        value = fast_structure(data, cls)
    except Exception:  # noqa: BLE001 - the caller decodes it again, with every problem named
        return None
    return value if isinstance(value, cls) else None
