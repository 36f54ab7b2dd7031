"""Synthetic kapnotes documents (JSON data) for the billing tests: one clinic, four clinicians,
clients with one course each, and the sessions a test passes. Times are MST (-07:00)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from kapnotes.cli import cli

DAY = "2026-03-02"
CLINICIANS = [
    {"id": "dr-ames", "name": "Dr. Lee Ames", "credentials": "MD", "npi": "1234567893",
     "roles": ["prescriber"]},
    {"id": "th-ortiz", "name": "Sam Ortiz", "credentials": "PsyD", "npi": "1245319599",
     "roles": ["therapist", "supervisor"]},
    {"id": "th-kim", "name": "Riley Kim", "credentials": "AMFT", "licensed": False,
     "supervisor_id": "th-ortiz", "roles": ["therapist"]},
    {"id": "rn-bell", "name": "Alex Bell", "credentials": "RN", "roles": ["monitor"]},
]


def t(hhmm: str, day: str = DAY) -> str:
    return f"{day}T{hhmm}:00-07:00"


def span(who: str, activity: str, start: str, end: str) -> dict[str, Any]:
    return {"clinician_id": who, "activity": activity, "start": t(start), "end": t(end)}


def session(sid: str, kind: str, start: str, end: str, **kw: Any) -> dict[str, Any]:
    return {"id": sid, "kind": kind, "start": t(start), "end": t(end), **kw}


def document(*clients: tuple[str, str, list[dict[str, Any]]], plan: dict[str, Any] | None = None,
             **kw: Any) -> dict[str, Any]:
    """``clients``: (client id, given name, sessions); ``plan``: the first course's treatment
    plan."""
    return {
        "format": "kapnotes",
        "format_version": "1.2",
        "clinic": {"id": "clinic-test", "name": "Test clinic (synthetic)", "npi": "1234567893"},
        "clinicians": CLINICIANS,
        "clients": [
            {"id": cid, "mrn": f"MRN-{cid}", "name": {"given": given, "family": "Example"},
             "date_of_birth": "1984-03-14"}
            for cid, given, _ in clients
        ],
        "courses": [
            {"id": f"course-{cid}", "client_id": cid, "started_on": "2026-02-02",
             "indications": [{"code": "F33.2", "display": "Major depressive disorder, recurrent, "
                              "severe without psychotic features", "primary": True},
                             {"code": "F41.1", "display": "Generalized anxiety disorder"}],
             "sessions": sessions,
             **({"treatment_plan": plan} if plan is not None and k == 0 else {})}
            for k, (cid, _, sessions) in enumerate(clients)
        ],
        **kw,
    }


def phq9(mid: str, day: str, total_items: list[int]) -> dict[str, Any]:
    return {"id": mid, "instrument": "phq9", "administered_at": t("09:05", day),
            "items": total_items}


def gad7(mid: str, day: str, total_items: list[int]) -> dict[str, Any]:
    return {"id": mid, "instrument": "gad7", "administered_at": t("09:08", day),
            "items": total_items}


PLAN = {
    "written_on": "2026-02-02",
    "next_review_on": "2026-03-02",
    "problems": ["F33.2", "F41.1"],
    "goals": [
        {"id": "g-mood", "description": "Depressive symptoms in the mild range",
         "objectives": [{"id": "o-phq", "description": "PHQ-9 below 10", "instrument": "PHQ-9",
                         "target": 10, "by": "2026-04-01"}]},
        {"id": "g-anx", "description": "Anxiety in the minimal range",
         "objectives": [{"id": "o-gad", "description": "GAD-7 below 5", "instrument": "gad7",
                         "target": 5, "by": "2026-03-01"}]},
    ],
    "interventions": [{"description": "Ketamine-assisted psychotherapy dosing sessions",
                       "frequency": "weekly for 4 weeks", "clinician_id": "dr-ames"},
                      {"description": "Integration psychotherapy", "frequency": "weekly",
                       "clinician_id": "th-ortiz"}],
    "signatures": [{"signer": "clinician", "clinician_id": "th-ortiz", "signed_on": "2026-02-02"},
                   {"signer": "client", "signed_on": "2026-02-02"}],
}


def bill_json(tmp_path: Path, doc: dict[str, Any], session_id: str, *extra: str) -> dict[str, Any]:
    """Import ``doc`` into a fresh database and return ``kapnotes bill SESSION_ID --json``."""
    src = tmp_path / "record.json"
    src.write_text(json.dumps(doc), encoding="utf-8")
    db = tmp_path / "bill.db"
    runner = CliRunner()
    r = runner.invoke(cli, ["import", str(src), "--db", str(db)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["bill", session_id, "--json", "--db", str(db), *extra],
                      catch_exceptions=False)
    assert r.exit_code == 0, r.output
    data: dict[str, Any] = json.loads(r.stdout)
    return data


def codes(bill: dict[str, Any]) -> list[tuple[str, int]]:
    return [(x["code"], x["units"]) for x in bill["lines"]]


def finding_codes(bill: dict[str, Any]) -> list[str]:
    return [f["code"] for f in bill["findings"]]
