"""Two and four processes running `kapnotes import` at once: no "database is locked", nothing lost."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kapnotes.serialization import dumps
from kapnotes.store import open_store
from kapnotes.synthetic import build_document

from . import import_writer

pytestmark = pytest.mark.slow

IMPORTS = 200


def _documents(docdir: Path, writers: list[str]) -> None:
    base = build_document(clients=1, dosings=1)
    data = json.loads(dumps(base))
    for course in data["courses"]:  # signed content hashes include the ids renamed below
        course["sessions"] = [s for s in course["sessions"] if not s.get("signatures")]
    text = json.dumps(data)
    cid = base.clients[0].id
    for who in writers:
        for i in range(IMPORTS):
            mine = f"{who.lower()}{i:03d}"
            (docdir / f"{who}-{i}.json").write_text(text.replace(cid, mine), encoding="utf-8")


@pytest.mark.parametrize("n_writers", [2, 4])
def test_concurrent_imports_lose_nothing(tmp_path, n_writers):
    writers = [chr(ord("A") + k) for k in range(n_writers)]
    _documents(tmp_path, writers)
    db = tmp_path / "kapnotes.db"
    procs = [
        subprocess.Popen(
            [sys.executable, import_writer.__file__, str(db), who, str(IMPORTS), str(tmp_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for who in writers
    ]
    outputs = [p.communicate(timeout=600)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    assert all("failures=0" in out for out in outputs), outputs
    store = open_store(db, create=False)
    try:
        ids = set(store.client_ids())
    finally:
        store.close()
    expected = {f"{w.lower()}{i:03d}" for w in writers for i in range(IMPORTS)}
    assert expected <= ids
