"""A store on read-only media: read commands open it read-only, write commands name the file.

The media are real: a read-only bind mount where this process may mount (root in a container),
else a read-only file in a read-only folder (permissions, which root ignores). Renders and
exports are audited in the store, so on read-only media they are refused unless ``--no-audit``
says that this once they may go unrecorded (see docs/architecture.md).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from kapnotes.cli import cli
from kapnotes.store import ReadOnlyStoreError, open_store

from .conftest import ESCAPING_SESSION

SESSION = "cl-001-dose-01"


def _can_mount() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("mount") is not None


def _mount_read_only(src: Path, dst: Path) -> bool:
    dst.mkdir()
    for args in (["mount", "--bind", str(src), str(dst)], ["mount", "-o", "remount,bind,ro", str(dst)]):
        if subprocess.run(args, capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(dst)], capture_output=True)
            return False
    return True


@pytest.fixture(params=["read-only-mount", "read-only-permissions"])
def medium(request, hostile_db: Path, tmp_path: Path) -> Iterator[Path]:
    """The hostile demo store on read-only media (its folder holds only the database)."""
    src = tmp_path / "media"
    src.mkdir()
    shutil.copy(hostile_db, src / "k.db")
    if request.param == "read-only-mount":
        if not _can_mount() or not _mount_read_only(src, tmp_path / "ro"):
            pytest.skip("cannot make a read-only mount here")
        try:
            yield tmp_path / "ro" / "k.db"
        finally:
            subprocess.run(["umount", "-l", str(tmp_path / "ro")], check=True)
        return
    if os.geteuid() == 0:
        pytest.skip("root ignores file permissions")
    (src / "k.db").chmod(0o444)
    src.chmod(0o555)
    try:
        yield src / "k.db"
    finally:
        src.chmod(0o755)
        (src / "k.db").chmod(0o644)


def _state(db: Path) -> tuple[str, list[str]]:
    return hashlib.sha256(db.read_bytes()).hexdigest(), sorted(os.listdir(db.parent))


def _ok(r, cmd):
    assert r.exit_code == 0, (cmd, r.output)
    assert "Traceback" not in r.output


def _refused(r, cmd):
    assert r.exit_code == 1 and isinstance(r.exception, SystemExit), (cmd, r.output)
    assert "Traceback" not in r.output and "error: " in r.output, (cmd, r.output)


READ_COMMANDS = [
    ["check"],
    ["verify"],
    ["search", "ocean"],
    ["audit"],
    ["audit", "head"],
    ["keys", "list"],
    ["keys", "export"],
    ["outcomes"],
    ["score", "PHQ9", "1", "2", "0", "3", "1", "0", "2", "1", "0"],
]


@pytest.mark.parametrize("cmd", READ_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_read_commands_open_the_store_read_only(runner, medium, cmd, monkeypatch):
    before = _state(medium)
    monkeypatch.setenv("KAPNOTES_DB", str(medium))
    r = runner.invoke(cli, cmd)
    _ok(r, cmd)
    if cmd[0] == "check":
        assert f"{medium}: ok" in r.output
    assert _state(medium) == before


def test_search_finds_what_is_stored(runner, medium):
    r = runner.invoke(cli, ["search", "ocean", "--db", str(medium)])
    _ok(r, "search")
    assert r.output.strip()  # the demo narratives mention the ocean


@pytest.mark.parametrize(
    "cmd",
    [
        ["render", ESCAPING_SESSION, "--to", "markdown", "-o", "{out}/n.md"],
        ["render", ESCAPING_SESSION, "--to", "markdown", "-o", "-"],
        ["render", "--all", "--to", "markdown", "--out", "{out}/notes"],
        ["export", "-o", "{out}/record.json"],
        ["export"],
    ],
    ids=["render-o", "render-stdout", "render-all", "export-o", "export-stdout"],
)
def test_render_and_export_need_no_audit_on_read_only_media(runner, medium, tmp_path, cmd):
    out = tmp_path / "out"
    out.mkdir()
    args = [a.replace("{out}", str(out)) for a in cmd] + ["--db", str(medium)]
    before = _state(medium)
    r = runner.invoke(cli, args)
    _refused(r, args)
    assert str(medium) in r.output and "read-only" in r.output and "--no-audit" in r.output
    assert list(out.iterdir()) == []  # nothing written before the refusal
    r = runner.invoke(cli, [*args, "--no-audit"])
    _ok(r, args)
    assert "not audited" in r.output
    if "-o" in cmd and "-" not in cmd:
        assert (out / ("n.md" if cmd[0] == "render" else "record.json")).stat().st_size > 0
    if "--all" in cmd:
        assert len(list((out / "notes").rglob("*.md"))) > 3
    if cmd[-1] == "-" or cmd == ["export"]:
        assert len(r.stdout_bytes) > 100
    assert _state(medium) == before


def test_no_audit_is_refused_for_a_writable_store(runner, hostile_db, tmp_path):
    before = open_store(hostile_db, create=False).counts()["audit"]
    for args in (
        ["render", ESCAPING_SESSION, "--to", "markdown", "-o", str(tmp_path / "n.md")],
        ["export", "-o", str(tmp_path / "r.json")],
    ):
        r = runner.invoke(cli, [*args, "--no-audit", "--db", str(hostile_db)])
        _refused(r, args)
        assert "--no-audit" in r.output and "can be written" in r.output
    assert not (tmp_path / "n.md").exists() and not (tmp_path / "r.json").exists()
    assert open_store(hostile_db, create=False).counts()["audit"] == before


def test_psychotherapy_notes_are_never_read_unaudited(runner, medium, tmp_path):
    args = ["export", "--include-psychotherapy-notes", "AUTH-1", "--purpose", "care"]
    args += ["--granted-by", "client", "--no-audit", "--db", str(medium)]
    r = runner.invoke(cli, args)
    _refused(r, args)
    assert "psychotherapy notes" in r.output and str(medium) in r.output


WRITE_COMMANDS = [
    ["import", "{doc}"],
    ["sign", SESSION, "--clinician", "dr-ames"],
    ["cosign", SESSION, "--clinician", "dr-ames"],
    ["attest", SESSION, "--clinician", "dr-ames"],
    ["addendum", SESSION, "--clinician", "dr-ames", "--text", "late entry"],
    ["keys", "new", "--clinician", "dr-ames", "--out", "{out}/dr.pem"],
    ["keys", "revoke", "ed25519:0000000000000000"],
]


@pytest.mark.parametrize("cmd", WRITE_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_write_commands_name_the_read_only_file(runner, medium, tmp_path, cmd, hostile_json):
    doc = tmp_path / "doc.json"
    doc.write_text(hostile_json, encoding="utf-8")
    out = tmp_path / "keys"
    out.mkdir()
    args = [a.replace("{doc}", str(doc)).replace("{out}", str(out)) for a in cmd]
    before = _state(medium)
    r = runner.invoke(cli, [*args, "--db", str(medium)])
    _refused(r, args)
    assert f"cannot write to {medium}" in r.output and "read-only" in r.output
    assert list(out.iterdir()) == []
    assert _state(medium) == before


def test_library_read_only_store(medium):
    with pytest.raises(ReadOnlyStoreError, match="cannot write to"):
        open_store(medium, create=False)
    with open_store(medium, create=False, read_only="auto") as store:
        assert store.read_only and store.read_only_reason
        assert store.session_ids()
        with pytest.raises(ReadOnlyStoreError, match=f"{medium} is read-only"):
            store.record_renders(store.session_ids()[:1], to="markdown")


def test_library_render_all_refuses_before_writing_a_note(medium, tmp_path):
    from kapnotes.batch import render_all

    with open_store(medium, create=False, read_only="auto") as store:
        with pytest.raises(ReadOnlyStoreError, match="audit"):
            list(render_all(store, tmp_path / "notes", to="markdown"))
        assert not (tmp_path / "notes").exists()
        assert len(list(render_all(store, tmp_path / "n2", to="markdown", audit=False))) > 3


def test_read_only_on_request_of_a_writable_store(hostile_db):
    before = hashlib.sha256(hostile_db.read_bytes()).hexdigest()
    with open_store(hostile_db, create=False, read_only=True) as store:
        assert store.read_only_reason == "opened read-only"
        with pytest.raises(ReadOnlyStoreError):
            store.record_export("json", ["x"])
    assert hashlib.sha256(hostile_db.read_bytes()).hexdigest() == before


def test_changes_still_in_the_wal_file_are_read(hostile_db, tmp_path):
    import sqlite3

    if not _can_mount():
        pytest.skip("needs a read-only mount")
    src = tmp_path / "media"
    src.mkdir()
    shutil.copy(hostile_db, src / "k.db")
    keep = sqlite3.connect(src / "k.db")  # a writer whose last change is still in k.db-wal
    keep.execute("PRAGMA wal_autocheckpoint = 0")
    keep.execute("UPDATE clinic SET name = name || ' (renamed)'")
    keep.commit()
    (src / "k.db-shm").unlink()  # as on media the store was copied to without it
    if not _mount_read_only(src, tmp_path / "ro"):
        keep.close()
        pytest.skip("cannot make a read-only mount here")
    try:
        with open_store(tmp_path / "ro" / "k.db", create=False, read_only="auto") as store:
            (name,) = store.conn.execute("SELECT name FROM clinic").fetchone()
            assert name.endswith("(renamed)")
    finally:
        subprocess.run(["umount", "-l", str(tmp_path / "ro")], check=True)
        keep.close()
