"""Another program's SQLite database is never written into: not by verify, not by any command."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from kapnotes.cli import cli


@pytest.fixture
def foreign(tmp_path: Path) -> Path:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL)")
    conn.execute("INSERT INTO invoices (amount) VALUES (12.5)")
    conn.commit()
    conn.close()
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "args",
    [
        ["verify"],
        ["export", "--to", "json", "-o", "-"],
        ["search", "ocean"],
        ["render", "cl-001-dose-01", "-o", "-"],
        ["audit"],
        ["import", "RECORD"],
    ],
    ids=lambda a: a[0],
)
def test_a_foreign_sqlite_database_is_refused_and_untouched(foreign, args, tmp_path, demo_doc):
    from kapnotes.serialization import dumps

    record = tmp_path / "record.json"
    record.write_text(dumps(demo_doc), encoding="utf-8")
    before = _digest(foreign)
    args = [str(record) if a == "RECORD" else a for a in args]
    result = CliRunner().invoke(cli, [*args, "--db", str(foreign)])
    assert result.exit_code == 1, result.output
    assert "not a kapnotes store" in result.output
    assert "Traceback" not in result.output
    assert _digest(foreign) == before
    assert not Path(f"{foreign}-wal").exists()
    conn = sqlite3.connect(foreign)
    try:
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")] == ["invoices"]
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    finally:
        conn.close()
