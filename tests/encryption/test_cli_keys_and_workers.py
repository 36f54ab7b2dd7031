"""`render --all` with workers on an encrypted store, keyed by a binary key file (issue 17)."""

from __future__ import annotations

import os

from click.testing import CliRunner

from kapnotes.batch import PARALLEL_THRESHOLD
from kapnotes.cli import cli
from kapnotes.store import open_store


def test_render_all_workers_on_an_encrypted_store_with_a_raw_key_file(tmp_path, demo_doc):
    key = os.urandom(32)  # as `head -c 32 /dev/urandom > key` writes it
    (tmp_path / "key").write_bytes(key)
    db = tmp_path / "clinic.db"
    with open_store(db, key=key, actor="importer") as s:
        s.save(demo_doc)
        n = len(s.session_ids())
    assert n >= PARALLEL_THRESHOLD  # enough notes for the worker pool
    out = tmp_path / "notes"
    r = CliRunner().invoke(
        cli,
        [
            "render",
            "--all",
            "--out",
            str(out),
            "--to",
            "markdown",
            "--workers",
            "2",
            "--db",
            str(db),
        ],
        env={"KAPNOTES_DB_KEY_FILE": str(tmp_path / "key")},
    )
    assert r.exit_code == 0, r.output
    assert len(list(out.rglob("*.md"))) == n
