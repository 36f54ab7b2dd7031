"""Count hostile inputs tried, tracebacks and files escaping their folder (issue 17's note).

Run: ``python benchmarks/hostile_count.py`` (about 20 s). Works against any kapnotes version:
it uses only the command line.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import sys
import tempfile
from pathlib import Path
from unittest import mock

from click.testing import CliRunner

from kapnotes.cli import cli
from kapnotes.serialization import dumps
from kapnotes.synthetic import build_document

CLIENT, SESSION = "x/../../../ESCAPED-CLIENT", "s/../../../ESCAPED-SESSION"


def main() -> None:
    runner = CliRunner()
    tried = tracebacks = escapes = 0
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        doc = build_document(clients=1, dosings=1)
        sid = next(s.id for s in doc.courses[0].sessions if not s.signatures)
        text = dumps(doc).replace(f'"{sid}"', f'"{SESSION}"')
        text = text.replace(f'"{doc.clients[0].id}"', f'"{CLIENT}"')
        (root / "h.json").write_text(text)
        good = root / "good.db"
        runner.invoke(cli, ["import", str(root / "h.json"), "--db", str(good)])
        c = sqlite3.connect(good)
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        c.execute("PRAGMA journal_mode = DELETE")
        c.close()
        data = good.read_bytes()
        dbs = {"good": good}
        for kind, content in {
            "truncated": data[: len(data) // 3],
            "scribbled": data[:100] + b"\xa5" * 8192 + data[8292:],
            "empty": b"",
            "foreign": b"PK\x03\x04 junk" * 300,
        }.items():
            dbs[kind] = root / f"{kind}.db"
            dbs[kind].write_bytes(content)
        dbs["folder"] = root / "folder.db"
        dbs["folder"].mkdir()
        (root / "afile").write_text("x")
        work = root / "a" / "b" / "c"
        work.mkdir(parents=True)
        os.chdir(work)
        outs = [str(root / "new" / "n.md"), str(root), str(root / "afile" / "n.md"), "-"]
        commands = [
            ["verify"],
            ["export"],
            ["search", "ocean"],
            ["check"],
            ["render", SESSION, "--to", "markdown"],
            ["render", "--all", "--out", "notes", "--to", "markdown"],
            ["render", "--client", CLIENT, "--out", "notes", "--to", "markdown"],
        ]
        cases: list[tuple[list[str], dict[str, str]]] = []
        for db in dbs.values():
            cases += [([*cmd, "--db", str(db)], {}) for cmd in commands]
        for out in outs:
            cases.append(
                (["render", SESSION, "--to", "markdown", "-o", out, "--db", str(good)], {})
            )
            cases.append((["export", "-o", out, "--db", str(good)], {}))
        for key in (os.urandom(32), b"\xff" * 40, b"hex:zz\n"):
            (root / "key").write_bytes(key)
            cases.append(
                (
                    ["search", "x", "--db", str(root / "enc.db")],
                    {"KAPNOTES_DB_KEY_FILE": str(root / "key")},
                )
            )
        full = OSError(errno.ENOSPC, "No space left on device")
        for args, env in cases:
            tried += 1
            r = runner.invoke(cli, args, env=env)
            if r.exception is not None and not isinstance(r.exception, SystemExit):
                tracebacks += 1
        for args in (
            ["render", SESSION, "--to", "markdown", "-o", "full.md", "--db", str(good)],
            ["render", "--all", "--out", "fullnotes", "--db", str(good)],
        ):
            tried += 1
            with (
                mock.patch("pathlib.Path.write_bytes", side_effect=full),
                mock.patch("os.fsync", side_effect=full),
            ):
                r = runner.invoke(cli, args)
            if r.exception is not None and not isinstance(r.exception, SystemExit):
                tracebacks += 1
        escapes = sum(
            1
            for p in root.rglob("*ESCAPED*")
            if p.is_file() and work not in p.parents and "notes" not in p.parts
        )
        os.chdir(root)
    print(f"inputs tried: {tried}; tracebacks: {tracebacks}; files outside their folder: {escapes}")
    sys.exit(0)


if __name__ == "__main__":
    main()
