"""The NDJSON export of a store on every core: workers build the lines, this process writes them.

How it stays the same export as in one process:

* **The unit of work is a batch of courses** (:data:`UNIT`, in the store's course order, as
  :func:`kapnotes.store.bulk.iter_courses` reads them). A worker reads its
  batch from the store (opened read-only, once per worker), builds every resource of those
  courses (:func:`kapnotes_fhir.record.course_entries`) and serializes them, and sends back
  the lines of each resource type, in order. This process writes the batches **in course
  order** (whatever order the workers finish them in), after the people it writes itself, so
  every file is byte for byte what one process writes (the pinned outputs hold for both).
* **Bounded work in flight.** At most :data:`IN_FLIGHT` batches per worker are queued or under
  way; the next is submitted as the oldest is written. Memory holds those batches' lines,
  whatever the size of the store.
* **Errors as in one process.** A course that fails in a worker (a plugin's error naming the
  plugin and the session, a damaged row with its JSON path) is sent back as it was raised
  (:data:`kapnotes.batch.WorkerFailure`) and raised here when its batch's turn comes, so the
  first failing course in course order is the error, as in one process. The caller removes
  its ``.part`` files; the batches not started are cancelled and the workers end (also when
  the export is stopped early: Ctrl-C, an error writing). A worker that dies is a
  :class:`~kapnotes_fhir.context.FhirExportError`.
* **Workers are forked** where the platform can, after this process has exported the first
  course (so they inherit the loaded plugins, the decoder's generated code and the formats'
  prepared state instead of each preparing them again), each in a session of its own (:func:`kapnotes.batch.own_session`, for the reason
  given there), and build their :class:`~kapnotes_fhir.context.ExportContext` from the same
  clinic, clinicians, clients and settings as this process's. The export is audited once, by
  the caller (as in one process); workers never write to the store.

A small record (under :data:`PARALLEL_THRESHOLD` courses), a view that is not of a store file
(a document, ``:memory:``), an encrypted store (the store keeps no key to hand on) or a store
opened with an explicit registry (workers use the default one) is exported in one process.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
from collections import deque
from collections.abc import Generator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import NamedTuple

from kapnotes.batch import WorkerFailure, own_session, worker_count
from kapnotes.exporting import RecordView
from kapnotes.model import Client, Clinic, Clinician
from kapnotes.store import Store, bulk
from kapnotes_fhir.context import ExportContext, FhirExportError, Settings

#: Below this many courses (about 11 sessions each in the synthetic clinic) the export stays in
#: one process: forking the workers and opening the store in each costs more than it saves.
PARALLEL_THRESHOLD = 32

#: Courses per batch a worker builds (about 90 sessions, 0.2 s): small enough that a worker
#: slowed down by a busy core holds up the end of the export by little (the other takes more
#: batches), large enough that reading and sending a batch costs nothing beside building it.
UNIT = 8

#: Batches queued or under way per worker: enough that no worker waits for this process,
#: few enough that memory stays flat.
IN_FLIGHT = 2


class _Job(NamedTuple):
    """What every batch of an export shares (sent to each worker once, when it starts)."""

    db_path: str
    settings: Settings
    clinic: Clinic | None
    clinicians: tuple[Clinician, ...]
    clients: tuple[Client, ...]


class _Done(NamedTuple):
    """A batch's lines, per resource type in the order written; or the error that stopped it."""

    lines: dict[str, str]
    error: WorkerFailure | None


def parallel_plan(view: RecordView, settings: Settings) -> tuple[Store, list[str], int] | None:
    """The store, course ids and worker count of a parallel export of ``view``; None when it
    is exported in one process (see the module's notes)."""
    store = view.source
    if settings.workers == 1 or store is None or store.path is None or store.registry is not None:
        return None
    if not isinstance(store.conn, sqlite3.Connection):  # SQLCipher: the key is not kept
        return None
    ids = bulk.course_ids(store, [c.id for c in view.clients])
    batches = -(-len(ids) // UNIT)
    n_workers = min(worker_count(settings.workers), batches)
    if len(ids) < PARALLEL_THRESHOLD or n_workers < 2:
        return None
    return store, ids, n_workers


def course_lines(
    ctx: ExportContext, store: Store, ids: Sequence[str], n_workers: int
) -> Generator[dict[str, str], None, None]:
    """The lines of courses ``ids``, a batch at a time, in course order, built by ``n_workers``
    worker processes (each batch: resource type -> its lines, joined)."""
    assert store.path is not None
    job = _Job(str(store.path), ctx.settings, ctx.clinic, tuple(ctx.clinicians.values()), ctx.view.clients)
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    pool = ProcessPoolExecutor(
        n_workers, mp_context=multiprocessing.get_context(method), initializer=_start_worker, initargs=(job,)
    )
    batches = (list(ids[i : i + UNIT]) for i in range(0, len(ids), UNIT))
    queue: deque[Future[_Done]] = deque()
    try:
        for batch in batches:
            queue.append(pool.submit(_work, batch))
            if len(queue) >= n_workers * IN_FLIGHT:
                break
        while queue:
            try:
                done = queue.popleft().result()
                following = next(batches, None)
                if following is not None:  # the next batch starts before this one is written
                    queue.append(pool.submit(_work, following))
            except BrokenProcessPool as exc:
                raise FhirExportError(
                    f"a worker process of the NDJSON export ended unexpectedly ({exc}); "
                    "no file was written (workers=1 exports in one process)"
                ) from None
            if done.error is not None:
                raise done.error.rebuild()
            yield done.lines
    finally:
        for future in queue:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


# --- worker processes ----------------------------------------------------------------------

#: A worker's own state: its read-only store and export context (set by :func:`_start_worker`).
_worker: dict[str, object] = {}


def _start_worker(job: _Job) -> None:
    from kapnotes.store import open_store

    own_session()
    _worker["store"] = open_store(job.db_path, create=False, read_only=True)
    view = RecordView(clinic=job.clinic, clinicians=job.clinicians, clients=job.clients, courses=tuple)
    _worker["ctx"] = ExportContext(view, job.settings, mode="relative")


def _work(ids: list[str]) -> _Done:
    from kapnotes_fhir.ndjson import line
    from kapnotes_fhir.record import course_entries

    store, ctx = _worker["store"], _worker["ctx"]
    assert isinstance(store, Store) and isinstance(ctx, ExportContext)
    by_type: dict[str, list[str]] = {}
    try:
        for course in bulk.read_courses(store, ids):
            for entry in course_entries(ctx, course):
                rtype = entry.type
                lines = by_type.get(rtype)
                if lines is None:
                    lines = by_type[rtype] = []
                lines.append(line(entry.resource))
    except Exception as exc:  # noqa: BLE001 - raised in the parent, when this batch's turn comes
        return _Done({}, WorkerFailure(exc))
    return _Done({rtype: "".join(lines) for rtype, lines in by_type.items()}, None)
