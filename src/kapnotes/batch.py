"""Render many stored sessions to files, on every core when it pays.

``registry=``: the note formats and exporters (None: the default registry, see
:mod:`kapnotes.registry`). Worker processes use the default registry, so a batch given an
explicit registry renders in this process.

How a batch is shared out, and why it scales (measured in ``benchmarks/bench_batch.py``):

* **The unit of work is a course.** A note needs its whole course (earlier sessions, scores),
  and decoding a course costs about as much as a third of a Word note. A batch groups its
  sessions by course and decodes each course, its client, the clinic and the clinicians once
  for all the notes of that course (:meth:`Store.course_note_contexts`), in this process as in
  a worker. A course of more than :data:`MAX_UNIT` notes is cut into pieces of about equal
  size, so no single task holds up the end of a batch.
* **The workers do all the work; this process only keeps the books.** Workers are forked after
  this process has rendered one note (so they inherit the loaded modules, plugins and
  prepared templates instead of each loading them again; the heap frozen meanwhile, so that
  their garbage collector does not copy the pages they inherit); each opens the store
  read-only once, then takes one unit at a time from a shared queue, largest first (so the
  last units are the small ones; the last :data:`TAIL_UNITS_PER_WORKER` per worker are cut to
  :data:`TAIL_UNIT` notes), renders its notes and writes each file itself. This process receives
  only the paths, records each unit's notes in the audit log in one transaction and yields
  them as the units finish, in whatever order they finish. With a queue of small units a
  worker that is slowed down (a core shared with another busy process) simply takes fewer
  units: the two workers finish within about one course of each other, busy machine or not.
  Each worker starts a session of its own, so that where the kernel shares the CPU between
  sessions (Linux autogroups) it counts as one process, not as a share of this one's session.
* **Every file is audited, and nothing is half-written.** Each note is written atomically
  (a temporary file in its folder, flushed to disk, renamed: see
  :func:`kapnotes.outputs.atomic_write`), by a thread while the next notes render (the flush
  waits on the disk; one file at a time, in order; a worker keeps up to
  :data:`WRITES_IN_FLIGHT` queued, this process's own units one); its audit row follows once it is written (one per
  note in this process; one transaction per unit from the workers). When a note fails, the
  other workers' units already started are finished and audited, the units not started are
  cancelled, and the error is raised; the notes a failing unit wrote before the failure are
  audited too. The same holds when the caller stops iterating early.
"""

from __future__ import annotations

import contextlib
import gc
import math
import multiprocessing
import os
import pickle
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from kapnotes.errors import KapnotesError
from kapnotes.model import SessionKind
from kapnotes.outputs import atomic_write, ensure_folder, safe_component
from kapnotes.registry import Registry, resolve
from kapnotes.store import Store, open_store

if TYPE_CHECKING:  # pragma: no cover
    from kapnotes.notes.format import NoteContext
    from kapnotes.rules.config import ClinicConfig

#: The note format used for a session kind when none is asked for.
DEFAULT_FORMATS: dict[SessionKind, str] = {
    SessionKind.INTAKE: "soap",
    SessionKind.PREPARATION: "soap",
    SessionKind.DOSING: "kap-dosing",
    SessionKind.INTEGRATION: "integration",
    SessionKind.FOLLOW_UP: "soap",
}

#: Below this many notes a worker pool costs more than it saves. Measured with
#: ``benchmarks/bench_batch.py --threshold``: 1 against 2 workers, interleaved, on 11 to 66
#: Word and Markdown notes (quiet, 2026-12-03: slower up to 22 notes, faster from 33); see
#: docs/architecture.md ("Batch rendering").
PARALLEL_THRESHOLD = 32

#: The most notes of one course a worker renders as one unit (longer courses are cut).
MAX_UNIT = 24

#: The last units of a batch shared out are cut to at most this many notes (the last
#: ``TAIL_UNITS_PER_WORKER`` units per worker), so that the workers end within a few notes of
#: each other; a piece of a course costs its course's decoding once more at most.
TAIL_UNIT = 4
TAIL_UNITS_PER_WORKER = 2


def default_format(kind: SessionKind, config: ClinicConfig | None = None) -> str:
    """The note format of a session kind: the clinic's (``config.notes``), else kapnotes'."""
    chosen = getattr(config.notes, kind.value) if config is not None else None
    return chosen or DEFAULT_FORMATS[kind]


def note_path(
    out_dir: Path, client_id: str, start: str, session_id: str, fmt: str, ext: str
) -> Path:
    """Where a batch writes a note: ``OUT/CLIENT/DATE_SESSION_FORMAT.EXT``, every part made safe
    (ids may hold ``/`` or ``..``; see :func:`kapnotes.outputs.safe_component`)."""
    name = safe_component(f"{start[:10]}_{session_id}_{fmt}") + "." + safe_component(ext)
    return out_dir / safe_component(client_id) / name


def render_stored(
    store: Store,
    session_id: str,
    *,
    format: str | None = None,
    to: str = "docx",
    template: str | Path | None = None,
    audit: bool = True,
    registry: Registry | None = None,
    config: ClinicConfig | None = None,
) -> bytes:
    """Render one stored session (``format`` None: the default for its kind, from ``config``
    when it sets one).

    A format asked for by name must be meant for the session's kind (``kap-dosing`` is refused
    for an intake); formats for any kind (SOAP, ...) fit every session. The rendering is audited
    in the store ("render") once the note is produced, unless ``audit`` is false (for a caller
    that audits after writing the note, with ``Store.record_renders``).
    """
    reg = resolve(registry if registry is not None else store.registry)
    if audit:
        store.check_writable("record the render in its audit log")
    ctx = store.note_context(session_id)
    name, data = _note_bytes(ctx, format, to, template, reg, config)
    if audit:
        store.record_renders([session_id], to=to, format=name)
    return data


def _note_bytes(
    ctx: NoteContext,
    format: str | None,
    to: str,
    template: str | Path | None,
    reg: Registry,
    config: ClinicConfig | None,
) -> tuple[str, bytes]:
    """The note format used and the exported bytes of one session's note."""
    from kapnotes.rendering import check_kind, export_note, run_format

    name = format or default_format(ctx.session.kind, config)
    check_kind(reg.note_formats.get(name), ctx.session)
    note = run_format(name, ctx, registry=reg)
    return name, export_note(note, to=to, template=template, subject=ctx.session.id, registry=reg)


class _Job(NamedTuple):
    """What every note of a batch shares (sent to each worker once, when it starts)."""

    out_dir: Path
    format: str | None
    to: str
    template: str | None
    config: ClinicConfig | None


class _Unit(NamedTuple):
    """Sessions of one course, rendered together (the course decoded once)."""

    course_id: str
    session_ids: tuple[str, ...]


class _Failure:
    """An exception sent back from a worker as it was: its class, arguments and attributes.

    Pickling an exception calls its class with its message alone on the way back, which breaks
    on errors built from other arguments (:class:`~kapnotes.errors.PluginFailure`,
    :class:`~kapnotes.errors.InvalidError`); this rebuilds it without calling ``__init__``.
    """

    def __init__(self, exc: BaseException) -> None:
        self.cls, self.args, self.state = type(exc), exc.args, dict(vars(exc))
        try:
            pickle.dumps(self)
        except Exception:  # noqa: BLE001 - attributes that cannot travel: the message still does
            self.cls, self.args, self.state = KapnotesError, (f"{type(exc).__name__}: {exc}",), {}

    def rebuild(self) -> BaseException:
        exc = self.cls.__new__(self.cls)
        BaseException.__init__(exc, *self.args)
        vars(exc).update(self.state)
        return exc


#: The public name of :class:`_Failure`, for other process pools (the FHIR NDJSON export).
WorkerFailure = _Failure


class _Done(NamedTuple):
    """What a worker sends back for a unit: the notes written (session id, file), and the
    error that stopped it, if one did (the notes before it are written and must be audited)."""

    written: list[tuple[str, str]]
    error: _Failure | None


#: Writes queued or under way at once in a worker (which reads each unit to its end). With two
#: processes writing, a flush takes about 1.1 ms where one
#: takes 0.5 ms, so a worker waiting for its one previous write lost 8-14 % of its time on a
#: machine that renders a note in 2.5 ms (``benchmarks/bench_batch.py``).
WRITES_IN_FLIGHT = 3


class _NotWritten(Exception):
    """A write skipped because an earlier one of its unit failed (never raised to a caller:
    the failed write is raised first)."""


def _write_unit(
    store: Store, unit: _Unit, job: _Job, reg: Registry, in_flight: int = 1
) -> Iterator[tuple[str, Path]]:
    """Render and write the notes of ``unit``; yields (session id, file) as each is written.

    Each file is written (flushed to disk, renamed: :func:`atomic_write`) by a thread while the
    next notes render, since the flush waits on the disk, not on the CPU; the writes happen one
    after the other, in order, at most ``in_flight`` of them queued or under way, and a note is
    yielded (and audited) only once written. A note is written only after the one before it
    was: when a write fails, the later notes are not written. With ``in_flight`` 1 no write is
    under way when anything is yielded, so a caller that stops leaves every written file
    yielded; a larger ``in_flight`` is for units read to their end (:data:`WRITES_IN_FLIGHT`).
    """
    import threading
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    exporter = reg.exporters.get(job.to)
    contexts = store.course_note_contexts(unit.course_id, unit.session_ids)
    failed = threading.Event()

    def write(path: Path, data: bytes) -> Path:
        if failed.is_set():
            raise _NotWritten(str(path))
        try:
            return atomic_write(path, data)
        except BaseException:
            failed.set()
            raise

    with ThreadPoolExecutor(1, thread_name_prefix="kapnotes-write") as writer:
        pending: deque[tuple[str, Future[Path]]] = deque()
        for ctx in contexts:
            try:
                name, data = _note_bytes(ctx, job.format, job.to, job.template, reg, job.config)
            except BaseException:
                while pending:  # written before the failure: yielded, so audited
                    sid, done = pending.popleft()
                    yield sid, done.result()
                raise
            while len(pending) >= in_flight:
                sid, done = pending.popleft()
                yield sid, done.result()
            assert ctx.course is not None
            path = note_path(job.out_dir, ctx.course.client_id, ctx.session.start.isoformat(),
                             ctx.session.id, name, exporter.extension)
            pending.append((ctx.session.id, writer.submit(write, path, data)))
        while pending:
            sid, done = pending.popleft()
            yield sid, done.result()


# --- worker processes ----------------------------------------------------------------------

#: A worker's own state: its read-only store and the batch's job (set by :func:`_start_worker`).
_worker: dict[str, object] = {}


def own_session() -> None:
    """Start a session of its own, in a worker process (of this module, or of another pool:
    the FHIR NDJSON export's).

    Where the kernel shares the CPU between sessions (Linux autogroups), workers of one session
    share one session's part, and two workers beside a busy process got less CPU than one
    (measured: 0.71x); each in its own session, each gets a process's part. Workers still end
    with this process (their queue closes); Ctrl-C at a terminal reaches this process only.
    """
    if hasattr(os, "setsid"):
        with contextlib.suppress(OSError):
            os.setsid()


def _start_worker(db_path: str, key: str | bytes | None, job: _Job) -> None:
    own_session()
    _worker["store"] = open_store(db_path, create=False, key=key, read_only=True)
    _worker["job"] = job


def _work(unit: _Unit) -> _Done:
    store, job = _worker["store"], _worker["job"]
    assert isinstance(store, Store) and isinstance(job, _Job)
    written: list[tuple[str, str]] = []
    try:
        for sid, path in _write_unit(store, unit, job, resolve(None), WRITES_IN_FLIGHT):
            written.append((sid, str(path)))
    except Exception as exc:  # noqa: BLE001 - sent back with the notes written before it
        return _Done(written, _Failure(exc))
    return _Done(written, None)


# --- sharing out -------------------------------------------------------------------------

def _units(ids: Sequence[str], course_of: dict[str, str]) -> list[_Unit]:
    """``ids`` grouped by course (in their order), courses over :data:`MAX_UNIT` cut into
    pieces of about equal size."""
    by_course: dict[str, list[str]] = {}
    for sid in ids:
        by_course.setdefault(course_of[sid], []).append(sid)
    units = []
    for course_id, sids in by_course.items():
        pieces = math.ceil(len(sids) / MAX_UNIT)
        size = math.ceil(len(sids) / pieces)
        units += [_Unit(course_id, tuple(sids[i : i + size])) for i in range(0, len(sids), size)]
    return units


def _cut_tail(units: list[_Unit], n_workers: int) -> list[_Unit]:
    """``units`` (largest first) with the last ``TAIL_UNITS_PER_WORKER * n_workers`` cut into
    pieces of at most :data:`TAIL_UNIT` notes, placed at the end, largest first (stable)."""
    keep = max(0, len(units) - TAIL_UNITS_PER_WORKER * n_workers)
    pieces = [
        _Unit(u.course_id, u.session_ids[i : i + TAIL_UNIT])
        for u in units[keep:]
        for i in range(0, len(u.session_ids), TAIL_UNIT)
    ]
    pieces.sort(key=lambda u: -len(u.session_ids))
    return [*units[:keep], *pieces]


def worker_count(workers: int | None = None) -> int:
    """Worker processes a batch uses: ``workers``, else the CPUs this process may run on."""
    if workers:
        return workers
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def render_all(
    store: Store,
    out_dir: Path,
    *,
    to: str = "docx",
    format: str | None = None,
    client_id: str | None = None,
    template: str | Path | None = None,
    workers: int | None = None,
    on_done: Callable[[Path], None] | None = None,
    key: str | bytes | None = None,
    registry: Registry | None = None,
    kind: SessionKind | str | None = None,
    config: ClinicConfig | None = None,
    skipped: list[str] | None = None,
    audit: bool = True,
) -> Iterator[Path]:
    """Render every stored session (or one client's, or those of one ``kind``) into
    ``out_dir``; yields each file written.

    ``format`` None renders each session in the default format of its kind (``config.notes``,
    else :data:`DEFAULT_FORMATS`). A ``format`` meant for some session kinds only
    (``kap-dosing``) renders the sessions it documents and leaves out the others, whose ids are
    appended to ``skipped`` (nothing is aborted half-way).

    With a file database and at least :data:`PARALLEL_THRESHOLD` notes, work is spread over
    ``workers`` processes (default: the CPUs this process may use, :func:`worker_count`),
    one course at a time (see the module's notes); each opens the database read-only, with
    ``key`` when the store is encrypted (the workers need it; pass the key the store was opened
    with). Files are then yielded as the workers finish them, not in the store's order.
    Workers use the default registry: with an explicit ``registry`` (or a store opened with one)
    every note is rendered here. Each note is recorded in the store's audit log once written
    (also when the batch fails or is stopped early); ``audit=False`` (for a store opened
    read-only, whose log cannot be written: the caller keeps its own record) does not.
    """
    if audit:  # refused before any note is written, not after the first
        store.check_writable("record the renders in its audit log")
    explicit = registry if registry is not None else store.registry
    reg = resolve(explicit)
    reg.exporters.get(to)  # fail fast on an unknown exporter name
    fmt = reg.note_formats.get(format) if format is not None else None
    wanted = SessionKind(kind) if kind is not None else None
    ids = []
    for sid, session_kind in store.session_kinds(client_id):
        if wanted is not None and session_kind is not wanted:
            continue
        if fmt is not None and fmt.session_kinds is not None and session_kind not in fmt.session_kinds:
            if skipped is not None:
                skipped.append(sid)
            continue
        ids.append(sid)
    ensure_folder(out_dir)
    if not ids:
        return
    job = _Job(out_dir, format, to, str(template) if template is not None else None, config)
    units = _units(ids, store.session_courses(client_id))
    n_workers = min(worker_count(workers), len(units))
    in_process = explicit is not None or store.path is None or n_workers < 2

    def written(paths: Sequence[tuple[str, Path]]) -> Iterator[Path]:
        if audit:  # audited once written
            store.record_renders([sid for sid, _ in paths], to=to, format=format)
        for _, path in paths:
            if on_done:
                on_done(path)
            yield path

    if in_process or len(ids) < PARALLEL_THRESHOLD:
        for unit in units:
            for done in _write_unit(store, unit, job, reg):
                yield from written([done])
        return
    # The first note here: forked workers inherit its loaded modules and prepared templates.
    units.sort(key=lambda u: -len(u.session_ids))  # largest first: the small ones end the batch
    last = units.pop()
    first = _Unit(last.course_id, last.session_ids[:1])
    if len(last.session_ids) > 1:
        units.append(_Unit(last.course_id, last.session_ids[1:]))
    yield from written(list(_write_unit(store, first, job, reg)))
    units = _cut_tail(units, n_workers)
    yield from _share_out(store, units, job, n_workers, key, written)


def _share_out(
    store: Store,
    units: list[_Unit],
    job: _Job,
    n_workers: int,
    key: str | bytes | None,
    written: Callable[[Sequence[tuple[str, Path]]], Iterator[Path]],
) -> Iterator[Path]:
    """Render ``units`` in ``n_workers`` forked processes; yields each file as its unit ends."""
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    pool = ProcessPoolExecutor(
        n_workers,
        mp_context=multiprocessing.get_context(method),
        initializer=_start_worker,
        initargs=(str(store.path), key, job),
    )
    pending: set[Future[_Done]] = set()
    ready: list[Future[_Done]] = []  # finished, not yet handed on
    errors: list[BaseException] = []

    def finish(done: _Done) -> list[tuple[str, Path]]:
        if done.error is not None:
            errors.append(done.error.rebuild())
        return [(sid, Path(p)) for sid, p in done.written]

    try:
        # The workers are forked at the first submit. Frozen, the objects they inherit are left
        # alone by their garbage collector, so fewer inherited pages are copied on write.
        gc.freeze()
        try:
            pending = {pool.submit(_work, u) for u in units}  # in this order: largest first
        finally:
            gc.unfreeze()
        while pending and not errors:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            ready = list(finished)
            while ready:
                yield from written(finish(ready.pop(0).result()))
    finally:
        # Stopped by an error, or by the caller: units not started are cancelled; those under
        # way end, and what they wrote is audited before the error (if any) is raised, as is
        # what the units that had finished wrote (the caller may stop while one is handed on).
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True)
        for future in [*ready, *pending]:
            if future.cancelled():
                continue
            exc = future.exception()
            if exc is not None:
                errors.append(exc)
                continue
            for _ in written(finish(future.result())):
                pass
    if errors:
        raise errors[0]
