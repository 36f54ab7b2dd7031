"""A writer process for the concurrency test: ``import_writer.py DB WHO N DOCDIR`` runs
``kapnotes import`` N times, each a small document with clients of its own; prints failures."""

from __future__ import annotations

import sys
from pathlib import Path

from click.testing import CliRunner

from kapnotes.cli import cli


def main() -> None:
    db, who, n, docdir = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    runner = CliRunner()
    failures = 0
    for i in range(n):
        doc = docdir / f"{who}-{i}.json"
        r = runner.invoke(cli, ["import", str(doc), "--db", db])
        if r.exit_code != 0:
            failures += 1
            print(f"{who}-{i}: {r.output.strip()} {r.exception!r}", flush=True)
    print(f"done {who} failures={failures}", flush=True)


if __name__ == "__main__":
    main()
