"""Fixtures for hostile-input tests: a demo record whose ids try to climb out of folders."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kapnotes.cli import cli
from kapnotes.serialization import dumps
from kapnotes.synthetic import build_document

ESCAPING_CLIENT = "x/../../../ESCAPED-CLIENT"
ESCAPING_SESSION = "s/../../../ESCAPED-SESSION"


@pytest.fixture(scope="session")
def hostile_json() -> str:
    """The first demo client renamed ``x/../../../ESCAPED-CLIENT``, an unsigned session ``s/../../../ESCAPED-SESSION``."""
    doc = build_document(clients=1, dosings=1)
    text = dumps(doc)
    client = doc.clients[0].id
    session = next(s.id for s in doc.courses[0].sessions if not s.signatures)
    return text.replace(f'"{session}"', f'"{ESCAPING_SESSION}"').replace(
        f'"{client}"', f'"{ESCAPING_CLIENT}"'
    )


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def hostile_db(tmp_path: Path, hostile_json: str, runner: CliRunner) -> Path:
    src = tmp_path / "hostile.json"
    src.write_text(hostile_json, encoding="utf-8")
    db = tmp_path / "store" / "kapnotes.db"
    db.parent.mkdir()
    r = runner.invoke(cli, ["import", str(src), "--db", str(db)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return db
