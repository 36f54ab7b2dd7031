"""The command line with at-home measures: check, import, verify, schema, outcomes."""

from __future__ import annotations

import json

from click.testing import CliRunner

from kapnotes.cli import cli
from tests.athome.builders import home_phq9, record

POSITIVE_AFTER_LAST = home_phq9("h-late", "2026-03-11T21:00:00-07:00", [1] * 9)


def test_check_reports_a_positive_at_home_item_9_on_the_course_and_fails(tmp_path) -> None:
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record(POSITIVE_AFTER_LAST)), encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 1, result.output
    assert "BLOCKING KAP-RISK-006 course course-cl-1 $.courses[0].measures[0].items[8]" in result.output
    out = CliRunner().invoke(cli, ["check", str(path), "--json"])
    (f,) = [f for f in json.loads(out.output) if f["code"] == "KAP-RISK-006"]
    assert f["session_id"] is None and f["course_id"] == "course-cl-1"


def test_import_verify_and_outcomes_of_a_record_with_at_home_measures(tmp_path) -> None:
    path, db = tmp_path / "record.json", tmp_path / "k.db"
    data = record(home_phq9("h-1", "2026-03-05T20:00:00-07:00", [0] * 9))
    data["courses"][0]["sessions"][0]["measures"][0]["context"] = "baseline"
    path.write_text(json.dumps(data), encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(cli, ["import", str(path), "--db", str(db)]).exit_code == 0
    verified = runner.invoke(cli, ["verify", "--db", str(db)])
    assert verified.exit_code == 0, verified.output
    out = runner.invoke(cli, ["outcomes", "--db", str(db), "--client", "cl-1", "--json"])
    assert out.exit_code == 0, out.output
    assert '"at_home": true' in out.output


def test_the_schema_command_describes_home() -> None:
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0 and '"home"' in result.output
