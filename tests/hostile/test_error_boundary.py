"""Every command against damaged databases and bad paths: `error: ...`, exit 1, no traceback."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from kapnotes.cli import cli
from kapnotes.cli.app import read_key_file

from .conftest import ESCAPING_SESSION

COMMANDS = [
    ["verify"],
    ["export"],
    ["search", "ocean"],
    ["render", ESCAPING_SESSION, "--to", "markdown", "-o", "-"],
    ["render", "--all", "--out", "OUT", "--to", "markdown"],
    ["check"],
]


def damaged(kind: str, good: Path, tmp: Path) -> Path:
    bad = tmp / f"{kind}.db"
    if kind == "folder":
        bad.mkdir()
        return bad
    if kind == "empty":
        bad.write_bytes(b"")
        return bad
    data = good.read_bytes()
    if kind == "truncated":
        bad.write_bytes(data[: len(data) // 3])
    elif kind == "scribbled":
        page = 4096
        bad.write_bytes(data[:100] + b"\xa5" * (page * 2) + data[100 + page * 2 :])
    elif kind == "foreign":
        bad.write_bytes(b"PK\x03\x04 not a database at all" * 200)
    return bad


def checkpoint(db: Path) -> None:
    import sqlite3

    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()


@pytest.mark.parametrize("kind", ["truncated", "scribbled", "empty", "folder", "foreign"])
def test_every_command_on_a_damaged_database(runner, hostile_db, tmp_path, kind, monkeypatch):
    checkpoint(hostile_db)
    bad = damaged(kind, hostile_db, tmp_path)
    monkeypatch.chdir(tmp_path)
    before = bad.read_bytes() if bad.is_file() else None
    for cmd in COMMANDS:
        r = runner.invoke(cli, [*cmd, "--db", str(bad)])
        assert r.exit_code != 0, (cmd, r.output)
        assert isinstance(r.exception, SystemExit), (cmd, kind, repr(r.exception))
        assert "Traceback" not in r.output
        assert "error:" in r.output.lower(), (cmd, r.output)
    if before is not None:
        assert bad.read_bytes() == before  # nothing written into it
    if kind == "empty":
        r = runner.invoke(cli, ["verify", "--db", str(bad)])
        assert "not a kapnotes store" in r.output


def test_kapnotes_db_pointing_to_a_folder(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("KAPNOTES_DB", str(tmp_path))
    r = runner.invoke(cli, ["search", "ocean"])
    assert r.exit_code == 1 and isinstance(r.exception, SystemExit)
    assert "folder" in r.output


def test_unexpected_error_is_one_line_and_debug_shows_traceback(runner, hostile_db, monkeypatch):
    import kapnotes.store.db as db

    def boom(*a, **k):
        raise ZeroDivisionError("synthetic failure")

    monkeypatch.setattr(db.Store, "search", boom, raising=False)
    r = runner.invoke(cli, ["search", "ocean", "--db", str(hostile_db)])
    assert r.exit_code == 1 and isinstance(r.exception, SystemExit)
    assert "error: internal error: ZeroDivisionError: synthetic failure" in r.output
    assert "--debug" in r.output and "Traceback" not in r.output
    r = runner.invoke(cli, ["--debug", "search", "ocean", "--db", str(hostile_db)])
    assert r.exit_code == 1 and "Traceback" in r.output and "ZeroDivisionError" in r.output
    monkeypatch.setenv("KAPNOTES_DEBUG", "1")
    r = runner.invoke(cli, ["search", "ocean", "--db", str(hostile_db)])
    assert "Traceback" in r.output


@pytest.mark.parametrize(
    "error",
    [
        RecursionError("deep"),
        OverflowError("date value out of range"),
        OSError(28, "No space left on device"),
    ],
)
def test_error_classes_become_clear_errors(runner, hostile_db, monkeypatch, error):
    import kapnotes.store.db as db

    def fail(*a, **k):
        raise error

    monkeypatch.setattr(db.Store, "search", fail, raising=False)
    r = runner.invoke(cli, ["search", "ocean", "--db", str(hostile_db)])
    assert r.exit_code == 1 and isinstance(r.exception, SystemExit)
    assert r.output.startswith("error: ") and "internal error" not in r.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_folder_gives_clear_error(runner, hostile_db, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    shutil.copy(hostile_db, ro / "k.db")
    ro.chmod(0o555)
    try:
        r = runner.invoke(cli, ["search", "ocean", "--db", str(ro / "k.db")])
        assert isinstance(r.exception, SystemExit) and "Traceback" not in r.output
    finally:
        ro.chmod(0o755)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (bytes(range(200, 232)), bytes(range(200, 232))),
        (bytes(range(200, 232)) + b"\n", bytes(range(200, 232))),
        (b"\x00" * 31 + b"\n", b"\x00" * 31 + b"\n"),
        (b"hex:" + b"ab" * 32 + b"\n", bytes.fromhex("ab" * 32)),
        (b"hex:" + b"ab" * 32, bytes.fromhex("ab" * 32)),
        (b"correct horse battery\n", "correct horse battery"),
        (b"correct horse battery\r\n", "correct horse battery"),
    ],
)
def test_key_files_in_every_documented_form(tmp_path, content, expected):
    p = tmp_path / "key"
    p.write_bytes(content)
    assert read_key_file(p) == expected


def test_binary_key_file_of_wrong_length_is_a_clear_error(runner, tmp_path, monkeypatch):
    p = tmp_path / "key"
    p.write_bytes(b"\xff\xfe" * 20)
    monkeypatch.setenv("KAPNOTES_DB_KEY_FILE", str(p))
    r = runner.invoke(cli, ["search", "x", "--db", str(tmp_path / "none.db")])
    assert r.exit_code == 1 and isinstance(r.exception, SystemExit)
    assert "Traceback" not in r.output
