"""Note format defaults per session kind (clinic configuration), ``render --kind``, and a batch
with a kind-specific format that leaves other kinds out instead of aborting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kapnotes.batch import DEFAULT_FORMATS, default_format, render_all
from kapnotes.cli import cli
from kapnotes.errors import InvalidError
from kapnotes.model import SessionKind
from kapnotes.rules.config import ClinicConfig
from kapnotes.store import open_store
from kapnotes.synthetic import build_document


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("render") / "k.db"
    store = open_store(path)
    try:
        store.save(build_document(clients=1))
    finally:
        store.close()
    return path


def _kinds(db: Path) -> dict[str, SessionKind]:
    store = open_store(db)
    try:
        return dict(store.session_kinds("cl-001"))
    finally:
        store.close()


def test_the_configuration_sets_the_format_per_kind() -> None:
    cfg = ClinicConfig.from_data({"notes": {"dosing": "soap", "intake": "dap"}})
    assert default_format(SessionKind.DOSING, cfg) == "soap"
    assert default_format(SessionKind.INTAKE, cfg) == "dap"
    assert default_format(SessionKind.INTEGRATION, cfg) == DEFAULT_FORMATS[SessionKind.INTEGRATION]
    assert default_format(SessionKind.DOSING) == "kap-dosing"
    with pytest.raises(InvalidError, match=r"\$\.notes\.dosing"):
        ClinicConfig.from_data({"notes": {"dosing": "Not A Format"}})
    with pytest.raises(InvalidError, match=r"\$\.notes\.dosage: unknown key"):
        ClinicConfig.from_data({"notes": {"dosage": "soap"}})


def test_render_all_uses_the_configured_formats(db: Path, tmp_path: Path) -> None:
    cfg = ClinicConfig.from_data({"notes": {"dosing": "soap"}})
    store = open_store(db)
    try:
        paths = list(render_all(store, tmp_path, to="text", client_id="cl-001", config=cfg,
                                kind="dosing"))
    finally:
        store.close()
    n_dosing = sum(1 for k in _kinds(db).values() if k is SessionKind.DOSING)
    assert len(paths) == n_dosing and all(p.name.endswith("_soap.txt") for p in paths)
    assert "SOAP note: Dosing session" in paths[0].read_text(encoding="utf-8")


def test_render_client_with_a_kind_specific_format_does_not_abort(db: Path, tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["render", "--client", "cl-001", "-f", "kap-dosing", "--to",
                                 "text", "--out", str(tmp_path), "--db", str(db)])
    assert r.exit_code == 0, r.output
    kinds = _kinds(db)
    dosing = [sid for sid, k in kinds.items() if k is SessionKind.DOSING]
    written = sorted(tmp_path.rglob("*.txt"))
    assert len(written) == len(dosing) and all("_kap-dosing" in p.name for p in written)
    others = len(kinds) - len(dosing)
    assert f"left out {others} session(s) of kinds that note format 'kap-dosing'" in r.stderr


def test_render_kind_selects_sessions_and_config_sets_formats(db: Path, tmp_path: Path) -> None:
    config = tmp_path / "clinic.json"
    config.write_text(json.dumps({"notes": {"integration": "birp"}}), encoding="utf-8")
    out = tmp_path / "notes"
    r = CliRunner().invoke(cli, ["render", "--all", "--kind", "integration", "--config",
                                 str(config), "--to", "markdown", "--out", str(out),
                                 "--db", str(db)])
    assert r.exit_code == 0, r.output
    written = sorted(out.rglob("*.md"))
    n = sum(1 for k in _kinds(db).values() if k is SessionKind.INTEGRATION)
    assert len(written) == n and all(p.name.endswith("_birp.md") for p in written)
    one = next(sid for sid, k in _kinds(db).items() if k is SessionKind.INTEGRATION)
    r = CliRunner().invoke(cli, ["render", one, "--config", str(config), "--to", "text",
                                 "-o", "-", "--db", str(db)])
    assert r.exit_code == 0 and "BIRP" in r.stdout


def test_kind_without_a_batch_is_a_usage_error(db: Path) -> None:
    r = CliRunner().invoke(cli, ["render", "cl-001-dose-01", "--kind", "dosing", "--db", str(db)])
    assert r.exit_code == 2 and "--kind selects sessions of a batch" in r.output
