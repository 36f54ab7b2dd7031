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


def test_an_output_that_cannot_be_written_is_a_clear_error_not_a_plugin_failure(db, tmp_path):
    """The output path is the user's input: a folder that cannot be made, a file where a folder
    is wanted, a folder where a file is wanted - each named, rc 1, no plugin blamed, nothing
    written, an existing file left as it was."""
    a_file = tmp_path / "here.txt"
    a_file.write_text("mine", encoding="utf-8")
    cases = [
        (["--to", "fhir-ndjson", "-o", str(a_file / "bulk")], f"cannot create the folder {a_file / 'bulk'}"),
        (["--to", "fhir-ndjson", "-o", str(a_file)], f"cannot write into {a_file}: it is a file, not a folder"),
        (["--to", "fhir-transactions", "-o", str(a_file)], f"cannot write into {a_file}: it is a file, not a folder"),
        (["--to", "fhir-collection", "-o", str(tmp_path)], f"cannot write {tmp_path}: it is a folder"),
        (["--to", "fhir-collection", "-o", str(a_file / "c.json")], f"cannot write {a_file / 'c.json'}"),
    ]
    for args, message in cases:
        r = CliRunner().invoke(cli, ["fhir-export", "--db", str(db), "--note-content", "none", *args])
        assert r.exit_code == 1, (args, r.output)
        assert message in r.output, (args, r.output)
        assert "plugin" not in r.output and "Traceback" not in r.output, (args, r.output)
    assert a_file.read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["here.txt", "k.db"] or \
        {p.name for p in tmp_path.iterdir()} <= {"here.txt", "k.db", "k.db-wal", "k.db-shm"}


def test_a_file_export_is_written_whole_or_not_at_all(db, tmp_path, monkeypatch):
    """A full disk while writing the Bundle leaves the earlier file as it was and no part file."""
    import os

    out = tmp_path / "c.json"
    out.write_bytes(b"earlier")

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    r = CliRunner().invoke(cli, ["fhir-export", "--db", str(db), "--to", "fhir-collection", "--note-content", "none",
                                 "-o", str(out)])
    assert r.exit_code == 1, r.output
    assert f"cannot write {out}: No space left on device" in r.output
    assert out.read_bytes() == b"earlier"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".part")) == []


def test_an_option_the_chosen_exporter_does_not_read_is_refused_on_the_command_line(db, tmp_path):
    """``--max-entries`` with ``--to fhir-collection`` would change nothing: say so, write nothing."""
    cases = [
        (["--to", "fhir-collection", "-o", str(tmp_path / "c.json"), "--max-entries", "10"], "--max-entries",
         "fhir-transactions"),
        (["--to", "fhir-ndjson", "-o", str(tmp_path / "b"), "--split", "none"], "--split", "fhir-transactions"),
        (["--to", "fhir-transactions", "-o", str(tmp_path / "t"), "--workers", "2"], "--workers", "fhir-ndjson"),
        (["--to", "fhir-ndjson", "-o", str(tmp_path / "b"), "--session", "x"], "--session", "fhir-document"),
    ]
    for args, option, applies in cases:
        r = CliRunner().invoke(cli, ["fhir-export", "--db", str(db), *args])
        assert r.exit_code == 2, (args, r.output)
        assert f"{option} applies to --to {applies} only" in r.output, (args, r.output)
        assert "Traceback" not in r.output
    assert {p.name for p in tmp_path.iterdir()} <= {"k.db", "k.db-wal", "k.db-shm"}


def test_reimporting_an_export_made_with_an_identifier_base_changes_nothing(db, tmp_path):
    """``fhir-import --identifier-base`` recognizes the measures of an export made with the same
    base: every response is already present (signed sessions included), none is added twice."""
    base = "https://ehr.example.org/sid/kap"
    out = tmp_path / "bulk"
    r = CliRunner().invoke(cli, ["fhir-export", "--db", str(db), "--to", "fhir-ndjson", "--workers", "1",
                                 "-o", str(out), "--note-content", "none", "--identifier-base", base])
    assert r.exit_code == 0, r.output
    responses = out / "QuestionnaireResponse.ndjson"
    n = sum(1 for _ in responses.open(encoding="utf-8"))
    with open_store(db, create=False, read_only=True) as store:
        before = store.counts()["measures"]
    r = CliRunner().invoke(cli, ["fhir-import", "--db", str(db), "--actor", "tester",
                                 "--identifier-base", base, str(responses)])
    assert r.exit_code == 0, r.output
    assert f"imported 0 measure(s) into 0 session(s); {n} already present" in r.output
    with open_store(db, create=False, read_only=True) as store:
        assert store.counts()["measures"] == before
    r = CliRunner().invoke(cli, ["fhir-import", "--db", str(db), "--identifier-base", "not a uri", str(responses)])
    assert r.exit_code != 0 and "identifier_base" in r.output and "Traceback" not in r.output
