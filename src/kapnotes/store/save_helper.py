"""A save's sessions prepared in a forked helper process while this process writes.

Most of a large save's time is SQLite's (the same statements a bare ``executemany`` of the rows
runs); most of the rest is Python working out the rows: scoring the measures, unstructuring
each session, its canonical JSON and hash, its searchable text and the rows under it
(:mod:`kapnotes.store.prepare`). That work needs only the document, so a helper forked at the
start of the save does it, chunk by chunk, while this process writes the chunks before, on a
second core. This process keeps every decision that reads the store (what is new, what
changed, what is refused), every write and the audit, as in a save without a helper, and the
rows it writes are the same (``tests/record/test_save_pin.py`` saves both ways).

* **When.** :func:`helper_unavailable` says why not: no ``fork`` (Linux only: elsewhere
  forking a process whose libraries hold threads is unsafe), or other threads in this process
  (a thread holding a lock at the fork would leave it held for ever in the helper).
  :meth:`kapnotes.store.Store.save` uses a helper by default when one is available, the
  document has at least :data:`MIN_SESSIONS` sessions, this process may use two CPUs and the
  memory available holds this process's again (:func:`memory_allows`; ``helper=True``:
  whenever available, ``helper=False``: never).
* **How it talks.** One pipe, helper to writer: a length-prefixed pickle per chunk of
  :func:`~kapnotes.store.prepare.chunk_bounds`, in order, then an end mark. The pipe holds
  little, so the helper works at most about a chunk ahead of the writer; memory holds one or
  two chunks' rows, not the document's.
* **Errors, as without a helper.** Without one, the document's scoring problems are raised
  before anything is written. The helper scores each chunk's courses before preparing it and,
  once a chunk has problems, only scores the rest; the writer then stops and raises
  :class:`~kapnotes.errors.InvalidError` with every problem, in the order
  :func:`~kapnotes.store.scores.score_document` gives them. An error of the writer's own (a
  signed session changed, the store locked) is raised only after the helper's verdict on the
  whole document, which comes first if it has one (:meth:`HelperFeed.verdict`). An exception
  in the helper travels back as it was (:data:`kapnotes.batch.WorkerFailure`: a
  :class:`~kapnotes.errors.PluginFailure` keeps its plugin); a helper that dies is a
  :class:`~kapnotes.errors.StoreError`. Nothing is written then: the save's transaction is
  rolled back.
* **Its end.** The helper never touches the store (it inherits this process's connection, and
  never uses or closes it: it ends with ``os._exit``) and runs in a session of its own
  (:func:`kapnotes.batch.own_session`), so Ctrl-C at a terminal reaches this process, which
  ends the helper, as it does when the save ends in any way.
* **Memory.** The helper shares this process's memory copy-on-write; the pages of the
  document's objects it reads (their reference counts change) are copied, up to about the
  document's size again while the save runs (measured: 97 MB of a 136 MB process saving
  20,009 sessions), which is why a save uses a helper by default only when that much memory
  is available.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import struct
import sys
import threading
from collections.abc import Iterator
from typing import IO, Any

from kapnotes.errors import InvalidError, Problem, StoreError
from kapnotes.model import Document, Session, TreatmentCourse
from kapnotes.registry import Registry
from kapnotes.store.prepare import Chunk, Prepared, SessionRows, chunk_bounds, prepare_session
from kapnotes.store.scores import Resolver, Score, score_course, score_measures

#: A document with fewer sessions is prepared in this process: forking and the wait for the
#: first chunk would cost about what the helper saves (measured in ``benchmarks/bench_store.py``).
MIN_SESSIONS = 500

_HEADER = struct.Struct("<Q")


def helper_unavailable() -> str | None:
    """Why a save cannot use a helper process here (None: it can)."""
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return "forking a helper is used on Linux only"
    if threading.active_count() > 1:
        return "other threads are running in this process"
    return None


def wants_helper(doc: Document, helper: bool | None) -> bool:
    """Whether a save of ``doc`` uses a helper (``helper``: as given to ``Store.save``). By
    default only where it pays: :data:`MIN_SESSIONS` sessions or more, and a second CPU."""
    if helper is False or helper_unavailable() is not None:
        return False
    if helper is None:
        return (
            sum(len(c.sessions) for c in doc.courses) >= MIN_SESSIONS
            and len(os.sched_getaffinity(0)) >= 2
            and memory_allows()
        )
    return True


def memory_allows() -> bool:
    """Whether the memory available (``MemAvailable``) holds this process's resident memory
    again: about what a helper may copy of it (it reads every session; the pages it touches
    are copied). False where it cannot be read."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            resident = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        with open("/proc/meminfo", encoding="ascii") as f:
            available = next(
                int(line.split()[1]) * 1024 for line in f if line.startswith("MemAvailable:")
            )
    except (OSError, ValueError, IndexError, StopIteration):
        return False
    return available >= resident


class HelperFeed:
    """The chunks of ``doc``, prepared by a helper forked when this is made (see the module).
    Close it (:meth:`close`) when the save ends, however it ends."""

    def __init__(self, doc: Document, registry: Registry | None) -> None:
        import kapnotes.batch  # noqa: F401 - imported before the fork: the helper uses it

        self.doc = doc
        # looked up here, before the fork: the helper inherits the loaded plugins
        self._resolver = Resolver(registry)
        self._bounds = chunk_bounds(doc.courses)
        self._home: dict[str, Score] | None = None
        # what the helper reported: its exception while scoring, the problems, its first
        # exception while preparing (see verdict)
        self._fatal: BaseException | None = None
        self._problems: list[Problem] = []
        self._failure: BaseException | None = None
        self._drained = False
        self._verdict: BaseException | None = None
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the helper: never returns
            _helper_main(read_end, write_end, doc, self._resolver, self._bounds)
        os.close(write_end)
        self.pid: int | None = pid
        self._pipe: IO[bytes] = os.fdopen(read_end, "rb", buffering=1 << 20)

    # --- the feed -------------------------------------------------------------------------------

    def home_scores(self) -> dict[str, Score]:
        """The at-home measures' scores, worked out here (they are few); their problems are the
        helper's to report."""
        if self._home is None:
            self._home = {}
            for course in self.doc.courses:
                if course.measures:
                    score_measures(course.measures, self._home, resolver=self._resolver)
        return self._home

    def chunks(self) -> Iterator[Chunk]:
        for start, end in self._bounds:
            message = self._next()
            self._take(message)
            if message[0] != "chunk" or message[2] is None:  # the save is refused
                found = self.verdict()
                assert found is not None  # the helper stops only for one of those
                raise found
            yield Chunk(start, end, message[2])
        self._take(self._next())
        if not self._drained:
            raise StoreError("the save's helper process sent more chunks than the document has")

    def rows_of(self, course: TreatmentCourse, s: Session, p: Prepared) -> SessionRows:
        assert p.rows is not None  # the helper prepares every session's rows
        return p.rows

    def verdict(self) -> BaseException | None:
        """What the save must raise whatever else went wrong: the helper's exception while
        scoring, else the document's scoring problems, else its first exception while
        preparing; None when it has none. Reads the rest of what the helper sends."""
        try:
            while not self._drained:
                self._take(self._next())
        except StoreError as exc:  # the helper died: what it would have said is not known
            self._verdict = exc
            return exc
        if self._verdict is None:
            if self._fatal is not None:
                self._verdict = self._fatal
            elif self._problems:
                self._verdict = InvalidError(self._problems)
            else:
                self._verdict = self._failure
        return self._verdict

    def close(self) -> None:
        """End the helper (if it has not ended) and wait for it."""
        pid, self.pid = self.pid, None
        if pid is None:
            return
        self._pipe.close()
        if not self._drained:
            with contextlib.suppress(ProcessLookupError):  # it may have ended already
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):  # reaped elsewhere (a SIGCHLD handler)
            os.waitpid(pid, 0)

    def __enter__(self) -> HelperFeed:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- helpers --------------------------------------------------------------------------------

    def _next(self) -> Any:
        header = self._pipe.read(_HEADER.size)
        if len(header) == _HEADER.size:
            (size,) = _HEADER.unpack(header)
            body = self._pipe.read(size)
            if len(body) == size:
                return pickle.loads(body)
        self._drained = True
        raise StoreError(
            f"the save's helper process (pid {self.pid}) ended before it had prepared the "
            "document; nothing was written"
        )

    def _take(self, message: Any) -> None:
        """Keep what a message reports (see :func:`_messages`)."""
        kind = message[0]
        if kind == "end":
            self._drained = True
        elif kind == "fatal":
            if self._fatal is None:
                self._fatal = message[1].rebuild()
        else:
            _, problems, _, failure = message
            self._problems += problems
            if failure is not None and self._failure is None:
                self._failure = failure.rebuild()


def _helper_main(
    read_end: int,
    write_end: int,
    doc: Document,
    resolver: Resolver,
    bounds: list[tuple[int, int]],
) -> None:
    """The helper's life: prepare every chunk, send each, end without any clean-up of the
    parent's state (``os._exit``: its store connection is never closed here)."""
    status = 0
    try:
        os.close(read_end)
        from kapnotes.batch import own_session

        own_session()
        with os.fdopen(write_end, "wb", buffering=0) as pipe:
            for message in _messages(doc, resolver, bounds):
                body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
                pipe.write(_HEADER.pack(len(body)) + body)
    except BaseException:  # noqa: BLE001 - the writer sees the pipe end; nothing to report to
        status = 1
    finally:
        os._exit(status)


def _messages(
    doc: Document, resolver: Resolver, bounds: list[tuple[int, int]]
) -> Iterator[tuple[Any, ...]]:
    """What the helper sends: per chunk ``("chunk", problems, prepared or None, failure or
    None)``, or ``("fatal", failure)`` for an exception while scoring (the helper stops), then
    ``("end",)``."""
    from kapnotes.batch import WorkerFailure

    courses = doc.courses
    refused = False  # a chunk had problems, or its preparation failed: only score the rest
    for start, end in bounds:
        scores: dict[str, Score] = {}
        problems: list[Problem] = []
        try:
            for i in range(start, end):
                problems += score_course(courses[i], i, scores, resolver)
        except Exception as exc:  # noqa: BLE001 - raised in the writer, as it was
            yield ("fatal", WorkerFailure(exc))
            break
        prepared: list[list[Prepared]] | None = None
        failure = None
        if problems:
            refused = True
        elif not refused:
            try:
                prepared = [
                    [prepare_session(s, k.client_id, scores) for s in k.sessions]
                    for k in courses[start:end]
                ]
            except Exception as exc:  # noqa: BLE001 - raised in the writer, as it was
                failure, refused = WorkerFailure(exc), True
        yield ("chunk", problems, prepared, failure)
    yield ("end",)
