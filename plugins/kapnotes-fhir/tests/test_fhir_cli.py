"""``kapnotes fhir-export``: FHIR export options from the command line and a config file."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kapnotes.cli import cli
from kapnotes.store import open_store


@pytest.fixture
def db(demo, tmp_path):
    path = tmp_path / "k.db"
    with open_store(path) as store:
        store.save(demo)
    return path


def test_split_transactions_with_the_ehrs_identifier_systems(db, tmp_path, demo):
    out = tmp_path / "post"
    r = CliRunner().invoke(cli, ["fhir-export", "--db", str(db), "-o", str(out), "--max-entries", "100",
                                 "--identifier-base", "https://ehr.example.org/sid/kap", "--note-content", "text"])
    assert r.exit_code == 0, r.output
    files = sorted(out.glob("transaction-*.json"))
    assert len(files) > len(demo.clients)  # per patient, and at most 100 entries each
    bundles = [json.loads(f.read_bytes()) for f in files]
    assert all(len(b["entry"]) <= 100 for b in bundles)
    mrns = {i["system"] for b in bundles for e in b["entry"] if e["resource"]["resourceType"] == "Patient"
            for i in e["resource"]["identifier"]}
    assert "https://ehr.example.org/sid/kap/mrn" in mrns


def test_options_from_a_config_file_and_the_command_line_wins(db, tmp_path):
    cfg = tmp_path / "fhir.json"
    cfg.write_text(json.dumps({"max_entries": 5000, "split": "none", "note_content": "none"}), encoding="utf-8")
    out = tmp_path / "one"
    r = CliRunner().invoke(cli, ["fhir-export", "--db", str(db), "-o", str(out), "--config", str(cfg)])
    assert r.exit_code == 0, r.output
    assert len(list(out.glob("transaction-*.json"))) == 1
    r = CliRunner().invoke(cli, ["fhir-export", "--db", str(db), "-o", str(out), "--config", str(cfg),
                                 "--max-entries", "400"])
    assert r.exit_code == 0, r.output
    assert len(list(out.glob("transaction-*.json"))) == 3  # the old files replaced, not mixed in


def test_a_misspelled_option_is_refused_with_the_known_ones_and_nothing_is_written(db, tmp_path):
    cfg = tmp_path / "fhir.json"
    cfg.write_text(json.dumps({"max_entires": 5}), encoding="utf-8")
    out = tmp_path / "x"
    r = CliRunner().invoke(cli, ["fhir-export", "--db", str(db), "-o", str(out), "--config", str(cfg)])
    assert r.exit_code == 1
    assert "unknown FHIR export option(s) 'max_entires'; known: identifier_base" in r.output
    assert "Traceback" not in r.output and not out.exists()
    cfg.write_text("[1]", encoding="utf-8")
    r = CliRunner().invoke(cli, ["fhir-export", "--db", str(db), "-o", str(out), "--config", str(cfg)])
    assert r.exit_code == 1 and "must be a JSON object" in r.output
