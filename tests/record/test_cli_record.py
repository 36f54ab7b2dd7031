"""The record commands through click's runner: clear errors, non-zero exits, nothing half-written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kapnotes.cli import cli
from kapnotes.serialization import dumps


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def record_file(tmp_path: Path, demo_doc) -> Path:
    p = tmp_path / "record.json"
    p.write_text(dumps(demo_doc), encoding="utf-8")
    return p


def invoke(runner: CliRunner, *args: str) -> object:
    return runner.invoke(cli, list(args), catch_exceptions=False)


def test_help_lists_the_commands(runner):
    result = invoke(runner, "--help")
    assert result.exit_code == 0
    for cmd in ("import", "check", "export", "schema", "search", "demo"):
        assert cmd in result.output


def test_import_export_round_trip_is_byte_identical(runner, tmp_path, record_file):
    db1, db2 = tmp_path / "a.db", tmp_path / "b.db"
    r = invoke(runner, "import", "--trust-signatures", str(record_file), "--db", str(db1))
    assert r.exit_code == 0, r.output
    assert "44 session(s) written" in r.output
    out1 = tmp_path / "out1.json"
    assert invoke(runner, "export", "--to", "json", "-o", str(out1), "--db", str(db1)).exit_code == 0
    assert invoke(runner, "import", "--trust-signatures", str(out1), "--db", str(db2)).exit_code == 0
    r2 = invoke(runner, "export", "--to", "json", "--db", str(db2))
    assert r2.exit_code == 0
    assert r2.stdout_bytes == out1.read_bytes()
    assert out1.read_text(encoding="utf-8").rstrip("\n") == record_file.read_text(encoding="utf-8")


def test_malformed_document_lists_every_problem_and_writes_nothing(runner, tmp_path, record_file):
    data = json.loads(record_file.read_text())
    data["courses"][0]["sessions"][2]["dosing"]["dose_mg"] = -5
    data["clients"][0]["surname"] = "x"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    db = tmp_path / "k.db"
    r = runner.invoke(cli, ["import", str(record_file), str(bad), "--db", str(db)])
    assert r.exit_code == 1
    assert "Traceback" not in r.output
    assert "$.courses[0].sessions[2].dosing.dose_mg: expected a number > 0" in r.stderr
    assert "$.clients[0].surname: unknown key 'surname'" in r.stderr
    assert not db.exists()  # the valid file was not imported either: all or nothing
    r = runner.invoke(cli, ["check", str(bad)])
    assert r.exit_code == 1
    assert "2 problems" in r.stderr


def test_check_ok_and_truncated(runner, tmp_path, record_file):
    from kapnotes.synthetic import build_document

    one = tmp_path / "one.json"
    one.write_text(dumps(build_document(clients=1)))
    r = invoke(runner, "check", str(one))
    assert r.exit_code == 0
    assert r.output.strip() == f"{one}: ok"
    cut = tmp_path / "cut.json"
    cut.write_text(record_file.read_text()[:500])
    r = runner.invoke(cli, ["check", str(cut)])
    assert r.exit_code == 1
    assert "not valid JSON" in r.stderr


def test_unknown_exporter_and_missing_database(runner, tmp_path, record_file):
    db = tmp_path / "k.db"
    invoke(runner, "import", str(record_file), "--db", str(db))
    r = runner.invoke(cli, ["export", "--to", "pdf", "--db", str(db)])
    assert r.exit_code == 1
    assert "unknown record exporter 'pdf'; known: " in r.stderr
    assert "json" in r.stderr.split("known: ")[1].split(", ")
    r = runner.invoke(cli, ["export", "--db", str(tmp_path / "none.db")])
    assert r.exit_code == 1
    assert "no database at" in r.stderr
    assert not (tmp_path / "none.db").exists()
    r = runner.invoke(cli, ["export", "--client", "cl-999", "--db", str(db)])
    assert r.exit_code == 1
    assert "no client 'cl-999'" in r.stderr


def test_export_one_client(runner, tmp_path, record_file):
    db = tmp_path / "k.db"
    invoke(runner, "import", str(record_file), "--db", str(db))
    r = invoke(runner, "export", "--client", "cl-002", "--db", str(db))
    data = json.loads(r.stdout)
    assert [c["id"] for c in data["clients"]] == ["cl-002"]
    assert {c["client_id"] for c in data["courses"]} == {"cl-002"}


def test_search_and_env_database(runner, tmp_path, record_file, monkeypatch):
    db = tmp_path / "env.db"
    monkeypatch.setenv("KAPNOTES_DB", str(db))
    invoke(runner, "import", str(record_file))
    assert db.exists()
    r = invoke(runner, "search", "ocean")
    assert "cl-001-dose-01" in r.output
    r = invoke(runner, "search", "zzzznotthere")
    assert r.exit_code == 0
    assert "no matches" in r.stderr


def test_schema_command(runner, tmp_path):
    r = invoke(runner, "schema")
    schema = json.loads(r.output)
    assert schema["$schema"].endswith("2020-12/schema")
    out = tmp_path / "s.json"
    invoke(runner, "schema", "-o", str(out))
    assert json.loads(out.read_text()) == schema


@pytest.mark.slow
def test_demo_builds_database_and_record(runner, tmp_path):
    out = tmp_path / "demo"
    r = invoke(runner, "demo", "--out", str(out), "--clients", "3")
    assert r.exit_code == 0, r.output
    assert (out / "kapnotes.db").exists()
    data = json.loads((out / "record.json").read_text())
    assert len(data["clients"]) == 3
    kinds = [s["kind"] for s in data["courses"][0]["sessions"]]
    assert kinds[:2] == ["intake", "preparation"]
    assert kinds.count("dosing") >= 4
    assert kinds[-1] == "follow-up"
    for i, k in enumerate(kinds):
        if k == "dosing":
            assert kinds[i + 1] == "integration"
    # the demo bills: every session has service lines; the first client has a plan with an
    # objective met and one not; a superbill, a medical-necessity summary and the plan are written
    assert all(s["service_lines"] for c in data["courses"] for s in c["sessions"])
    from kapnotes.serialization import loads
    from kapnotes.treatment_plan import plan_progress

    course = loads((out / "record.json").read_text()).courses[0]
    assert sorted(p.status for p in plan_progress(course)) == ["met", "not met"]
    for name in ("superbill.docx", "superbill.csv", "medical-necessity.docx",
                 "treatment-plan.docx"):
        assert (out / "billing" / f"cl-001-{name}").stat().st_size > 0, name
    assert "0820T" in (out / "billing" / "cl-001-superbill.csv").read_text()
    # deterministic
    r2 = invoke(runner, "demo", "--out", str(tmp_path / "demo2"), "--clients", "3")
    assert r2.exit_code == 0
    assert (tmp_path / "demo2" / "record.json").read_bytes() == (out / "record.json").read_bytes()


def test_check_reports_safety_findings_and_blocks(runner, tmp_path, record_file):
    r = runner.invoke(cli, ["check", str(record_file)])
    assert r.exit_code == 1  # a blocking finding stops signing: non-zero
    assert "3 finding(s), 2 blocking" in r.output  # and the go decision at that risk (warning)
    assert "BLOCKING KAP-RISK-002 cl-002-dose-03 $.courses[1].sessions[6].measures[0].items[8]" in r.output
    js = runner.invoke(cli, ["check", str(record_file), "--json"])
    findings = json.loads(js.output)
    assert {f["code"] for f in findings} == {"KAP-RISK-002", "KAP-RISK-003", "KAP-GO-002"}
    db = tmp_path / "k.db"
    invoke(runner, "import", str(record_file), "--db", str(db))
    ok = runner.invoke(cli, ["check", "--db", str(db), "--client", "cl-001"])
    assert ok.exit_code == 0, ok.output
    config = tmp_path / "clinic.json"
    config.write_text('{"nonsense": 1}')
    bad = runner.invoke(cli, ["check", str(record_file), "--config", str(config)])
    assert bad.exit_code == 1
    assert "$.nonsense: unknown key 'nonsense'" in bad.stderr
