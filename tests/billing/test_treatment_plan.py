"""The treatment plan on the course: objectives tied to instruments, progress computed from the
course's scores, the overdue-review finding and the treatment-plan note."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from kapnotes.errors import InvalidError
from kapnotes.notes.format import NoteContext
from kapnotes.plugins import registry
from kapnotes.rules.engine import evaluate
from kapnotes.serialization import dumps, from_data, loads
from kapnotes.treatment_plan import plan_progress
from tests.billing.builders import PLAN, document, gad7, phq9, session

DAYS = ["2026-02-02", "2026-02-16", "2026-03-09"]


def _sessions(phq: list[list[int]], gad: list[list[int]]) -> list[dict]:
    out = []
    for k, day in enumerate(DAYS):
        s = session(f"s{k}", "intake" if k == 0 else "integration", "09:00", "10:00",
                    clinicians=[{"clinician_id": "th-ortiz", "role": "therapist"}],
                    measures=[phq9(f"p{k}", day, phq[k]), gad7(f"g{k}", day, gad[k])])
        s["start"], s["end"] = f"{day}T09:00:00-07:00", f"{day}T10:00:00-07:00"
        out.append(s)
    return out


PHQ = [[3, 3, 2, 2, 2, 2, 2, 1, 0], [2, 2, 1, 1, 1, 1, 1, 1, 0], [1, 1, 1, 1, 1, 1, 0, 0, 0]]
GAD = [[3, 2, 2, 2, 2, 1, 1], [2, 2, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 0]]


def _doc(plan=PLAN):
    return from_data(document(("cl-1", "Rowan", _sessions(PHQ, GAD)), plan=plan))


def test_progress_is_computed_from_the_scores_met_and_not_met():
    course = _doc().courses[0]
    got = {p.objective.id: p for p in plan_progress(course)}
    phq, gad = got["o-phq"], got["o-gad"]
    assert (phq.baseline, phq.latest, phq.status) == (17, 6, "met")  # 6 < 10
    assert phq.latest_on == dt.date(2026, 3, 9) and phq.scores == 3
    assert (gad.baseline, gad.latest, gad.status) == (13, 6, "not met")  # 6 >= 5, due 03-01
    early = {p.objective.id: p.status for p in plan_progress(course, as_of=dt.date(2026, 2, 20))}
    assert early == {"o-phq": "in progress", "o-gad": "in progress"}
    assert "target < 10 by 2026-04-01: met" in phq.summary


def test_the_plan_round_trips_and_is_checked():
    doc = _doc()
    assert loads(dumps(doc)) == doc
    bad = copy.deepcopy(PLAN)
    bad["problems"] = ["F99.9"]
    bad["signatures"][1]["clinician_id"] = "th-ortiz"  # a client's signature names no clinician
    bad["interventions"][0]["clinician_id"] = "nobody"
    with pytest.raises(InvalidError) as err:
        _doc(bad)
    paths = {p.path for p in err.value.problems}
    assert "$.courses[0].treatment_plan.signatures[1].clinician_id" in paths
    bad["signatures"][1].pop("clinician_id")
    with pytest.raises(InvalidError) as err:
        _doc(bad)
    assert {p.path for p in err.value.problems} == {"$.courses[0].treatment_plan.problems[0]"}


def test_an_overdue_review_is_a_finding_until_the_plan_is_reviewed():
    findings = [f for f in evaluate(_doc()) if f.code == "KAP-PLAN-001"]
    assert [f.session_id for f in findings] == ["s2"]  # 03-09 is after the 03-02 due date
    assert findings[0].path == "$.courses[0].treatment_plan.next_review_on"
    reviewed = {**PLAN, "reviewed_on": ["2026-03-02"], "next_review_on": "2026-03-02"}
    assert not [f for f in evaluate(_doc(reviewed)) if f.code == "KAP-PLAN-001"]


def test_the_treatment_plan_note_and_the_progress_note_show_progress():
    doc = _doc()
    course = doc.courses[0]
    ctx = NoteContext(session=course.sessions[2], course=course, client=doc.clients[0],
                      clinicians={c.id: c for c in doc.clinicians})
    note = registry().note_formats.get("treatment-plan").build(ctx)
    text = "\n".join(note.iter_text())
    assert "Progress as of 2026-03-09" in text
    assert "PHQ-9 < 10 by 2026-04-01" in text and "met" in text and "not met" in text
    assert "Next review" in text and "2026-03-02 (OVERDUE)" in text
    assert "Sam Ortiz, 2026-02-02" in text
    soap = registry().note_formats.get("soap").build(ctx)
    plan_blocks = "\n".join(t for t in soap.iter_text())
    assert "Treatment plan objectives" in plan_blocks and "GAD-7 < 5 by 2026-03-01" in plan_blocks
