"""Superbill (Word through the note pipeline, and CSV) and the medical-necessity summary, read
back from LibreOffice's rendering (soffice + pdftotext) like the other Word tests."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kapnotes.cli import cli
from tests.billing.builders import PLAN, document, gad7, phq9, session, span
from tests.readers import docx_to_pdf, pdf_text

TRIALS = [{"agent": "sertraline", "dose": "200 mg", "weeks": 12, "adequate": True,
           "outcome": "partial_response"},
          {"agent": "bupropion XL", "dose": "300 mg", "weeks": 10, "adequate": True,
           "outcome": "no_response"},
          {"agent": "escitalopram", "dose": "10 mg", "weeks": 3, "adequate": False,
           "outcome": "intolerance"}]


def _record(tmp_path: Path) -> Path:
    def at(day: str, s: dict) -> dict:
        s["start"], s["end"] = f"{day}T09:00:00-07:00", f"{day}T10:30:00-07:00"
        for t in s.get("clinician_times", []):
            t["start"], t["end"] = t["start"].replace("2026-03-02", day), t["end"].replace(
                "2026-03-02", day)
        return s

    sessions = [
        at("2026-02-02", session(
            "s-intake", "intake", "09:00", "10:30",
            clinicians=[{"clinician_id": "dr-ames", "role": "prescriber"}],
            pre_screen={"antidepressant_trials": TRIALS,
                        "medications": [{"name": "bupropion XL", "dose": "300 mg"}]},
            measures=[phq9("p0", "2026-02-02", [3, 3, 2, 2, 2, 2, 2, 1, 0]),
                      gad7("g0", "2026-02-02", [3, 2, 2, 2, 2, 1, 1])])),
        at("2026-02-16", session(
            "s-integ", "integration", "09:00", "10:30",
            clinicians=[{"clinician_id": "th-ortiz", "role": "therapist"}],
            clinician_times=[span("th-ortiz", "psychotherapy", "09:00", "09:55")],
            measures=[phq9("p1", "2026-02-16", [1, 1, 1, 1, 1, 1, 0, 0, 0])])),
        at("2026-02-23", session(
            "s-recorded", "integration", "09:00", "10:30",
            clinicians=[{"clinician_id": "th-ortiz", "role": "therapist"}],
            service_lines=[{"code": "90834", "rendering_clinician_id": "th-ortiz",
                            "diagnoses": ["F33.2"], "charge_cents": 15000}])),
    ]
    src = tmp_path / "record.json"
    src.write_text(json.dumps(document(("cl-1", "Rowan", sessions), plan=PLAN)), encoding="utf-8")
    db = tmp_path / "c.db"
    r = CliRunner().invoke(cli, ["import", str(src), "--db", str(db)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return db


def _run(*args: str) -> None:
    r = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert r.exit_code == 0, r.output


def test_superbill_csv_of_a_date_range(tmp_path):
    db = _record(tmp_path)
    cfg = tmp_path / "clinic.json"
    cfg.write_text(json.dumps({"billing": {"fees_cents": {"90837": 20000, "96127": 1000}}}),
                   encoding="utf-8")
    out = tmp_path / "q1.csv"
    _run("superbill", "--client", "cl-1", "--from", "2026-02-01", "--until", "2026-02-28",
         "-o", str(out), "--config", str(cfg), "--db", str(db))
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    got = [(r["session_id"], r["code"], r["units"], r["charge"], r["origin"]) for r in rows]
    assert got == [
        ("s-intake", "90792", "1", "", "suggested"),
        ("s-intake", "96127", "2", "20.00", "suggested"),
        ("s-integ", "90837", "1", "200.00", "suggested"),
        ("s-integ", "96127", "1", "10.00", "suggested"),
        ("s-recorded", "90834", "1", "150.00", "recorded"),
    ]
    assert rows[2]["rendering_npi"] == "1245319599" and rows[2]["diagnoses"] == "F33.2 F41.1"


def test_superbill_output_follows_the_shared_rules(tmp_path):
    """``-o -`` is standard output (not a file named ``-``), ``-o x.csv/`` names a folder and is
    refused, as for ``kapnotes export``."""
    db = _record(tmp_path)
    args = ["superbill", "--client", "cl-1", "--from", "2026-02-01", "--until", "2026-02-28", "--db", str(db)]
    r = CliRunner().invoke(cli, [*args, "-o", "-", "--to", "csv"])
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("session_id,") and "90837" in r.stdout
    assert not (Path.cwd() / "-").exists()
    r = CliRunner().invoke(cli, [*args, "-o", str(tmp_path / "x.csv") + "/"])
    assert r.exit_code == 2 and "names a folder (it ends with '/')" in r.output
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.slow  # LibreOffice: not in `make test-fast`
def test_superbill_and_medical_necessity_read_correctly_in_libreoffice(tmp_path):
    db = _record(tmp_path)
    bill_docx, mn_docx, plan_docx = (tmp_path / n for n in
                                     ("superbill.docx", "necessity.docx", "plan.docx"))
    _run("superbill", "--client", "cl-1", "--from", "2026-02-01", "--until", "2026-02-28",
         "-o", str(bill_docx), "--db", str(db))
    _run("render", "s-recorded", "--format", "medical-necessity", "-o", str(mn_docx),
         "--db", str(db))
    _run("render", "s-recorded", "--format", "treatment-plan", "-o", str(plan_docx),
         "--db", str(db))
    pdfs = docx_to_pdf([bill_docx, mn_docx, plan_docx], tmp_path / "pdf", tmp_path / "profile")
    bill, mn, plan = (" ".join(pdf_text(p).split()) for p in pdfs)
    # the superbill: provider, patient, diagnoses with pointers, lines, sources
    for text in ("Superbill", "2026-02-01 to 2026-02-28", "Rowan Example", "1234567893",
                 "A F33.2", "B F41.1", "90792", "96127", "90837", "90834", "$150.00",
                 "Code rules and their sources", "[ref:ama-cpt-psychotherapy]",
                 "[ref:ama-cpt-96127]"):
        assert text in bill, text
    # the medical-necessity summary
    for text in ("Medical necessity summary", "F33.2", "sertraline", "200 mg", "12 weeks",
                 "2 adequate trial(s) of 3 recorded", "bupropion XL", "PHQ-9", "17", "6",
                 "No C-SSRS screen in the record", "PHQ-9 < 10 by 2026-04-01",
                 "Planned interventions"):
        assert text in mn, text
    for text in ("Treatment plan", "Goals and objectives", "Depressive symptoms in the mild",
                 "Progress as of 2026-02-23", "weekly for 4 weeks"):
        assert text in plan, text


def test_a_superbill_marks_unverified_codes_and_lists_their_rules():
    from kapnotes.rendering import build_note
    from kapnotes.serialization import from_data

    s = session(
        "s1", "dosing", "09:00", "12:00",
        clinicians=[{"clinician_id": "dr-ames", "role": "prescriber"}],
        dosing={"agent": "ketamine", "route": "im", "dose_mg": 35, "body_weight_kg": 70,
                "administered_at": "2026-03-02T09:15:00-07:00"},
        clinician_times=[span("dr-ames", "monitoring", "09:15", "11:15")],
    )
    doc = from_data(document(("cl-1", "Rowan", [s])))
    _course, sess = doc.find_session("s1")
    note = build_note(sess, format="superbill", document=doc)
    text = "\n".join(note.iter_text())
    assert "(UNVERIFIED: not verified)" in text and "Check before billing" in text
    rules = note.section("sources").blocks[0]
    assert rules.rows[0][:3] == ("0820T", "monitoring-0820t", "not verified")  # type: ignore[union-attr]
