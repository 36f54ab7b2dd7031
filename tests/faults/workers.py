"""Worker processes for the fault tests, and the plan of what they write (shared with the tests).

Run as a script (the tests start it with ``subprocess.Popen``)::

    python workers.py import DB RUN BATCHES PER_BATCH
    python workers.py concurrent DB WHO WRITES

``import`` saves ``BATCHES`` new batches of ``PER_BATCH`` synthetic clients, each batch one
``store.save``; from run 1 on it also re-saves the previous run's batch with its drafts revised
(an update: children deleted and re-inserted). It prints ``ready`` (imports done, store not yet
opened), ``opened``, then ``saved new B`` / ``saved rev B`` after each committed save, and ``done``.

``concurrent`` waits for a line on stdin (so both writers start together), then makes ``WRITES``
saves of one client each, as :func:`plan` says, reopening the store every
:data:`REOPEN_EVERY` writes. Any exception is printed and exits non-zero.

Only the library is imported here, so the script runs from any directory.
"""

from __future__ import annotations

import sys
import time
from typing import NamedTuple

from kapnotes.model import Document, NoteStatus, evolve
from kapnotes.synthetic import build_document

#: Client numbers (``first_client``) of each concurrent writer's own clients, and the shared ones.
OWN_BASE = {"A": 0, "B": 1000}
SHARED_BASE = 5000
SHARED_CLIENTS = 3
REOPEN_EVERY = 50


# --- what the import worker writes -----------------------------------------------------------


def batch_doc(run: int, batch: int, batches: int, per_batch: int) -> Document:
    """Batch ``batch`` of import run ``run``: ``per_batch`` clients, numbered after all before."""
    return build_document(clients=per_batch, first_client=(run * batches + batch) * per_batch)


def revision_tag(run: int) -> str:
    """The tag of the revision of run ``run``'s drafts (written by run ``run + 1``)."""
    return f"rev-of-run-{run}"


def revise(doc: Document, tag: str) -> Document:
    """``doc`` with every draft session's intention rewritten (signed sessions unchanged)."""
    courses = tuple(
        evolve(
            c,
            sessions=tuple(
                evolve(s, intention=f"Draft revised ({tag}).")
                if s.status is NoteStatus.DRAFT
                else s
                for s in c.sessions
            ),
        )
        for c in doc.courses
    )
    return evolve(doc, courses=courses)


# --- what each concurrent writer writes --------------------------------------------------------


class Write(NamedTuple):
    """One ``store.save`` of one client: ``new`` (insert), ``own`` or ``shared`` (drafts revised)."""

    kind: str
    client_number: int
    tag: str | None


def plan(who: str, writes: int) -> list[Write]:
    """The writes of writer ``who``: 7 in 10 new clients, 1 in 10 a revision of its own client
    written 6 writes before, 2 in 10 a revision of a client both writers revise."""
    out: list[Write] = []
    new = 0
    for i in range(writes):
        tag = f"{who}-{i}"
        if i % 10 in (3, 8):
            out.append(Write("shared", SHARED_BASE + (i // 5) % SHARED_CLIENTS, tag))
        elif i % 10 == 6:
            out.append(Write("own", out[i - 6].client_number, tag))
        else:
            out.append(Write("new", OWN_BASE[who] + new, None))
            new += 1
    return out


def write_doc(w: Write) -> Document:
    doc = build_document(clients=1, first_client=w.client_number)
    return doc if w.tag is None else revise(doc, w.tag)


# --- the processes -----------------------------------------------------------------------------


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def run_import(path: str, run: int, batches: int, per_batch: int) -> None:
    from kapnotes.store import open_store
    from kapnotes.store.scores import score_document

    docs = [batch_doc(run, b, batches, per_batch) for b in range(batches)]
    revisions = (
        [
            revise(batch_doc(run - 1, b, batches, per_batch), revision_tag(run - 1))
            for b in range(batches)
        ]
        if run > 0
        else []
    )
    score_document(docs[0])  # load the instrument plugins now, so that kills land in writes
    _say("ready")
    start = time.perf_counter()
    store = open_store(path, actor=f"import-run-{run}")
    _say("opened")
    for b in range(batches):
        store.save(docs[b])
        _say(f"saved new {b}")
        if revisions:
            store.save(revisions[b])
            _say(f"saved rev {b}")
    store.close()
    _say(f"done {time.perf_counter() - start:.4f}")


def run_concurrent(path: str, who: str, writes: int) -> None:
    from kapnotes.store import open_store
    from kapnotes.store.scores import score_document

    todo = [write_doc(w) for w in plan(who, writes)]
    score_document(todo[0])  # load the instrument plugins before the race starts
    _say("ready")
    sys.stdin.readline()
    start = time.perf_counter()
    store = open_store(path, actor=f"writer-{who}")
    for i, doc in enumerate(todo):
        if (
            i and i % REOPEN_EVERY == 0
        ):  # opening (WAL pragma, migration check) under contention too
            store.close()
            store = open_store(path, actor=f"writer-{who}")
        store.save(doc)
    store.close()
    _say(f"done {time.perf_counter() - start:.4f}")


def main(argv: list[str]) -> None:
    if argv[0] == "import":
        run_import(argv[1], int(argv[2]), int(argv[3]), int(argv[4]))
    elif argv[0] == "concurrent":
        run_concurrent(argv[1], argv[2], int(argv[3]))
    else:
        raise SystemExit(f"unknown worker {argv[0]!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
