"""Stopping a batch right after a unit that ended together with others (issue #16 item 1 made
this race show): every unit that ended is audited, not only the one whose file was yielded."""

from __future__ import annotations

from concurrent import futures
from pathlib import Path
from typing import Any

import pytest

from kapnotes import batch
from kapnotes.batch import render_all
from kapnotes.store import Store
from tests.notes.test_batch import _files, _rendered, _sessions_in, demo_store  # noqa: F401


def test_units_that_ended_together_are_all_audited_when_the_caller_stops(
    demo_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    def all_at_once(fs: Any, timeout: Any = None, return_when: Any = None) -> Any:
        return futures.wait(fs, timeout=timeout, return_when=futures.ALL_COMPLETED)

    monkeypatch.setattr(batch, "wait", all_at_once)  # every unit ends in the same wait
    out = tmp_path / "notes"
    batch_ = render_all(demo_store, out, to="markdown", workers=2)
    seen = [next(batch_) for _ in range(2)]  # the parent's first note, then one unit's
    batch_.close()
    files = _files(out)
    assert {str(p.relative_to(out)) for p in seen} <= set(files)
    assert len(_sessions_in(files, demo_store)) > 2  # other units had ended too
    assert sorted(_rendered(demo_store)) == sorted(_sessions_in(files, demo_store))
