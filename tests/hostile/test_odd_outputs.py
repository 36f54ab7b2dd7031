"""Outputs that are not plain files: a device or a pipe is written in place (never replaced by
a file), a full device is a clear error, and `-o DIR/` (a folder) is refused, not a file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from kapnotes.cli import cli
from kapnotes.outputs import OutputError, atomic_write

from .conftest import ESCAPING_SESSION


def _full_device(tmp_path: Path) -> Path:
    node = tmp_path / "full"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 7))  # what /dev/full is
    except (PermissionError, AttributeError, OSError):
        pytest.skip("cannot make a device node here (needs root)")
    return node


def test_a_full_device_is_a_clear_error_and_stays_a_device(tmp_path):
    node = _full_device(tmp_path)
    with pytest.raises(OutputError, match="No space left on device"):
        atomic_write(node, b"x" * 100)
    assert stat.S_ISCHR(node.lstat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["full"]  # no temporary file left


def test_a_pipe_is_written_in_place(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader is there: writing never waits
    try:
        atomic_write(fifo, b"note text")
        assert os.read(reader, 100) == b"note text"
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


@pytest.mark.parametrize(
    "cmd",
    [
        ["render", ESCAPING_SESSION, "--to", "markdown", "-o", "{dev}"],
        ["export", "-o", "{dev}"],
        ["schema", "-o", "{dev}"],
        ["keys", "export", "--out", "{dev}"],
    ],
    ids=["render", "export", "schema", "keys-export"],
)
def test_cli_onto_a_full_device(runner, hostile_db, tmp_path, cmd):
    node = _full_device(tmp_path)
    args = [a.replace("{dev}", str(node)) for a in cmd]
    if cmd[0] != "schema":
        args += ["--db", str(hostile_db)]
    r = runner.invoke(cli, args)
    assert r.exit_code == 1 and isinstance(r.exception, SystemExit), r.output
    assert "No space left on device" in r.output and str(node) in r.output
    assert stat.S_ISCHR(node.lstat().st_mode)


@pytest.mark.parametrize(
    "cmd",
    [
        ["render", ESCAPING_SESSION, "--to", "markdown", "-o", "{out}/"],
        ["export", "-o", "{out}/"],
        ["schema", "-o", "{out}/"],
        ["keys", "export", "--out", "{out}/"],
        ["outcomes", "--chart", "{out}/"],
    ],
    ids=["render", "export", "schema", "keys-export", "outcomes-chart"],
)
def test_an_output_file_named_as_a_folder_is_refused(runner, hostile_db, tmp_path, cmd):
    out = tmp_path / "notes-dir"
    args = [a.replace("{out}", str(out)) for a in cmd]
    if cmd[0] != "schema":
        args += ["--db", str(hostile_db)]
    r = runner.invoke(cli, args)
    assert r.exit_code in (1, 2) and isinstance(r.exception, SystemExit), r.output
    assert "folder" in r.output and "Traceback" not in r.output
    assert not out.exists()
