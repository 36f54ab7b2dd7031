"""Batch rendering (`kapnotes.batch.render_all`): the work shared out by course, every file
written audited — also when a note fails in a worker or the caller stops early."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from kapnotes import batch
from kapnotes.batch import PARALLEL_THRESHOLD, render_all, worker_count
from kapnotes.cli import cli
from kapnotes.errors import PluginFailure
from kapnotes.hookspecs import hookimpl
from kapnotes.notes.format import NoteContext, NoteFormat
from kapnotes.store import Store, open_store
from kapnotes.store.db import Store as StoreClass


@pytest.fixture
def demo_store(tmp_path: Path, demo_doc) -> Iterator[Store]:  # type: ignore[no-untyped-def]
    """A file store holding the demo clinic (4 clients, 44 sessions)."""
    with open_store(tmp_path / "k.db") as s:
        s.save(demo_doc)
        yield s


def _rendered(store: Store) -> list[str]:
    return [r["object"].removeprefix("session:") for r in store.audit_log() if r["action"] == "render"]


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def _sessions_in(files: dict[str, bytes] | list[Path], store: Store) -> set[str]:
    names = [Path(f).name for f in files]
    return {sid for sid in store.session_ids() if any(f"_{sid}_" in n for n in names)}


def test_two_workers_write_the_same_notes_as_one(demo_store: Store, tmp_path: Path) -> None:
    n = len(demo_store.session_ids())
    assert n >= PARALLEL_THRESHOLD  # the demo clinic takes the worker pool
    one = list(render_all(demo_store, tmp_path / "one", to="markdown", workers=1))
    audited_one = _rendered(demo_store)
    two = list(render_all(demo_store, tmp_path / "two", to="markdown", workers=2))
    audited_two = _rendered(demo_store)[len(audited_one):]
    assert len(one) == len(two) == n
    assert _files(tmp_path / "one") == _files(tmp_path / "two")
    assert sorted(audited_one) == sorted(audited_two) == sorted(demo_store.session_ids())


def test_each_course_is_decoded_once(demo_store: Store, tmp_path: Path, monkeypatch) -> None:
    decoded: list[str] = []
    original = StoreClass._course_from_row

    def counting(self: Store, course_id: str, doc: str):  # type: ignore[no-untyped-def]
        decoded.append(course_id)
        return original(self, course_id, doc)

    monkeypatch.setattr(StoreClass, "_course_from_row", counting)
    paths = list(render_all(demo_store, tmp_path, to="text", workers=1))
    courses = {c for (c,) in demo_store.conn.execute("SELECT id FROM courses")}
    assert len(paths) == len(demo_store.session_ids())
    assert sorted(decoded) == sorted(courses)  # once each, though every note was audited


def test_long_courses_are_cut_into_units_of_at_most_max_unit(monkeypatch) -> None:
    monkeypatch.setattr(batch, "MAX_UNIT", 4)
    ids = [f"a{i}" for i in range(9)] + ["b0", "b1"]
    course_of = {sid: sid[0] for sid in ids}
    units = batch._units(ids, course_of)
    assert [(u.course_id, len(u.session_ids)) for u in units] == [("a", 3), ("a", 3), ("a", 3), ("b", 2)]
    assert [s for u in units for s in u.session_ids] == ids


def test_worker_count_follows_the_cpus_this_process_may_use() -> None:
    assert worker_count(3) == 3
    expected = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert worker_count() == expected


BAD = "cl-003-dose-02"


class FailsOnOne:
    """A note format that fails on one session and renders the others as SOAP notes."""

    @hookimpl
    def register_note_formats(self, register):  # type: ignore[no-untyped-def]
        from kapnotes.plugins import registry

        def build(ctx: NoteContext):  # type: ignore[no-untyped-def]
            if ctx.session.id == BAD:
                raise KeyError("no such field")
            return registry().note_formats.get("soap").build(ctx)

        register(NoteFormat(name="t-fails-on-one", description="fails on one session", build=build))


def test_a_note_failing_in_a_worker_raises_its_error_and_what_was_written_is_audited(
    demo_store: Store, tmp_path: Path, plugin
) -> None:
    plugin(FailsOnOne(), "t-fails-on-one-plugin")
    out = tmp_path / "notes"
    with pytest.raises(PluginFailure, match=f"'t-fails-on-one'.*failed on {BAD}: KeyError") as info:
        list(render_all(demo_store, out, to="markdown", format="t-fails-on-one", workers=2))
    assert info.value.plugin == "t-fails-on-one-plugin" and info.value.subject == BAD
    files = _files(out)
    assert files and not any(f.endswith(".part") for f in files)
    assert BAD not in _sessions_in(files, demo_store)
    assert sorted(_rendered(demo_store)) == sorted(_sessions_in(files, demo_store))


def test_cli_batch_with_a_failing_note_exits_1_with_the_error(demo_store: Store, tmp_path: Path, plugin) -> None:
    plugin(FailsOnOne(), "t-fails-on-one-plugin")
    r = CliRunner().invoke(cli, ["render", "--all", "-f", "t-fails-on-one", "--to", "markdown",
                                 "--workers", "2", "--out", str(tmp_path / "n"), "--db", str(demo_store.path)])
    assert r.exit_code == 1, r.output
    assert f"failed on {BAD}: KeyError" in r.output and "Traceback" not in r.output


def test_stopping_a_batch_early_audits_every_file_written(demo_store: Store, tmp_path: Path) -> None:
    out = tmp_path / "notes"
    batch_ = render_all(demo_store, out, to="markdown", workers=2)
    seen = [next(batch_) for _ in range(3)]
    batch_.close()  # the caller stops: units not started are cancelled
    files = _files(out)
    assert {str(p.relative_to(out)) for p in seen} <= set(files)
    assert sorted(_rendered(demo_store)) == sorted(_sessions_in(files, demo_store))


def test_course_note_contexts_are_the_note_contexts_of_its_sessions(demo_store: Store) -> None:
    from kapnotes.errors import NotFoundError

    course_of = demo_store.session_courses("cl-002")
    assert set(course_of) == set(demo_store.session_ids("cl-002"))
    course_id = next(iter(course_of.values()))
    sids = [sid for sid, c in course_of.items() if c == course_id][:3]
    assert demo_store.course_note_contexts(course_id, sids) == [demo_store.note_context(s) for s in sids]
    with pytest.raises(NotFoundError, match="no session 'cl-001-dose-01' in course"):
        demo_store.course_note_contexts(course_id, ["cl-001-dose-01"])


@pytest.mark.skipif(not hasattr(os, "setsid"), reason="POSIX sessions")
def test_a_worker_runs_in_a_session_of_its_own(demo_store: Store, tmp_path: Path) -> None:
    """Where the kernel shares CPU between sessions (autogroups), a worker counts as itself."""
    import multiprocessing

    def child(q) -> None:  # type: ignore[no-untyped-def]
        batch._start_worker(str(demo_store.path), None, batch._Job(tmp_path, None, "text", None, None))
        q.put(os.getsid(0) == os.getpid() != os.getsid(os.getppid()))

    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=child, args=(q,))
    p.start()
    assert q.get(timeout=30) is True
    p.join(timeout=30)


def test_a_note_failing_in_this_process_audits_the_notes_written_before_it(
    demo_store: Store, tmp_path: Path, plugin
) -> None:
    # One worker renders here; the note before BAD is being written while BAD renders.
    plugin(FailsOnOne(), "t-fails-on-one-plugin")
    out = tmp_path / "notes"
    with pytest.raises(PluginFailure, match=f"failed on {BAD}: KeyError"):
        list(render_all(demo_store, out, to="markdown", format="t-fails-on-one", workers=1))
    files = _files(out)
    written = _sessions_in(files, demo_store)
    assert written and BAD not in written and not any(f.endswith(".part") for f in files)
    assert sorted(_rendered(demo_store)) == sorted(written)
    before_bad = [s for s in demo_store.session_ids() if demo_store.session_courses()[s]
                  == demo_store.session_courses()[BAD]]
    assert before_bad[before_bad.index(BAD) - 1] in written  # the one whose write overlapped


@pytest.mark.parametrize("workers", [1, 2])
def test_a_failing_write_stops_its_unit_and_the_notes_before_it_are_audited(
    demo_store: Store, tmp_path: Path, monkeypatch, workers: int
) -> None:
    from kapnotes.outputs import OutputError

    original = batch.atomic_write

    def failing(path: Path, data: bytes) -> Path:
        if f"_{BAD}_" in path.name:
            raise OutputError(f"cannot write {path}: disk full")
        return original(path, data)

    monkeypatch.setattr(batch, "atomic_write", failing)  # forked workers inherit it
    out = tmp_path / "notes"
    with pytest.raises(OutputError, match="disk full"):
        list(render_all(demo_store, out, to="markdown", workers=workers))
    files = _files(out)
    written = _sessions_in(files, demo_store)
    assert BAD not in written and sorted(_rendered(demo_store)) == sorted(written)
    course = [s for s in demo_store.session_ids()
              if demo_store.session_courses()[s] == demo_store.session_courses()[BAD]]
    after = course[course.index(BAD) + 1:]
    if workers == 1:  # in order: the notes after BAD in its course were never written
        assert after and not set(after) & written


def test_the_next_note_renders_while_a_note_is_written(demo_store: Store, tmp_path: Path,
                                                       monkeypatch) -> None:
    import threading

    original, real_note_bytes = batch.atomic_write, batch._note_bytes
    sids = demo_store.session_ids("cl-001")  # one course: one unit, rendered here
    changed = threading.Condition()
    renders: list[int] = []
    overlapped: list[bool] = []

    def note_bytes(*args, **kwargs):  # type: ignore[no-untyped-def]
        with changed:
            renders.append(1)
            changed.notify_all()
        return real_note_bytes(*args, **kwargs)

    def slow_write(path: Path, data: bytes) -> Path:
        k = len(overlapped)  # the k-th write: the next note's render starts while it waits
        if k < len(sids) - 1:
            with changed:
                overlapped.append(changed.wait_for(lambda: len(renders) >= k + 2, timeout=10))
        return original(path, data)

    monkeypatch.setattr(batch, "atomic_write", slow_write)
    monkeypatch.setattr(batch, "_note_bytes", note_bytes)
    paths = list(render_all(demo_store, tmp_path, to="text", client_id="cl-001", workers=1))
    assert len(paths) == len(sids) == len(overlapped) + 1
    assert all(overlapped)


def test_stopping_early_audits_units_that_finished_together(
    demo_store: Store, tmp_path: Path, monkeypatch
) -> None:
    # Units that finish at once are handed on one after the other; the caller may stop while
    # the first is handed on: the others were written, so they are audited too.
    from concurrent.futures import ALL_COMPLETED
    from concurrent.futures import wait as real_wait

    monkeypatch.setattr(batch, "wait", lambda fs, return_when: real_wait(fs, return_when=ALL_COMPLETED))
    out = tmp_path / "notes"
    batch_ = render_all(demo_store, out, to="markdown", workers=2)
    seen = [next(batch_) for _ in range(2)]  # the first note (here), then a worker's
    batch_.close()
    files = _files(out)
    assert {str(p.relative_to(out)) for p in seen} <= set(files)
    assert len(files) == len(demo_store.session_ids())
    assert sorted(_rendered(demo_store)) == sorted(_sessions_in(files, demo_store))


def test_the_last_units_are_cut_small(monkeypatch) -> None:
    units = [batch._Unit(c, tuple(f"{c}{i}" for i in range(n)))
             for c, n in (("a", 11), ("b", 11), ("c", 10), ("d", 9), ("e", 6), ("f", 2))]
    cut = batch._cut_tail(units, 2)
    assert cut[:2] == units[:2]  # the largest stay whole
    assert [len(u.session_ids) for u in cut[2:]] == [4, 4, 4, 4, 4, 2, 2, 2, 1]
    assert sorted(s for u in cut for s in u.session_ids) == sorted(s for u in units for s in u.session_ids)
    for u in cut:  # each piece keeps its course's order
        assert list(u.session_ids) == sorted(u.session_ids, key=lambda s: int(s[1:]))


def _unit_of(store: Store, client: str, out: Path) -> tuple[batch._Unit, batch._Job, list[str]]:
    sids = store.session_ids(client)
    course = store.session_courses()[sids[0]]
    assert all(store.session_courses()[s] == course for s in sids)  # one course: one unit
    return batch._Unit(course, tuple(sids)), batch._Job(out, None, "text", None, None), sids


@pytest.mark.parametrize("in_flight", [1, 3])
def test_with_writes_in_flight_a_failed_write_stops_the_later_ones(
    demo_store: Store, tmp_path: Path, monkeypatch, in_flight: int
) -> None:
    """Several writes queued (a worker's units): the ones after a failed write are not
    written, and every note yielded is written and nothing else is."""
    import time

    from kapnotes.outputs import OutputError
    from kapnotes.registry import resolve

    out = tmp_path / "notes"
    unit, job, sids = _unit_of(demo_store, "cl-001", out)
    bad = sids[2]
    original = batch.atomic_write

    def slow_failing(path: Path, data: bytes) -> Path:
        time.sleep(0.02)  # the renders run ahead: later writes are queued behind this one
        if f"_{bad}_" in path.name:
            raise OutputError(f"cannot write {path}: disk full")
        return original(path, data)

    monkeypatch.setattr(batch, "atomic_write", slow_failing)
    yielded: list[str] = []

    def consume() -> None:
        for sid, _path in batch._write_unit(demo_store, unit, job, resolve(None), in_flight):
            yielded.append(sid)

    with pytest.raises(OutputError, match="disk full"):
        consume()
    assert yielded == sids[:2]
    assert _sessions_in(_files(out), demo_store) == set(sids[:2])


def test_with_writes_in_flight_a_failed_render_yields_every_note_written_before_it(
    demo_store: Store, tmp_path: Path, monkeypatch
) -> None:
    from kapnotes.registry import resolve

    out = tmp_path / "notes"
    unit, job, sids = _unit_of(demo_store, "cl-001", out)
    real = batch._note_bytes
    calls = []

    def failing_fifth(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 5:
            raise KeyError("no such field")
        return real(*args, **kwargs)

    monkeypatch.setattr(batch, "_note_bytes", failing_fifth)
    yielded: list[str] = []

    def consume() -> None:
        for sid, _path in batch._write_unit(demo_store, unit, job, resolve(None), 3):
            yielded.append(sid)

    with pytest.raises(KeyError):
        consume()
    assert yielded == sids[:4]
    assert _sessions_in(_files(out), demo_store) == set(sids[:4])
