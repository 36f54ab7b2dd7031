"""From the command line: forms due, submission recorded as a signed addendum, the form as Word
(read back by LibreOffice) and as CSV."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess

import pytest
from click.testing import CliRunner
from rems_fixtures import demo, rems_demo, rems_plugin, synthetic_demo  # noqa: F401 - fixtures

from kapnotes import dumps
from kapnotes.cli import cli
from kapnotes.store import open_store


@pytest.fixture
def db(tmp_path, rems_demo, rems_plugin):
    record = tmp_path / "record.json"
    record.write_text(dumps(rems_demo), encoding="utf-8")
    path = tmp_path / "k.db"
    r = CliRunner().invoke(cli, ["import", str(record), "--db", str(path)])
    assert r.exit_code == 0, r.output
    return path


def _run(*args):
    return CliRunner().invoke(cli, [*map(str, args)])


def _due(db, *extra):
    r = _run("rems", "due", "--today", "2026-02-06", "--json", "--db", db, *extra)
    assert r.exit_code == 0, r.output
    return [json.loads(line) for line in r.output.splitlines()]


def test_due_lists_every_unsubmitted_form_soonest_first(db):
    rows = _due(db)
    assert [r["session_id"] for r in rows] == [
        "cl-004-dose-01", "cl-004-dose-02", "cl-004-dose-03", "cl-004-dose-04"]
    first = rows[0]
    assert (first["due_on"], first["days_left"], first["complete"]) == ("2026-02-09", 3, True)
    table = _run("rems", "due", "--today", "2026-02-10", "--db", db).output
    assert "OVERDUE by 1 day(s)" in table


def test_sign_then_mark_submitted_records_a_signed_audited_addendum(db):
    r = _run("sign", "cl-004-dose-01", "--clinician", "dr-ames", "--db", db)
    assert r.exit_code == 0, r.output
    r = _run("rems", "mark-submitted", "cl-004-dose-01", "--on", "2026-02-03",
             "--confirmation", "PMF-0001", "--clinician", "dr-ames", "--db", db)
    assert r.exit_code == 0, r.output
    assert next(x["session_id"] for x in _due(db)) == "cl-004-dose-02"
    done = {x["session_id"]: x for x in _due(db, "--all")}["cl-004-dose-01"]
    assert (done["submitted_on"], done["confirmation"]) == ("2026-02-03", "PMF-0001")
    with open_store(db) as store:
        assert any(row["action"] == "addendum" for row in store.audit_log())
    again = _run("rems", "mark-submitted", "cl-004-dose-01", "--on", "2026-02-04",
                 "--confirmation", "PMF-0002", "--clinician", "dr-ames", "--db", db)
    assert again.exit_code == 1 and "already recorded as submitted" in again.output
    assert _run("verify", "--db", db).exit_code == 0


@pytest.mark.parametrize(("args", "message"), [
    (["cl-004-dose-01", "--on", "2026-02-03"], "is a draft"),  # not signed yet
    (["cl-001-dose-01", "--on", "2026-02-03"], "not an esketamine session"),
    (["cl-004-dose-01", "--on", "2026-01-01"], "before the treatment date"),
    (["cl-004-dose-01", "--on", "2026-02-30"], "is not a date"),
])
def test_mark_submitted_refusals(db, args, message):
    if "before the treatment" in message:
        assert _run("sign", "cl-004-dose-01", "--clinician", "dr-ames", "--db", db).exit_code == 0
    r = _run("rems", "mark-submitted", *args, "--confirmation", "X", "--clinician", "dr-ames",
             "--db", db)
    assert r.exit_code != 0
    assert message in r.output
    assert "Traceback" not in r.output


def test_sign_is_refused_for_an_incomplete_form(tmp_path, demo, rems_plugin):
    record = tmp_path / "record.json"
    record.write_text(dumps(demo), encoding="utf-8")
    path = tmp_path / "k.db"
    assert _run("import", record, "--db", path).exit_code == 0
    r = _run("sign", "cl-004-dose-01", "--clinician", "dr-ames", "--db", path)
    assert r.exit_code == 1
    assert "REMS-PMF-001" in r.output and "extensions.rems.ready_to_leave_minutes" in r.output


def test_the_form_as_csv(db, tmp_path):
    out = tmp_path / "forms.csv"
    r = _run("export", "--to", "rems-csv", "-o", out, "--db", db)
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [x["session_id"] for x in rows] == [
        "cl-004-dose-01", "cl-004-dose-02", "cl-004-dose-03", "cl-004-dose-04"]
    assert rows[0]["bp.at_40_minutes"] == "147/87"
    assert rows[1]["treatment.dose"] == "84 mg"
    assert rows[0]["complete"] == "yes"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_the_form_as_word_reads_back_in_libreoffice(db, tmp_path):
    docx = tmp_path / "form.docx"
    r = _run("render", "cl-004-dose-01", "-f", "rems-monitoring-form", "-o", docx, "--db", db)
    assert r.exit_code == 0, r.output
    subprocess.run(
        ["soffice", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(docx)],
        check=True, capture_output=True, timeout=180,
    )
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "form.pdf"), "-"],
                          check=True, capture_output=True, text=True).stdout
    flat = " ".join(text.split())
    for expected in ("SPRAVATO® REMS Patient Monitoring Form", "form 2021-11", "Complete",
                     "Morgan", "LOT-26013", "147/87", "56 mg", "02/09/2026", "Lee"):
        assert expected in flat, expected
