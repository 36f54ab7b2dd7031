"""Output paths made from ids stay in their folder; writes are atomic; `-o -` is standard output."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from kapnotes.cli import cli
from kapnotes.outputs import OutputError, atomic_write, safe_component
from kapnotes.serialization import dumps
from kapnotes.synthetic import build_document

from .conftest import ESCAPING_CLIENT, ESCAPING_SESSION


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    "text", ["../../x", "a/b", "..", ".", "", "a\x00b", "a\\b", "x" * 300, "é/../", "a:b"]
)
def test_safe_component_is_one_harmless_component(text):
    name = safe_component(text)
    assert name and "/" not in name and "\\" not in name and "\x00" not in name
    assert not name.startswith(".")
    assert len(name) <= 130
    assert Path(name).name == name


def test_safe_component_keeps_safe_ids_and_separates_collisions():
    assert safe_component("cl-001-dose-01") == "cl-001-dose-01"
    assert safe_component("a/b") != safe_component("a:b")
    assert safe_component("a/b") == safe_component("a/b")


def test_render_all_and_client_write_inside_out(runner, hostile_db, tmp_path):
    out = tmp_path / "a" / "b" / "notes"
    before = files_under(tmp_path)
    r = runner.invoke(
        cli, ["render", "--all", "--out", str(out), "--db", str(hostile_db), "--to", "markdown"]
    )
    assert r.exit_code == 0, r.output
    new = files_under(tmp_path) - before
    assert new and all(out in p.parents for p in new), new
    assert not any("ESCAPED" in p.name and out not in p.parents for p in new)
    r = runner.invoke(
        cli,
        [
            "render",
            "--client",
            ESCAPING_CLIENT,
            "--out",
            str(out / "c"),
            "--db",
            str(hostile_db),
            "--to",
            "markdown",
        ],
    )
    assert r.exit_code == 0, r.output
    assert all(out in p.parents for p in files_under(tmp_path) - before)


def test_render_session_default_output_stays_in_cwd(runner, hostile_db, tmp_path):
    cwd = tmp_path / "x" / "y"
    cwd.mkdir(parents=True)
    old = os.getcwd()
    os.chdir(cwd)
    try:
        before = files_under(tmp_path)
        r = runner.invoke(
            cli, ["render", ESCAPING_SESSION, "--db", str(hostile_db), "--to", "markdown"]
        )
    finally:
        os.chdir(old)
    assert r.exit_code == 0, r.output
    new = files_under(tmp_path) - before
    assert len(new) == 1 and next(iter(new)).parent == cwd


@pytest.mark.parametrize("case", ["missing", "folder", "under_file"])
def test_render_and_export_o_bad_places(runner, hostile_db, tmp_path, case):
    blocker = tmp_path / "plain-file"
    blocker.write_text("x")
    target = {
        "missing": tmp_path / "new" / "deeper" / "n.md",
        "folder": tmp_path,
        "under_file": blocker / "n.md",
    }[case]
    for args in (
        ["render", ESCAPING_SESSION, "--to", "markdown", "-o", str(target)],
        ["export", "-o", str(target)],
    ):
        r = runner.invoke(cli, [*args, "--db", str(hostile_db)])
        assert "Traceback" not in r.output
        assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
        if case == "missing":
            assert r.exit_code == 0 and target.is_file(), r.output
            target.unlink()
        else:
            assert r.exit_code == 1 and "error:" in r.output and str(target) in r.output


def test_export_o_dash_is_standard_output(runner, hostile_db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(cli, ["export", "-o", "-", "--db", str(hostile_db)])
    assert r.exit_code == 0
    assert not (tmp_path / "-").exists()
    assert r.stdout_bytes.lstrip().startswith(b"{")


def test_export_refused_write_records_no_audit_row(runner, hostile_db, tmp_path):
    from kapnotes.store import open_store

    def exports() -> int:
        s = open_store(hostile_db, create=False)
        try:
            return s.db.conn.execute("select count(*) from audit").fetchone()[0]
        finally:
            s.close()

    n = exports()
    r = runner.invoke(cli, ["export", "-o", str(tmp_path), "--db", str(hostile_db)])
    assert r.exit_code == 1
    assert exports() == n


def test_atomic_write_full_disk_leaves_nothing(tmp_path, monkeypatch):
    target = tmp_path / "n.docx"
    target.write_bytes(b"old")

    def full(fd, *a):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OutputError, match="No space left on device"):
        atomic_write(target, b"new" * 1000)
    assert target.read_bytes() == b"old"
    assert files_under(tmp_path) == {target}


def test_render_all_full_disk_clear_error_no_partial(runner, hostile_db, tmp_path, monkeypatch):
    out = tmp_path / "notes"
    monkeypatch.setattr(
        os,
        "fsync",
        lambda fd: (_ for _ in ()).throw(OSError(errno.ENOSPC, "No space left on device")),
    )
    r = runner.invoke(
        cli, ["render", "--all", "--out", str(out), "--db", str(hostile_db), "--workers", "1"]
    )
    assert r.exit_code == 1
    assert "No space left on device" in r.output and "Traceback" not in r.output
    assert not any(p.suffix == ".part" or p.stat().st_size == 0 for p in files_under(out))
    assert files_under(out) == set()


@pytest.mark.parametrize("name", ["file:../escaped.db", "file:x.db?mode=rwc", ":memory:"])
def test_a_db_name_sqlite_would_read_as_a_uri_is_a_file_of_that_name(runner, tmp_path, monkeypatch, name):
    """SQLite takes a name beginning with ``file:`` for a URI even without ``uri=True``, and
    ``:memory:`` for no file: ``--db 'file:../escaped.db'`` wrote ``../escaped.db``, outside the
    folder, and ``:memory:`` lost an import that said it was written. The store is the file of
    that very name, in the folder asked for, and reads find it again."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    src = tmp_path / "record.json"
    src.write_text(dumps(build_document(clients=1, dosings=1)), encoding="utf-8")
    r = runner.invoke(cli, ["import", str(src), "--db", name])
    assert not (tmp_path / "escaped.db").exists() and not (work / "x.db").exists()
    if name.startswith("file:.."):  # the file "escaped.db" in a folder "file:..", which is not there
        assert r.exit_code == 1 and f"database {name}: unable to open database file" in r.output, r.output
        assert "Traceback" not in r.output and sorted(tmp_path.rglob("*")) == sorted([src, work])
        return
    assert r.exit_code == 0, r.output
    stored = work / name
    assert stored.is_file(), sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    r = runner.invoke(cli, ["verify", "--db", name])
    assert r.exit_code == 0 and r.output.startswith("ok"), r.output
