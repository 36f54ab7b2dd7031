"""A save whose sessions are prepared by a forked helper (kapnotes.store.save_helper) writes
what a save without one writes and refuses what it refuses, with the same error; the helper
always ends with the save. (The rows themselves, both ways: tests/record/test_save_pin.py.)"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from kapnotes.errors import ImmutableError, InvalidError, StoreError
from kapnotes.hookspecs import hookimpl
from kapnotes.model import Document, NoteStatus, evolve
from kapnotes.store import audit, open_store, prepare, save_helper
from kapnotes.store import writer as store_writer
from kapnotes.synthetic import build_document
from tests.record.test_save_pin import digests

pytestmark = pytest.mark.skipif(
    save_helper.helper_unavailable() is not None,
    reason=f"no helper here: {save_helper.helper_unavailable()}",
)


@pytest.fixture(autouse=True)
def _fixed_audit_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """The audit rows of two saves compare equal (their time is the one thing that differs)."""
    monkeypatch.setattr(audit, "now_utc", lambda: "2026-12-07T12:00:00.000000+00:00")


@pytest.fixture(scope="module")
def doc() -> Document:
    """30 clients, 330 sessions: three chunks (16 sessions or more, then 256 or more)."""
    d = build_document(clients=30)
    assert len(prepare.chunk_bounds(d.courses)) == 3
    return d


@pytest.fixture
def helpers(monkeypatch: pytest.MonkeyPatch) -> list[save_helper.HelperFeed]:
    """Every helper feed a save makes in this test (its ``pid`` is the helper's until closed)."""
    made: list[save_helper.HelperFeed] = []
    init = save_helper.HelperFeed.__init__

    def counted(self: save_helper.HelperFeed, *args: Any) -> None:
        init(self, *args)
        made.append(self)
        self.helper_pid = self.pid  # type: ignore[attr-defined]

    monkeypatch.setattr(save_helper.HelperFeed, "__init__", counted)
    return made


def _ended(feed: save_helper.HelperFeed) -> bool:
    """The helper has ended and been waited for (no zombie is left)."""
    pid = feed.helper_pid  # type: ignore[attr-defined]
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return feed.pid is None
    return False


def _save(tmp: Path, name: str, docs: list[Document], helper: bool | None) -> Path:
    path = tmp / f"{name}.db"
    with open_store(path) as store:
        for d in docs:
            store.save(d, actor="t", helper=helper)
    return path


def _with_course(doc: Document, index: int, course: Any) -> Document:
    courses = list(doc.courses)
    courses[index] = course
    return evolve(doc, courses=tuple(courses))


def _bad_measure(doc: Document, course_index: int) -> Document:
    """``doc`` with an out-of-range answer in the first measure of a course's sessions."""
    course = doc.courses[course_index]
    j, s = next((j, s) for j, s in enumerate(course.sessions) if s.measures)
    m = s.measures[0]
    bad = evolve(m, items=(99, *m.items[1:]))
    s = evolve(s, measures=(bad, *s.measures[1:]))
    sessions = (*course.sessions[:j], s, *course.sessions[j + 1 :])
    return _with_course(doc, course_index, evolve(course, sessions=sessions))


def _signed_changed(doc: Document, course_index: int) -> Document:
    """``doc`` with a signed session's content changed (refused once it is stored)."""
    course = doc.courses[course_index]
    j, s = next((j, s) for j, s in enumerate(course.sessions) if s.status is not NoteStatus.DRAFT)
    s = evolve(s, intention=f"{s.intention or ''} changed")
    sessions = (*course.sessions[:j], s, *course.sessions[j + 1 :])
    return _with_course(doc, course_index, evolve(course, sessions=sessions))


def _refusal(tmp: Path, name: str, first: Document | None, then: Document,
             helper: bool) -> tuple[BaseException, dict[str, str], dict[str, str]]:
    """The error saving ``then`` raises (after ``first``), and the rows before and after."""
    path = tmp / f"{name}.db"
    with open_store(path) as store:
        if first is not None:
            store.save(first, actor="t", helper=False)
        before = digests(path)
        with pytest.raises(Exception) as caught:
            store.save(then, actor="t", helper=helper)
        assert not store.conn.in_transaction
    return caught.value, before, digests(path)


def test_a_large_document_is_saved_by_a_helper_by_default_and_the_rows_are_the_same(
    tmp_path: Path, helpers: list[save_helper.HelperFeed], monkeypatch: pytest.MonkeyPatch
) -> None:
    big = build_document(clients=46)  # 506 sessions
    assert sum(len(c.sessions) for c in big.courses) >= save_helper.MIN_SESSIONS
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one CPU: a save uses no helper by default")
    by_default = digests(_save(tmp_path, "default", [big], None))
    assert len(helpers) == 1 and _ended(helpers[0])
    alone = digests(_save(tmp_path, "alone", [big], False))
    assert len(helpers) == 1
    assert by_default == alone

    small = build_document(clients=2)
    _save(tmp_path, "small", [small], None)
    assert len(helpers) == 1  # below MIN_SESSIONS: prepared in this process
    monkeypatch.setattr(save_helper, "MIN_SESSIONS", 10)
    _save(tmp_path, "small2", [small], None)
    assert len(helpers) == 2 and _ended(helpers[1])
    real_check = save_helper.memory_allows
    monkeypatch.setattr(save_helper, "memory_allows", lambda: False)
    _save(tmp_path, "low-memory", [small], None)
    assert len(helpers) == 2  # not enough memory for the helper's copy: none by default
    monkeypatch.setattr(save_helper, "memory_allows", real_check)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    _save(tmp_path, "one-cpu", [small], None)
    assert len(helpers) == 2  # one CPU: no helper by default
    _save(tmp_path, "forced", [small], True)
    assert len(helpers) == 3 and _ended(helpers[2])  # but one when asked for


def test_the_memory_check_reads_this_machine() -> None:
    """On Linux both numbers are there; a test machine has its test process's memory again."""
    assert save_helper.memory_allows()


def test_no_helper_while_other_threads_run(
    tmp_path: Path, doc: Document, helpers: list[save_helper.HelperFeed]
) -> None:
    release = threading.Event()
    other = threading.Thread(target=release.wait, name="host-thread")
    other.start()
    try:
        assert "other threads" in (save_helper.helper_unavailable() or "")
        assert not save_helper.wants_helper(doc, True)
        path = _save(tmp_path, "threads", [doc], True)
    finally:
        release.set()
        other.join()
    assert helpers == []
    assert digests(path) == digests(_save(tmp_path, "plain", [doc], False))


@pytest.mark.parametrize("where", [0, -1], ids=["first-chunk", "last-chunk"])
def test_scoring_problems_are_refused_alike_and_nothing_is_written(
    tmp_path: Path, doc: Document, where: int, helpers: list[save_helper.HelperFeed]
) -> None:
    bad = _bad_measure(_bad_measure(doc, len(doc.courses) // 2), where % len(doc.courses))
    errors = {}
    for helper in (False, True):
        exc, before, after = _refusal(tmp_path, f"bad-{helper}", None, bad, helper)
        assert isinstance(exc, InvalidError)
        assert after == before
        errors[helper] = [(p.path, p.message) for p in exc.problems]
    assert errors[True] == errors[False]
    assert len(errors[True]) == 2  # every problem, in the document's order
    assert len(helpers) == 1 and _ended(helpers[0])


def test_the_documents_problems_come_before_the_stores_refusal(
    tmp_path: Path, doc: Document, helpers: list[save_helper.HelperFeed]
) -> None:
    """Without a helper the measures are scored before the save begins; with one, a signed
    session changed in the first chunk is refused only after the helper's verdict."""
    changed = _signed_changed(doc, 0)
    both = _bad_measure(changed, len(doc.courses) - 1)
    for helper in (False, True):
        exc, before, after = _refusal(tmp_path, f"both-{helper}", doc, both, helper)
        assert isinstance(exc, InvalidError), exc
        assert after == before
        exc, before, after = _refusal(tmp_path, f"signed-{helper}", doc, changed, helper)
        assert isinstance(exc, ImmutableError)
        assert "is signed; its content cannot change" in str(exc)
        assert after == before
    assert len(helpers) == 2 and all(_ended(h) for h in helpers)


def test_an_instruments_own_error_travels_back_as_it_was(
    tmp_path: Path, doc: Document, plugin: Any, helpers: list[save_helper.HelperFeed]
) -> None:
    from kapnotes.instruments.catalog import BY_NAME

    def broken(instrument: Any, answers: Any, params: Any) -> Any:
        raise RuntimeError(f"scorer of {instrument.name} broke on {answers[:2]}")

    phq9 = attrs.evolve(BY_NAME["phq9"], name="phq9-broken", aliases=(), scorer=broken)

    class Clinic:
        @hookimpl
        def register_instruments(self, register: Any) -> None:
            register(phq9)

    plugin(Clinic(), "broken-instrument")
    last = len(doc.courses) - 1
    course = doc.courses[last]
    j, s = next((j, s) for j, s in enumerate(course.sessions) if s.measures)
    m = evolve(s.measures[0], instrument="phq9-broken", items=(1,) * 9)
    s = evolve(s, measures=(m, *s.measures[1:]))
    broken_doc = _with_course(
        _bad_measure(doc, 0), last,
        evolve(course, sessions=(*course.sessions[:j], s, *course.sessions[j + 1 :])),
    )
    messages = set()
    for helper in (False, True):
        exc, before, after = _refusal(tmp_path, f"broken-{helper}", None, broken_doc, helper)
        assert type(exc) is RuntimeError  # before the problem of course 0: scoring stops here
        messages.add(str(exc))
        assert after == before
    assert messages == {"scorer of phq9-broken broke on (1, 1)"}
    assert _ended(helpers[0])


def test_a_failure_while_preparing_is_raised_alike(
    tmp_path: Path, doc: Document, monkeypatch: pytest.MonkeyPatch,
    helpers: list[save_helper.HelperFeed],
) -> None:
    victim = doc.courses[-1].sessions[-1].id
    real = prepare.prepare_session

    def failing(s: Any, *args: Any) -> Any:
        if s.id == victim:
            raise ValueError(f"cannot prepare {s.id}")
        return real(s, *args)

    monkeypatch.setattr(prepare, "prepare_session", failing)
    monkeypatch.setattr(save_helper, "prepare_session", failing)
    for helper in (False, True):
        exc, before, after = _refusal(tmp_path, f"prep-{helper}", None, doc, helper)
        assert type(exc) is ValueError and str(exc) == f"cannot prepare {victim}"
        assert after == before
    assert _ended(helpers[0])


def test_a_helper_that_dies_is_a_store_error_and_nothing_is_written(
    tmp_path: Path, doc: Document, monkeypatch: pytest.MonkeyPatch,
    helpers: list[save_helper.HelperFeed],
) -> None:
    real = save_helper._messages

    def dies_after_one(*args: Any) -> Iterator[Any]:
        for n, message in enumerate(real(*args)):
            if n == 1:
                os._exit(3)  # in the helper: killed, out of memory
            yield message

    monkeypatch.setattr(save_helper, "_messages", dies_after_one)
    exc, before, after = _refusal(tmp_path, "dies", None, doc, True)
    assert isinstance(exc, StoreError)
    assert "helper process" in str(exc) and "nothing was written" in str(exc)
    assert after == before
    assert _ended(helpers[0])


def test_an_interrupted_save_ends_its_helper(
    tmp_path: Path, doc: Document, monkeypatch: pytest.MonkeyPatch,
    helpers: list[save_helper.HelperFeed],
) -> None:
    real = store_writer.Writer._chunk
    calls = []

    def interrupted(self: Any, *args: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(self, *args)

    monkeypatch.setattr(store_writer.Writer, "_chunk", interrupted)
    path = tmp_path / "interrupted.db"
    with open_store(path) as store:
        before = digests(path)
        with pytest.raises(KeyboardInterrupt):
            store.save(doc, helper=True)
        assert not store.conn.in_transaction
        assert digests(path) == before
        monkeypatch.setattr(store_writer.Writer, "_chunk", real)
        store.save(doc, helper=True)  # the store is usable, and the next save has its helper
    assert len(helpers) == 2 and all(_ended(h) for h in helpers)
