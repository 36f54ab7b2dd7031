"""The "Done when" cases of issue 12, as ``kapnotes bill SESSION_ID --json`` sees them: the
lines a biller expects, each with its reason and source, and findings (not codes) for
conflicting input."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from kapnotes.cli import cli
from tests.billing.builders import bill_json, codes, document, finding_codes, session, span

ORTIZ = [{"clinician_id": "th-ortiz", "role": "therapist"}]
AMES = [{"clinician_id": "dr-ames", "role": "prescriber"}]


def _one(tmp_path: Path, s: dict, *extra: str) -> dict:
    return bill_json(tmp_path, document(("cl-1", "Rowan", [s])), s["id"], *extra)


def test_a_53_minute_psychotherapy_session_is_90837(tmp_path):
    s = session("s1", "integration", "09:00", "10:00", clinicians=ORTIZ,
                clinician_times=[span("th-ortiz", "psychotherapy", "09:00", "09:53")])
    b = _one(tmp_path, s)
    assert codes(b) == [("90837", 1)]
    line = b["lines"][0]
    assert line["rendering_clinician_id"] == "th-ortiz" and line["rendering_npi"] == "1245319599"
    assert line["place_of_service"] == "11" and line["diagnoses"] == ["F33.2", "F41.1"]
    assert "53 minutes of psychotherapy" in line["reason"]
    assert "[ref:ama-cpt-psychotherapy]" in line["source"]
    assert line["status"] == "verified" and line["verified"] is True
    assert b["findings"] == []


def test_52_minutes_is_90834_and_a_telehealth_session_is_pos_10(tmp_path):
    s = session("s1", "integration", "09:00", "10:00", clinicians=ORTIZ, modality="telehealth",
                clinician_times=[span("th-ortiz", "psychotherapy", "09:00", "09:52")])
    b = _one(tmp_path, s)
    assert codes(b) == [("90834", 1)] and b["lines"][0]["place_of_service"] == "10"


def test_25_minute_em_with_40_minutes_psychotherapy_is_em_plus_90836(tmp_path):
    s = session(
        "s1", "follow-up", "09:00", "10:10", clinicians=AMES,
        clinician_times=[span("dr-ames", "evaluation_management", "09:00", "09:25"),
                         span("dr-ames", "psychotherapy", "09:25", "10:05")],
        service_lines=[{"code": "99214", "rendering_clinician_id": "dr-ames"}],
    )
    b = _one(tmp_path, s)
    assert codes(b) == [("99214", 1), ("90836", 1)]
    assert b["minutes"]["psychotherapy"] == {"dr-ames": 40}
    assert b["minutes"]["evaluation_management"] == {"dr-ames": 25}
    assert "medical decision making" in b["lines"][0]["reason"]
    assert "E/M time of 25 minutes kept apart" in b["lines"][1]["reason"]
    assert b["findings"] == []


def test_em_time_without_a_chosen_level_gives_the_add_on_and_a_finding(tmp_path):
    s = session(
        "s1", "follow-up", "09:00", "10:10", clinicians=AMES,
        clinician_times=[span("dr-ames", "evaluation_management", "09:00", "09:25"),
                         span("dr-ames", "psychotherapy", "09:25", "10:05")],
    )
    b = _one(tmp_path, s)
    assert codes(b) == [("90836", 1)]
    assert finding_codes(b) == ["KAP-BILL-003"]
    assert b["findings"][0]["path"] == "$.courses[0].sessions[0].clinician_times[0]"


def test_overlapping_em_time_is_not_counted_as_psychotherapy(tmp_path):
    s = session(
        "s1", "follow-up", "09:00", "10:10", clinicians=AMES,
        clinician_times=[span("dr-ames", "evaluation_management", "09:00", "09:25"),
                         span("dr-ames", "psychotherapy", "09:10", "09:50")],
        service_lines=[{"code": "99213"}],
    )
    b = _one(tmp_path, s)
    assert b["minutes"]["psychotherapy"] == {"dr-ames": 25}  # 40 minus the 15 overlapping
    assert codes(b) == [("99213", 1), ("90833", 1)]
    assert "KAP-BILL-007" in finding_codes(b)


def test_esketamine_84_mg_with_monitoring_is_g2083(tmp_path):
    s = session(
        "s1", "dosing", "09:00", "11:30",
        clinicians=[*AMES, {"clinician_id": "rn-bell", "role": "monitor"}],
        dosing={"agent": "esketamine", "route": "intranasal", "dose_mg": 84,
                "administered_at": "2026-03-02T09:15:00-07:00",
                "ordering_clinician_id": "dr-ames", "monitoring_clinician_id": "rn-bell"},
        clinician_times=[span("rn-bell", "monitoring", "09:15", "11:20")],
    )
    b = _one(tmp_path, s)
    assert codes(b) == [("G2083", 1)]  # the 2-hour observation is in G2083; no 0820T-0822T
    line = b["lines"][0]
    assert line["system"] == "HCPCS" and line["rendering_clinician_id"] == "dr-ames"
    assert "esketamine 84 mg" in line["reason"] and line["verified"] is True
    assert "[ref:cms-hcpcs-g2082]" in line["source"]


def test_esketamine_56_mg_is_g2082_and_a_prolonged_code_with_it_is_a_conflict(tmp_path):
    s = session(
        "s1", "dosing", "09:00", "11:30", clinicians=AMES,
        dosing={"agent": "esketamine", "route": "intranasal", "dose_mg": 56,
                "administered_at": "2026-03-02T09:15:00-07:00"},
        service_lines=[{"code": "99417"}],
    )
    b = _one(tmp_path, s)
    assert codes(b) == [("G2082", 1)]
    assert finding_codes(b) == ["KAP-BILL-006"]
    f = b["findings"][0]
    assert f["path"] == "$.courses[0].sessions[0].service_lines[0]"
    assert "[ref:esketamine-bundling]" in f["source"] and "not verified" in f["source"]


def test_an_intake_with_phq9_and_gad7_is_90792_and_two_units_of_96127(tmp_path):
    s = session(
        "s1", "intake", "09:00", "10:30", clinicians=AMES,
        measures=[
            {"id": "m-phq", "instrument": "phq9", "administered_at": "2026-03-02T09:05:00-07:00",
             "items": [2, 2, 1, 2, 1, 2, 1, 1, 0], "administered_by": "dr-ames"},
            {"id": "m-gad", "instrument": "gad7", "administered_at": "2026-03-02T09:10:00-07:00",
             "items": [2, 1, 2, 1, 1, 1, 0], "administered_by": "dr-ames"},
        ],
    )
    b = _one(tmp_path, s)
    assert codes(b) == [("90792", 1), ("96127", 2)]
    assert "phq9, gad7" in b["lines"][1]["reason"]
    assert "[ref:ama-cpt-96127]" in b["lines"][1]["source"]


def test_an_intake_by_a_therapist_alone_is_90791_supervised_when_unlicensed(tmp_path):
    s = session("s1", "intake", "09:00", "10:30",
                clinicians=[{"clinician_id": "th-kim", "role": "therapist"}])
    b = _one(tmp_path, s)
    assert codes(b) == [("90791", 1)]
    line = b["lines"][0]
    assert line["rendering_clinician_id"] == "th-kim"
    assert line["supervising_clinician_id"] == "th-ortiz"
    assert line["billing_clinician_id"] == "th-ortiz" and line["billing_npi"] == "1245319599"


def test_racemic_ketamine_monitoring_codes_are_flagged_unverified(tmp_path):
    s = session(
        "s1", "dosing", "09:00", "12:00",
        clinicians=[*AMES, {"clinician_id": "rn-bell", "role": "monitor"}],
        dosing={"agent": "ketamine", "route": "im", "dose_mg": 35, "body_weight_kg": 70,
                "administered_at": "2026-03-02T09:15:00-07:00"},
        clinician_times=[span("dr-ames", "monitoring", "09:15", "11:15"),
                         span("rn-bell", "monitoring", "09:15", "11:50")],
    )
    b = _one(tmp_path, s)
    assert codes(b) == [("0820T", 2), ("0822T", 3)]  # 120 min -> 2 units, 155 min -> 3
    assert all(x["verified"] is False and x["status"] == "not verified" for x in b["lines"])
    assert finding_codes(b) == ["KAP-BILL-001", "KAP-BILL-001"]


def test_a_clinic_that_checked_a_code_accepts_it_and_changes_a_time_band(tmp_path):
    cfg = tmp_path / "clinic.json"
    cfg.write_text(json.dumps({"billing": {
        "accept_unverified": ["0820T"],
        "rules": {"psychotherapy-90837": {"min_minutes": 60},
                  "psychotherapy-90834": {"max_minutes": 59}},
    }}), encoding="utf-8")
    s = session("s1", "integration", "09:00", "10:00", clinicians=ORTIZ,
                clinician_times=[span("th-ortiz", "psychotherapy", "09:00", "09:55")])
    b = _one(tmp_path, s, "--config", str(cfg))
    assert codes(b) == [("90834", 1)]


def test_conflicting_input_gives_findings_not_codes(tmp_path):
    s = session(
        "s1", "integration", "09:00", "10:00", clinicians=ORTIZ,
        clinician_times=[span("th-ortiz", "psychotherapy", "09:00", "09:12")],
        service_lines=[{"code": "90836", "rendering_clinician_id": "th-ortiz"}],
    )
    b = _one(tmp_path, s)
    assert b["lines"] == []
    assert sorted(finding_codes(b)) == ["KAP-BILL-002", "KAP-BILL-004", "KAP-BILL-005"]
    by = {f["code"]: f for f in b["findings"]}
    assert "below the 16-minute minimum of 90832" in by["KAP-BILL-002"]["message"]
    assert by["KAP-BILL-004"]["path"] == "$.courses[0].sessions[0].service_lines[0]"


def test_the_rule_list_names_every_rule_with_its_source_and_status(tmp_path):
    r = CliRunner().invoke(cli, ["bill", "--rules", "--json"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    rules = {x["name"]: x for x in json.loads(r.stdout)}
    assert rules["psychotherapy-90837"]["status"] == "verified"
    assert rules["monitoring-0820t"]["status"] == "not verified"
    assert rules["esketamine-drug-j0013"]["enabled"] is False
    assert all("[ref:" in x["source"] for x in rules.values())


def test_an_unknown_rule_in_the_config_and_an_unknown_session_are_clear_errors(tmp_path):
    cfg = tmp_path / "clinic.json"
    cfg.write_text(json.dumps({"billing": {"rules": {"psychotherapy-9999": {}}}}), encoding="utf-8")
    r = CliRunner().invoke(cli, ["bill", "--rules", "--config", str(cfg)])
    assert r.exit_code != 0 and "$.billing.rules.psychotherapy-9999" in r.output
    assert "Traceback" not in r.output
    s = session("s1", "integration", "09:00", "10:00")
    src = tmp_path / "r.json"
    src.write_text(json.dumps(document(("cl-1", "Rowan", [s]))), encoding="utf-8")
    db = tmp_path / "x.db"
    assert CliRunner().invoke(cli, ["import", str(src), "--db", str(db)]).exit_code == 0
    r = CliRunner().invoke(cli, ["bill", "nope", "--db", str(db)])
    assert r.exit_code != 0 and "no session 'nope'" in r.output
