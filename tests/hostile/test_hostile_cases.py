"""Every hostile input of benchmarks/hostile_cases.py is a test: no traceback, the outcome the
case names (refused with ``error``, or done), a refused command leaves its store as it was, and no
file lands outside the folder it was asked into."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import hostile_cases as hc

CASES = hc.all_cases()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[hc.World]:
    w = hc.build_world(tmp_path_factory.mktemp("hostile"))
    try:
        yield w
    finally:
        w.close()


def test_about_300_cases_in_every_class():
    kinds = Counter(c.id.split("-", 1)[0] for c in CASES)
    assert len(CASES) >= 300
    assert set(kinds) == {"doc", "db", "path", "full", "name", "text", "key", "arg", "ro"}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_case(world, case):
    if hc.skipped(world, case):
        pytest.skip("needs a read-only mount or a device node (root)")
    out = hc.run_case(world, case)
    assert not out.traceback, out.output
    assert not out.wrong, (case.expect, out.output)
    assert not out.store_changed, out.output
    assert hc.escaped_files(world, CASES) == []


def test_a_file_outside_the_folders_asked_for_is_found(world):
    """The escape check can fail: a file named after an escaping id beside the working folder is
    found; the same name inside it is not."""
    outside, inside = world.root / "note-ESCAPED-x.txt", world.work / "note-ESCAPED-y.txt"
    try:
        outside.write_text("x", encoding="utf-8")
        inside.write_text("y", encoding="utf-8")
        assert hc.escaped_files(world, CASES) == [outside]
    finally:
        outside.unlink(missing_ok=True)
        inside.unlink(missing_ok=True)
