"""The demo bills: every demo session's suggested lines match what it records, the only
findings are the flags on the unverified psychedelic-monitoring codes, and ``kapnotes bill
--json`` gives them for a demo session."""

from __future__ import annotations

from kapnotes.billing import bill
from kapnotes.synthetic import build_document
from tests.billing.builders import codes


def test_every_demo_session_bills_what_it_records():
    doc = build_document()
    for course in doc.courses:
        for s in course.sessions:
            result = bill(doc, s.id)
            assert s.service_lines, s.id
            assert [(x.line.code, x.line.units) for x in result.lines] == [
                (x.code, x.units) for x in s.service_lines], s.id
            flagged = {x.line.code for x in result.lines if not x.verified}
            assert flagged <= {"0820T", "0821T", "0822T"}, s.id
            assert [f.code for f in result.findings] == ["KAP-BILL-001"] * len(flagged), s.id


def test_bill_json_of_a_demo_follow_up(tmp_path):
    from kapnotes.serialization import to_data
    from tests.billing.builders import bill_json

    data = to_data(build_document(clients=1))
    b = bill_json(tmp_path, data, "cl-001-follow-01")
    assert codes(b) == [("99213", 1), ("90833", 1), ("96127", 2)]
    assert all(x["reason"] and "[ref:" in x["source"] for x in b["lines"])
